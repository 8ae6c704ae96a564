// The SM's side of multicast management, sans I/O: it numbers each request, remembers which members must
// answer and collects one response per member (a second one from the same member is counted, not kept);
// a request ends when every expected member answered or its deadline passed, naming the members that
// did not answer. The caller sends the encoded request (again to the members it still waits for, when
// a response may have been lost) and feeds responses and the clock in.
import type { Varbind } from "../mib/types.js";
import { encodeRequest, type MulticastResponse } from "./codec.js";

export interface Member {
  id: number;
  name: string;
}

export interface MemberResult extends Member {
  errorStatus: number;
  errorIndex: number;
  varbinds: Varbind[];
}

export interface Outcome {
  requestId: number;
  results: MemberResult[];
  missing: Member[];
  /** Responses that came again from a member that had already answered (dropped). */
  duplicates: number;
}

interface Pending {
  pduType: number;
  varbinds: Varbind[];
  expected: Map<number, Member>;
  results: Map<number, MemberResult>;
  deadline: number;
  duplicates: number;
}

export class Coordinator {
  private nextId: number;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly selfId: number,
    firstId = 1,
  ) {
    this.nextId = firstId >>> 0 || 1;
  }

  /** Starts a request to `members` (all, or the named subset, resolved by the caller). */
  start(
    pduType: number,
    varbinds: Varbind[],
    members: readonly Member[],
    targets: number[],
    deadline: number,
  ): { requestId: number; payload: Buffer } {
    const requestId = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    const payload = encodeRequest({ requestId, pduType, targets, varbinds });
    this.pending.set(requestId, {
      pduType,
      varbinds,
      expected: new Map(members.map((m) => [m.id, m])),
      results: new Map(),
      deadline,
      duplicates: 0,
    });
    return { requestId, payload };
  }

  /** Takes a response from member `source`; returns the outcome when it was the last one awaited. */
  onResponse(source: number, response: MulticastResponse): Outcome | null {
    if (response.requester !== this.selfId) return null;
    const p = this.pending.get(response.requestId);
    const member = p?.expected.get(source);
    if (!p || !member) return null;
    if (p.results.has(source)) {
      p.duplicates++;
      return null;
    }
    p.results.set(source, { ...member, ...response });
    return p.results.size === p.expected.size ? this.finish(response.requestId, p) : null;
  }

  /** The request again, for the expected members that have not answered yet; null when none are left. */
  again(requestId: number): Buffer | null {
    const p = this.pending.get(requestId);
    const targets = p ? [...p.expected.keys()].filter((id) => !p.results.has(id)) : [];
    if (!p || targets.length === 0) return null;
    return encodeRequest({ requestId, pduType: p.pduType, targets, varbinds: p.varbinds });
  }

  /** Ends the requests whose deadline passed. */
  expire(now: number): Outcome[] {
    const out: Outcome[] = [];
    for (const [id, p] of this.pending) if (p.deadline <= now) out.push(this.finish(id, p));
    return out;
  }

  /** The earliest deadline of the requests in flight (Infinity when none). */
  nextDeadline(): number {
    let at = Infinity;
    for (const p of this.pending.values()) at = Math.min(at, p.deadline);
    return at;
  }

  private finish(requestId: number, p: Pending): Outcome {
    this.pending.delete(requestId);
    const results = [...p.results.values()]
      .map(({ id, name, errorStatus, errorIndex, varbinds }) => ({
        id,
        name,
        errorStatus,
        errorIndex,
        varbinds,
      }))
      .sort((a, b) => a.id - b.id);
    const missing = [...p.expected.values()].filter((m) => !p.results.has(m.id)).sort((a, b) => a.id - b.id);
    return { requestId, results, missing, duplicates: p.duplicates };
  }
}
