/**
 * The store's jobs, submissions and cursors in memory, with the SQL store's rules (one live submission per block, a job
 * ended once, a reverted submission reopening its job), for unit tests of the parts that record a job's end:
 * milliseconds per test where PGlite takes a second to open. Every write is also written to `journal`, which
 * other fakes share, so that a test can check the order of what happened (claimed before any transaction).
 */
import { keccak256, stringToHex, type Hex } from "viem";
import { LOCAL_INSTANCE_CONTEXT, instanceHash, type JobEvidence } from "@zkpool/common";
import type { Job, JobStatus, Store, Submission } from "../../src/store/types";

export const POOL = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;

/** A job for block `blockId`, open, with evidence whose every hash says which block it is. */
export function jobFor(blockId: bigint, fields: Partial<Job> = {}): Job {
  const word = (what: string) => keccak256(stringToHex(`${what} ${blockId}`));
  const evidence: JobEvidence = {
    metaHash: word("meta"),
    parentHash: word("parent"),
    blockHash: word("block"),
    signalRoot: word("signal"),
    graffiti: word("graffiti"),
    prover: POOL,
    parentGasUsed: 21_000,
    gasUsed: 1_000_000,
    verifierId: 0,
  };
  return {
    blockId,
    proposedAt: 1_000,
    deadline: 1_600,
    opportunistic: false,
    rewardPerGas: 1_000,
    evidence,
    instance: instanceHash(evidence, LOCAL_INSTANCE_CONTEXT),
    status: "open",
    detail: null,
    createdAt: 1_000,
    updatedAt: 1_000,
    ...fields,
  };
}

export interface MemoryStore extends Store {
  readonly jobs: Map<bigint, Job>;
  readonly submissions: Map<bigint, Submission>;
  /** The followers' cursors, by name. */
  readonly cursors: Map<string, bigint>;
  /** What was written, in order: "claim 7", "tx 7 0xab… nonce 3", "finish 7 confirmed", "job 7 proven". */
  readonly journal: string[];
}

const notHere = (name: string) => () => Promise.reject(new Error(`the memory store has no ${name}`));

export function memoryStore(journal: string[] = []): MemoryStore {
  const jobs = new Map<bigint, Job>();
  const submissions = new Map<bigint, Submission>();
  const cursors = new Map<string, bigint>();
  const copy = <T extends object>(row: T | undefined): T | undefined => (row ? structuredClone(row) : undefined);
  const setJob = (blockId: bigint, status: JobStatus, detail: string | null, now: number) => {
    const job = jobs.get(blockId)!;
    jobs.set(blockId, { ...job, status, detail, updatedAt: now });
    journal.push(`job ${blockId} ${status}`);
  };
  const store: MemoryStore = {
    jobs,
    submissions,
    cursors,
    journal,
    migrate: async () => undefined,
    close: async () => undefined,
    addJob: async (job, now) => {
      if (jobs.has(job.blockId)) return undefined;
      const added: Job = { ...job, status: "open", detail: null, createdAt: now, updatedAt: now };
      jobs.set(job.blockId, added);
      journal.push(`add ${job.blockId}`);
      return copy(added);
    },
    getJob: async (blockId) => copy(jobs.get(blockId)),
    openJobs: async () => [...jobs.values()].filter((j) => j.status === "open").sort((a, b) => a.deadline - b.deadline),
    setJobStatus: async (blockId, status, detail, now, from) => {
      const job = jobs.get(blockId);
      if (!job || (from && !from.includes(job.status))) return false;
      setJob(blockId, status, detail, now);
      return true;
    },
    claimSubmission: async (claim, now) => {
      if (!jobs.has(claim.blockId)) throw new Error(`claimSubmission: no job for block ${claim.blockId}`);
      const current = submissions.get(claim.blockId);
      if (current && current.status !== "reverted" && current.status !== "rejected") return false;
      submissions.set(claim.blockId, {
        ...claim,
        status: "pending",
        txHashes: [],
        nonce: null,
        error: null,
        createdAt: now,
        updatedAt: now,
      });
      journal.push(`claim ${claim.blockId}`);
      setJob(claim.blockId, "submitting", null, now);
      return true;
    },
    getSubmission: async (blockId) => copy(submissions.get(blockId)),
    unfinishedSubmissions: async () =>
      [...submissions.values()].filter((s) => s.status === "pending" || s.status === "sent").map((s) => copy(s)!),
    recordSubmissionTx: async (blockId, txHash: Hex, nonce, now) => {
      const submission = submissions.get(blockId)!;
      submission.txHashes.push(txHash);
      Object.assign(submission, { status: "sent", nonce, updatedAt: now });
      journal.push(`tx ${blockId} ${txHash} nonce ${nonce}`);
    },
    finishSubmission: async (blockId, status, error, now, rejectedAs = "failed") => {
      const submission = submissions.get(blockId);
      if (!submission) throw new Error(`finishSubmission: block ${blockId} has no submission`);
      if (submission.status !== "pending" && submission.status !== "sent") {
        if (submission.status === status) return false;
        throw new Error(`finishSubmission(${blockId}, ${status}): the submission is already ${submission.status}`);
      }
      Object.assign(submission, { status, error, updatedAt: now });
      journal.push(`finish ${blockId} ${status}${error ? ` ${error}` : ""}`);
      const job = jobs.get(blockId)!;
      if (status === "reverted") {
        if (job.status === "submitting") setJob(blockId, "open", job.detail, now);
        return false;
      }
      if (job.status !== "open" && job.status !== "submitting") return false;
      setJob(blockId, status === "confirmed" ? "proven" : rejectedAs, status === "confirmed" ? null : error, now);
      return true;
    },
    startAttempt: notHere("startAttempt"),
    finishAttempt: notHere("finishAttempt"),
    attempts: notHere("attempts"),
    reserveNonce: notHere("reserveNonce"),
    resetNonce: notHere("resetNonce"),
    releaseNonce: notHere("releaseNonce"),
    withNonceLock: notHere("withNonceLock"),
    getCursor: async (name) => cursors.get(name),
    setCursor: async (name, block) => {
      cursors.set(name, block);
      journal.push(`cursor ${name} ${block}`);
    },
    upsertMachine: notHere("upsertMachine"),
    countMachineJob: notHere("countMachineJob"),
    machinesOf: notHere("machinesOf"),
  };
  return store;
}
