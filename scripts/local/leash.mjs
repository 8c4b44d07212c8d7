/* global process, setInterval */
// Preloaded (`node --import`) into each process `npm start` starts: they run in their own process group, so if
// `npm start` itself is killed outright (SIGKILL, a crash), they would outlive it. Each one watches for its
// parent to go and then stops itself gracefully (SIGTERM), as `npm start` would have asked.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
}, 1_000).unref();
