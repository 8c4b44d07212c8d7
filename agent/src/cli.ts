/**
 * `npm run agent -- --key <access key> --relayer <host:port>` (or ZKPOOL_AGENT_KEY=… in the environment).
 *
 * Exit codes: 0 stopped (Ctrl-C or SIGTERM), 1 an error retrying cannot fix, 2 a configuration error,
 * 130 a second Ctrl-C.
 */
import { runAgent } from "./agent.js";
import { createBackend } from "./backends/index.js";
import { createLogger } from "@zkpool/common/node";
import { accountFromKey, parseConfig, redactKeys, type AgentConfig } from "./config.js";
import { ConfigError, JobAbortedError } from "./errors.js";
import { LogUi, TerminalUi, redactor, type AgentUi } from "./ui.js";

function createUi(config: AgentConfig): AgentUi {
  const sanitize = redactor(config.key);
  const pretty = config.log.format === undefined ? process.stdout.isTTY === true : config.log.format === "pretty";
  if (pretty) return new TerminalUi(process.stdout, process.stderr, sanitize);
  return new LogUi(createLogger("agent", { level: config.log.level }), sanitize);
}

async function main(): Promise<number> {
  let command: ReturnType<typeof parseConfig>;
  try {
    command = parseConfig();
  } catch (error) {
    new TerminalUi(process.stdout, process.stderr, redactKeys, false).fatal(error);
    return error instanceof ConfigError ? 2 : 1;
  }
  if (command.kind !== "run") {
    process.stdout.write(`${command.text}\n`);
    return 0;
  }
  const { key, ...config } = command.config;
  const ui = createUi(command.config);
  let account: ReturnType<typeof accountFromKey>;
  try {
    account = accountFromKey(key);
  } catch (error) {
    ui.fatal(error);
    return 2;
  }
  const backend = createBackend(config);
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    if (signals === 1) {
      stop.abort(new JobAbortedError("stopped by the user"));
    } else {
      process.stderr.write("Quitting now\n");
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await runAgent({ config, account, backend, ui, stop: stop.signal });
    ui.stopped();
    return 0;
  } catch (error) {
    ui.fatal(error);
    return error instanceof ConfigError ? 2 : 1;
  } finally {
    await backend.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Error: ${redactKeys(error instanceof Error ? error.message : String(error))}\n`);
    process.exit(1);
  },
);
