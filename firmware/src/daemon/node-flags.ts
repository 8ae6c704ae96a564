// How the firmware daemon runs (the lab's daemons and the board's service unit use the same): its nice
// value, and the Node.js flags. V8's young generation is capped at 2 MiB per semi-space. Measured with an SM in one process at
// 10^5 directory entries: anonymous memory 88 MB with the default (16 MiB), 48 MB with 2 MiB, and 32
// concurrent modifies at 10,200/s and 10,500/s. More frequent scavenges cost some CPU (an SE's profile
// showed 18 % of its busy time in GC under a write stream).
export const daemonNodeFlags: readonly string[] = ["--max-semi-space-size=2"];

/**
 * The daemon is a control plane: VRRP adverts every 50 ms and the SM's stall check (docs/failover.md) need
 * it scheduled ahead of bulk work on the board, as keepalived's vrrp_priority does for its VRRP process.
 * At nice -10, CFS weighs it about 9 to 1 against a busy process at 0. Measured in the failover
 * benchmark's 600 s soak (1% loss, two busy-looping processes on 2 cores) at nice 0: 63 stalls over
 * 150 ms and 28 role changes.
 */
export const daemonNice = -10;
