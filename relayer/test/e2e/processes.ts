/** The relayer and the agent as their own processes in the end-to-end tests (see scripts/lib/processes.ts). */
import { RELAYER_SCRIPT, agentService, startService, type ServiceProcess } from "../../../scripts/lib/processes";

/** An agent daemon for `key`, connected to the relayer's gateway, logging JSON. */
export function startAgent(key: string, gatewayPort: number, extra: string[] = []): ServiceProcess {
  return startService({ name: "the agent", ...agentService(key, gatewayPort, extra, { LOG_FORMAT: "json" }) });
}

/**
 * The relayer service (`npm run relayer`) as its own process, with `env` as its settings (see
 * LocalPool.relayerEnv). Resolves once it logs that it runs; SIGKILL it to crash it for real.
 */
export async function startRelayerProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const relayer = startService({
    name: "the relayer",
    script: RELAYER_SCRIPT,
    // Info level at least: the tests await its info lines.
    env: { ...env, LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "info" },
  });
  await relayer.waitFor((l) => l.msg === "relayer running", "the relayer starts");
  return relayer;
}

/** The hash of the relayer's next transaction sent for `purpose` (submit, harvest, capacity…). */
export async function sentTransaction(relayer: ServiceProcess, purpose: string): Promise<`0x${string}`> {
  const line = await relayer.waitFor(
    (l) => l.msg === "transaction sent" && l.purpose === purpose,
    `the relayer sends a ${purpose} transaction`,
  );
  return line.hash as `0x${string}`;
}

/**
 * The outsider of outsider.ts as its own process: it races every ZKPool.proveBlock it finds in the mempool.
 * Resolves once it watches.
 */
export async function startOutsider(env: {
  RPC_URL: string;
  OUTSIDER_KEY: string;
  ZKPOOL: string;
  TAIKO_L1: string;
}): Promise<ServiceProcess> {
  const outsider = startService({ name: "the outsider", script: "relayer/test/e2e/outsider.ts", env });
  await outsider.waitFor((l) => l.msg === "watching the mempool", "the outsider starts");
  return outsider;
}
