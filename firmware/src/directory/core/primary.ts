// The SM's side of the one total order: checks each write against the latest state (committed plus still
// committing), gives it the next change sequence number (CSN) and stages its entry writes in the overlay.
// The I/O around it (group commit, multicast, client answers) lives in ../service/sm-directory.ts.
import type { Change, ChangeOp, ChangeOrigin } from "../model/types.js";
import type { EntryWrite } from "../store/store.js";
import { applyOp, type TreeContext } from "./apply-op.js";
import type { OverlayView } from "./view.js";

export interface PreparedChange {
  change: Change;
  writes: EntryWrite[];
}

export class DirectoryPrimary {
  private nextCsn: number;

  constructor(
    private readonly ctx: TreeContext,
    readonly view: OverlayView,
  ) {
    this.nextCsn = view.store.lastCsn() + 1;
  }

  /** Validates and numbers one operation; throws LdapError and changes nothing when it is refused. */
  prepare(op: ChangeOp, origin: ChangeOrigin, time: number): PreparedChange {
    const writes = applyOp(this.ctx, this.view, op);
    const change: Change = { csn: this.nextCsn++, time, origin, op };
    this.view.stage(writes);
    return { change, writes };
  }

  /** After a failed commit: forget every staged change; numbering resumes after the store's last CSN. */
  reset(): void {
    this.view.clear();
    this.nextCsn = this.view.store.lastCsn() + 1;
  }
}
