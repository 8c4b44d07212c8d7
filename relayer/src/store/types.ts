import type { Address, Hex } from "viem";
import type { JobEvidence } from "@zkpool/common";

/**
 * A proving job: one Taiko block the pool will prove. Created when the relayer sees the block proposed
 * (assigned to the pool, or open/expired and taken on purpose), finished when the pool's proof is on-chain
 * (`proven`), when someone else's proof made it pointless (`lost`), or when Taiko refuses it for good
 * (`failed`, with the reason).
 */
export type JobStatus = "open" | "submitting" | "proven" | "lost" | "failed";

export interface Job {
  blockId: bigint;
  /** Unix seconds. */
  proposedAt: number;
  /** Unix seconds by which the proof must be on-chain (proposedAt + proofWindow for the pool's blocks). */
  deadline: number;
  /** True when the block was not assigned to the pool (open, or another prover's expired window). */
  opportunistic: boolean;
  rewardPerGas: number;
  evidence: JobEvidence;
  instance: Hex;
  status: JobStatus;
  /** Why the job failed, or who proved it when lost. */
  detail: string | null;
  createdAt: number;
  updatedAt: number;
}

export type AttemptOutcome = "proved" | "bad_proof" | "disconnected" | "stalled" | "cancelled";

/** One agent working on one job. Several attempts per job when reassigned or proven redundantly. */
export interface Attempt {
  id: number;
  blockId: bigint;
  agent: Address;
  deviceId: string;
  startedAt: number;
  finishedAt: number | null;
  outcome: AttemptOutcome | null;
  millis: number | null;
}

export type SubmissionStatus = "pending" | "sent" | "confirmed" | "reverted" | "rejected";

/**
 * The one submission of a block through ZKPool.proveBlock. `blockId` is unique: a block is submitted at most
 * once at a time, which is what makes "exactly one credit per block" survive crashes and restarts.
 */
export interface Submission {
  blockId: bigint;
  /** The agent that proved it: the input's graffiti (ZKPool credits its prover). */
  agent: Address;
  /** The abi-encoded evidence, proof included: ZKPool.proveBlock's input. */
  input: Hex;
  status: SubmissionStatus;
  /**
   * Every transaction hash sent for it (replacements included), newest last; for a block found proven by an
   * earlier transaction of the pool's that it did not send, that transaction last.
   */
  txHashes: Hex[];
  nonce: number | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

/** An agent machine's record, kept across restarts for the status API. */
export interface Machine {
  agent: Address;
  deviceId: string;
  prover: Address;
  name: string;
  msPerProof: number;
  concurrency: number;
  jobsDone: number;
  jobsFailed: number;
  lastSeen: number;
}

/**
 * The relayer's durable state. Two implementations share one SQL schema: PGlite (embedded, the default, a
 * directory on disk or in memory) and PostgreSQL (DATABASE_URL), where several relayers share the work.
 * Every method is atomic; times are unix seconds.
 */
export interface Store {
  /** Creates or upgrades the schema. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Inserts the job unless one exists for its block; the row as stored when inserted, else undefined. */
  addJob(job: Omit<Job, "status" | "detail" | "createdAt" | "updatedAt">, now: number): Promise<Job | undefined>;
  getJob(blockId: bigint): Promise<Job | undefined>;
  /** Jobs still to prove (status open), earliest deadline first. */
  openJobs(): Promise<Job[]>;
  /**
   * Moves a job to a final status (proven, lost, failed) or back to open; returns false if it was not there,
   * or, with `from`, not in one of those statuses. A job's end is made from the statuses before it (open,
   * submitting), so that of all who see a job end, only the one that ended it gets true.
   */
  setJobStatus(
    blockId: bigint,
    status: JobStatus,
    detail: string | null,
    now: number,
    from?: readonly JobStatus[],
  ): Promise<boolean>;

  startAttempt(blockId: bigint, agent: Address, deviceId: string, now: number): Promise<number>;
  finishAttempt(id: number, outcome: AttemptOutcome, millis: number | null, now: number): Promise<void>;
  attempts(blockId: bigint): Promise<Attempt[]>;

  /**
   * Records the submission of a job and moves the job to `submitting`, in one transaction; false (and nothing
   * written) when the block already has a submission that is not `reverted` or `rejected`.
   */
  claimSubmission(submission: Pick<Submission, "blockId" | "agent" | "input">, now: number): Promise<boolean>;
  getSubmission(blockId: bigint): Promise<Submission | undefined>;
  /** Submissions not yet final (pending or sent): what a restarted relayer must finish. */
  unfinishedSubmissions(): Promise<Submission[]>;
  /** Appends a sent transaction (hash and nonce) to the submission and marks it sent. */
  recordSubmissionTx(blockId: bigint, txHash: Hex, nonce: number, now: number): Promise<void>;
  /**
   * Final state of a submission; `confirmed` also ends the job as proven, `rejected` as `rejectedAs` (failed,
   * or lost) with the error as its detail, unless the job has ended already; `reverted` moves a job still
   * `submitting` back to open (so that a relayer restarted after a revert proves it again instead of leaving
   * it submitting forever; a revert can be claimed again). True when this call ended the job.
   */
  finishSubmission(
    blockId: bigint,
    status: "confirmed" | "reverted" | "rejected",
    error: string | null,
    now: number,
    rejectedAs?: "failed" | "lost",
  ): Promise<boolean>;

  /**
   * Reserves the next nonce of `address`: max(the stored next nonce, `chainNonce`), and stores it + 1.
   * Atomic, so concurrent senders (and relayers sharing PostgreSQL) never reuse a nonce.
   */
  reserveNonce(address: Address, chainNonce: number): Promise<number>;
  /**
   * Sets the next nonce of `address` (at start, from the chain's pending count): a nonce reserved by a process
   * that died before sending would otherwise leave a gap that blocks every later transaction. Call it inside
   * withNonceLock, with the count read inside too, when other relayers may send from the same key.
   */
  resetNonce(address: Address, next: number): Promise<void>;
  /**
   * Gives back `nonce` when its transaction never reached the node (the next reservation hands it out again),
   * if it is still the last one reserved; false otherwise. Call it inside withNonceLock.
   */
  releaseNonce(address: Address, nonce: number): Promise<boolean>;
  /**
   * Runs `fn` holding the nonce lock of `address`, which every relayer sharing this database takes between
   * reserving a nonce and handing its transaction to the node: nonces reach the node in the order they were
   * reserved, and the chain's pending count read inside the lock counts every other relayer's transactions.
   * PostgreSQL: an advisory lock (released if the process dies); PGlite, one process: fn runs as it is.
   */
  withNonceLock<T>(address: Address, fn: () => Promise<T>): Promise<T>;

  /** The next chain block a follower named `name` must read; undefined before its first save. */
  getCursor(name: string): Promise<bigint | undefined>;
  setCursor(name: string, block: bigint): Promise<void>;

  upsertMachine(machine: Machine): Promise<void>;
  /** Adds to a machine's counters and sets lastSeen. */
  countMachineJob(agent: Address, deviceId: string, outcome: "done" | "failed", now: number): Promise<void>;
  machinesOf(prover: Address): Promise<Machine[]>;
}
