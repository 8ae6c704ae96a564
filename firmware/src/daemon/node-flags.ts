// The Node.js flags the firmware daemon runs with (the lab's daemons and the board's service unit use
// them): V8's young generation is capped at 2 MiB per semi-space. Measured with an SM in one process at
// 10^5 directory entries: anonymous memory 88 MB with the default (16 MiB), 48 MB with 2 MiB, and 32
// concurrent modifies at 10,200/s and 10,500/s. More frequent scavenges cost some CPU (an SE's profile
// showed 18 % of its busy time in GC under a write stream).
export const daemonNodeFlags: readonly string[] = ["--max-semi-space-size=2"];
