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

/** One built-in prover for every in-process test (its worker threads are shared; close it once). */
export const builtin = new BuiltinBackend();

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
    backend: builtin,
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
 * A backend the test steers: jobs whose id is in `hold` wait until aborted (and report that they were);
 * the others go to the built-in prover. `proofFor` can replace the proof of a job (to send a bad one).
 */
export class ControlledBackend extends EventEmitter implements ProverBackend {
  readonly name = "controlled";
  readonly hold = new Set<string>();
  readonly aborted: string[] = [];
  proofFor: ((job: ProveJob) => Hex | undefined) | undefined;

  async prove(job: ProveJob, signal: AbortSignal): Promise<ProveResult> {
    this.emit("start", job, signal);
    if (this.hold.has(job.jobId)) {
      if (!signal.aborted) await once(signal, "abort");
      this.aborted.push(job.jobId);
      this.emit("abort", job);
      throw abortReason(signal);
    }
    const result = await builtin.prove(job, signal);
    const replaced = this.proofFor?.(job);
    return replaced === undefined ? result : { ...result, proof: replaced };
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
