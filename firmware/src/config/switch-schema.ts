// The `switch` section of iss.yaml: the desired state of the board's Linux bridge (docs/switch.md): its
// ports, per-port VLAN membership (PVID, untagged, tagged, ranges such as "100-199"), the bridge's own VLANs,
// 802.1Q interfaces for the board's addresses, IGMP/MLD snooping and querier, static multicast groups per
// port and VLAN, router ports, the ports where service LAN boards sit (their RMTP group stays forwarded) and
// the service engines behind each port (the stream groups the directory says they serve are forwarded
// there). Without ports, the config loader fills in the named board's (board/switch-ports.ts). Every error
// carries its field path.
import { isIP, isIPv4, isIPv6 } from "node:net";
import { z } from "zod";

const interfaceName = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,15}$/, { message: "must be a Linux interface name" });
const vid = z.number().int().min(1).max(4094);
const vlanItem = z.union([
  vid,
  z
    .string()
    .regex(/^\d{1,4}-\d{1,4}$/, { message: 'must be a VLAN id 1-4094 or a range "FIRST-LAST"' })
    .refine(
      (s) => {
        const [a, b] = s.split("-").map(Number) as [number, number];
        return a >= 1 && a <= b && b <= 4094;
      },
      { message: "a range needs 1 <= FIRST <= LAST <= 4094" },
    ),
]);
const vlanList = z.array(vlanItem).default([]);

/** Every VLAN id of a list like [10, "100-199"]. */
export function expandVlans(items: ReadonlyArray<number | string>): number[] {
  const out: number[] = [];
  for (const item of items) {
    if (typeof item === "number") out.push(item);
    else {
      const [a, b] = item.split("-").map(Number) as [number, number];
      for (let v = a; v <= b; v++) out.push(v);
    }
  }
  return out;
}

const membership = {
  /** The VLAN untagged frames arriving on this port belong to; also a member, untagged unless listed in tagged. */
  pvid: vid.optional(),
  untagged: vlanList,
  tagged: vlanList,
};

/** kernel IFLA_BRPORT_MULTICAST_ROUTER: disabled 0, auto (learn from queries) 1, permanent 2. */
export const routerModes = { disabled: 0, auto: 1, permanent: 2 } as const;

const port = z
  .object({
    name: interfaceName,
    ...membership,
    multicastRouter: z.enum(["disabled", "auto", "permanent"]).default("auto"),
    /** Service LAN boards sit behind this port: the RMTP group gets a permanent MDB entry here. */
    serviceMembers: z.boolean().default(false),
    /**
     * The service engines behind this port, by their directory name (the cn of an issServiceEngine, or of an
     * issSwitch serving content): a stream group the directory says one of them serves gets an MDB entry here.
     */
    engines: z.array(z.string().min(1).max(64)).default([]),
  })
  .strict();

const cidr = z.string().refine(
  (s) => {
    const [address, prefix, extra] = s.split("/");
    return (
      extra === undefined && isIPv4(address ?? "") && /^\d{1,2}$/.test(prefix ?? "") && Number(prefix) <= 32
    );
  },
  { message: "must be an IPv4 address with a prefix length, for example 10.77.0.3/24" },
);

const multicastGroup = z.string().refine(
  (s) => {
    if (isIPv4(s)) {
      const first = Number(s.split(".")[0]);
      return first >= 224 && first <= 239 && !s.startsWith("224.0.0.");
    }
    return isIPv6(s) && /^ff[0-9a-f][3-9a-f]:/i.test(s);
  },
  {
    message:
      "must be an IPv4 multicast group outside 224.0.0.0/24 or an IPv6 multicast group of scope 3 or wider (the bridge floods link-local groups and refuses MDB entries for them)",
  },
);

