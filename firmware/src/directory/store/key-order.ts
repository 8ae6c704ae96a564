// The one key order of the store: Unicode code point order, which is also the byte order of the keys' UTF-8
// (lmdb's order). JavaScript's `<` orders UTF-16 code units, which differs for characters beyond U+FFFF
// against U+E000..U+FFFF. Pure.

/** Maps a UTF-16 code unit so that code unit order becomes code point order. */
function rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}
