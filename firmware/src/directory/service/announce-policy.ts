// What an SE may announce (fig 7's directory information sender): content locations below ou=content and
// its own switch entry; anything else is refused with insufficientAccessRights before it is numbered.
import type { TreeContext } from "../core/apply-op.js";
import { LdapError, ResultCode, type ChangeOp } from "../model/types.js";

export function announcePolicy(ctx: TreeContext, sourceName: string, op: ChangeOp): void {
  const dn = ctx.schema.dn(op.dn);
  const content = ctx.schema.dn(`ou=content,${ctx.suffix.display}`);
  const own = ctx.schema.dn(`cn=${sourceName},ou=switches,${ctx.suffix.display}`);
  if (dn.parentKey === content.key || dn.key === own.key) return;
  throw new LdapError(
    ResultCode.insufficientAccessRights,
    `${sourceName} may announce only content below ${content.display} and its own entry ${own.display}`,
  );
}
