// Golden bytes of the switch's rtnetlink codecs (docs/switch-netlink.md): each request layout byte for byte,
// and decoders on messages laid out the way the kernel sends them. The kernel itself checks the same
// encoders in hil-tests/switch (cross-checked with iproute2's JSON).
import test from "ava";
import { attr, nested, u32Attr } from "../src/switch/codec/attrs.js";
import { decodeVlanInfos, vlanPayload } from "../src/switch/codec/bridge-vlan.js";
import { addrPayload, decodeAddr } from "../src/switch/codec/addr.js";
import {
  createBridgePayload,
  createVlanPayload,
  decodeLink,
  portRouterPayload,
} from "../src/switch/codec/link.js";
import { decodeMdb, encodeMdbEntry, mdbPayload } from "../src/switch/codec/mdb.js";
import { decodeAck, decodeMessages, encodeMessage } from "../src/switch/codec/nlmsg.js";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

test("RTM_NEWMDB: br_port_msg, then MDBA_SET_ENTRY with a 28-byte br_mdb_entry", (t) => {
  const payload = mdbPayload(2, { port: 4, state: 1, vid: 10, group: "239.1.2.3" });
  t.deepEqual(
    payload,
    hex(`07 000000 02000000
         2000 0100
         04000000 01 00 0a00 ef010203 000000000000000000000000 0800 0000`),
  );
  t.deepEqual(
    encodeMdbEntry({ port: 7, state: 1, vid: 0, group: "ff0e::1:2" }),
    hex(`07000000 01 00 0000 ff0e0000000000000000000000010002 86dd 0000`),
  );
});

test("MDB dump parts decode nested MDBA_MDB > ENTRY > ENTRY_INFO, attributes after the struct skipped", (t) => {
  const info = Buffer.concat([
    encodeMdbEntry({ port: 4, state: 0, vid: 10, group: "239.9.9.9" }),
    u32Attr(1, 250),
  ]);
  const message = Buffer.concat([
    hex("07000000 02000000"),
    nested(1, [nested(1, [attr(1, info)])]),
    nested(2, []),
  ]);
  t.deepEqual(decodeMdb(message), [{ bridge: 2, port: 4, state: 0, flags: 0, vid: 10, group: "239.9.9.9" }]);
});

test("bridge VLANs: a PVID alone, a run as RANGE_BEGIN/RANGE_END, SELF via IFLA_BRIDGE_FLAGS", (t) => {
  const ranges = [
    { start: 10, end: 10, flags: 6 },
    { start: 100, end: 199, flags: 0 },
  ];
  t.deepEqual(
    vlanPayload(5, false, ranges),
    hex(`07 00 0000 05000000 00000000 00000000
         1c00 1a80
         0800 0200 0600 0a00
         0800 0200 0800 6400
         0800 0200 1000 c700`),
  );
  t.deepEqual(
    vlanPayload(3, true, [{ start: 1, end: 1, flags: 4 }]),
    hex(`07 00 0000 03000000 00000000 00000000
         1400 1a80
         0600 0000 0200 0000
         0800 0200 0400 0100`),
  );
  t.deepEqual(decodeVlanInfos(vlanPayload(5, false, ranges).subarray(20)), ranges);
});

test("links: a bridge with options, an 802.1Q interface, a port's multicast router mode", (t) => {
  t.deepEqual(
    createBridgePayload("br0", { mcastQuerier: 1 }),
    hex(`00 00 0000 00000000 00000000 00000000
         0800 0300 62723000
         1c00 1280
           0b00 0100 62726964676500 00
           0c00 0280 0500 1900 01 000000`),
  );
  t.deepEqual(
    createVlanPayload("br0.10", 3, 10),
    hex(`00 00 0000 00000000 00000000 00000000
         0b00 0300 6272302e313000 00
         0800 0500 03000000
         1c00 1280
           0900 0100 766c616e00 000000
           0c00 0280 0600 0100 0a00 0000`),
  );
  t.deepEqual(
    portRouterPayload(4, 2),
    hex(`07 00 0000 04000000 00000000 00000000
         0c00 0c80 0500 1900 02 000000`),
  );
});

test("a link message decodes name, master, kind, VLAN id, bridge options, port router mode and VLANs", (t) => {
  const head = hex("07 00 0100 04000000 43100100 00000000");
  const bridgePort = Buffer.concat([
    head,
    attr(3, Buffer.from("eth1\0")),
    u32Attr(10, 2),
    nested(12, [attr(25, Buffer.from([2]))]),
    nested(26, [attr(2, hex("0600 0a00"))]),
  ]);
  t.like(decodeLink(bridgePort), {
    family: 7,
    index: 4,
    flags: 0x11043,
    name: "eth1",
    master: 2,
    mcastRouter: 2,
  });
  t.deepEqual(decodeLink(bridgePort).vlans, [{ start: 10, end: 10, flags: 6 }]);
  const vlan = decodeLink(createVlanPayload("br0.10", 3, 10));
  t.like(vlan, { name: "br0.10", link: 3, kind: "vlan", vlanId: 10 });
  t.deepEqual(decodeLink(createBridgePayload("br0", { mcastQuerier: 1, igmpVersion: 3 })).bridge, {
    mcastQuerier: 1,
    igmpVersion: 3,
  });
});

test("IPv4 addresses: ifaddrmsg with IFA_LOCAL and IFA_ADDRESS", (t) => {
  const p = addrPayload({ index: 9, cidr: "10.77.0.3/24" });
  t.deepEqual(p, hex("02 18 00 00 09000000 0800 0200 0a4d0003 0800 0100 0a4d0003"));
  t.deepEqual(decodeAddr(p), { index: 9, cidr: "10.77.0.3/24" });
});

test("nlmsghdr framing and an error ack with its extended ack text", (t) => {
  const m = encodeMessage({ type: 84, flags: 0x605, seq: 7, payload: hex("01020304") });
  t.deepEqual(m, hex("14000000 5400 0506 07000000 00000000 01020304"));
  const request = m.subarray(0, 16);
  const ack = Buffer.concat([hex("eaffffff"), request, attr(1, Buffer.from("bad entry\0"))]);
  const framed = encodeMessage({ type: 2, flags: 0x300, seq: 7, payload: ack });
  const [decoded] = decodeMessages(framed);
  t.like(decoded, { type: 2, seq: 7 });
  t.deepEqual(decodeAck(decoded!), { errno: 22, message: "bad entry" });
});
