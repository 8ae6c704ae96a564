// Every name and address of a lab, derived from the lab name alone so that `down` can find what a
// crashed `up` left behind: namespaces, port names, the service LAN subnet, and the lab's files.
import { createHash } from "node:crypto";
import { join } from "node:path";

export const maxBoards = 250;
export const bridgeName = "br0";
export const boardInterface = "eth0";
export const multicastGroup = "239.192.77.1";
export const prefixLength = 24;

const labNamePattern = /^[a-z][a-z0-9]{0,5}$/;

export function checkLabName(name: string): string {
  if (!labNamePattern.test(name)) {
    throw new Error(`lab name '${name}' must be 1-6 characters of a-z and 0-9, starting with a letter`);
  }
  return name;
}

export function checkBoardCount(boards: number): number {
  if (!Number.isInteger(boards) || boards < 1 || boards > maxBoards) {
    throw new Error(`board count must be an integer from 1 to ${maxBoards}, got ${boards}`);
  }
  return boards;
}

export function labBaseDir(): string {
  return process.env.ISS_LAB_DIR ?? "/run/iss-lab";
}

export function labDir(name: string, baseDir = labBaseDir()): string {
  return join(baseDir, checkLabName(name));
}

export function namespacePrefix(name: string): string {
  return `iss-${checkLabName(name)}-`;
}

export function switchNamespace(name: string): string {
  return `${namespacePrefix(name)}sw`;
}

export function boardNamespace(name: string, board: number): string {
  return `${namespacePrefix(name)}b${board}`;
}

/** True for the namespaces a lab of this name creates: its switch and its boards. */
export function isLabNamespace(name: string, namespace: string): boolean {
  const rest = namespace.startsWith(namespacePrefix(name))
    ? namespace.slice(namespacePrefix(name).length)
    : "";
  return rest === "sw" || /^b[1-9][0-9]*$/.test(rest);
}

export function portName(name: string, board: number): string {
  return `${checkLabName(name)}-p${board}`;
}

/** The nftables table (inet family) that holds a lab's loss rules in a board's namespace. */
export function lossTable(name: string): string {
  return `isslab_${checkLabName(name)}`;
}

/** The third octet of the lab's service LAN 10.77.K.0/24, from a hash of the name (1-254). */
export function subnetOctet(name: string): number {
  const digest = createHash("sha256").update(checkLabName(name)).digest();
  return 1 + (digest.readUInt16BE(0) % 254);
}

export function subnet(name: string): string {
  return `10.77.${subnetOctet(name)}.0/${prefixLength}`;
}

export function boardAddress(name: string, board: number): string {
  return `10.77.${subnetOctet(name)}.${board}`;
}

/** The SM's service address under failover: the boards use .1 to .250. */
export function virtualAddress(name: string): string {
  return `10.77.${subnetOctet(name)}.254`;
}

/** The VRRP router id of the lab's SM/BSM pair. */
export const labVrid = 77;

export function boardRole(board: number): "sm" | "bsm" | "se" {
  if (board === 1) return "sm";
  return board === 2 ? "bsm" : "se";
}
