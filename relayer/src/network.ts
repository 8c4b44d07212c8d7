import type { Abi, Address, Hex } from "viem";
import type { InstanceContext, JobEvidence } from "@zkpool/common";

/** A block the pool means to prove, as the network describes it. */
export interface NetworkJob {
  blockId: bigint;
  proposedAt: number;
  /** Unix seconds: the end of the proof window for the pool's blocks. */
  deadline: number;
  /** Not assigned to the pool: an open block, or another prover's block whose window passed. */
  opportunistic: boolean;
  rewardPerGas: number;
  evidence: JobEvidence;
  instance: Hex;
}

export type NetworkEvent =
  /** seenAt: when the relayer first read the event from the network (ms), where dispatch latency starts. */
  | { kind: "job"; job: NetworkJob; seenAt: number }
  /**
   * A proof of `blockId` on the parent `parentHash` (with `parentGasUsed`): the fork choice it makes. Only one on
   * a job's own parent (its evidence's) ends the job.
   */
  | { kind: "proven"; blockId: bigint; prover: Address; parentHash: Hex; parentGasUsed: number }
  | { kind: "agentChanged"; agent: Address };

/**
 * Why the network turned the pool's proof down (see NetworkAdapter.rejectionOf): for good (`lost`, `refused`),
 * or not yet (`early`).
 */
export type Rejection = "lost" | "refused" | "early";

/** The pool's proof of a job found on-chain (see NetworkAdapter.poolProof). */
export interface PoolProof {
  /** The transaction that put it there, when the chain's logs show it. */
  tx: Hex | undefined;
}

/**
 * Everything the relayer knows of the network it proves for. Taiko A4 is one adapter; a later Taiko version
 * or another ZK project is another adapter, not a rewrite of the relayer.
 */
export interface NetworkAdapter {
  readonly name: string;
  /** Catches up on the chain's history (cursor from the store) before the first poll. */
  start(): Promise<void>;
  /** Events since the last commit, in chain order: a poll not committed (its events not handled) is read again. */
  poll(): Promise<NetworkEvent[]>;
  /** Saves the position reached by the last poll, once its events are safely handled. */
  commit(): Promise<void>;
  /**
   * The network contracts' custom errors, which reach the relayer through the pool's calls (ZKPool.proveBlock
   * forwards to TaikoL1): the sender names reverts with them, so that isFinalRejection can recognise them.
   */
  readonly errors: Abi;
  /**
   * What a revert of the pool's proof of `job` (by its custom error) means: `lost`, the block was proven (or
   * verified) first, by someone else or by an earlier transaction of the pool's (see poolProof); `refused`,
   * the network will never take this proof; either is final, the proof is not sent again. `early`, the network
   * takes it later (a block taken because its window passed, on a chain that has not got there yet): the same
   * proof is sent again once whenProvable resolves. Undefined: it may pass later, proven again.
   */
  rejectionOf(errorName: string, job: { opportunistic: boolean }): Rejection | undefined;
  /** Resolves when a proof of `job` turned down as `early` is worth sending again; rejects when `signal` aborts. */
  whenProvable(job: { deadline: number }, signal?: AbortSignal): Promise<void>;
  /**
   * The pool's proof of this job if one is on-chain (the block proven from the job's parent with the pool as
   * its prover), whichever transaction put it there: one sent before a restart, a replacement, another relayer
   * with the same key. Undefined when the job's block has no proof from that parent or another prover's.
   */
  poolProof(job: { blockId: bigint; evidence: JobEvidence }): Promise<PoolProof | undefined>;
  /**
   * The instance a proof of `evidence` must prove (an agent proves its own: the evidence's graffiti names it).
   * After start().
   */
  instanceOf(evidence: JobEvidence): Hex;
  /**
   * What the chain hashes into every instance besides the evidence (instanceOf hashes with it): agents get it at
   * login, to recompute each job's instance and refuse one that does not name them. After start().
   */
  instanceContext(): InstanceContext;
  /** Seconds a proof window lasts now (for capacity planning). */
  proofWindowSeconds(): Promise<number>;
}
