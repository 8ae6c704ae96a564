// The files each board's daemon gets: the lab's random site key and directory admin password (mode 0600),
// one iss.yaml per board, checked with the daemon's own config validator before it is written, the board's
// own random SNMPv3 passwords, and the virtual board's device tree and LEDs (board-tree.ts) that its board
// section points at.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parse, stringify } from "yaml";
import { parseConfig } from "../../firmware/src/config/load.js";
import { boardTree, virtualBoardId, writeBoardTree } from "./board-tree.js";
import { run, systemTool } from "./netns.js";
import { labVrid, virtualAddress } from "./names.js";
import type { BoardState, LabState } from "./state.js";

export const siteKeyId = 1;
export const labSuffix = "dc=lan1,dc=iss,dc=example";
export const labAdminDn = `cn=admin,${labSuffix}`;

/**
 * Writes a fresh random secret (hexadecimal, mode 0600); refuses to overwrite one. A password file has no
 * newline: its complete content is the password, as `ldapsearch -y` reads it.
 */
export function writeSecretFile(path: string, bytes: number, newline = true): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, randomBytes(bytes).toString("hex") + (newline ? "\n" : ""), {
    mode: 0o600,
    flag: "wx",
  });
  chmodSync(path, 0o600);
}

/**
 * A self-signed ECDSA certificate for LDAPS, valid for every board address of the lab's subnet (an IP SAN
 * per board would need the board list; clients in the tests trust this certificate as their CA file and
 * connect by address, so the SANs list the first 64 host addresses).
 */
export async function writeCertificate(certFile: string, keyFile: string, subnet: string): Promise<void> {
  const prefix = subnet.split(".").slice(0, 3).join(".");
  const sans = Array.from({ length: 64 }, (_, i) => `IP:${prefix}.${i + 1}`).join(",");
  await run([
    systemTool("openssl"),
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "30",
    "-subj",
    "/CN=iss-lab",
    "-addext",
    `subjectAltName=${sans}`,
    "-keyout",
    keyFile,
    "-out",
    certFile,
  ]);
  chmodSync(keyFile, 0o600);
}

/** The board's own SNMPv3 user (authPriv; random passwords per board, written with the config). */
export function snmpUserName(board: BoardState): string {
  return `iss-${board.name}`;
}

export function snmpSecretFiles(board: BoardState): { authPasswordFile: string; privPasswordFile: string } {
  const dir = dirname(board.configPath);
  return { authPasswordFile: `${dir}/snmp-auth.pw`, privPasswordFile: `${dir}/snmp-priv.pw` };
}

export function boardConfigText(state: LabState, board: BoardState): string {
  return stringify({
    node: { id: board.index, name: board.name, role: board.role, dataDir: board.dataDir },
    network: { interface: board.interface, address: board.address },
    rmtp: {
      group: state.group,
      keys: [{ id: siteKeyId, secretFile: state.keyFile }],
      sendKeyId: siteKeyId,
    },
    ...(state.directory
      ? {
          directory: {
            suffix: labSuffix,
            tls: { certFile: state.directoryCertFile, keyFile: state.directoryKeyFile },
            ...(state.changeLogSize !== null ? { changeLogSize: state.changeLogSize } : {}),
            users: [{ dn: labAdminDn, passwordFile: state.directoryPasswordFile, access: "write" }],
          },
        }
      : {}),
    ...(state.failover && state.directory && board.role !== "se"
      ? {
          failover: {
            vrid: labVrid,
            priority: board.role === "sm" ? 200 : 100,
            virtualAddress: virtualAddress(state.name),
            peers: state.boards.filter((b) => b.role !== "se" && b !== board).map((b) => b.index),
          },
        }
      : {}),
    snmp: {
      users: [{ name: snmpUserName(board), ...snmpSecretFiles(board), access: "write" }],
    },
    board: { name: virtualBoardId, ...boardTree(dirname(board.configPath)) },
    control: { socket: board.controlSocket },
    log: { level: "info" },
  });
}

/** Writes the board's SNMP password files, checks its config with the daemon's loader, then writes it. */
export function writeBoardConfig(state: LabState, board: BoardState): void {
  const text = boardConfigText(state, board);
  mkdirSync(board.dataDir, { recursive: true });
  for (const file of Object.values(snmpSecretFiles(board))) writeSecretFile(file, 16, false);
  const checked = parseConfig(text, dirname(board.configPath));
  if (!checked.ok) {
    const errors = checked.errors.map((e) => `${e.path}: ${e.message}`).join("; ");
    throw new Error(`generated config for ${board.name} is invalid: ${errors}`);
  }
  writeBoardTree(dirname(board.configPath));
  writeFileSync(board.configPath, text);
}

/** Rewrites a board's config file in place (a test or benchmark changing a setting before a restart). */
export function editBoardConfig(configPath: string, edit: (config: Record<string, unknown>) => void): void {
  const config = parse(readFileSync(configPath, "utf8")) as Record<string, unknown>;
  edit(config);
  writeFileSync(configPath, stringify(config));
}
