// Preloaded into a daemon under test (`node --import`): SIGUSR2 blocks the event loop for
// $ISS_TEST_BLOCK_MS milliseconds, as a hung daemon would, so the watchdog test sees its pings stop.
const blockMs = Number(process.env.ISS_TEST_BLOCK_MS ?? "2000");
process.on("SIGUSR2", () => {
  const until = Date.now() + blockMs;
  while (Date.now() < until);
});
