// Parses LDIF (RFC 2849) text into content records (entries) and change records (add, delete, modify with
// add/delete/replace). Handles folded lines, comments, `version: 1` and base64 values; rejects URL values,
// controls and renames (modrdn/moddn) with a clear message. Every error names its line. Pure; no I/O.
import type { Attributes, ChangeOp, Modification } from "../model/types.js";
import { LdifError, type LdifRecord } from "./record.js";

interface Line {
  text: string;
  line: number;
}

interface Spec {
  name: string;
  value: string;
  line: number;
}

const attributeDescription = /^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)(?:;[A-Za-z0-9-]+)*$/;
const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Joins folded lines and drops comments; an empty Line marks a record boundary. */
function logicalLines(text: string): Line[] {
  const out: Line[] = [];
  let inComment = false;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.startsWith(" ")) {
      if (inComment) return;
      const previous = out[out.length - 1];
      if (previous === undefined || previous.text === "")
        throw new LdifError(
          line,
          "a continuation line (starting with a space) must follow a line it continues",
        );
      previous.text += raw.slice(1);
      return;
    }
    inComment = raw.startsWith("#");
    if (!inComment) out.push({ text: raw, line });
  });
  return out;
}

function records(lines: Line[]): Line[][] {
  const groups: Line[][] = [];
  let current: Line[] = [];
  for (const l of lines) {
    if (l.text === "") {
      if (current.length > 0) groups.push(current);
      current = [];
    } else current.push(l);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function decodeBase64(encoded: string, line: number): string {
  if (encoded.length % 4 !== 0 || !base64Text.test(encoded))
    throw new LdifError(line, "the value after '::' is not valid base64");
  try {
    return utf8.decode(Buffer.from(encoded, "base64"));
  } catch {
    throw new LdifError(line, "the base64 value is not UTF-8 text (binary values are not supported)");
  }
}

function spec(l: Line): Spec {
  const colon = l.text.indexOf(":");
  if (colon <= 0) throw new LdifError(l.line, `expected 'attribute: value', found '${l.text}'`);
  const name = l.text.slice(0, colon);
  if (!attributeDescription.test(name)) throw new LdifError(l.line, `'${name}' is not an attribute name`);
  const rest = l.text.slice(colon + 1);
  if (rest.startsWith("<"))
    throw new LdifError(
      l.line,
      `URL values ('${name}:< ${rest.slice(1).trim()}') are not supported; put the value inline or base64 it with '::'`,
    );
  if (rest.startsWith(":")) return { name, value: decodeBase64(rest.slice(1).trim(), l.line), line: l.line };
  return { name, value: rest.replace(/^ +/, ""), line: l.line };
}

function isNamed(s: Spec, name: string): boolean {
  return s.name.toLowerCase() === name;
}

function collectAttributes(specs: Spec[]): Attributes {
  const attributes: Attributes = {};
  const keys = new Map<string, string>();
  for (const s of specs) {
    const lower = s.name.toLowerCase();
    const key = keys.get(lower) ?? s.name;
    keys.set(lower, key);
    (attributes[key] ??= []).push(s.value);
  }
  return attributes;
}

function parseModify(dn: string, specs: Spec[]): ChangeOp {
  const modifications: Modification[] = [];
  let i = 0;
  while (i < specs.length) {
    const head = specs[i++] as Spec;
    const operation = head.name.toLowerCase();
    if (operation !== "add" && operation !== "delete" && operation !== "replace")
      throw new LdifError(head.line, `expected 'add:', 'delete:' or 'replace:', found '${head.name}:'`);
    const attribute = head.value.trim();
    if (!attributeDescription.test(attribute))
      throw new LdifError(head.line, `'${attribute}' is not an attribute name`);
    const values: string[] = [];
    for (let s = specs[i]; s !== undefined && s.name !== "-"; s = specs[++i]) {
      if (!isNamed(s, attribute.toLowerCase()))
        throw new LdifError(s.line, `expected a value of '${attribute}' or '-', found '${s.name}:'`);
      values.push(s.value);
    }
    i++;
    if (operation === "add" && values.length === 0)
      throw new LdifError(head.line, `'add: ${attribute}' needs at least one value`);
    modifications.push({ operation, attribute, values });
  }
  return { type: "modify", dn, modifications };
}

function parseChange(dn: string, type: Spec, specs: Spec[]): ChangeOp {
  switch (type.value.trim().toLowerCase()) {
    case "add":
      if (specs.length === 0) throw new LdifError(type.line, "an add record needs at least one attribute");
      return { type: "add", dn, attributes: collectAttributes(specs) };
    case "delete":
      if (specs[0] !== undefined) throw new LdifError(specs[0].line, "a delete record has no further lines");
      return { type: "delete", dn };
    case "modify":
      return parseModify(dn, specs);
    case "modrdn":
    case "moddn":
      throw new LdifError(
        type.line,
        "changetype modrdn/moddn (rename) is not supported; add the entry under its new name and delete the old one",
      );
    default:
      throw new LdifError(type.line, `unknown changetype '${type.value.trim()}'`);
  }
}

function parseRecord(lines: Line[]): LdifRecord {
  const specs = lines.map((l) => (l.text === "-" ? { name: "-", value: "", line: l.line } : spec(l)));
  const [dnSpec, next, ...rest] = specs;
  if (dnSpec === undefined || !isNamed(dnSpec, "dn"))
    throw new LdifError(lines[0]?.line ?? 0, "a record must start with 'dn:'");
  const dn = dnSpec.value;
  if (next !== undefined && isNamed(next, "control"))
    throw new LdifError(next.line, "LDIF controls ('control:') are not supported");
  if (next !== undefined && isNamed(next, "changetype"))
    return { kind: "change", change: parseChange(dn, next, rest), line: dnSpec.line };
  const attributeSpecs = specs.slice(1);
  const dash = attributeSpecs.find((s) => s.name === "-");
  if (dash) throw new LdifError(dash.line, "'-' belongs in a changetype: modify record");
  return { kind: "entry", entry: { dn, attributes: collectAttributes(attributeSpecs) }, line: dnSpec.line };
}

/** Parses LDIF text; throws LdifError with the line number on the first syntax error. */
export function parseLdif(text: string): LdifRecord[] {
  const groups = records(logicalLines(text));
  const first = groups[0]?.[0];
  if (first !== undefined && /^version:/i.test(first.text)) {
    const version = first.text.slice("version:".length).trim();
    if (version !== "1") throw new LdifError(first.line, `unsupported LDIF version '${version}' (only 1)`);
    (groups[0] as Line[]).shift();
  }
  return groups.filter((g) => g.length > 0).map(parseRecord);
}
