// Parser of OpenLDAP schema files (slapd.conf `include` format): `objectidentifier` macros and `attributetype`
// and `objectclass` definitions in the description syntax of RFC 4512 section 4.1. Pure: text in, definitions out.

export interface AttributeTypeDef {
  oid: string;
  names: string[];
  sup?: string;
  equality?: string;
  ordering?: string;
  substr?: string;
  syntax?: string;
  /** The `{n}` bound after the syntax OID. */
  maxLength?: number;
  singleValue: boolean;
}

export type ObjectClassKind = "ABSTRACT" | "STRUCTURAL" | "AUXILIARY";

export interface ObjectClassDef {
  oid: string;
  names: string[];
  sup: string[];
  kind: ObjectClassKind;
  must: string[];
  may: string[];
}

export interface SchemaDefs {
  attributeTypes: AttributeTypeDef[];
  objectClasses: ObjectClassDef[];
}

interface Statement {
  line: number;
  text: string;
}

/** Lines that start with white space continue the statement above; `#` lines are comments. */
function statements(text: string): Statement[] {
  const out: Statement[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*#/.test(line) || line.trim() === "") return;
    const last = out[out.length - 1];
    if (/^\s/.test(line) && last) last.text += ` ${line.trim()}`;
    else out.push({ line: i + 1, text: line.trim() });
  });
  return out;
}

const TOKEN = /\s*(\(|\)|\$|'(?:[^'\\]|\\.)*'|[^\s()$']+)/y;

function tokenize(text: string, fail: (msg: string) => never): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m?.[1]) {
      if (text.slice(start).trim() === "") break;
      fail(`cannot read "${text.slice(start, start + 20)}"`);
    }
    tokens.push(m[1]);
  }
  return tokens;
}

/** A definition's tokens after its opening parenthesis, read front to back. */
class Tokens {
  private i = 0;
  constructor(
    private readonly tokens: string[],
    readonly fail: (msg: string) => never,
  ) {}

  next(): string {
    const t = this.tokens[this.i++];
    if (t === undefined) this.fail("unexpected end of definition");
    return t;
  }

  peek(): string | undefined {
    return this.tokens[this.i];
  }

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  /** qdescrs / qdstrings: one quoted string or a parenthesized list of them. */
  quotedList(): string[] {
    const t = this.next();
    if (t !== "(") return [unquote(t, this.fail)];
    const out: string[] = [];
    for (let q = this.next(); q !== ")"; q = this.next()) out.push(unquote(q, this.fail));
    return out;
  }

  /** oids: one oid or a parenthesized `$`-separated list. */
  oidList(): string[] {
    const t = this.next();
    if (t !== "(") return [bareOrQuoted(t, this.fail)];
    const out: string[] = [];
    for (let q = this.next(); q !== ")"; q = this.next()) if (q !== "$") out.push(bareOrQuoted(q, this.fail));
    return out;
  }
}

