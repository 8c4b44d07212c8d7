/**
 * The submitter on its own: a memory store with the SQL store's rules, a fake sender whose transactions the
 * test scripts, and a fake network whose refusals are Taiko A4's own (the adapter's rejectionOf). What it
 * records, what it sends, and in which order.
 */
import { expect } from "chai";
import { getAddress, type Address, type Hex } from "viem";
import { Jobs } from "../../src/jobs";
import { createMetrics, type Metrics } from "../../src/metrics";
import type { NetworkAdapter, PoolProof, Rejection } from "../../src/network";
import { RetryableError } from "../../src/errors";
import type { Job } from "../../src/store/types";
import { Submitter } from "../../src/submitter";
import { TaikoA4Adapter, type TaikoA4AdapterOptions } from "../../src/taiko/a4Adapter";
import {
  FakeSender,
  fails,
  held,
  mines,
  minesReverted,
  poolLog,
  receipt,
  simulationReverts,
  txHash,
} from "../support/fakeSender";
import { POOL, jobFor, memoryStore, type MemoryStore } from "../support/memoryStore";
import { recordingLog, type Logged } from "../support/recordingLog";

const AGENT: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const OTHER_AGENT: Address = "0x90F79bf6EB2c8f870365E90322F3d7b7A6b8d28E";
const INPUT: Hex = "0xaa";
/** An agent as the chain spells it (checksummed): another machine whose proof ZKPool recorded. */
const RECORDED: Address = getAddress("0x15d34aaf54267db7d7c367839aaf71a00a2c6a65");

/** The network as the submitter sees it: Taiko A4's refusals, and a chain whose answers the test sets. */
class FakeNetwork implements NetworkAdapter {
  readonly name = "fake";
  readonly errors = [];
  private readonly taiko = new TaikoA4Adapter({
    pool: POOL,
  } as Partial<TaikoA4AdapterOptions> as TaikoA4AdapterOptions);
  /** What poolProof answers, call by call (an Error is thrown); undefined once used up. */
  readonly poolProofs: Array<PoolProof | Error | undefined> = [];
  readonly waited: Array<{ deadline: number; signal: AbortSignal | undefined }> = [];
  /** whenProvable resolves when this does (at once by default), and rejects when its signal aborts. */
  provable: Promise<void> = Promise.resolve();

  constructor(private readonly journal: string[]) {}

  rejectionOf(errorName: string, job: { opportunistic: boolean }): Rejection | undefined {
    return this.taiko.rejectionOf(errorName, job);
  }

  whenProvable(job: { deadline: number }, signal?: AbortSignal): Promise<void> {
    this.waited.push({ deadline: job.deadline, signal });
    this.journal.push(`whenProvable ${job.deadline}`);
    return new Promise((resolve, reject) => {
      signal?.addEventListener("abort", () => reject(signal.reason as Error));
      this.provable.then(resolve, reject);
    });
  }

  async poolProof(job: { blockId: bigint }): Promise<PoolProof | undefined> {
    this.journal.push(`poolProof ${job.blockId}`);
    const next = this.poolProofs.shift();
    if (next instanceof Error) throw next;
    return next;
  }

  start = () => Promise.reject(new Error("not in this test"));
  poll = () => Promise.reject(new Error("not in this test"));
  commit = () => Promise.reject(new Error("not in this test"));
  proofWindowSeconds = () => Promise.reject(new Error("not in this test"));
  instanceOf = () => {
    throw new Error("not in this test");
  };
  instanceContext = () => {
    throw new Error("not in this test");
  };
}

interface Finished {
  blockId: bigint;
  outcome: string;
  detail: string | null;
  ended: boolean;
}

interface World {
  store: MemoryStore;
  sender: FakeSender;
  network: FakeNetwork;
  submitter: Submitter;
  metrics: Metrics;
  lines: Logged[];
  journal: string[];
  finished: Finished[];
  retried: bigint[];
  clock: { now: number };
  shutdown: AbortController;
  job: Job;
}

