import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Address, PublicClient } from "viem";
import { formatTTKO, zkPoolAbi } from "@zkpool/common";
import type { Deployment, Logger } from "@zkpool/common/node";
import { RELAYER_SCRIPT, agentService, localRelayerEnv, startService, type ServiceProcess } from "../lib/processes";
import { LEASH } from "./node";
import type { LocalPool, PoolMachine } from "./pool";

/** How long a service may take to come up (tsx compiles it on the way). */
const START_TIMEOUT_MS = 90_000;

/**
 * How `npm start` runs its services: in their own process group (a Ctrl-C on the terminal reaches `npm start`
 * only, which stops each once, in order), with the leash that stops them should `npm start` die without
 * stopping them, and no history kept (they run for hours).
 */
const SERVICE = { preload: [LEASH], detached: true, keepHistory: false } as const;

export interface PoolServicesOptions {
  rpcUrl: string;
  chainId: number;
  deploymentsDir: string;
  deployment: Deployment;
  pool: LocalPool;
  client: PublicClient;
  gatewayPort: number;
  httpPort: number;
  harvestIntervalMs: number;
  difficulty: number;
  logLevel: string;
  log: Logger;
  /** A service stopped by itself: the whole system stops. */
  onFailure: (error: Error) => void;
}

export interface PoolServices {
  /** Resolves once every agent has logged in to the relayer; rejects if one cannot. */
  agentsConnected: Promise<void>;
  /** Stops the agents (they finish or hand back their jobs), then the relayer (it finishes its submissions). */
  stop(): Promise<void>;
}

/** pino's levels, as the relayer writes them. */
const WARN = 40;
const ERROR = 50;

/**
 * Starts the pool's relayer and one agent per machine as processes (`npm run relayer`, `npm run agent`), and
 * shows what they do: the agents' own sentences, the relayer's key events told in words (its log is JSON).
 * Resolves once the relayer runs, when the agents start (they take seconds to measure their speed and log in).
 */
export async function startPoolServices(o: PoolServicesOptions): Promise<PoolServices> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "zkpool-relayer-"));
  const relayerLog = o.log.child({ component: "relayer" });
  const narrator = new RelayerNarrator(o, relayerLog);
  const relayer = startService({
    name: "the relayer",
    script: RELAYER_SCRIPT,
    env: localRelayerEnv(
      {
        rpcUrl: o.rpcUrl,
        chainId: o.chainId,
        deploymentsDir: o.deploymentsDir,
        relayerKey: o.pool.relayer.key,
        gatewayPort: o.gatewayPort,
        httpPort: o.httpPort,
        dataDir,
        pollIntervalMs: 500,
        harvestIntervalMs: o.harvestIntervalMs,
        capacityIntervalMs: 30_000,
        // Blocks are verified every few seconds: their credits follow within two.
        confirmIntervalMs: 2_000,
        // Info at least: its info lines are what is told.
        logLevel: o.logLevel === "trace" || o.logLevel === "debug" ? o.logLevel : "info",
      },
      { ZKPOOL_DIFFICULTY: String(o.difficulty) },
    ),
    ...SERVICE,
    onLine: (line, stream) => narrator.tell(line, stream),
    onUnexpectedExit: o.onFailure,
  });
  const agents: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(agents.map((agent) => agent.stop()));
    await relayer.stop();
    await narrator.idle();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await relayer.waitFor((line) => line.msg === "relayer running", "it starts", 0, START_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw error;
  }
  for (const machine of o.pool.machines) {
    const agentLog = o.log.child({ component: `agent ${machine.label}` });
    agents.push(
      startService({
        name: `agent ${machine.label}`,
        ...agentService(machine.agentKey, o.gatewayPort, ["--name", machine.label], {
          LOG_FORMAT: "pretty",
          LOG_LEVEL: "info",
        }),
        ...SERVICE,
        // The agent speaks in sentences (it is not on a terminal, so without its progress line).
        onLine: (line, stream) => (stream === "stdout" ? agentLog.info(line) : agentLog.warn(line)),
        onUnexpectedExit: o.onFailure,
      }),
    );
  }
  const agentsConnected = Promise.all(
    agents.map((agent) =>
      agent.waitFor((l) => String(l.msg).startsWith("Connected to relayer"), "it connects", 0, START_TIMEOUT_MS),
    ),
  ).then(() => undefined);
  return { agentsConnected, stop };
}

/** One line of the relayer's JSON log. */
interface RelayerLine {
  level: number;
  msg: string;
  err?: { message?: string };
  [field: string]: unknown;
}

