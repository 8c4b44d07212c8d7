import { parseEventLogs, type Address, type Hex, type Log } from "viem";
import { zkPoolAbi } from "@zkpool/common";
import { type Logger } from "@zkpool/common/node";
import { CallRevertedError, TransactionRevertedError, type PendingTransaction, type TxSender } from "./sender";
import type { JobOutcome, SubmissionReports } from "./jobs";
import type { Metrics } from "./metrics";
import type { NetworkAdapter, PoolProof, Rejection } from "./network";
import type { Job, Store, Submission } from "./store/types";

export interface SubmitterOptions {
  store: Store;
  /** What the submitter needs of the TxSender (a test's fake gives just these). */
  sender: Pick<TxSender, "send" | "resume" | "lookup">;
  adapter: NetworkAdapter;
  pool: Address;
  log: Logger;
  metrics: Metrics;
  /** Told what became of each submission: the job's end, or a failure that may pass (jobs.ts). */
  jobs: SubmissionReports;
  /** Aborted when the relayer stops: a proof waiting to be sent again is left for the next start to resume. */
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * What ZKPool's own reverts of proveBlock mean for the submission (Taiko's, which the pool lets through, are the
 * network adapter's to read): `recorded`, this fork choice has its proof recorded already (a copy of this one
 * sent by someone else, or another agent's proof of the same evidence): done, the recorded agent's prover is
 * credited once Taiko verifies the block; `lost`, Taiko's proof on the job's parent is not the pool's; `refused`,
 * the pool will never record this proof.
 */
const POOL_REJECTIONS: ReadonlyMap<string, Rejection | "recorded"> = new Map([
  ["ProofAlreadyRecorded", "recorded"],
  ["ForkChoiceMismatch", "lost"],
  ["ForkChoiceNotIdentifiable", "refused"],
  ["InvalidProof", "refused"],
  ["EvidenceProverNotPool", "refused"],
  ["MalformedEvidence", "refused"],
]);

/** Why the pool refuses a proof for good, in words an operator reads in the log. */
const REFUSALS: Readonly<Record<string, string>> = {
  ForkChoiceNotIdentifiable:
    "a copy of this proof is on Taiko, but not as the block's first fork choice: ZKPool cannot name it and " +
    "records nothing, so no member is credited for this block",
  InvalidProof: "ZKPool checked the proof against Taiko's fork choice on this parent and it does not verify",
  EvidenceProverNotPool: "the evidence's prover is not the pool",
  MalformedEvidence: "the input is not an abi-encoded BlockEvidence",
};

/**
 * Submits checked proofs through ZKPool.proveBlock(blockId, input): the input's graffiti names the agent that
 * proved, whom ZKPool records for the proof's fork choice (and credits once Taiko verifies the block: see
 * confirmer.ts). The store's one-submission-per-block record is taken before any transaction, so a block is
 * submitted once even across crashes and restarts; final refusals (a race lost to another prover, a proof
 * Taiko or the pool will never take) are recorded, never retried; a fork choice recorded already is done; a
 * proof Taiko takes only later (a late block on a chain whose clock lags) is sent again when it may.
 */
export class Submitter {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly o: SubmitterOptions) {
    this.now = o.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /**
   * Takes a checked proof: `input`, the encoded evidence whose graffiti is `agent`'s. Returns at once, the work
   * goes on in the background (see drain).
   */
  submit(job: Job, agent: Address, input: Hex): void {
    this.track(this.claimAndSend(job, agent, input), job);
  }

