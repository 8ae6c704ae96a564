// The SM's table of replicas, from their once-a-second replica-status reports: what each holds durably
// and how far it lags behind the SM's last change.
export interface ReplicaReport {
  node: number;
  name: string;
  have: number;
  lag: number;
  entries: number;
  ageMs: number;
}

interface Row {
  name: string;
  have: number;
  entries: number;
  at: number;
}

export class ReplicaTable {
  private readonly rows = new Map<number, Row>();

  report(node: number, name: string, have: number, entries: number, now: number): void {
    this.rows.set(node, { name, have, entries, at: now });
  }

  forget(node: number): void {
    this.rows.delete(node);
  }

  list(lastCsn: number, now: number): ReplicaReport[] {
    return [...this.rows]
      .sort(([a], [b]) => a - b)
      .map(([node, r]) => ({
        node,
        name: r.name,
        have: r.have,
        lag: Math.max(0, lastCsn - r.have),
        entries: r.entries,
        ageMs: now - r.at,
      }));
  }
}
