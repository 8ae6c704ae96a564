// The daemon's local control protocol: JSON objects, one per line, over a Unix stream socket.
// Request  {"id": 1, "op": "status", ...args}
// Reply    {"id": 1, "ok": true, "result": ...} or {"id": 1, "ok": false, "error": "..."}
// A subscription ({"op": "subscribe", "topic": "..."}) is answered with {"id", "ok": true} and then with
// {"id", "event": ...} lines until the client closes the connection.

export interface ControlRequest {
  id: number;
  op: string;
  [arg: string]: unknown;
}

export type ControlReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { id: number; event: unknown };

export const maxLineBytes = 64 * 1024 * 1024;

export function parseRequest(line: string): ControlRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "request is not JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "request must be an object";
  const req = value as Record<string, unknown>;
  if (typeof req.id !== "number" || !Number.isSafeInteger(req.id)) return "request.id must be an integer";
  if (typeof req.op !== "string") return "request.op must be a string";
  return req as ControlRequest;
}