function unquote(token: string, fail: (msg: string) => never): string {
  if (!token.startsWith("'") || !token.endsWith("'") || token.length < 2)
    fail(`expected a quoted string: ${token}`);
  return token
    .slice(1, -1)
    .replace(/\\(27|5c)/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function bareOrQuoted(token: string, fail: (msg: string) => never): string {
  if (token === "(" || token === ")" || token === "$") fail(`expected an OID or name, got ${token}`);
  return token.startsWith("'") ? unquote(token, fail) : token;
}

class MacroTable {
  private readonly macros = new Map<string, string>();

  define(name: string, value: string): void {
    this.macros.set(name.toLowerCase(), this.expand(value));
  }

  /** `issAttr:1` -> `1.3.6.1.4.1.32473.77.1.1`; a bare macro name -> its OID; anything else unchanged. */
  expand(oid: string): string {
    const colon = oid.indexOf(":");
    if (colon < 0) return this.macros.get(oid.toLowerCase()) ?? oid;
    const base = this.macros.get(oid.slice(0, colon).toLowerCase());
    return base === undefined ? oid : `${base}.${oid.slice(colon + 1)}`;
  }
}

function readHead(tokens: Tokens, macros: MacroTable): string {
  if (tokens.next() !== "(") tokens.fail("a definition starts with (");
  const oid = macros.expand(tokens.next());
  if (!/^\d+(\.\d+)*$/.test(oid)) tokens.fail(`not a numeric OID or known macro: ${oid}`);
  return oid;
}

/** Skips what a keyword carries when this parser has no use for it (DESC, X-extensions, USAGE, ...). */
function skipValue(tokens: Tokens, keyword: string): void {
  if (keyword === "OBSOLETE" || keyword === "COLLECTIVE" || keyword === "NO-USER-MODIFICATION") return;
  if (keyword === "DESC" || keyword.startsWith("X-")) tokens.quotedList();
  else if (keyword === "USAGE") tokens.next();
  else tokens.fail(`unknown keyword ${keyword}`);
}

function readAttributeType(tokens: Tokens, macros: MacroTable): AttributeTypeDef {
  const def: AttributeTypeDef = { oid: readHead(tokens, macros), names: [], singleValue: false };
  for (let k = tokens.next(); k !== ")"; k = tokens.next()) {
    switch (k.toUpperCase()) {
      case "NAME":
        def.names = tokens.quotedList();
        break;
      case "SUP":
        def.sup = macros.expand(tokens.next());
        break;
      case "EQUALITY":
        def.equality = tokens.next();
        break;
      case "ORDERING":
        def.ordering = tokens.next();
        break;
      case "SUBSTR":
        def.substr = tokens.next();
        break;
      case "SYNTAX": {
        const m = /^([^{]+)(?:\{(\d+)\})?$/.exec(bareOrQuoted(tokens.next(), tokens.fail));
        if (!m?.[1]) tokens.fail("bad SYNTAX");
        def.syntax = macros.expand(m[1]);
        if (m[2] !== undefined) def.maxLength = Number(m[2]);
        break;
      }
      case "SINGLE-VALUE":
        def.singleValue = true;
        break;
      default:
        skipValue(tokens, k.toUpperCase());
    }
  }
  if (!tokens.done()) tokens.fail("text after the closing parenthesis");
  return def;
}

function readObjectClass(tokens: Tokens, macros: MacroTable): ObjectClassDef {
  const def: ObjectClassDef = {
    oid: readHead(tokens, macros),
    names: [],
    sup: [],
    kind: "STRUCTURAL",
    must: [],
    may: [],
  };
  for (let k = tokens.next(); k !== ")"; k = tokens.next()) {
    const keyword = k.toUpperCase();
    if (keyword === "NAME") def.names = tokens.quotedList();
    else if (keyword === "SUP") def.sup = tokens.oidList().map((o) => macros.expand(o));
    else if (keyword === "MUST") def.must = tokens.oidList();
    else if (keyword === "MAY") def.may = tokens.oidList();
    else if (keyword === "ABSTRACT" || keyword === "STRUCTURAL" || keyword === "AUXILIARY")
      def.kind = keyword;
    else skipValue(tokens, keyword);
  }
  if (!tokens.done()) tokens.fail("text after the closing parenthesis");
  return def;
}

/** Parses one schema file. Throws an Error naming `source` and the line of the first problem. */
export function parseSchemaText(text: string, source = "schema"): SchemaDefs {
  const defs: SchemaDefs = { attributeTypes: [], objectClasses: [] };
  const macros = new MacroTable();
  for (const st of statements(text)) {
    const fail: (msg: string) => never = (msg) => {
      throw new Error(`${source}:${st.line}: ${msg}`);
    };
    const m = /^(\S+)\s*(.*)$/.exec(st.text);
    const keyword = (m?.[1] ?? "").toLowerCase();
    const rest = m?.[2] ?? "";
    if (keyword === "objectidentifier") {
      const [name, value, extra] = rest.split(/\s+/);
      if (!name || !value || extra !== undefined) fail("objectidentifier takes a name and an OID");
      macros.define(name, value);
    } else if (keyword === "attributetype") {
      defs.attributeTypes.push(readAttributeType(new Tokens(tokenize(rest, fail), fail), macros));
    } else if (keyword === "objectclass") {
      defs.objectClasses.push(readObjectClass(new Tokens(tokenize(rest, fail), fail), macros));
    } else {
      fail(`unsupported statement ${keyword}`);
    }
  }
  return defs;
}
