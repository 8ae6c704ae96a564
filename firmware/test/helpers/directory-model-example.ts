// Test fixture of the directory-model tests: the example LAN (firmware/schema/example-lan.ldif) read with a
// few lines of LDIF handling (folded lines, comments, `::` base64), independent of the LDIF module.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Entry } from "../../src/directory/model/types.js";

export const repo = fileURLToPath(new URL("../../../../", import.meta.url));
export const exampleLdifFile = `${repo}firmware/schema/example-lan.ldif`;
export const schemaFile = `${repo}firmware/schema/iss.schema`;
export const suffix = "dc=lan1,dc=iss,dc=example";

/** Entries of an LDIF content file, attribute names as written. */
export function readLdif(text: string): Entry[] {
  const lines = text.replace(/\r?\n /g, "").split(/\r?\n/);
  const entries: Entry[] = [];
  let current: Entry | undefined;
  for (const line of lines) {
    if (line === "") current = undefined;
    else if (line.startsWith("#") || line.startsWith("version:")) continue;
    else {
      const m = /^([^:]+)(::?) ?(.*)$/.exec(line);
      if (!m?.[1]) throw new Error(`not LDIF: ${line}`);
      const value = m[2] === "::" ? Buffer.from(m[3] ?? "", "base64").toString("utf8") : (m[3] ?? "");
      if (m[1] === "dn") entries.push((current = { dn: value, attributes: {} }));
      else if (current) (current.attributes[m[1]] ??= []).push(value);
    }
  }
  return entries;
}

export const exampleEntries = (): Entry[] => readLdif(readFileSync(exampleLdifFile, "utf8"));

/** A deep copy, so a test can change an example entry without touching the fixture. */
export const copy = (e: Entry): Entry => ({
  dn: e.dn,
  attributes: Object.fromEntries(Object.entries(e.attributes).map(([k, v]) => [k, [...v]])),
});

export function entry(entries: Entry[], dnStart: string): Entry {
  const e = entries.find((x) => x.dn.startsWith(dnStart));
  if (!e) throw new Error(`no example entry ${dnStart}`);
  return copy(e);
}
