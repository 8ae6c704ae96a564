// The boundary between bytes and frames for one endpoint: decodes and authenticates inbound datagrams,
// refuses replays, counts and reports every rejection; encodes outbound frames with the packet counter.
import { decodeFrame, type RejectReason } from "../codec/decode.js";
import { encodeFrame } from "../codec/encode.js";
import { FrameType, type Frame } from "../codec/frames.js";
import type { Keyring } from "../codec/keyring.js";
import { ReplayGuard } from "../core/replay-guard.js";
import type { Address, Counters } from "../core/types.js";

export type Rejection = RejectReason | "replayed" | "old-incarnation";

export class FrameGate {
  private packetNumber = 0;
  private readonly replay = new ReplayGuard();

  constructor(
    private readonly keyring: Keyring,
    private readonly counters: Counters,
    private readonly onReject: (reason: Rejection, from: Address, bytes: number) => void,
  ) {}

  encode(frame: Frame): Buffer {
    return encodeFrame(frame, ++this.packetNumber, this.keyring);
  }

  decode(buf: Buffer, from: Address): Frame | undefined {
    const result = decodeFrame(buf, this.keyring);
    if (!result.ok) {
      if (result.reason === "auth" || result.reason === "unknown-key") this.counters.authFailures++;
      else this.counters.rejectedFrames++;
      this.onReject(result.reason, from, buf.length);
      return undefined;
    }
    const f = result.frame;
    const verdict = this.replay.check(f.source, f.incarnation, result.packetNumber);
    if (verdict !== "fresh") {
      this.counters.replayedFrames++;
      this.onReject(verdict, from, buf.length);
      return undefined;
    }
    if (f.type === FrameType.Announce)
      for (const m of f.members) this.replay.noteIncarnation(m.id, m.incarnation);
    return f;
  }
}
