// AVA's second pass in `npm test` (tools/run-tests.ts): the failover lab tests, one file at a time.
export default {
  files: ["dist/hil-tests/failover/**/*.test.js"],
  timeout: "5m",
  concurrency: 1,
  workerThreads: false,
};
