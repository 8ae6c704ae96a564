// Writes entries and change records as LDIF (RFC 2849): base64 (`::`) for every value that is not a
// SAFE-STRING (non-ASCII, NUL/CR/LF, a leading space, ':' or '<', a trailing space), lines folded at 76
// columns, a blank line after each record (the layout of `ldapsearch -LLL`). Pure; no I/O.
import type { ChangeOp, Entry } from "../model/types.js";
import type { LdifRecord } from "./record.js";

const lineWidth = 76;

function needsBase64(value: string): boolean {
  if (value === "") return false;
  if (/^[ :<]/.test(value) || value.endsWith(" ")) return true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 10 || c === 13 || c > 127) return true;
  }
  return false;
}

function fold(line: string): string {
  if (line.length <= lineWidth) return line;
  const parts = [line.slice(0, lineWidth)];
  for (let i = lineWidth; i < line.length; i += lineWidth - 1)
    parts.push(" " + line.slice(i, i + lineWidth - 1));
  return parts.join("\n");
}

function attrLine(name: string, value: string): string {
  if (needsBase64(value)) return fold(`${name}:: ${Buffer.from(value, "utf8").toString("base64")}`);
  return fold(value === "" ? `${name}:` : `${name}: ${value}`);
}

function entryLines(entry: Entry): string[] {
  const lines = [attrLine("dn", entry.dn)];
  for (const [name, values] of Object.entries(entry.attributes))
    for (const value of values) lines.push(attrLine(name, value));
  return lines;
}

function changeLines(change: ChangeOp): string[] {
  const lines = [attrLine("dn", change.dn), `changetype: ${change.type}`];
  if (change.type === "add")
    for (const [name, values] of Object.entries(change.attributes))
      for (const value of values) lines.push(attrLine(name, value));
  if (change.type === "modify")
    for (const m of change.modifications) {
      lines.push(`${m.operation}: ${m.attribute}`);
      for (const value of m.values) lines.push(attrLine(m.attribute, value));
      lines.push("-");
    }
  return lines;
}

function recordLines(item: LdifRecord | Entry): string[] {
  if (!("kind" in item)) return entryLines(item);
  return item.kind === "entry" ? entryLines(item.entry) : changeLines(item.change);
}

/** LDIF text of records or plain entries, each followed by a blank line. */
export function formatLdif(items: readonly (LdifRecord | Entry)[]): string {
  return items.map((item) => recordLines(item).join("\n") + "\n\n").join("");
}
