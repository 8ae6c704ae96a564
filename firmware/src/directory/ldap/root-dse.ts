// The root DSE (RFC 4512 section 5.1): what a client learns from a base search of the empty DN.
import type { TreeContext } from "../core/apply-op.js";

export function rootDse(ctx: TreeContext): { dn: string; attributes: Record<string, string[]> } {
  return {
    dn: "",
    attributes: {
      objectClass: ["top"],
      namingContexts: [ctx.suffix.display],
      supportedLDAPVersion: ["3"],
      vendorName: ["ISS firmware"],
    },
  };
}
