// The VRRP service address on a macvlan device, through rtnetlink (the `netlink` package, no `ip`
// process): a macvlan on the service interface with the virtual router MAC 00:00:5e:00:01:{VRID}, the
// virtual IPv4 address on it, up and down, and removal. The device is brought up with arp_notify set, so
// the kernel itself announces the address with a gratuitous ARP from the virtual MAC when it comes up,
// and with arp_ignore 1 on it and on the parent: each answers ARP only for its own addresses (by default
// Linux answers for every local address on every interface, so the parent would answer for the virtual
// IP with its own MAC, and the macvlan for the parent's address with the virtual MAC). The parent also
// gets arp_announce 2: replies from the virtual IP leave through the parent (its route), and an ARP
// request it sends for them would otherwise carry the virtual IP with the parent's MAC, which a peer
// takes as the virtual IP's new MAC.
// Failures are NetlinkError with the errno name and the fields of the request.
import { AttrStream, createRtNetlink, FlagsNew, ifla, type RtNetlinkSocket } from "netlink";

/**
 * private (the default, as keepalived's VMAC): the device talks only to the wire, never to other macvlans
 * on the same parent; bridge: macvlans on one parent also reach each other. Both work on a veth port into
 * a Linux bridge (the lab) and on a NIC; neither lets the parent itself reach the device.
 */
export type MacvlanMode = "bridge" | "private";

export interface VirtualAddressDevice {
  /** Name of the macvlan device, at most 15 characters (for example vrrp7). */
  name: string;
  /** The service interface it sits on (eth0). */
  parent: string;
  /** Virtual router id, 1-255: the last byte of the virtual MAC. */
  vrid: number;
  /** The virtual IPv4 address and its prefix length. */
  address: string;
  prefixLength: number;
  mode?: MacvlanMode;
}

const AF_INET = 2;
const IFLA_INET_CONF = 1;
const IPV4_DEVCONF_ARP_ANNOUNCE = 18;
const IPV4_DEVCONF_ARP_IGNORE = 19;
const IPV4_DEVCONF_ARP_NOTIFY = 22;
const macvlanModes: Record<MacvlanMode, number> = { private: 1, bridge: 4 };

export function virtualMac(vrid: number): string {
  if (!Number.isInteger(vrid) || vrid < 1 || vrid > 255) {
    throw new RangeError(`vrid must be an integer from 1 to 255, got ${vrid}`);
  }
  return `00:00:5e:00:01:${vrid.toString(16).padStart(2, "0")}`;
}

/** A rejected rtnetlink request: `code` is the errno name (EPERM, EEXIST, ENODEV...). */
export class NetlinkError extends Error {
  constructor(
    readonly operation: string,
    readonly fields: Readonly<Record<string, string | number>>,
    readonly code: string,
  ) {
    const described = Object.entries(fields)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    super(`${operation} (${described}): ${code}${hints[code] ? ` (${hints[code]})` : ""}`);
  }
}

const hints: Record<string, string> = {
  EPERM: "needs CAP_NET_ADMIN in this network namespace",
  EEXIST: "it already exists",
  ENODEV: "no such device",
  EADDRNOTAVAIL: "no such address on the device",
  EINVAL: "the kernel refused the request's values",
};

function errnoName(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return /Request rejected: (\w+)/.exec(message)?.[1] ?? message;
}

function encode(data: Parameters<AttrStream["emit"]>[0]): Buffer {
  const stream = new AttrStream();
  stream.emit(data);
  return Buffer.concat(stream.bufs);
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
}

function ipv4(address: string): Buffer {
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`'${address}' is not an IPv4 address`);
  }
  return Buffer.from(parts);
}

export class MacvlanControl {
  constructor(private readonly socket: RtNetlinkSocket = createRtNetlink()) {}

  /**
   * Sets arp_ignore 1 and arp_announce 2 on the parent, creates the device (down) with arp_ignore 1 and
   * arp_notify 1, adds the address and sets it up. Returns the device's ifindex.
   */
  async bringUp(device: VirtualAddressDevice): Promise<number> {
    const index = await this.prepare(device);
    await this.activate(device, index);
    return index;
  }