export const switchSchema = z
  .object({
    bridge: interfaceName.default("br0"),
    /** 802.1Q VLAN filtering on the bridge; required for any VLAN setting. */
    vlanFiltering: z.boolean().default(false),
    /** The VLAN of the service LAN (RMTP, VRRP): where serviceMembers ports get the RMTP group. */
    serviceVlan: vid.optional(),
    ports: z.array(port).min(1, { message: "at least one port is required" }),
    /** The bridge device's own VLANs ("self"); interfaces' VLANs are added to them as tagged. */
    bridgeVlans: z.object(membership).strict().default({ untagged: [], tagged: [] }),
    /** 802.1Q interfaces on the bridge for the board's own addresses. */
    interfaces: z
      .array(
        z
          .object({ vlan: vid, name: interfaceName.optional(), addresses: z.array(cidr).default([]) })
          .strict(),
      )
      .default([]),
    multicast: z
      .object({
        snooping: z.boolean().default(true),
        /** The bridge sends IGMP/MLD queries itself when no other querier is heard. */
        querier: z.boolean().default(false),
        igmpVersion: z.union([z.literal(2), z.literal(3)]).default(2),
        mldVersion: z.union([z.literal(1), z.literal(2)]).default(1),
        /** Static group membership: permanent MDB entries. */
        groups: z
          .array(
            z
              .object({ group: multicastGroup, vlan: vid.optional(), ports: z.array(interfaceName).min(1) })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ snooping: true, querier: false, igmpVersion: 2, mldVersion: 1, groups: [] }),
  })
  .strict()
  .superRefine((s, ctx) => {
    const issue = (path: PropertyKey[], message: string): void =>
      ctx.addIssue({ code: "custom", path, message });
    const names = new Map<string, number>();
    const engines = new Map<string, string>();
    s.ports.forEach((p, i) => {
      p.engines.forEach((e, j) => {
        const other = engines.get(e.toLowerCase());
        if (other !== undefined)
          issue(["ports", i, "engines", j], `engine ${e} is also behind port ${other}`);
        engines.set(e.toLowerCase(), p.name);
      });
      if (names.has(p.name)) issue(["ports", i, "name"], `port ${p.name} is listed twice`);
      if (p.name === s.bridge) issue(["ports", i, "name"], "the bridge cannot be its own port");
      names.set(p.name, i);
    });
    const members = (
      m: { pvid?: number; untagged: (number | string)[]; tagged: (number | string)[] },
      at: PropertyKey[],
    ): Set<number> => {
      const untagged = new Set(expandVlans(m.untagged));
      const tagged = expandVlans(m.tagged);
      const both = tagged.find((v) => untagged.has(v));
      if (both !== undefined) issue([...at, "tagged"], `VLAN ${both} is also listed as untagged`);
      const all = new Set([...untagged, ...tagged, ...(m.pvid === undefined ? [] : [m.pvid])]);
      if (all.size > 0 && !s.vlanFiltering) issue(at, "VLAN membership needs switch.vlanFiltering: true");
      return all;
    };
    const portVlans = s.ports.map((p, i) => members(p, ["ports", i]));
    members(s.bridgeVlans, ["bridgeVlans"]);
    if (s.serviceVlan !== undefined && !s.vlanFiltering)
      issue(["serviceVlan"], "needs switch.vlanFiltering: true");
    if (s.vlanFiltering && s.serviceVlan === undefined && s.ports.some((p) => p.serviceMembers)) {
      issue(["serviceVlan"], "serviceMembers ports on a VLAN-filtering bridge need the service LAN's VLAN");
    }
    s.ports.forEach((p, i) => {
      if (p.serviceMembers && s.serviceVlan !== undefined && !portVlans[i]?.has(s.serviceVlan)) {
        issue(
          ["ports", i, "serviceMembers"],
          `port ${p.name} is not a member of the service VLAN ${s.serviceVlan}`,
        );
      }
    });
    const ifnames = new Set<string>();
    s.interfaces.forEach((f, i) => {
      if (!s.vlanFiltering) issue(["interfaces", i], "802.1Q interfaces need switch.vlanFiltering: true");
      const name = f.name ?? `${s.bridge}.${f.vlan}`;
      if (f.name === undefined && name.length > 15)
        issue(["interfaces", i, "name"], `${name} is longer than 15 characters: give a name`);
      if (ifnames.has(name) || names.has(name) || name === s.bridge) {
        issue(["interfaces", i], `interface name ${name} is already used`);
      }
      ifnames.add(name);
    });
    s.multicast.groups.forEach((g, i) => {
      if (g.vlan !== undefined && !s.vlanFiltering)
        issue(["multicast", "groups", i, "vlan"], "needs switch.vlanFiltering: true");
      if (g.vlan === undefined && s.vlanFiltering)
        issue(["multicast", "groups", i, "vlan"], "a VLAN-filtering bridge needs the group's VLAN");
      if (!isIP(g.group)) return;
      g.ports.forEach((name, j) => {
        const index = names.get(name);
        if (index === undefined)
          issue(["multicast", "groups", i, "ports", j], `${name} is not one of switch.ports`);
        else if (g.vlan !== undefined && !portVlans[index]?.has(g.vlan)) {
          issue(["multicast", "groups", i, "ports", j], `port ${name} is not a member of VLAN ${g.vlan}`);
        }
      });
    });
  });

export type SwitchConfig = z.infer<typeof switchSchema>;
