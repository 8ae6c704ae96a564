// ldapjs hands DNs back re-escaped by RFC 4514's hex form (`cn=\c3\a9`, `\2c`); this turns them back into the
// readable form (UTF-8 characters, `\,` for the special ones) that `ldapsearch` shows. Pure.
const special = new Set(['"', "+", ",", ";", "<", ">", "\\", "#", " "]);

export function readableDn(dn: string): string {
  return dn.replace(/((?:\\[0-9a-fA-F]{2})+)|(\\.)/g, (match, hex: string | undefined) => {
    if (hex === undefined) return match;
    const bytes = Buffer.from(hex.replace(/\\/g, ""), "hex");
    const text = bytes.toString("utf8");
    if (Buffer.from(text, "utf8").equals(bytes) === false) return match;
    return [...text].map((c) => (special.has(c) || c < " " ? `\\${c < " " ? hexOf(c) : c}` : c)).join("");
  });
}

function hexOf(c: string): string {
  return c.charCodeAt(0).toString(16).padStart(2, "0");
}
