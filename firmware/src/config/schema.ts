// The daemon's configuration schema (iss.yaml): every field, its default and its limits. Validation errors
// carry the field path (for example `rmtp.keys[0].secret`), see load.ts.
import { z } from "zod";
import { isIPv4 } from "node:net";
import { switchSchema } from "./switch-schema.js";
import { snmpSchema } from "./snmp-schema.js";

const ipv4 = z.string().refine((s) => isIPv4(s), { message: "must be an IPv4 address" });

function ipv4ToInt(address: string): number {
  return address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

const multicastGroup = ipv4.refine(
  (s) => {
    const n = ipv4ToInt(s);
    return n >= ipv4ToInt("224.0.1.0") && n <= ipv4ToInt("239.255.255.255");
  },
  { message: "must be an IPv4 multicast group outside 224.0.0.0/24 (for example 239.192.77.1)" },
);

const hexSecret = z
  .string()
  .regex(/^[0-9a-fA-F]+$/, { message: "must be hexadecimal" })
  .refine((s) => s.length >= 64 && s.length % 2 === 0, {
    message: "must be at least 32 bytes (64 hex digits)",
  });

const siteKey = z
  .object({
    id: z.number().int().min(0).max(255),
    secret: hexSecret.optional(),
    secretFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((k) => (k.secret === undefined) !== (k.secretFile === undefined), {
    message: "give exactly one of secret or secretFile",
  });

const windowSchema = z
  .object({
    initial: z.number().int().min(1).max(4096).default(64),
    min: z.number().int().min(1).max(4096).default(8),
    max: z.number().int().min(1).max(4096).default(1024),
  })
  .strict()
  .refine((w) => w.min <= w.initial && w.initial <= w.max, { message: "needs min <= initial <= max" });

export const rmtpSchema = z
  .object({
    group: multicastGroup,
    port: z.number().int().min(1024).max(65535).default(5405),
    keys: z.array(siteKey).min(1, { message: "at least one site key is required" }),
    sendKeyId: z.number().int().min(0).max(255),
    frameBytes: z.number().int().min(256).max(8972).default(1400),
    maxMessageBytes: z
      .number()
      .int()
      .min(1)
      .max(256 * 1024 * 1024)
      .default(16 * 1024 * 1024),
    helloIntervalMs: z.number().int().min(10).max(60_000).default(500),
    announceIntervalMs: z.number().int().min(10).max(60_000).default(250),
    memberTimeoutMs: z.number().int().min(50).max(600_000).default(2000),
    evictAfterMs: z.number().int().min(50).max(600_000).default(2000),
    sendTimeoutMs: z.number().int().min(100).max(3_600_000).default(15_000),
    window: windowSchema.default({ initial: 64, min: 8, max: 1024 }),
  })
  .strict()
  .refine((r) => r.keys.some((k) => k.id === r.sendKeyId), {
    message: "sendKeyId must name one of the keys",
    path: ["sendKeyId"],
  })
  .refine((r) => new Set(r.keys.map((k) => k.id)).size === r.keys.length, {
    message: "key ids must be unique",
    path: ["keys"],
  });

const distinguishedName = z
  .string()
  .min(3)
  .regex(/^[A-Za-z][A-Za-z0-9-]*=/, {
    message: "must be an LDAP DN such as cn=admin,dc=lan1,dc=iss,dc=example",
  });

const directoryUser = z
  .object({
    dn: distinguishedName,
    passwordFile: z.string().min(1),
    access: z.enum(["read", "write"]).default("read"),
  })
  .strict();

export const directorySchema = z
  .object({
    suffix: distinguishedName,
    port: z.number().int().min(1).max(65535).default(389),
    tls: z
      .object({
        port: z.number().int().min(1).max(65535).default(636),
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
      })
      .strict()
      .optional(),
    users: z.array(directoryUser).default([]),
    anonymousRead: z.boolean().default(false),
    changeLogSize: z.number().int().min(16).max(10_000_000).default(20_000),
    sizeLimit: z.number().int().min(1).max(10_000_000).default(500),
    timeLimitSeconds: z.number().int().min(1).max(3600).default(60),
    maxConnections: z.number().int().min(1).max(100_000).default(1024),
    managerUri: z
      .string()
      .regex(/^ldaps?:\/\/[^/\s]+\/?$/, { message: "must be an ldap:// or ldaps:// URI without a DN" })
      .optional(),
  })
  .strict()
  .refine((d) => new Set(d.users.map((u) => u.dn.toLowerCase())).size === d.users.length, {
    message: "user DNs must be unique",
    path: ["users"],
  });

/** SM/BSM failover (docs/failover.md): VRRPv3 election, the service address, synchronous replication. */
export const failoverSchema = z
  .object({
    vrid: z.number().int().min(1).max(255),
    /** 1..254: the SM's board gets the higher priority; never 255 (address owner). */
    priority: z.number().int().min(1).max(254),
    advertIntervalCs: z.number().int().min(1).max(4095).default(5),
    preempt: z.boolean().default(true),
    virtualAddress: ipv4,
    prefixLength: z.number().int().min(1).max(32).default(24),
    /** The macvlan device that carries the virtual address and MAC; default vrrp<vrid>. */
    device: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,15}$/, { message: "must be a Linux interface name" })
      .optional(),
    /** TCP port of the synchronous-replication link on every candidate's own address. */
    syncPort: z.number().int().min(1).max(65535).default(5406),
    leaseMs: z.number().int().min(100).max(60_000).default(600),
    /** Node ids of the other SM candidates (the BSM on the SM, the SM on the BSM, more standbys). */
    peers: z.array(z.number().int().min(1).max(65535)).min(1),
    /** Boards in the group, for the majority rule; default: the members this node has seen. */
    groupSize: z.number().int().min(1).max(65535).optional(),
  })
  .strict();

/** The board this unit runs on (board/*.yaml, docs/board.md); both roots are directories of their own in the lab. */
export const boardSectionSchema = z
  .object({
    /** The board id the unit must be (a board file's name); another board is an error at start. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { message: "must be a board id such as rpi4b" })
      .optional(),
    deviceTree: z.string().min(1).default("/proc/device-tree"),
    sysfs: z.string().min(1).default("/sys"),
  })
  .strict();

export const configSchema = z
  .object({
    node: z
      .object({
        name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, {
          message: "must be 1-32 characters of a-z, 0-9 and '-', starting with a letter or digit",
        }),
        id: z.number().int().min(1).max(65535),
        role: z.enum(["sm", "bsm", "se"]),
        dataDir: z.string().min(1).default("/var/lib/iss"),
      })
      .strict(),
    network: z
      .object({
        interface: z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/, { message: "must be a Linux interface name" }),
        address: ipv4,
      })
      .strict(),
    rmtp: rmtpSchema,
    directory: directorySchema.optional(),
    failover: failoverSchema.optional(),
    switch: switchSchema.optional(),
    snmp: snmpSchema.optional(),
    board: boardSectionSchema.optional(),
    control: z
      .object({ socket: z.string().min(1).default("/run/iss/iss.sock") })
      .strict()
      .default({ socket: "/run/iss/iss.sock" }),
    log: z
      .object({ level: z.enum(["debug", "info", "warn", "error"]).default("info") })
      .strict()
      .default({ level: "info" }),
  })
  .strict()
  .refine((c) => !c.failover || c.node.role !== "se", {
    message: "only an SM or BSM board (node.role sm or bsm) takes part in failover",
    path: ["failover"],
  })
  .refine((c) => !c.failover || c.directory !== undefined, {
    message: "failover replicates the directory: a directory section is required",
    path: ["failover"],
  })
  .refine((c) => !c.failover?.peers.includes(c.node.id), {
    message: "must not list this node's own id",
    path: ["failover", "peers"],
  });

export type IssConfig = z.infer<typeof configSchema>;
export type RmtpConfig = IssConfig["rmtp"];
export type DirectoryConfig = NonNullable<IssConfig["directory"]>;
export type FailoverConfig = NonNullable<IssConfig["failover"]>;
export type BoardSection = NonNullable<IssConfig["board"]>;
