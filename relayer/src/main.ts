/** `npm run relayer`: the relayer service, configured from the environment (relayer/.env.example). */
import { createLogger } from "@zkpool/common/node";
import { loadConfig } from "./config";
import { startRelayer } from "./relayer";

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger("relayer", config.log);
  const relayer = await startRelayer(config, log);
  let signals = 0;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      signals += 1;
      if (signals > 1) {
        log.warn(`${signal} again: exiting now`);
        process.exit(1);
      }
      log.info(`${signal}: shutting down gracefully (send it again to exit at once)`);
      void relayer.stop();
    });
  }
  await relayer.stopped;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`relayer: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