  /**
   * bringUp's first half, done ahead of a takeover: the parent's and the device's settings and the device,
   * down. A down device sends nothing, so the switch keeps the virtual MAC where the SM is. Returns its
   * ifindex for activate.
   */
  async prepare(device: VirtualAddressDevice): Promise<number> {
    await this.setIpv4Conf(device.parent, [
      [IPV4_DEVCONF_ARP_ANNOUNCE, 2],
      [IPV4_DEVCONF_ARP_IGNORE, 1],
    ]);
    const index = await this.create(device);
    await this.setIpv4Conf(device.name, [
      [IPV4_DEVCONF_ARP_IGNORE, 1],
      [IPV4_DEVCONF_ARP_NOTIFY, 1],
    ]);
    return index;
  }

  /** bringUp's second half, two requests: the address on the prepared device `index`, then up. */
  async activate(device: VirtualAddressDevice, index: number): Promise<void> {
    await this.addAddress(index, device.name, device.address, device.prefixLength);
    await this.setUp(index, device.name);
  }

  async create(device: VirtualAddressDevice): Promise<number> {
    const mode = device.mode ?? "private";
    const mac = virtualMac(device.vrid);
    const fields = { name: device.name, parent: device.parent, mac, mode };
    const parent = await this.index(device.parent);
    const linkinfo = encode(
      ifla.formatInfo({ kind: "macvlan", data: encode(ifla.formatMacvlan({ mode: macvlanModes[mode] })) }),
    );
    const attrs = {
      ifname: device.name,
      link: u32(parent),
      address: Buffer.from(mac.split(":").map((h) => parseInt(h, 16))),
      linkinfo,
    };
    await this.call("create macvlan", fields, () =>
      this.socket.newLink({}, attrs, { flags: FlagsNew.CREATE | FlagsNew.EXCL }),
    );
    return this.index(device.name);
  }

  async remove(name: string): Promise<void> {
    const index = await this.index(name);
    await this.call("delete macvlan", { name }, () => this.socket.delLink({ index }));
  }

  close(): void {
    this.socket.socket.close();
  }

  private async addAddress(
    index: number,
    name: string,
    address: string,
    prefixLength: number,
  ): Promise<void> {
    const local = ipv4(address);
    await this.call("add address", { device: name, address: `${address}/${prefixLength}` }, () =>
      this.socket.newAddress(
        { family: AF_INET, prefixlen: prefixLength, index },
        { local, address: local },
        { flags: FlagsNew.CREATE | FlagsNew.EXCL },
      ),
    );
  }

  private async setUp(index: number, name: string): Promise<void> {
    await this.call("set up", { device: name }, () =>
      this.socket.setLink({ index, change: { up: true }, flags: { up: true } }),
    );
  }

  /** Per-device IPv4 settings (net.ipv4.conf.DEVICE.*) as IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF. */
  private async setIpv4Conf(name: string, settings: Array<[number, number]>): Promise<void> {
    const index = await this.index(name);
    const conf = encode((out) => settings.forEach(([id, value]) => out.push(id, u32(value))));
    const inet = encode((out) => out.push(IFLA_INET_CONF, conf));
    const fields = { device: name, settings: settings.map(([id, v]) => `${id}=${v}`).join(" ") };
    await this.call("set ipv4 conf", fields, () =>
      this.socket.setLink({ index }, { afSpec: new Map([[AF_INET, inet]]) }),
    );
  }

  private async index(name: string): Promise<number> {
    const [link] = await this.call("find device", { name }, () => this.socket.getLink({}, { ifname: name }));
    if (link?.data.index === undefined) throw new NetlinkError("find device", { name }, "ENODEV");
    return link.data.index;
  }

  private async call<T>(
    operation: string,
    fields: Record<string, string | number>,
    request: () => Promise<T>,
  ): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw new NetlinkError(operation, fields, errnoName(err));
    }
  }
}