  private track(submission: Promise<void>, job: Job): void {
    const work = submission
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
   * a proof already on-chain is recognised (with the transaction that put it there), a transaction still in
   * the node's mempool is waited for (and replaced with the same nonce if it does not mine), and only a
   * submission with nothing on the network is sent again.
   */
  async recover(): Promise<void> {
    for (const submission of await this.o.store.unfinishedSubmissions()) {
      const job = await this.o.store.getJob(submission.blockId);
      if (!job) continue;
      const blockId = job.blockId.toString();
      const sent = await this.o.sender.lookup(submission.txHashes);
      if (sent.state === "mined" && sent.receipt.status === "success") {
        await this.finish(job, "proven", null);
        this.o.log.info(
          { blockId, tx: sent.receipt.transactionHash },
          "recovered a submission that made it on-chain before the restart",
        );
        continue;
      }
      const proof = await this.o.adapter.poolProof(job);
      if (proof) {
        await this.confirmPoolProof(job, proof);
        this.o.log.info({ blockId, tx: proof.tx }, "recovered a submission that made it on-chain before the restart");
        continue;
      }
      const pending = sent.state === "pending" ? sent.pending : undefined;
      if (pending) {
        this.o.log.info({ blockId, nonce: pending.nonce }, "waiting for a submission sent before the restart");
      } else {
        this.o.log.info({ blockId }, "resending a submission interrupted by the restart");
      }
      this.track(this.send(job, submission, pending), job);
    }
  }

  private async claimAndSend(job: Job, agent: Address, input: Hex): Promise<void> {
    const claimed = await this.o.store.claimSubmission({ blockId: job.blockId, agent, input }, this.now());
    if (!claimed) {
      this.o.log.debug({ blockId: job.blockId.toString() }, "block already being submitted: proof dropped");
      return;
    }
    const submission = await this.o.store.getSubmission(job.blockId);
    if (submission) await this.send(job, submission);
  }

  /**
   * Sends the submission's proveBlock, or waits for `pending`, its transaction sent before a restart. A proof
   * the network turns down as early is sent again, the same, once it may take it.
   */
  private async send(job: Job, submission: Submission, pending?: PendingTransaction): Promise<void> {
    const blockId = job.blockId;
    const call = {
      address: this.o.pool,
      abi: zkPoolAbi,
      functionName: "proveBlock",
      args: [blockId, submission.input],
    };
    const options = {
      purpose: "submit",
      onSent: (hash: Hex, nonce: number) => this.o.store.recordSubmissionTx(blockId, hash, nonce, this.now()),
    };
    for (let waitFor = pending; ; waitFor = undefined) {
      try {
        const receipt = waitFor
          ? await this.o.sender.resume(call, waitFor, options)
          : await this.o.sender.send(call, options);
        await this.finish(job, "proven", null);
        this.o.metrics.proofLatency.observe(Math.max(0, this.now() - job.proposedAt));
        this.o.log.info(
          {
            blockId: blockId.toString(),
            tx: receipt.transactionHash,
            agent: submission.agent,
            forkChoiceId: recordedForkChoice(receipt.logs, this.o.pool),
          },
          "proof recorded on-chain: its agent's prover is credited once Taiko verifies the block",
        );
        return;
      } catch (error) {
        const rejection =
          error instanceof CallRevertedError && error.errorName
            ? (POOL_REJECTIONS.get(error.errorName) ?? this.o.adapter.rejectionOf(error.errorName, job))
            : undefined;
        if (rejection === "recorded") return this.alreadyRecorded(job, error as CallRevertedError);
        if (rejection === "early") {
          if (await this.whenProvable(job, error as CallRevertedError)) continue;
          return;
        }
        if (rejection) return this.rejected(job, error as CallRevertedError, rejection);
        await this.retryLater(job, error);
        throw error;
      }
    }
  }

  /**
   * The network does not take the proof yet (Taiko: a block taken as late, on a chain whose clock has not
   * passed its window): waits until it may. False when the relayer stops first (the submission stays pending
   * or sent, for the next start to resume).
   */
  private async whenProvable(job: Job, error: CallRevertedError): Promise<boolean> {
    const at = { blockId: job.blockId.toString(), reason: error.errorName };
    this.o.log.info(at, "Taiko does not take this proof yet: sending it again once the chain has passed its window");
    try {
      await this.o.adapter.whenProvable(job, this.o.signal);
      return true;
    } catch (stopped) {
      if (!this.o.signal?.aborted) throw stopped;
      this.o.log.info(at, "stopping: the proof waiting to be sent again is sent at the next start");
      return false;
    }
  }

  /** The submission came back without the pool's proof on-chain, for a reason that may pass: prove it again. */
  private async retryLater(job: Job, error: unknown): Promise<void> {
    await this.o.jobs.submissionFailed(job, (error as Error).message.slice(0, 500));
  }

  /**
   * ZKPool has a proof recorded for this fork choice (the job's block on the job's parent) already: a copy of this
   * one, sent by someone else first, or another agent's proof of the same block. The job is done: the recorded
   * agent's prover is credited once Taiko verifies the block, whoever sent the proof.
   */
  private async alreadyRecorded(job: Job, error: CallRevertedError): Promise<void> {
    await this.finish(job, "proven", null);
    const [, recorded] = error.errorArgs;
    this.o.log.info(
      {
        blockId: job.blockId.toString(),
        agent: typeof recorded === "string" ? recorded : undefined,
        tx: error instanceof TransactionRevertedError ? error.receipt.transactionHash : undefined,
      },
      "this fork choice is recorded in ZKPool already: its agent's prover is credited once Taiko verifies the block",
    );
  }

  /**
   * Taiko or the pool turned the proof down for good, in the simulation or on-chain: the job ends (lost when another
   * prover's proof came first, failed otherwise), and the proof is never sent again. A block whose proof came
   * first is the pool's own (an earlier transaction: sent before a restart, or by another relayer with the same
   * key) is not lost but proven, by that transaction.
   */
  private async rejected(job: Job, error: CallRevertedError, rejection: Rejection): Promise<void> {
    const reason = error.errorName ?? null;
    const at = {
      blockId: job.blockId.toString(),
      reason,
      tx: error instanceof TransactionRevertedError ? error.receipt.transactionHash : undefined,
    };
    if (rejection === "lost") {
      let proof: PoolProof | undefined;
      try {
        proof = await this.o.adapter.poolProof(job);
      } catch (checkError) {
        // Unknown whose proof it is: not recorded as lost on a guess; proven again, the next try tells.
        await this.retryLater(job, checkError);
        throw checkError;
      }
      if (proof) {
        await this.confirmPoolProof(job, proof);
        this.o.log.info(
          { ...at, provenBy: proof.tx },
          "block already proven by an earlier transaction of the pool's: recorded as proven, not lost",
        );
        return;
      }
      await this.finish(job, "lost", reason);
      // Expected now and then for a block anyone may prove; for one assigned to the pool, a missed window.
      const level = job.opportunistic ? "info" : "warn";
      this.o.log[level](at, "block already proven by another prover: recorded as lost, not retried");
      return;
    }
    await this.finish(job, "failed", reason);
    const why = reason === null ? undefined : REFUSALS[reason];
    this.o.log.warn(why ? { ...at, why } : at, "Taiko or ZKPool refuses this proof for good: recorded, not retried");
  }

  /**
   * The pool's proof of the job is on-chain: the submission is confirmed, with the transaction that put it
   * there (when the chain shows which) as its last one.
   */
  private async confirmPoolProof(job: Job, proof: PoolProof): Promise<void> {
    const sent = proof.tx ? await this.o.sender.lookup([proof.tx]) : undefined;
    if (proof.tx && sent?.state === "mined") {
      await this.o.store.recordSubmissionTx(job.blockId, proof.tx, sent.nonce, this.now());
    }
    await this.finish(job, "proven", null);
  }

  /** The submission is over, and so is the job (jobs.ts ends it). */
  private finish(job: Job, outcome: JobOutcome, detail: string | null): Promise<void> {
    return this.o.jobs.submissionEnded(job, outcome, detail);
  }
}

/** The fork choice ZKPool recorded the proof for (its ProofRecorded in a proveBlock's logs), if it shows one. */
function recordedForkChoice(logs: readonly Log[], pool: Address): number | undefined {
  const [recorded] = parseEventLogs({
    abi: zkPoolAbi,
    eventName: "ProofRecorded",
    logs: logs.filter((l) => l.address.toLowerCase() === pool.toLowerCase()),
  });
  return recorded?.args.forkChoiceId;
}
