// String preparation for the string matching rules (a practical subset of RFC 4518): Unicode NFKC for
// non-ASCII text, insignificant space handling (leading and trailing white space removed, inner runs collapsed
// to one space), and case folding for the caseIgnore rules. Pure, and cheap on the common ASCII case.

const NON_ASCII = /[^\p{ASCII}]/u;
const SPACE_RUN = /\s+/g;
/** True when collapsing would change something: two white space characters in a row, or one that is not " ". */
const NEEDS_COLLAPSE = /\s\s|[^\S ]/;

function collapse(value: string): string {
  return NEEDS_COLLAPSE.test(value) ? value.replace(SPACE_RUN, " ") : value;
}

function unicode(value: string): string {
  return NON_ASCII.test(value) ? value.normalize("NFKC") : value;
}

/** caseExact* rules: white space handled, case kept. */
export function prepareExact(value: string): string {
  return collapse(unicode(value).trim());
}

/** caseIgnore* rules: white space handled, case folded. */
export function prepareIgnore(value: string): string {
  return prepareExact(value).toLowerCase();
}

/** A substring assertion component: inner runs collapsed but not trimmed, so " rack a" still needs a space. */
export function prepareSubstring(value: string, ignoreCase: boolean): string {
  const s = collapse(unicode(value));
  return ignoreCase ? s.toLowerCase() : s;
}

export function isAscii(value: string): boolean {
  return !NON_ASCII.test(value);
}
