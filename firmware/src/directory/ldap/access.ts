// Who may do what on the directory's LDAP service: simple bind against the per-device users of the config
// (passwords compared in constant time, no default user), anonymous reads only when configured, writes
// only for users with write access.
import { createHash, timingSafeEqual } from "node:crypto";
import type { DirectoryUser } from "../../config/load.js";
import type { DirectorySchema } from "../model/schema.js";
import { LdapError, ResultCode } from "../model/types.js";

export type Access = "none" | "read" | "write";

function digest(b: Uint8Array): Buffer {
  return createHash("sha256").update(b).digest();
}

export class AccessPolicy {
  private readonly users = new Map<string, { password: Buffer; access: "read" | "write" }>();

  constructor(
    private readonly schema: DirectorySchema,
    users: readonly DirectoryUser[],
    private readonly anonymousRead: boolean,
  ) {
    for (const u of users)
      this.users.set(schema.dn(u.dn).normalized, { password: digest(u.password), access: u.access });
  }

  get anonymous(): Access {
    return this.anonymousRead ? "read" : "none";
  }

  /** Simple bind: the access the name and password grant, or invalidCredentials (49). */
  bind(name: string, password: Buffer): Access {
    if (password.length === 0) {
      throw new LdapError(
        ResultCode.unwillingToPerform,
        "unauthenticated bind (name without password) is refused",
      );
    }
    let normalized: string;
    try {
      normalized = this.schema.dn(name).normalized;
    } catch {
      throw new LdapError(ResultCode.invalidCredentials, "invalid credentials");
    }
    const user = this.users.get(normalized);
    if (!user || !timingSafeEqual(digest(password), user.password)) {
      throw new LdapError(ResultCode.invalidCredentials, "invalid credentials");
    }
    return user.access;
  }

  static require(have: Access, need: "read" | "write"): void {
    if (have === "write" || (have === "read" && need === "read")) return;
    throw new LdapError(
      ResultCode.insufficientAccessRights,
      need === "write"
        ? "this bind may not write the directory"
        : "bind first: anonymous reads are not allowed",
    );
  }
}
