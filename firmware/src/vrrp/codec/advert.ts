// The VRRPv3 advertisement for IPv4 as plain data (RFC 5798 section 5, as updated by RFC 9568), with the
// protocol constants the codec checks. The byte layout is in docs/vrrp-wire.md, pinned by
// firmware/test/vrrp-codec-golden.test.ts.

export const VRRP_PROTOCOL = 112;
export const VRRP_GROUP = "224.0.0.18";
export const VRRP_TTL = 255;
export const VRRP_VERSION = 3;
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** Version/type, VRID, priority, count, reserved/Max Adver Int, checksum. */
export const VRRP_FIXED_BYTES = 8;
export const IPV4_HEADER_BYTES = 20;
export const MAX_ADVER_INTERVAL_CS = 0xfff;
export const MAX_ADDRESSES = 0xff;

export interface Advertisement {
  /** Virtual Router ID, 1..255. */
  vrid: number;
  /** 0 (the master stops), 1..254 (backups), 255 (the address owner). */
  priority: number;
  /** Max Adver Int in centiseconds, 1..4095. */
  maxAdverIntervalCs: number;
  /** The virtual IPv4 addresses, dotted quads, at least one. */
  addresses: string[];
}

/**
 * How the checksum was computed: "pseudo-header" over the IPv4 pseudo-header and the VRRP message
 * (RFC 5798 5.2.8), "message-only" over the VRRP message alone (older keepalived, some vendors).
 */
export type ChecksumVariant = "pseudo-header" | "message-only";

export type RejectReason =
  | "truncated"
  | "ip-version"
  | "ip-header-length"
  | "ip-total-length"
  | "ip-checksum"
  | "protocol"
  | "ttl"
  | "destination"
  | "version"
  | "type"
  | "vrid"
  | "count"
  | "length"
  | "interval"
  | "checksum";

export interface DecodeError {
  reason: RejectReason;
  detail: string;
}
