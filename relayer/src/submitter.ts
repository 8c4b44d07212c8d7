import type { Address, Hex } from "viem";
import { zkPoolAbi } from "@zkpool/common";
import { type Logger } from "@zkpool/common/node";
import { CallRevertedError, TxSender } from "./sender";
import type { Metrics } from "./metrics";
import type { NetworkAdapter } from "./network";
import type { Job, Store, Submission } from "./store/types";

export interface SubmitterOptions {
  store: Store;
  sender: TxSender;
  adapter: NetworkAdapter;
  pool: Address;
  log: Logger;
  metrics: Metrics;
  /** The job is over (proven or refused for good). */
  onFinished: (blockId: bigint, outcome: "proven" | "failed", detail: string | null) => void;
  /** The submission came back without a proof on-chain and can be tried again. */
  onRetry: (job: Job) => void;
  now?: () => number;
}

/**
 * Submits checked proofs through ZKPool.proveBlock. The store's one-submission-per-block record is taken
 * before any transaction, so a block is submitted once even across crashes and restarts; Taiko's final
 * refusals (already proven and the like) are recorded, never retried.
 */
export class Submitter {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly o: SubmitterOptions) {
    this.now = o.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** Takes a checked proof; returns at once, the work goes on in the background (see drain). */
  submit(job: Job, agent: Address, input: Hex, signature: Hex): void {
    const work = this.claimAndSend(job, agent, input, signature)
      .catch((error: unknown) => this.o.log.error({ err: error, blockId: job.blockId.toString() }, "submission failed"))
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  /** Waits for submissions in flight (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /**
   * After a restart: every submission that was pending or sent is settled: a mined transaction is read back,
   * a proof already on-chain is recognised, anything else is sent again.
   */
  async recover(): Promise<void> {
    for (const submission of await this.o.store.unfinishedSubmissions()) {
      const job = await this.o.store.getJob(submission.blockId);
      if (!job) continue;
      const receipt = await this.o.sender.receiptOf(submission.txHashes);
      if (receipt?.status === "success" || (await this.o.adapter.isProvenByPool(job))) {
        await this.finish(job, "confirmed", null);
        this.o.log.info(
          { blockId: job.blockId.toString() },
          "recovered a submission that made it on-chain before the restart",
        );
        continue;
      }
      this.o.log.info({ blockId: job.blockId.toString() }, "resending a submission interrupted by the restart");
      const work = this.send(job, submission)
        .catch((error: unknown) => this.o.log.error({ err: error }, "resend failed"))
        .finally(() => this.inFlight.delete(work));
      this.inFlight.add(work);
    }
  }

  private async claimAndSend(job: Job, agent: Address, input: Hex, signature: Hex): Promise<void> {
    const claimed = await this.o.store.claimSubmission({ blockId: job.blockId, agent, input, signature }, this.now());
    if (!claimed) {
      this.o.log.debug({ blockId: job.blockId.toString() }, "block already being submitted: proof dropped");
      return;
    }
    const submission = await this.o.store.getSubmission(job.blockId);
    if (submission) await this.send(job, submission);
  }

  private async send(job: Job, submission: Submission): Promise<void> {
    const blockId = job.blockId;
    try {
      const receipt = await this.o.sender.send(
        {
          address: this.o.pool,
          abi: zkPoolAbi,
          functionName: "proveBlock",
          args: [blockId, submission.input, submission.signature],
        },
        {
          purpose: "submit",
          onSent: (hash, nonce) => this.o.store.recordSubmissionTx(blockId, hash, nonce, this.now()),
        },
      );
      if (receipt.status === "success") {
        await this.finish(job, "confirmed", null);
        this.o.metrics.proofLatency.observe(Math.max(0, this.now() - job.proposedAt));
        this.o.log.info(
          { blockId: blockId.toString(), tx: receipt.transactionHash, agent: submission.agent },
          "proof accepted on-chain: shares credited",
        );
        return;
      }
      await this.o.store.finishSubmission(blockId, "reverted", "the transaction reverted on-chain", this.now());
      this.o.onRetry(job);
    } catch (error) {
      if (error instanceof CallRevertedError && error.errorName && this.o.adapter.isFinalRejection(error.errorName)) {
        await this.finish(job, "rejected", error.errorName);
        this.o.log.warn(
          { blockId: blockId.toString(), reason: error.errorName },
          "Taiko refuses this proof for good: recorded, not retried",
        );
        return;
      }
      await this.o.store.finishSubmission(blockId, "reverted", (error as Error).message.slice(0, 500), this.now());
      this.o.onRetry(job);
      throw error;
    }
  }

  private async finish(job: Job, status: "confirmed" | "rejected", detail: string | null): Promise<void> {
    await this.o.store.finishSubmission(job.blockId, status, detail, this.now());
    this.o.onFinished(job.blockId, status === "confirmed" ? "proven" : "failed", detail);
  }
}
