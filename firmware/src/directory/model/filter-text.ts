// The string form of search filters (RFC 4515): parsing into the Filter tree, with `\XX` escapes (UTF-8),
// substrings, extensible match (`attr:dn:rule:=value`), the absolute true and false filters `(&)` and `(|)`
// (RFC 4526), and formatting back so that parseFilter(formatFilter(f)) equals f. A filter without the outer
// parentheses ("cn=x") is accepted, as ldapsearch does. Pure.

import { LdapError, ResultCode, type Filter } from "./types.js";

const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9-]*|(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*)(?:;[A-Za-z0-9-]+)*$/;
const RULE = /^(?:[A-Za-z][A-Za-z0-9-]*|(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*)$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

class FilterParser {
  private i = 0;
  constructor(private readonly text: string) {}

  fail(why: string, at = this.i): never {
    throw new LdapError(ResultCode.protocolError, `bad search filter at position ${at}: ${why}`);
  }

  parse(): Filter {
    this.skipSpaces();
    const f = this.text[this.i] === "(" ? this.filter() : this.item(true);
    this.skipSpaces();
    if (this.i < this.text.length) this.fail("text after the filter");
    return f;
  }

  private skipSpaces(): void {
    while (this.text[this.i] === " ") this.i++;
  }

  private expect(c: string): void {
    if (this.text[this.i] !== c) this.fail(`expected "${c}"`);
    this.i++;
  }

  private filter(): Filter {
    this.expect("(");
    let f: Filter;
    const c = this.text[this.i];
    if (c === "&" || c === "|") {
      this.i++;
      const filters = this.list();
      f = c === "&" ? { type: "and", filters } : { type: "or", filters };
    } else if (c === "!") {
      this.i++;
      this.skipSpaces();
      f = { type: "not", filter: this.filter() };
      this.skipSpaces();
    } else {
      f = this.item(false);
    }
    this.expect(")");
    return f;
  }

  private list(): Filter[] {
    const filters: Filter[] = [];
    for (this.skipSpaces(); this.text[this.i] === "("; this.skipSpaces()) filters.push(this.filter());
    return filters;
  }

  /** attr=value, attr~=, attr>=, attr<=, attr=*, substrings, or extensible match; up to ")" or the end. */
  private item(bare: boolean): Filter {
    const start = this.i;
    while (this.i < this.text.length && !"=~<>:()".includes(this.text[this.i] ?? "")) this.i++;
    const attribute = this.text.slice(start, this.i);
    const op = this.text[this.i];
    if (op === ":") return this.extensible(attribute, bare);
    if (!ATTRIBUTE.test(attribute)) this.fail("bad attribute description", start);
    if (op === "~" || op === ">" || op === "<") {
      this.i++;
      this.expect("=");
      const value = this.value(bare, false)[0] ?? "";
      const type = op === "~" ? "approx" : op === ">" ? "ge" : "le";
      return { type, attribute, value };
    }
    this.expect("=");
    const valueStart = this.i;
    const parts = this.value(bare, true);
    if (parts.length === 1) return { type: "equal", attribute, value: parts[0] ?? "" };
    if (parts.length === 2 && parts[0] === "" && parts[1] === "") return { type: "present", attribute };
    const initial = parts[0] ?? "";
    const final = parts[parts.length - 1] ?? "";
    const any = parts.slice(1, -1);
    if (any.some((a) => a === "")) this.fail("empty substring (**)", valueStart);
    return {
      type: "substring",
      attribute,
      ...(initial === "" ? {} : { initial }),
      any,
      ...(final === "" ? {} : { final }),
    };
  }

  private extensible(attribute: string, bare: boolean): Filter {
    const start = this.i;
    if (attribute !== "" && !ATTRIBUTE.test(attribute)) this.fail("bad attribute description", start);
    let dnAttributes = false;
    let rule: string | undefined;
    while (this.text.startsWith(":", this.i) && !this.text.startsWith(":=", this.i)) {
      this.i++;
      const wordStart = this.i;
      while (this.i < this.text.length && !":=()".includes(this.text[this.i] ?? "")) this.i++;
      const word = this.text.slice(wordStart, this.i);
      if (word.toLowerCase() === "dn" && !dnAttributes && rule === undefined) dnAttributes = true;
      else if (rule === undefined && RULE.test(word)) rule = word;
      else this.fail(`bad extensible match part "${word}"`, wordStart);
    }
    this.expect(":");
    this.expect("=");
    if (attribute === "" && rule === undefined)
      this.fail("extensible match needs an attribute or a rule", start);
    const value = this.value(bare, false)[0] ?? "";
    return {
      type: "ext",
      ...(attribute === "" ? {} : { attribute }),
      ...(rule === undefined ? {} : { rule }),
      value,
      dnAttributes,
    };
  }

  /** A value up to ")" (or the end for a bare filter), unescaped; split at unescaped "*" when stars are allowed. */
  private value(bare: boolean, stars: boolean): string[] {
    const parts: string[] = [];
    let bytes: number[] = [];
    const cut = () => {
      try {
        parts.push(utf8.decode(Uint8Array.from(bytes)));
      } catch {
        this.fail("value is not UTF-8");
      }
      bytes = [];
    };
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) {
        if (!bare) this.fail("missing )");
        break;
      }
      if (c === ")") break;
      if (c === "(") this.fail('unescaped "(" in a value');
      if (c === "*") {
        if (!stars) this.fail('unescaped "*" in a value');
        cut();
        this.i++;
      } else if (c === "\\") {
        const pair = this.text.slice(this.i + 1, this.i + 3);
        if (!HEX_PAIR.test(pair)) this.fail("a backslash must be followed by two hex digits");
        bytes.push(parseInt(pair, 16));
        this.i += 3;
      } else {
        const cp = this.text.codePointAt(this.i) ?? 0;
        if (cp === 0) this.fail("NUL in a value");
        const ch = String.fromCodePoint(cp);
        for (const b of encoder.encode(ch)) bytes.push(b);
        this.i += ch.length;
      }
    }
    cut();
    return parts;
  }
}

/** Parses an RFC 4515 filter string. Throws LdapError(protocolError) naming the position of the problem. */
export function parseFilter(text: string): Filter {
  return new FilterParser(text).parse();
}

const escapeValue = (v: string): string =>
  v.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, "0")}`);

/** The RFC 4515 string of a filter. */
export function formatFilter(filter: Filter): string {
  switch (filter.type) {
    case "and":
      return `(&${filter.filters.map(formatFilter).join("")})`;
    case "or":
      return `(|${filter.filters.map(formatFilter).join("")})`;
    case "not":
      return `(!${formatFilter(filter.filter)})`;
    case "equal":
      return `(${filter.attribute}=${escapeValue(filter.value)})`;
    case "approx":
      return `(${filter.attribute}~=${escapeValue(filter.value)})`;
    case "ge":
      return `(${filter.attribute}>=${escapeValue(filter.value)})`;
    case "le":
      return `(${filter.attribute}<=${escapeValue(filter.value)})`;
    case "present":
      return `(${filter.attribute}=*)`;
    case "substring": {
      const middle = filter.any.map((a) => `${escapeValue(a)}*`).join("");
      return `(${filter.attribute}=${escapeValue(filter.initial ?? "")}*${middle}${escapeValue(filter.final ?? "")})`;
    }
    case "ext":
      return `(${filter.attribute ?? ""}${filter.dnAttributes ? ":dn" : ""}${filter.rule === undefined ? "" : `:${filter.rule}`}:=${escapeValue(filter.value)})`;
  }
}
