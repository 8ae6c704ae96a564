// Checks one LDAP update operation against the directory tree and the schema and returns the entry writes
// it makes: an add needs its parent (except the suffix entry itself) and a free DN, a delete needs an
// existing leaf, a modify an existing entry and a result the schema accepts. Pure: throws LdapError.
import type { DirectorySchema, ParsedDn } from "../model/schema.js";
import { LdapError, ResultCode, type ChangeOp } from "../model/types.js";
import type { EntryWrite } from "../store/store.js";
import type { EntryReader } from "./view.js";

export interface TreeContext {
  schema: DirectorySchema;
  suffix: ParsedDn;
}

/** The DN of the deepest existing ancestor (LDAP's matchedDN for noSuchObject). */
export function matchedDn(ctx: TreeContext, reader: EntryReader, dn: ParsedDn): string {
  for (let p = dn.parentKey; p !== undefined && p.length >= ctx.suffix.key.length;) {
    const found = reader.get(p);
    if (found) return found.dn;
    const cut = p.lastIndexOf("\u0001", p.length - 2);
    p = cut < 0 ? undefined : p.slice(0, cut + 1);
  }
  return "";
}

export function parseTarget(ctx: TreeContext, text: string): ParsedDn {
  const dn = ctx.schema.dn(text);
  if (!dn.key.startsWith(ctx.suffix.key)) {
    throw new LdapError(
      ResultCode.unwillingToPerform,
      `${text} is not below this directory's suffix ${ctx.suffix.display}`,
    );
  }
  return dn;
}

function existing(ctx: TreeContext, reader: EntryReader, dn: ParsedDn) {
  const entry = reader.get(dn.key);
  if (!entry)
    throw new LdapError(ResultCode.noSuchObject, `no entry ${dn.display}`, matchedDn(ctx, reader, dn));
  return entry;
}

export function applyOp(ctx: TreeContext, reader: EntryReader, op: ChangeOp): EntryWrite[] {
  const dn = parseTarget(ctx, op.dn);
  switch (op.type) {
    case "add": {
      if (reader.get(dn.key))
        throw new LdapError(ResultCode.entryAlreadyExists, `${dn.display} already exists`);
      if (dn.key !== ctx.suffix.key && (dn.parentKey === undefined || !reader.get(dn.parentKey))) {
        throw new LdapError(
          ResultCode.noSuchObject,
          `parent of ${dn.display} does not exist`,
          matchedDn(ctx, reader, dn),
        );
      }
      return [{ key: dn.key, entry: ctx.schema.checkEntry({ dn: dn.display, attributes: op.attributes }) }];
    }
    case "delete": {
      existing(ctx, reader, dn);
      if (reader.hasChildren(dn.key)) {
        throw new LdapError(ResultCode.notAllowedOnNonLeaf, `${dn.display} has entries below it`);
      }
      return [{ key: dn.key, entry: undefined }];
    }
    case "modify": {
      const before = existing(ctx, reader, dn);
      return [{ key: dn.key, entry: ctx.schema.modify(before, op.modifications) }];
    }
  }
}
