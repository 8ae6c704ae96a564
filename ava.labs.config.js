// AVA's second pass in `npm test` (tools/run-tests.ts): the lab tests that run many daemons (the transport's
// 10-board groups, the SNMP labs, the failover labs), one file at a time.
export const labTestDirs = ["rmtp", "snmp", "failover"];

export default {
  files: labTestDirs.map((d) => `dist/hil-tests/${d}/**/*.test.js`),
  timeout: "5m",
  concurrency: 1,
  workerThreads: false,
};
