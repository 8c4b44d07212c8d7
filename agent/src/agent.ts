/**
 * The agent: one loop that connects to the relayer, logs in and works until the connection drops, then does
 * it again after a backoff delay, until asked to stop. Everything it needs comes in AgentOptions, so tests
 * run it in-process with their own backend, UI and timings.
 */
import type { PrivateKeyAccount } from "viem/accounts";
import type { ProverBackend } from "./backends/index.js";
import { SpeedTracker, measureSpeed } from "./benchmark.js";
import { backoffDelay, isRetryable, withRetry } from "@zkpool/common";
import { realClock, type Clock } from "./clock.js";
import { AGENT_VERSION, deriveDeviceId, deviceInfo, type AgentConfig } from "./config.js";
import { RelayerConnection, formatAddress } from "./connection.js";
import { Session, type SessionContext } from "./session.js";
import type { AgentUi } from "./ui.js";

/** A session that lasted this long was a working one: the next reconnection starts the backoff over. */
const STABLE_SESSION_MS = 30_000;

export interface AgentOptions {
  config: Omit<AgentConfig, "key">;
  /** The access key as a signer (see accountFromKey). */
  account: PrivateKeyAccount;
  backend: ProverBackend;
  ui: AgentUi;
  /** Aborted on the first Ctrl-C: finish within the grace period, then return. */
  stop: AbortSignal;
  /** Between two heartbeats (default 5 s). */
  heartbeatMs?: number;
  /** A request's time limit (default 15 s). */
  requestTimeoutMs?: number;
  /** Reconnection backoff, full jitter (defaults: up to 500 ms, doubling up to 30 s; Math.random). */
  retry?: { baseDelayMs?: number; maxDelayMs?: number; random?: () => number };
  /** Times everything: backoff, heartbeats, timeouts, the grace period (default the real clock). */
  clock?: Clock;
  /** Timed proofs in the start-up benchmark (default 2, after one warm-up). */
  benchmarkRuns?: number;
  /** Called after each login, with the session (tests watch it). */
  onSession?: (session: Session) => void;
}

/** Runs until `stop` is aborted (resolves) or an error that retrying cannot fix (rejects with it). */
export async function runAgent(options: AgentOptions): Promise<void> {
  const { config, account, backend, ui, stop } = options;
  const clock = options.clock ?? realClock;
  const deviceId = config.deviceId ?? deriveDeviceId(account.address);
  const relayer = formatAddress(config.relayer);
  const speed = new SpeedTracker();
  const benchmarks = new Map<number, Promise<number>>();

  const speedAt = (difficulty: number, signal: AbortSignal): Promise<number> => {
    const known = speed.msPerProof(difficulty);
    if (known !== undefined) return Promise.resolve(known);
    let running = benchmarks.get(difficulty);
    if (running === undefined) {
      ui.benchmarking(difficulty, backend.name);
      running = measureSpeed(backend, difficulty, { signal, runs: options.benchmarkRuns }).then((ms) => {
        speed.setBenchmark(difficulty, ms);
        ui.benchmarked(difficulty, ms);
        return ms;
      });
      benchmarks.set(difficulty, running);
      running.catch(() => benchmarks.delete(difficulty));
    }
    return running;
  };

  const ctx: SessionContext = {
    name: config.name,
    version: AGENT_VERSION,
    device: deviceInfo(),
    deviceId,
    concurrency: config.concurrency,
    account,
    backend,
    speed,
    ui,
    speedAt,
    heartbeatMs: options.heartbeatMs ?? 5_000,
    clock,
  };

  ui.starting({ name: config.name, agent: account.address, deviceId, backend: backend.name, relayer });
  const baseDelayMs = options.retry?.baseDelayMs ?? 500;
  const maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
  const random = options.retry?.random;
  /** Sessions in a row that ended soon after they started: each waits longer before the next. */
  let shortSessions = 0;
  while (!stop.aborted) {
    let opened: { conn: RelayerConnection; session: Session };
    try {
      opened = await withRetry(
        async () => {
          const conn = await RelayerConnection.connect(config.relayer, {
            signal: stop,
            requestTimeoutMs: options.requestTimeoutMs,
            clock,
          });
          try {
            return { conn, session: await Session.open(conn, ctx, stop) };
          } catch (error) {
            conn.close();
            throw error;
          }
        },
        {
          attempts: Infinity,
          signal: stop,
          baseDelayMs,
          maxDelayMs,
          random,
          sleep: clock.sleep,
          onRetry: (error, _attempt, delayMs) => ui.retrying(error, delayMs),
        },
      );
    } catch (error) {
      // Asked to stop while connecting or waiting to reconnect: that is a normal end.
      if (stop.aborted) return;
      throw error;
    }
    const { conn, session } = opened;
    options.onSession?.(session);
    const started = clock.now();
    try {
      await session.run(stop, config.gracePeriodMs);
      return;
    } catch (error) {
      if (!isRetryable(error)) throw error;
      // A relayer that keeps dropping the agent right after login is not hammered: back off as for a refusal.
      shortSessions = clock.now() - started < STABLE_SESSION_MS ? shortSessions + 1 : 0;
      const delayMs = backoffDelay(shortSessions + 1, baseDelayMs, maxDelayMs, random);
      ui.disconnected(error, delayMs);
      await clock.sleep(delayMs, stop).catch(() => undefined);
    } finally {
      conn.close();
    }
  }
}
