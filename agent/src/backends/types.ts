import type { Hex } from "viem";
import type { JobEvidence } from "@zkpool/common";

/** A proving job as a backend sees it: the notified job, parsed. */
export interface ProveJob {
  jobId: string;
  blockId: bigint;
  evidence: JobEvidence;
  /** The proof's public input: instanceHash(evidence). */
  instance: Hex;
  /** Unix seconds by which the proof must be on-chain. */
  deadline: number;
  difficulty: number;
}

export interface ProveResult {
  /** evidence.proof: instanceHi ‖ instanceLo ‖ abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c), 320 bytes. */
  proof: Hex;
  /** How long proving took. */
  millis: number;
}

/** A way of making a block proof: the built-in prover, or a client for a prover running elsewhere. */
export interface ProverBackend {
  readonly name: string;
  /**
   * Proves the job. Rejects promptly with the signal's reason once `signal` is aborted (the work it started
   * may finish in the background and is thrown away).
   */
  prove(job: ProveJob, signal: AbortSignal): Promise<ProveResult>;
  /** Releases what the backend holds (worker threads, sockets), so the process can exit. */
  close(): Promise<void>;
}
