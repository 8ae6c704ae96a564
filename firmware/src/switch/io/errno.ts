// Errno numbers from netlink acks as their names (EEXIST, EOPNOTSUPP...), through Node's table.
import { getSystemErrorName } from "node:util";

export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
