// Names of LDAP result codes for messages (`noSuchObject (32)`): the model's table plus the codes a server
// may send that this firmware never produces itself (RFC 4511 appendix A). Pure.
import { ResultCode } from "../../directory/model/types.js";

const names = new Map<number, string>([
  ...Object.entries(ResultCode).map(([name, code]): [number, string] => [code, name]),
  [7, "authMethodNotSupported"],
  [8, "strongerAuthRequired"],
  [10, "referral"],
  [11, "adminLimitExceeded"],
  [12, "unavailableCriticalExtension"],
  [13, "confidentialityRequired"],
  [14, "saslBindInProgress"],
  [33, "aliasProblem"],
  [36, "aliasDereferencingProblem"],
  [54, "loopDetect"],
  [71, "affectsMultipleDSAs"],
]);

export const referralCode = 10;

export function resultName(code: number): string {
  return names.get(code) ?? "unknown";
}