/** A submitter with block 7's job in its store (assigned to the pool unless `job` says otherwise). */
async function world(job: Partial<Job> = {}, options: { signal?: false; clock?: false } = {}): Promise<World> {
  const journal: string[] = [];
  const store = memoryStore(journal);
  const sender = new FakeSender(journal);
  const network = new FakeNetwork(journal);
  const { log, lines } = recordingLog();
  const metrics = createMetrics();
  const finished: Finished[] = [];
  const retried: bigint[] = [];
  const clock = { now: 1_030 };
  const shutdown = new AbortController();
  const added = (await store.addJob(jobFor(7n, job), 1_000))!;
  const scheduler = {
    addJob: () => undefined,
    finishJob: () => undefined,
    reopen: (retry: Job) => {
      retried.push(retry.blockId);
      journal.push(`retry ${retry.blockId}`);
    },
  };
  const jobs = new Jobs({ store, scheduler, pool: POOL, metrics, log, now: () => clock.now });
  journal.length = 0;
  const submitter = new Submitter({
    store,
    sender,
    adapter: network,
    pool: POOL,
    log,
    metrics,
    jobs: {
      // What the submitter reports, kept, and handed to the jobs' lifecycle, which records it in the store; the
      // end counted in zkpool_jobs_finished_total when this report ended the job (`ended`).
      submissionEnded: async (ended, outcome, detail) => {
        const before = await finishedCount(metrics);
        await jobs.submissionEnded(ended, outcome, detail);
        const counted = (await finishedCount(metrics)) > before;
        finished.push({ blockId: ended.blockId, outcome, detail, ended: counted });
        journal.push(`finished ${ended.blockId} ${outcome}`);
      },
      submissionFailed: (failed, error) => jobs.submissionFailed(failed, error),
    },
    signal: options.signal === false ? undefined : shutdown.signal,
    now: options.clock === false ? undefined : () => clock.now,
  });
  return { store, sender, network, submitter, metrics, lines, journal, finished, retried, clock, shutdown, job: added };
}