/** Tells the relayer's JSON log in a few words per key event, in order, naming machines by their labels. */
class RelayerNarrator {
  private readonly machines = new Map<string, PoolMachine>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: PoolServicesOptions,
    private readonly log: Logger,
  ) {
    for (const machine of o.pool.machines) this.machines.set(machine.agent.toLowerCase(), machine);
  }

  tell(text: string, stream: "stdout" | "stderr"): void {
    let line: RelayerLine;
    try {
      line = JSON.parse(text) as RelayerLine;
    } catch {
      // Not a log line: what the relayer prints when it cannot start.
      (stream === "stderr" ? this.log.error.bind(this.log) : this.log.info.bind(this.log))(text);
      return;
    }
    // Some events are told with what the chain says about them: one at a time, so lines keep their order.
    this.queue = this.queue.then(() =>
      this.render(line).catch((error: unknown) =>
        this.log.warn({ err: error }, `could not tell the relayer's "${line.msg}"`),
      ),
    );
  }

  idle(): Promise<void> {
    return this.queue;
  }

  private proverOf(agent: unknown): string {
    return this.machines.get(String(agent).toLowerCase())?.prover.name ?? "its prover";
  }

  private label(agent: unknown): string {
    const machine = typeof agent === "string" ? this.machines.get(agent.toLowerCase()) : undefined;
    return machine?.label ?? String(agent);
  }

  private async render(line: RelayerLine): Promise<void> {
    const { log } = this;
    switch (line.msg) {
      case "relayer running":
        return log.info(
          `running: agents connect to 127.0.0.1:${String(line.gatewayPort)}, status API at http://127.0.0.1:${String(line.httpPort)}`,
        );
      case "job dispatched": {
        const left = Number(line.deadlineIn);
        return log.info(
          `handed block ${String(line.blockId)} to ${this.label(line.agent)} ` +
            (left > 0 ? `(deadline in ${left} s)` : "(its prover let the window pass: anyone may prove it, for 1.5×)"),
        );
      }
      case "job given to a second agent: its deadline is near":
        return log.info(`also handed block ${String(line.blockId)} to ${this.label(line.agent)}: its deadline is near`);
      case "proof recorded on-chain: its agent's prover is credited once Taiko verifies the block":
        return log.info(
          `block ${String(line.blockId)} proven through ZKPool with ${this.label(line.agent)}'s proof: ${this.proverOf(line.agent)} is credited once Taiko verifies it`,
        );
      case "block verified by Taiko: its reward credited to the prover of the agent that proved it":
        return log.info(
          `block ${String(line.blockId)} verified: ${formatTTKO(BigInt(String(line.reward)))} credited to ${this.proverOf(line.agent)} (${this.label(line.agent)}'s proof), in epoch ${String(line.epoch)}`,
        );
      case "block already proven by another prover: recorded as lost, not retried":
        return (line.level >= WARN ? log.warn.bind(log) : log.info.bind(log))(
          `block ${String(line.blockId)}: another prover's proof got there first, the pool's came second (not retried)`,
        );
      case "harvested the pool's Taiko rewards":
        return log.info(`harvested ${formatTTKO(BigInt(String(line.amount)))} of Taiko rewards into the pool`);
      case "settled an ended epoch":
        return log.info(await this.settlement(line));
      case "pool capacity follows the connected machines":
        // The world tells it too (ProverPool's Staked event).
        return log.debug(`set the pool's capacity in ProverPool from ${String(line.from)} to ${String(line.to)}`);
      case "stopping: no new jobs; finishing submissions in flight":
      case "relayer stopped":
        return log.info(line.msg.replace(/^relayer /, ""));
      default: {
        const reason = typeof line.reason === "string" ? line.reason : line.err?.message;
        const text = reason ? `${line.msg}: ${reason}` : line.msg;
        if (line.level >= ERROR) return log.error(text);
        if (line.level >= WARN) return log.warn(text);
        // Everything else (transactions sent, history replayed…) is there with LOG_LEVEL=debug.
        return log.debug(text);
      }
    }
  }

  /** The epoch's split, as the relayer read it from its settle transaction's EpochSettled, and what each prover
   * can claim now. */
  private async settlement(line: RelayerLine): Promise<string> {
    const { client, deployment } = this.o;
    const pool = deployment.contracts.ZKPool.address as Address;
    const amount = (name: string) => BigInt(String(line[name] ?? 0));
    const [epoch, reward, fee, proverReward, totalShares] = [
      "epoch",
      "reward",
      "fee",
      "proverReward",
      "totalShares",
    ].map(amount) as [bigint, bigint, bigint, bigint, bigint];
    // An epoch's reward is its credits: what Taiko paid for the blocks confirmed in it.
    if (totalShares === 0n || reward === 0n) return `settled epoch ${epoch}: no block was credited in it`;
    const provers = new Map<Address, string>();
    for (const machine of this.o.pool.machines) provers.set(machine.prover.address, machine.prover.name);
    const claimable = await Promise.all(
      [...provers].map(async ([address, name]) => {
        const amount = await client.readContract({
          address: pool,
          abi: zkPoolAbi,
          functionName: "claimable",
          args: [address],
        });
        return `${name} ${formatTTKO(amount)}`;
      }),
    );
    return (
      `settled epoch ${epoch}: the pool earned ${formatTTKO(reward)}, ${formatTTKO(fee)} to the operator, ` +
      `${formatTTKO(proverReward)} to the provers; claimable now: ${claimable.join(", ")}`
    );
  }
}
