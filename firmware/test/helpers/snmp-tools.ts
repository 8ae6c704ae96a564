// Where the SNMP tests find the MIBs: ISS-MIB in firmware/mibs, and the IETF modules it imports
// (SNMPv2-SMI, -TC, -CONF, IF-MIB) as the net-snmp package ships them (Debian's copies are non-free).
import { fileURLToPath } from "node:url";

export const repo = fileURLToPath(new URL("../../../../", import.meta.url));
export const issMibDir = `${repo}firmware/mibs`;
export const issMibFile = `${issMibDir}/ISS-MIB.txt`;
export const standardMibDir = `${repo}node_modules/net-snmp/lib/mibs`;
/** For Net-SNMP's tools: `-M +:${mibDirs} -m +ISS-MIB`. */
export const mibDirs = `${issMibDir}:${standardMibDir}`;
