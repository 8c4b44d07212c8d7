/**
 * How fast this machine proves. Measured once at start on a dummy block at the relayer's difficulty (reported
 * in zkpool.authorize), then followed from real jobs (reported in heartbeats), so that the relayer never hands
 * this machine more than it can finish before a deadline.
 */
import type { Hex } from "viem";
import { LOCAL_INSTANCE_CONTEXT, instanceHash } from "@zkpool/common";
import type { ProveJob, ProverBackend } from "./backends/index.js";

const ZERO32: Hex = `0x${"00".repeat(32)}`;

/**
 * A block that exists nowhere, with the shape of a real one. Its graffiti stays zero, not this agent's: the
 * graffiti only changes the instance's value, not the work of proving it, and a proof of a block that names
 * no machine can never be mistaken for this one's (it is thrown away in any case).
 */
export function dummyJob(difficulty: number): ProveJob {
  const evidence = {
    metaHash: `0x${"ab".repeat(32)}` as Hex,
    parentHash: ZERO32,
    blockHash: `0x${"cd".repeat(32)}` as Hex,
    signalRoot: ZERO32,
    graffiti: ZERO32,
    prover: "0x0000000000000000000000000000000000000000" as const,
    parentGasUsed: 21_000,
    gasUsed: 1_000_000,
    verifierId: 0,
  };
  return {
    jobId: "benchmark",
    blockId: 0n,
    evidence,
    instance: instanceHash(evidence, LOCAL_INSTANCE_CONTEXT),
    deadline: Math.floor(Date.now() / 1000) + 3_600,
    difficulty,
  };
}

export interface BenchmarkOptions {
  /** Timed proofs after the warm-up (default 2). */
  runs?: number;
  /** Prove once untimed first (loads keys, starts workers; default true). */
  warmUp?: boolean;
  signal?: AbortSignal;
}

/** Milliseconds per proof at `difficulty`: the median of a few proofs of a dummy block. */
export async function measureSpeed(
  backend: ProverBackend,
  difficulty: number,
  options: BenchmarkOptions = {},
): Promise<number> {
  const signal = options.signal ?? new AbortController().signal;
  const job = dummyJob(difficulty);
  if (options.warmUp ?? true) await backend.prove(job, signal);
  const samples: number[] = [];
  for (let i = 0; i < (options.runs ?? 2); i++) {
    const started = performance.now();
    await backend.prove(job, signal);
    samples.push(performance.now() - started);
  }
  return Math.max(1, Math.round(median(samples)));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * The current speed estimate: starts from the benchmark, then follows real jobs (an exponentially weighted
 * average, so one slow proof does not halve the machine's rating).
 */
export class SpeedTracker {
  private estimate: number | undefined;
  private measuredDifficulty: number | undefined;
  private sinceReport = false;

  /** The estimate for `difficulty`, when there is one. */
  msPerProof(difficulty: number): number | undefined {
    return this.measuredDifficulty === difficulty ? this.estimate : undefined;
  }

  /** Sets the estimate from a benchmark at `difficulty` (forgetting what was learned at another). */
  setBenchmark(difficulty: number, ms: number): void {
    this.measuredDifficulty = difficulty;
    this.estimate = ms;
    this.sinceReport = false;
  }

  /** Folds a real job's proving time in. */
  record(difficulty: number, ms: number): void {
    if (this.measuredDifficulty !== difficulty || this.estimate === undefined) {
      this.setBenchmark(difficulty, ms);
    } else {
      this.estimate = Math.max(1, Math.round(0.7 * this.estimate + 0.3 * ms));
    }
    this.sinceReport = true;
  }

  /** The estimate learned from real jobs since the last call, for the next heartbeat. */
  takeReport(): number | undefined {
    if (!this.sinceReport) return undefined;
    this.sinceReport = false;
    return this.estimate;
  }
}
