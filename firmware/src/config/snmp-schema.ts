// The snmp section of iss.yaml (docs/snmp.md): the agent's port and enterprise arc, SNMPv3 USM users with
// per-device passwords in files (authPriv only; no default credentials), optional read-only SNMPv2c
// restricted by source address, and notification targets.
import { isIPv4 } from "node:net";
import { z } from "zod";

const ipv4 = z.string().refine((s) => isIPv4(s), { message: "must be an IPv4 address" });

const sourcePrefix = z.string().refine(
  (s) => {
    const [address, length, extra] = s.split("/");
    if (extra !== undefined || address === undefined || !isIPv4(address)) return false;
    return length === undefined || (/^\d+$/.test(length) && Number(length) <= 32);
  },
  { message: "must be an IPv4 address or prefix such as 10.77.0.0/24" },
);

const userName = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, {
  message: "must be 1-32 characters of A-Z, a-z, 0-9, '.', '_' and '-'",
});

const usmUser = z
  .object({
    name: userName,
    /** Files whose whole content (less one trailing newline) is the password; 8 characters or more. */
    authPasswordFile: z.string().min(1),
    privPasswordFile: z.string().min(1),
    access: z.enum(["read", "write"]).default("read"),
  })
  .strict();

export const snmpSchema = z
  .object({
    port: z.number().int().min(1).max(65535).default(161),
    /** UDP port on which units receive multicast management responses (docs/snmp-wire.md). */
    responsePort: z.number().int().min(1).max(65535).default(5407),
    /** The Private Enterprise Number ISS-MIB lives under (1.3.6.1.4.1.<enterprise>); 32473 is a placeholder. */
    enterprise: z.number().int().min(1).max(4294967295).default(32473),
    contact: z.string().max(255).default(""),
    location: z.string().max(255).default(""),
    authProtocol: z.enum(["sha256", "sha384", "sha512"]).default("sha256"),
    privProtocol: z.enum(["aes128", "aes256"]).default("aes128"),
    users: z.array(usmUser).min(1, { message: "at least one SNMPv3 user is required" }),
    /** Off unless present: read-only, answered only to the listed sources. */
    v2c: z
      .object({
        communityFile: z.string().min(1),
        allow: z.array(sourcePrefix).min(1, { message: "list the sources v2c may come from" }),
      })
      .strict()
      .optional(),
    notifications: z
      .object({
        kind: z.enum(["inform", "trap"]).default("inform"),
        /** The USM user (one of users) whose keys protect the notifications. */
        user: userName,
        targets: z
          .array(z.object({ address: ipv4, port: z.number().int().min(1).max(65535).default(162) }).strict())
          .min(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((s) => new Set(s.users.map((u) => u.name)).size === s.users.length, {
    message: "user names must be unique",
    path: ["users"],
  })
  .refine((s) => !s.notifications || s.users.some((u) => u.name === s.notifications?.user), {
    message: "must name one of snmp.users",
    path: ["notifications", "user"],
  });

export type SnmpConfig = z.infer<typeof snmpSchema>;
