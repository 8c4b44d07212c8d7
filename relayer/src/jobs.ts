import type { Address } from "viem";
import type { Logger } from "@zkpool/common/node";
import type { Metrics } from "./metrics";
import type { NetworkEvent } from "./network";
import type { Scheduler } from "./scheduler";
import type { Job, JobStatus, Store } from "./store/types";

/** How a job ends: the pool's proof on-chain, another prover's first, or a proof the network refuses for good. */
export type JobOutcome = "proven" | "lost" | "failed";

/** The network events that make or end a job. */
export type JobEvent = Extract<NetworkEvent, { kind: "job" | "proven" }>;

/** What the submitter tells of a job's submission. */
export interface SubmissionReports {
  /**
   * The submission is over, and so is the job: `proven` (the pool's proof is on-chain), `lost` or `failed`
   * (Taiko turned it down for good; `detail`, its reason).
   */
  submissionEnded(job: Job, outcome: JobOutcome, detail: string | null): Promise<void>;
  /** The submission came back without the pool's proof on-chain, for a reason that may pass: prove it again. */
  submissionFailed(job: Job, error: string): Promise<void>;
}

export interface JobsOptions {
  store: Store;
  scheduler: Pick<Scheduler, "addJob" | "finishJob" | "reopen">;
  pool: Address;
  metrics: Metrics;
  log: Logger;
  /** Unix seconds. */
  now?: () => number;
}

/** A job not over yet: open, or being submitted. */
const UNFINISHED: readonly JobStatus[] = ["open", "submitting"];

/**
 * A job's lifecycle, in one place. A job is made when the network proposes a block for the pool, and ends once:
 * when a proof on the job's own parent (its evidence's parentHash and parentGasUsed) names the pool as prover,
 * when another prover's proof on that parent came first, or when Taiko refuses the pool's proof for good. A
 * proof of the block on any other parent changes nothing: the pool's own proof still has to be on-chain by
 * the deadline, or the pool is slashed. Ending a job is its status in the store, the scheduler stopping its
 * attempts, and zkpool_jobs_finished_total counting it, by whoever ended it in the store (the chain's
 * BlockProven, read first, or the submission's result; a relayer sharing the store may have ended it).
 */
export class Jobs implements SubmissionReports {
  private readonly now: () => number;

  constructor(private readonly o: JobsOptions) {
    this.now = o.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** A block proposed for the pool becomes a job (once); a block proven ends its job if on the job's parent. */
  async handle(event: JobEvent): Promise<void> {
    if (event.kind === "job") {
      const added = await this.o.store.addJob(event.job, this.now());
      if (!added) return;
      this.o.metrics.jobsCreated.inc({ kind: added.opportunistic ? "opportunistic" : "assigned" });
      this.o.scheduler.addJob(added, event.seenAt);
      return;
    }
    const job = await this.o.store.getJob(event.blockId);
    if (!job) return;
    const { parentHash, parentGasUsed } = job.evidence;
    if (event.parentHash.toLowerCase() !== parentHash.toLowerCase() || event.parentGasUsed !== parentGasUsed) {
      this.o.log.info(
        { blockId: job.blockId.toString(), prover: event.prover, parentHash: event.parentHash },
        "block proven on another parent than the job's: the job goes on",
      );
      return;
    }
    if (event.prover.toLowerCase() === this.o.pool.toLowerCase()) {
      const ended = await this.o.store.setJobStatus(job.blockId, "proven", null, this.now(), UNFINISHED);
      return this.ended(job.blockId, "proven", null, ended);
    }
    // Another prover's proof ends a job nobody is submitting for (a submission finds out from Taiko).
    const detail = `proven by ${event.prover}`;
    if (await this.o.store.setJobStatus(job.blockId, "lost", detail, this.now(), ["open"])) {
      this.ended(job.blockId, "lost", detail, true);
    }
  }

  async submissionEnded(job: Job, outcome: JobOutcome, detail: string | null): Promise<void> {
    const status = outcome === "proven" ? "confirmed" : "rejected";
    const rejectedAs = outcome === "lost" ? "lost" : "failed";
    const ended = await this.o.store.finishSubmission(job.blockId, status, detail, this.now(), rejectedAs);
    this.ended(job.blockId, outcome, detail, ended);
  }

  async submissionFailed(job: Job, error: string): Promise<void> {
    await this.o.store.finishSubmission(job.blockId, "reverted", error, this.now());
    this.o.scheduler.reopen(job);
  }

  /**
   * The job is over: its attempts stop (here too when another relayer sharing the store ended it), and it is
   * counted once, by whoever ended it in the store (`ended`).
   */
  private ended(blockId: bigint, outcome: JobOutcome, detail: string | null, ended: boolean): void {
    // The agents are told why: Taiko's reason, who proved it, or the outcome (proven has no detail).
    this.o.scheduler.finishJob(blockId, detail ?? outcome);
    if (ended) this.o.metrics.jobsFinished.inc({ outcome });
  }
}