async function finishedCount(metrics: Metrics): Promise<number> {
  const { values } = await metrics.jobsFinished.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** Submits AGENT's proof of block 7 and waits until the submitter is done with it. */
async function submitted(w: World): Promise<void> {
  w.submitter.submit(w.job, AGENT, INPUT);
  await w.submitter.drain();
}

/** A submission of block 7 left by a relayer that stopped, with the transactions it had sent. */
async function leftBeforeRestart(w: World, hashes: Hex[]): Promise<void> {
  await w.store.claimSubmission({ blockId: 7n, agent: AGENT, input: INPUT }, 1_010);
  for (const [nonce, hash] of hashes.entries()) await w.store.recordSubmissionTx(7n, hash, nonce, 1_010);
  w.journal.length = 0;
}

const logged = (w: World, msg: string) => w.lines.filter((l) => l.msg === msg);
const settled = () => new Promise((resolve) => setImmediate(resolve));

const PROVE_7 = `send proveBlock(7, ${INPUT})`;

describe("submitter", () => {
  describe("one submission per block, taken in the store before any transaction", () => {
    it("claims the block in the store before sending its proof, and records each transaction under that claim", async () => {
      const w = await world();
      await submitted(w);
      expect(w.journal).to.deep.equal([
        "claim 7",
        "job 7 submitting",
        PROVE_7,
        `tx 7 ${txHash(1)} nonce 0`,
        "finish 7 confirmed",
        "job 7 proven",
        "finished 7 proven",
      ]);
      const [sent] = w.sender.calls;
      expect(sent!.call.address).to.equal(POOL);
      expect(sent!.options.purpose).to.equal("submit");
      expect(w.store.submissions.get(7n)).to.include({ agent: AGENT, status: "confirmed", nonce: 0 });
      expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "proven", detail: null, ended: true }]);
    });

    it("drops a second proof of a block already being submitted: one transaction, the first agent's", async () => {
      const w = await world();
      const first = held(mines());
      w.sender.outcomes.push(first.outcome);
      w.submitter.submit(w.job, AGENT, INPUT);
      w.submitter.submit(w.job, OTHER_AGENT, "0xcc");
      await settled();
      first.release();
      await w.submitter.drain();
      expect(w.sender.called).to.deep.equal([PROVE_7]);
      expect(w.store.submissions.get(7n)).to.include({ agent: AGENT, status: "confirmed" });
      expect(logged(w, "block already being submitted: proof dropped")[0]!.fields).to.deep.equal({ blockId: "7" });
      expect(w.finished).to.have.length(1);
    });

    it("sends no proof of a block whose proof is confirmed already", async () => {
      const w = await world();
      await submitted(w);
      w.submitter.submit(w.job, OTHER_AGENT, "0xcc");
      await w.submitter.drain();
      expect(w.sender.called).to.deep.equal([PROVE_7]);
      expect(w.finished).to.have.length(1);
    });
  });

  describe("after a restart (recover)", () => {
    it("confirms a submission whose transaction mined before the restart, and sends nothing", async () => {
      const w = await world();
      await leftBeforeRestart(w, [txHash(101), txHash(102)]);
      w.sender.known.set(txHash(102), { state: "mined", receipt: receipt(txHash(102)), nonce: 1 });
      await w.submitter.recover();
      await w.submitter.drain();
      expect(w.sender.lookedUp).to.deep.equal([[txHash(101), txHash(102)]]);
      expect(w.sender.calls).to.deep.equal([]);
      expect(w.store.jobs.get(7n)!.status).to.equal("proven");
      expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "proven", detail: null, ended: true }]);
      const [line] = logged(w, "recovered a submission that made it on-chain before the restart");
      expect(line!.fields).to.include({ blockId: "7", tx: txHash(102) });
    });

    it("confirms a submission whose proof another of the pool's transactions put on-chain, recording that transaction", async () => {
      const w = await world();
      await leftBeforeRestart(w, [txHash(101)]);
      w.network.poolProofs.push({ tx: txHash(200) });
      w.sender.known.set(txHash(200), { state: "mined", receipt: receipt(txHash(200)), nonce: 12 });
      await w.submitter.recover();
      await w.submitter.drain();
      expect(w.sender.calls).to.deep.equal([]);
      expect(w.journal).to.deep.equal([
        "poolProof 7",
        `tx 7 ${txHash(200)} nonce 12`,
        "finish 7 confirmed",
        "job 7 proven",
        "finished 7 proven",
      ]);
      expect(w.store.submissions.get(7n)!.txHashes).to.deep.equal([txHash(101), txHash(200)]);
      const [line] = logged(w, "recovered a submission that made it on-chain before the restart");
      expect(line!.fields).to.include({ blockId: "7", tx: txHash(200) });
    });

    it("confirms a submission whose proof is on-chain without saying which transaction put it there", async () => {
      const w = await world();
      await leftBeforeRestart(w, [txHash(101)]);
      w.network.poolProofs.push({ tx: undefined });
      await w.submitter.recover();
      await w.submitter.drain();
      expect(w.sender.calls).to.deep.equal([]);
      expect(w.sender.lookedUp).to.deep.equal([[txHash(101)]]);
      expect(w.store.submissions.get(7n)).to.deep.include({ status: "confirmed", txHashes: [txHash(101)] });
    });

    it("does not record a proving transaction the node does not show as mined", async () => {
      const w = await world();
      await leftBeforeRestart(w, [txHash(101)]);
      w.network.poolProofs.push({ tx: txHash(200) });
      await w.submitter.recover();
      await w.submitter.drain();
      expect(w.sender.lookedUp).to.deep.equal([[txHash(101)], [txHash(200)]]);
      expect(w.store.submissions.get(7n)).to.deep.include({ status: "confirmed", txHashes: [txHash(101)] });
    });

    it("waits for a transaction still in the node's mempool instead of sending a new one", async () => {
      const w = await world();
      await leftBeforeRestart(w, [txHash(101)]);
      const pending = {
        nonce: 5,
        hashes: [txHash(101)],
        gas: 300_000n,
        maxFeePerGas: 2n,
        maxPriorityFeePerGas: 1n,
      };
      w.sender.known.set(txHash(101), { state: "pending", pending });
      await w.submitter.recover();
      await w.submitter.drain();
      expect(w.sender.called).to.deep.equal([`resume proveBlock(7, ${INPUT})`]);
      expect(w.sender.calls[0]!.pending).to.equal(pending);
      expect(w.store.submissions.get(7n)).to.include({ status: "confirmed" });
      expect(logged(w, "waiting for a submission sent before the restart")[0]!.fields).to.include({ nonce: 5 });
    });

    it("sends again, the same proof, a submission with nothing on the network", async () => {
      const w = await world();
      await leftBeforeRestart(w, [txHash(101)]);
      await w.submitter.recover();
      await w.submitter.drain();
      expect(w.sender.called).to.deep.equal([PROVE_7]);
      expect(logged(w, "resending a submission interrupted by the restart")[0]!.fields).to.deep.equal({ blockId: "7" });
      expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "proven", detail: null, ended: true }]);
    });

    it("sends again a submission whose transaction mined and reverted, when the chain has no proof of the pool's", async () => {
      const w = await world();
      await leftBeforeRestart(w, [txHash(101)]);
      w.sender.known.set(txHash(101), { state: "mined", receipt: receipt(txHash(101), "reverted"), nonce: 0 });
      await w.submitter.recover();
      await w.submitter.drain();
      expect(w.sender.called).to.deep.equal([PROVE_7]);
      expect(w.store.submissions.get(7n)).to.include({ status: "confirmed" });
    });

    it("leaves a submission whose job is not in the store", async () => {
      const w = await world();
      await leftBeforeRestart(w, [txHash(101)]);
      w.store.jobs.delete(7n);
      await w.submitter.recover();
      await w.submitter.drain();
      expect(w.sender.lookedUp).to.deep.equal([]);
      expect(w.sender.calls).to.deep.equal([]);
    });
  });

  describe("final refusals, Taiko's and ZKPool's: recorded once, never sent again", () => {
    for (const [how, reason, outcome] of [
      ["its simulation reverts with L1_ALREADY_PROVEN", "L1_ALREADY_PROVEN", simulationReverts("L1_ALREADY_PROVEN")],
      [
        "its transaction reverts on-chain with L1_ALREADY_PROVEN",
        "L1_ALREADY_PROVEN",
        minesReverted("L1_ALREADY_PROVEN"),
      ],
      ["its simulation reverts with L1_BLOCK_ID (verified already)", "L1_BLOCK_ID", simulationReverts("L1_BLOCK_ID")],
      [
        "ZKPool finds Taiko's proof on this parent is not the pool's (ForkChoiceMismatch)",
        "ForkChoiceMismatch",
        simulationReverts("ForkChoiceMismatch", [7n]),
      ],
      [
        "its transaction reverts on-chain with ForkChoiceMismatch",
        "ForkChoiceMismatch",
        minesReverted("ForkChoiceMismatch", [7n]),
      ],
    ] as const) {
      it(`records a race lost to another prover as lost when ${how}, and never sends the proof again`, async () => {
        const w = await world();
        w.sender.outcomes.push(outcome);
        await submitted(w);
        expect(w.sender.called).to.deep.equal([PROVE_7]);
        expect(w.retried).to.deep.equal([]);
        expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "lost", detail: reason, ended: true }]);
        expect(w.store.submissions.get(7n)).to.include({ status: "rejected", error: reason });
        expect(w.store.jobs.get(7n)).to.include({ status: "lost", detail: reason });
        const [line] = logged(w, "block already proven by another prover: recorded as lost, not retried");
        expect(line).to.include({ level: "warn" });
        expect(line!.fields).to.include({ blockId: "7", reason });
        expect(line!.fields.tx).to.equal(how.includes("on-chain") ? txHash(1) : undefined);
        expect(w.lines.filter((l) => l.level === "error")).to.deep.equal([]);
      });
    }

    it("logs a lost block the pool was not assigned at info: expected now and then, not a missed window", async () => {
      const w = await world({ opportunistic: true });
      w.sender.outcomes.push(simulationReverts("L1_ALREADY_PROVEN"));
      await submitted(w);
      const [line] = logged(w, "block already proven by another prover: recorded as lost, not retried");
      expect(line).to.include({ level: "info" });
      expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "lost", detail: "L1_ALREADY_PROVEN", ended: true }]);
    });

    for (const [reason, job, why] of [
      ["L1_INVALID_PROOF", {}, undefined],
      ["L1_NOT_PROVEABLE", { opportunistic: false }, undefined],
      ["EvidenceProverNotPool", {}, "the evidence's prover is not the pool"],
      ["MalformedEvidence", {}, "the input is not an abi-encoded BlockEvidence"],
      [
        "InvalidProof",
        {},
        "ZKPool checked the proof against Taiko's fork choice on this parent and it does not verify",
      ],
      [
        "ForkChoiceNotIdentifiable",
        {},
        "a copy of this proof is on Taiko, but not as the block's first fork choice: ZKPool cannot name it and " +
          "records nothing, so no member is credited for this block",
      ],
    ] as const) {
      it(`records a proof Taiko or ZKPool will never take (${reason}) as failed with its reason, and never sends it again`, async () => {
        const w = await world(job);
        w.sender.outcomes.push(minesReverted(reason));
        await submitted(w);
        expect(w.sender.called).to.deep.equal([PROVE_7]);
        expect(w.network.waited).to.deep.equal([]);
        expect(w.retried).to.deep.equal([]);
        expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "failed", detail: reason, ended: true }]);
        expect(w.store.submissions.get(7n)).to.include({ status: "rejected", error: reason });
        expect(w.store.jobs.get(7n)).to.include({ status: "failed", detail: reason });
        const [line] = logged(w, "Taiko or ZKPool refuses this proof for good: recorded, not retried");
        expect(line).to.include({ level: "warn" });
        expect(line!.fields).to.deep.equal(
          why ? { blockId: "7", reason, tx: txHash(1), why } : { blockId: "7", reason, tx: txHash(1) },
        );
      });
    }

    for (const [how, outcome, tx] of [
      ["its simulation reverts", simulationReverts("ProofAlreadyRecorded", [7n, RECORDED]), undefined],
      ["its transaction reverts on-chain", minesReverted("ProofAlreadyRecorded", [7n, RECORDED]), txHash(1)],
    ] as const) {
      it(`counts a fork choice ZKPool has recorded already as proven when ${how} with ProofAlreadyRecorded: the recorded agent is credited`, async () => {
        const w = await world();
        w.sender.outcomes.push(outcome);
        await submitted(w);
        expect(w.sender.called).to.deep.equal([PROVE_7]);
        expect(w.retried).to.deep.equal([]);
        expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "proven", detail: null, ended: true }]);
        expect(w.store.submissions.get(7n)).to.include({ status: "confirmed", error: null });
        expect(w.store.jobs.get(7n)).to.include({ status: "proven" });
        const [line] = logged(
          w,
          "this fork choice is recorded in ZKPool already: its agent's prover is credited once Taiko verifies the block",
        );
        expect(line).to.include({ level: "info" });
        expect(line!.fields).to.deep.equal({ blockId: "7", agent: RECORDED, tx });
        expect(w.journal, "not asked whose proof it is: the pool said").to.not.include("poolProof 7");
      });
    }

    it("a ProofAlreadyRecorded whose arguments cannot be read is still done, its agent unnamed", async () => {
      const w = await world();
      w.sender.outcomes.push(simulationReverts("ProofAlreadyRecorded"));
      await submitted(w);
      expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "proven", detail: null, ended: true }]);
      const [line] = logged(
        w,
        "this fork choice is recorded in ZKPool already: its agent's prover is credited once Taiko verifies the block",
      );
      expect(line!.fields).to.deep.equal({ blockId: "7", agent: undefined, tx: undefined });
    });

    it("gives the job back to be proven again by another agent when the agent was revoked meanwhile (NotAuthorizedAgent)", async () => {
      const w = await world();
      w.sender.outcomes.push(simulationReverts("NotAuthorizedAgent", [AGENT]));
      await submitted(w);
      expect(w.finished).to.deep.equal([]);
      expect(w.retried).to.deep.equal([7n]);
      expect(w.store.submissions.get(7n)).to.include({ status: "reverted" });
    });

    it("counts a block proven first by the pool's own earlier transaction as proven, with that transaction", async () => {
      const w = await world();
      w.sender.outcomes.push(simulationReverts("L1_ALREADY_PROVEN"));
      w.network.poolProofs.push({ tx: txHash(200) });
      w.sender.known.set(txHash(200), { state: "mined", receipt: receipt(txHash(200)), nonce: 4 });
      await submitted(w);
      expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "proven", detail: null, ended: true }]);
      expect(w.store.submissions.get(7n)).to.deep.include({ status: "confirmed", txHashes: [txHash(200)], nonce: 4 });
      const [line] = logged(
        w,
        "block already proven by an earlier transaction of the pool's: recorded as proven, not lost",
      );
      expect(line!.fields).to.include({ blockId: "7", reason: "L1_ALREADY_PROVEN", provenBy: txHash(200) });
      expect(logged(w, "block already proven by another prover: recorded as lost, not retried")).to.deep.equal([]);
    });

    it("proves the block again, not records it lost on a guess, when it cannot tell whose proof came first", async () => {
      const w = await world();
      w.sender.outcomes.push(simulationReverts("L1_ALREADY_PROVEN"));
      w.network.poolProofs.push(new RetryableError("getForkChoice: connection refused"));
      await submitted(w);
      expect(w.finished).to.deep.equal([]);
      expect(w.retried).to.deep.equal([7n]);
      expect(w.store.submissions.get(7n)).to.include({
        status: "reverted",
        error: "getForkChoice: connection refused",
      });
      expect(w.store.jobs.get(7n)!.status).to.equal("open");
      expect(logged(w, "submission failed")[0]!.fields).to.include({ blockId: "7" });
    });
  });

  describe("failures that may pass: the block is proven again, never given up", () => {
    for (const [how, outcome] of [
      ["the node is unreachable", fails(new RetryableError("could not simulate proveBlock: fetch failed"))],
      [
        "the transaction does not mine",
        fails(new RetryableError("submit transaction with nonce 0 did not mine after 3 replacements")),
      ],
      ["the simulation reverts for no known reason", simulationReverts(undefined)],
      ["the transaction reverts with an error Taiko does not make final", minesReverted("CHANGE_TOO_FREQUENT")],
    ] as const) {
      it(`gives the job back to be proven again when ${how}`, async () => {
        const w = await world();
        w.sender.outcomes.push(outcome);
        await submitted(w);
        expect(w.sender.called).to.deep.equal([PROVE_7]);
        expect(w.finished).to.deep.equal([]);
        expect(w.retried).to.deep.equal([7n]);
        expect(w.store.submissions.get(7n)!.status).to.equal("reverted");
        expect(w.store.jobs.get(7n)!.status).to.equal("open");
        expect(w.journal.slice(-2)).to.deep.equal(["job 7 open", "retry 7"]);
        expect(w.journal.at(-3)).to.match(/^finish 7 reverted /);
        const [line] = logged(w, "submission failed");
        expect(line).to.include({ level: "error" });
        expect(line!.fields).to.include({ blockId: "7" });
      });
    }

    it("keeps the first 500 characters of the error with the reverted submission", async () => {
      const w = await world();
      const message = `fetch failed: ${"x".repeat(600)}`;
      w.sender.outcomes.push(fails(new RetryableError(message)));
      await submitted(w);
      expect(w.store.submissions.get(7n)!.error).to.equal(message.slice(0, 500));
    });

    it("takes a new proof of a block whose submission came back, and sends it", async () => {
      const w = await world();
      w.sender.outcomes.push(fails(new RetryableError("fetch failed")));
      await submitted(w);
      w.submitter.submit(w.job, OTHER_AGENT, "0xcc");
      await w.submitter.drain();
      expect(w.sender.called).to.deep.equal([PROVE_7, "send proveBlock(7, 0xcc)"]);
      expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "proven", detail: null, ended: true }]);
    });
  });

  describe("a proof Taiko takes only later (not provable yet)", () => {
    it("waits until the block is provable, then sends the same proof again, and counts it proven once", async () => {
      const w = await world({ opportunistic: true, deadline: 1_600 });
      w.sender.outcomes.push(simulationReverts("L1_NOT_PROVEABLE"));
      await submitted(w);
      expect(w.journal).to.deep.equal([
        "claim 7",
        "job 7 submitting",
        PROVE_7,
        "whenProvable 1600",
        PROVE_7,
        `tx 7 ${txHash(2)} nonce 1`,
        "finish 7 confirmed",
        "job 7 proven",
        "finished 7 proven",
      ]);
      expect(w.network.waited[0]!.signal).to.equal(w.shutdown.signal);
      expect(w.retried).to.deep.equal([]);
      const [line] = logged(
        w,
        "Taiko does not take this proof yet: sending it again once the chain has passed its window",
      );
      expect(line!.fields).to.include({ blockId: "7", reason: "L1_NOT_PROVEABLE" });
    });

    it("waits again as often as Taiko says not yet, a mined revert included", async () => {
      const w = await world({ opportunistic: true });
      w.sender.outcomes.push(simulationReverts("L1_NOT_PROVEABLE"), minesReverted("L1_NOT_PROVEABLE"));
      await submitted(w);
      expect(w.sender.called).to.deep.equal([PROVE_7, PROVE_7, PROVE_7]);
      expect(w.network.waited).to.have.length(2);
      expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "proven", detail: null, ended: true }]);
    });

    it("leaves the proof for the next start when the relayer stops while it waits", async () => {
      const w = await world({ opportunistic: true });
      w.sender.outcomes.push(simulationReverts("L1_NOT_PROVEABLE"));
      w.network.provable = new Promise(() => undefined);
      w.submitter.submit(w.job, AGENT, INPUT);
      await settled();
      w.shutdown.abort();
      await w.submitter.drain();
      expect(w.sender.called).to.deep.equal([PROVE_7]);
      expect(w.store.submissions.get(7n)!.status).to.equal("pending");
      expect(w.store.jobs.get(7n)!.status).to.equal("submitting");
      expect(w.finished).to.deep.equal([]);
      expect(w.retried).to.deep.equal([]);
      expect(logged(w, "stopping: the proof waiting to be sent again is sent at the next start")).to.have.length(1);
      expect(logged(w, "submission failed")).to.deep.equal([]);
    });

    for (const signal of [true, false] as const) {
      it(`reports a wait that fails while the relayer runs as a failed submission, without sending again${signal ? "" : " (no stop signal given)"}`, async () => {
        const w = await world({ opportunistic: true }, signal ? {} : { signal: false });
        w.sender.outcomes.push(simulationReverts("L1_NOT_PROVEABLE"));
        const failure = new Error("the chain's clock cannot be read");
        w.network.provable = Promise.reject(failure);
        await submitted(w);
        expect(w.sender.called).to.deep.equal([PROVE_7]);
        expect(w.finished).to.deep.equal([]);
        const [line] = logged(w, "submission failed");
        expect(line!.fields).to.deep.equal({ err: failure, blockId: "7" });
      });
    }
  });

  describe("in flight, and the job's end", () => {
    /** drain() stays pending while `sending` is held, with one submission in flight, and ends once it is let go. */
    async function expectDrainWaitsFor(w: Awaited<ReturnType<typeof world>>, sending: { release(): void }) {
      let drained = false;
      const draining = w.submitter.drain().then(() => (drained = true));
      await settled();
      expect(w.submitter.pending).to.equal(1);
      expect(drained).to.equal(false);
      sending.release();
      await draining;
    }

    it("drain waits for every submission in flight", async () => {
      const w = await world();
      const sending = held(mines());
      w.sender.outcomes.push(sending.outcome);
      w.submitter.submit(w.job, AGENT, INPUT);
      await expectDrainWaitsFor(w, sending);
      expect(w.submitter.pending).to.equal(0);
      expect(w.store.submissions.get(7n)!.status).to.equal("confirmed");
    });

    it("drain waits for a submission resumed after a restart", async () => {
      const w = await world();
      await leftBeforeRestart(w, [txHash(101)]);
      const sending = held(mines());
      w.sender.outcomes.push(sending.outcome);
      await w.submitter.recover();
      await expectDrainWaitsFor(w, sending);
      expect(w.store.submissions.get(7n)!.status).to.equal("confirmed");
    });

    it("reports the job's end once, saying the job had ended already when its BlockProven was read first", async () => {
      const w = await world();
      const sending = held(mines());
      w.sender.outcomes.push(sending.outcome);
      w.submitter.submit(w.job, AGENT, INPUT);
      await settled();
      await w.store.setJobStatus(7n, "proven", null, 1_020, ["open", "submitting"]);
      sending.release();
      await w.submitter.drain();
      expect(w.finished).to.deep.equal([{ blockId: 7n, outcome: "proven", detail: null, ended: false }]);
    });

    it("observes the time from the block's proposal to its proof on-chain", async () => {
      const w = await world({ proposedAt: 1_000 });
      w.clock.now = 1_042;
      await submitted(w);
      const { values } = await w.metrics.proofLatency.get();
      expect(values.find((v) => v.metricName === "zkpool_proof_latency_seconds_sum")!.value).to.equal(42);
      expect(values.find((v) => v.metricName === "zkpool_proof_latency_seconds_count")!.value).to.equal(1);
    });

    it("never observes a negative latency (a relayer clock behind the chain's)", async () => {
      const w = await world({ proposedAt: 1_000 });
      w.clock.now = 990;
      await submitted(w);
      const { values } = await w.metrics.proofLatency.get();
      expect(values.find((v) => v.metricName === "zkpool_proof_latency_seconds_sum")!.value).to.equal(0);
    });

    it("stamps the store's records in unix seconds by default", async () => {
      const w = await world({}, { clock: false });
      const before = Math.floor(Date.now() / 1000);
      await submitted(w);
      const { createdAt } = w.store.submissions.get(7n)!;
      expect(createdAt).to.be.within(before, Math.floor(Date.now() / 1000));
    });

    it("stamps the store's records with the submitter's clock", async () => {
      const w = await world();
      w.clock.now = 1_234;
      await submitted(w);
      expect(w.store.submissions.get(7n)).to.include({ createdAt: 1_234, updatedAt: 1_234 });
      expect(w.store.jobs.get(7n)!.updatedAt).to.equal(1_234);
    });
  });

  describe("what the log says of a proof on-chain", () => {
    const recorded = "proof recorded on-chain: its agent's prover is credited once Taiko verifies the block";

    it("logs the fork choice ZKPool recorded the proof for, read from the pool's own logs only", async () => {
      const w = await world();
      const proofRecorded = (address: Address, forkChoiceId: number) =>
        poolLog(address, "ProofRecorded", {
          blockId: 7n,
          parentHash: `0x${"11".repeat(32)}`,
          parentGasUsed: 21_000,
          agent: AGENT,
          prover: RECORDED,
          forkChoiceId,
        });
      const elsewhere = proofRecorded(RECORDED, 9);
      const own = { ...proofRecorded(POOL, 2), address: POOL.toLowerCase() as Address };
      w.sender.outcomes.push(mines([elsewhere, own]));
      await submitted(w);
      const [line] = logged(w, recorded);
      expect(line).to.include({ level: "info" });
      expect(line!.fields).to.deep.equal({ blockId: "7", tx: txHash(1), agent: AGENT, forkChoiceId: 2 });
    });

    it("logs a proof whose receipt shows no ProofRecorded without a fork choice", async () => {
      const w = await world();
      await submitted(w);
      expect(logged(w, recorded)[0]!.fields).to.deep.equal({
        blockId: "7",
        tx: txHash(1),
        agent: AGENT,
        forkChoiceId: undefined,
      });
    });
  });
});
