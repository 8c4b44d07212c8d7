import { EventEmitter, once } from "node:events";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { runAgent, type AgentOptions } from "../../src/agent.js";
import { BuiltinBackend, type ProveJob, type ProveResult, type ProverBackend } from "../../src/backends/index.js";
import type { AgentConfig } from "../../src/config.js";
import { abortReason } from "../../src/errors.js";
import { redactor } from "../../src/ui.js";
import { RecordingUi } from "./recordingUi.js";
import type { ScriptedRelayer } from "./scriptedRelayer.js";

export const KEY: Hex = generatePrivateKey();
export const ACCOUNT = privateKeyToAccount(KEY);

/** The built-in prover, for the tests that prove for real (its worker threads are shared; close it once). */
export const builtin = new BuiltinBackend();

/**
 * A well-formed (320-byte: the instance's two halves, then Groth16) proof that proves nothing: what the scripted
 * backend returns.
 */
export const FAKE_PROOF: Hex = `0x${"ab".repeat(320)}`;

export interface RunningAgent {
  ui: RecordingUi;
  done: Promise<void>;
  /** The first Ctrl-C: stop within the grace period; resolves when the agent has returned. */
  stop(): Promise<void>;
}

export function startAgent(
  relayer: ScriptedRelayer,
  overrides: Partial<Omit<AgentOptions, "config">> & { config?: Partial<AgentConfig> } = {},
): RunningAgent {
  const stop = new AbortController();
  const ui = new RecordingUi(redactor(KEY));
  const { config, ...rest } = overrides;
  const done = runAgent({
    config: {
      relayer: { host: "127.0.0.1", port: relayer.port },
      name: "test-agent",
      concurrency: 1,
      backend: "builtin",
      proverdUrl: undefined,
      deviceId: "test-device",
      gracePeriodMs: 5_000,
      log: { level: "info", format: undefined },
      ...config,
    },
    account: ACCOUNT,
    backend: new ScriptedBackend(),
    ui: ui.ui,
    stop: stop.signal,
    heartbeatMs: 200,
    retry: { baseDelayMs: 50, maxDelayMs: 500 },
    benchmarkRuns: 1,
    ...rest,
  });
  return {
    ui,
    done,
    stop: async () => {
      stop.abort(new Error("test over"));
      await done;
    },
  };
}

/**
 * A prover backend the test steers, with no proving in it: a job proves at once (in `millis`, with FAKE_PROOF)
 * unless it is held (its id in `hold`, or `holdAll`): then it waits for `finish` or `fail`, or rejects with its
 * signal's reason once aborted. It records which jobs started, in order, and how many ran at once.
 */
export class ScriptedBackend extends EventEmitter implements ProverBackend {
  readonly name = "scripted";
  readonly hold = new Set<string>();
  holdAll = false;
  /** The proving time a job reports when it is not told another. */
  millis = 1;
  readonly started: string[] = [];
  readonly aborted: string[] = [];
  readonly signals = new Map<string, AbortSignal>();
  /** The most jobs in the backend at once. */
  maxInFlight = 0;
  private readonly waiting = new Map<string, { resolve: (r: ProveResult) => void; reject: (e: Error) => void }>();
  private running = 0;

  get inFlight(): number {
    return this.running;
  }

  async prove(job: ProveJob, signal: AbortSignal): Promise<ProveResult> {
    this.started.push(job.jobId);
    this.signals.set(job.jobId, signal);
    this.running++;
    this.maxInFlight = Math.max(this.maxInFlight, this.running);
    this.emit("start", job, signal);
    try {
      if (!this.holdAll && !this.hold.has(job.jobId)) return { proof: FAKE_PROOF, millis: this.millis };
      return await new Promise<ProveResult>((resolve, reject) => {
        const onAbort = (): void => {
          this.waiting.delete(job.jobId);
          this.aborted.push(job.jobId);
          this.emit("abort", job);
          reject(abortReason(signal));
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
        this.waiting.set(job.jobId, {
          resolve: (result) => {
            signal.removeEventListener("abort", onAbort);
            resolve(result);
          },
          reject: (error) => {
            signal.removeEventListener("abort", onAbort);
            reject(error);
          },
        });
      });
    } finally {
      this.running--;
    }
  }

  /** The held job `jobId` is proven, in `millis`. */
  finish(jobId: string, millis = this.millis, proof: Hex = FAKE_PROOF): void {
    const waiting = this.waiting.get(jobId);
    if (!waiting) throw new Error(`job ${jobId} is not being proven`);
    this.waiting.delete(jobId);
    waiting.resolve({ proof, millis });
  }

  /** The held job `jobId` fails with `error`. */
  fail(jobId: string, error: Error): void {
    const waiting = this.waiting.get(jobId);
    if (!waiting) throw new Error(`job ${jobId} is not being proven`);
    this.waiting.delete(jobId);
    waiting.reject(error);
  }

  async close(): Promise<void> {}

  async nextStart(): Promise<[ProveJob, AbortSignal]> {
    return (await once(this, "start")) as [ProveJob, AbortSignal];
  }
}

/** Resolves with the first emitted `event` whose arguments satisfy `test`. */
export function waitFor<T extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  test: (...args: T) => boolean,
): Promise<T> {
  return new Promise((resolve) => {
    const listener = (...args: unknown[]): void => {
      if (test(...(args as T))) {
        emitter.off(event, listener);
        resolve(args as T);
      }
    };
    emitter.on(event, listener);
  });
}
