/**
 * A job's lifecycle on its own: a memory store with the SQL store's rules and a scheduler that records what it is
 * told. When a job is made, when it ends (once, and only on a proof from its own parent), and what ending it does.
 */
import { expect } from "chai";
import { keccak256, stringToHex, type Address, type Hex } from "viem";
import { Jobs, type JobEvent } from "../../src/jobs";
import { createMetrics, type Metrics } from "../../src/metrics";
import type { Job } from "../../src/store/types";
import { POOL, jobFor, memoryStore, type MemoryStore } from "../support/memoryStore";
import { recordingLog, type Logged } from "../support/recordingLog";

const OTHER_PROVER: Address = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const AGENT: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/** The scheduler's side of a job: what it was handed, told to stop, given back. */
class RecordingScheduler {
  readonly added: Array<{ blockId: bigint; seenAt: number | undefined }> = [];
  readonly finished: Array<[bigint, string]> = [];
  readonly reopened: bigint[] = [];
  addJob(job: Job, seenAt?: number): void {
    this.added.push({ blockId: job.blockId, seenAt });
  }
  finishJob(blockId: bigint, reason: string): void {
    this.finished.push([blockId, reason]);
  }
  reopen(job: Job): void {
    this.reopened.push(job.blockId);
  }
}

interface World {
  jobs: Jobs;
  store: MemoryStore;
  scheduler: RecordingScheduler;
  metrics: Metrics;
  lines: Logged[];
  clock: { now: number };
}

function world(options: { clock?: false } = {}): World {
  const store = memoryStore();
  const scheduler = new RecordingScheduler();
  const metrics = createMetrics();
  const { log, lines } = recordingLog();
  const clock = { now: 1_100 };
  const now = options.clock === false ? undefined : () => clock.now;
  const jobs = new Jobs({ store, scheduler, pool: POOL, metrics, log, now });
  return { jobs, store, scheduler, metrics, lines, clock };
}

/** Block 7's job in the store, in `status`. */
async function jobIn(w: World, status: "open" | "submitting" | "proven", fields: Partial<Job> = {}): Promise<Job> {
  const job = (await w.store.addJob(jobFor(7n, fields), 1_000))!;
  if (status !== "open") {
    await w.store.claimSubmission({ blockId: 7n, agent: AGENT, input: "0xaa" }, 1_010);
  }
  if (status === "proven") await w.store.finishSubmission(7n, "confirmed", null, 1_020);
  return (await w.store.getJob(job.blockId))!;
}

/** Block 7 proven by `prover` on `parent` (the job's own by default). */
function proven(prover: Address, parent: { parentHash?: Hex; parentGasUsed?: number } = {}): JobEvent {
  const own = jobFor(7n).evidence;
  return {
    kind: "proven",
    blockId: 7n,
    prover,
    parentHash: parent.parentHash ?? own.parentHash,
    parentGasUsed: parent.parentGasUsed ?? own.parentGasUsed,
  };
}

const MADE_UP_PARENT = keccak256(stringToHex("a parent nobody proposed"));

async function counted(metrics: Metrics, name: "jobsFinished" | "jobsCreated"): Promise<Record<string, number>> {
  const { values } = await metrics[name].get();
  return Object.fromEntries(values.map((v) => [String(Object.values(v.labels)[0]), v.value]));
}

describe("jobs", () => {
  describe("a block proposed for the pool", () => {
    it("becomes a job once, counted by kind, handed to the scheduler with the moment it was seen", async () => {
      const w = world();
      const { status: _status, detail: _detail, createdAt: _c, updatedAt: _u, ...network } = jobFor(7n);
      await w.jobs.handle({ kind: "job", job: network, seenAt: 123 });
      await w.jobs.handle({ kind: "job", job: network, seenAt: 456 });
      expect(w.scheduler.added).to.deep.equal([{ blockId: 7n, seenAt: 123 }]);
      expect(w.store.jobs.get(7n)).to.include({ status: "open", createdAt: 1_100 });
      expect(await counted(w.metrics, "jobsCreated")).to.deep.equal({ assigned: 1 });
      const opportunistic = { ...jobFor(8n), opportunistic: true };
      await w.jobs.handle({ kind: "job", job: opportunistic, seenAt: 789 });
      expect(await counted(w.metrics, "jobsCreated")).to.deep.equal({ assigned: 1, opportunistic: 1 });
    });
  });

  describe("a block proven", () => {
    for (const status of ["open", "submitting"] as const) {
      it(`ends a job (${status}) as proven when a proof on its own parent names the pool: attempts stop, counted once`, async () => {
        const w = world();
        await jobIn(w, status);
        await w.jobs.handle(proven(POOL));
        expect(w.store.jobs.get(7n)).to.include({ status: "proven", detail: null, updatedAt: 1_100 });
        expect(w.scheduler.finished).to.deep.equal([[7n, "proven"]]);
        expect(await counted(w.metrics, "jobsFinished")).to.deep.equal({ proven: 1 });
      });
    }

    it("ends nothing when a proof naming the pool is on a made-up parent: the agents keep proving the job", async () => {
      const w = world();
      await jobIn(w, "open");
      await w.jobs.handle(proven(POOL, { parentHash: MADE_UP_PARENT }));
      expect(w.store.jobs.get(7n)!.status).to.equal("open");
      expect(w.scheduler.finished).to.deep.equal([]);
      expect(await counted(w.metrics, "jobsFinished")).to.deep.equal({});
      const [line] = w.lines.filter((l) => l.msg === "block proven on another parent than the job's: the job goes on");
      expect(line!.fields).to.deep.equal({ blockId: "7", prover: POOL, parentHash: MADE_UP_PARENT });
    });

    it("ends nothing when a proof naming the pool has the job's parent hash but another parent gas used", async () => {
      const w = world();
      await jobIn(w, "submitting");
      await w.jobs.handle(proven(POOL, { parentGasUsed: jobFor(7n).evidence.parentGasUsed + 1 }));
      expect(w.store.jobs.get(7n)!.status).to.equal("submitting");
      expect(w.scheduler.finished).to.deep.equal([]);
    });

    it("does not count a job lost to another prover's proof on another parent", async () => {
      const w = world();
      await jobIn(w, "open");
      await w.jobs.handle(proven(OTHER_PROVER, { parentHash: MADE_UP_PARENT }));
      expect(w.store.jobs.get(7n)!.status).to.equal("open");
      expect(w.scheduler.finished).to.deep.equal([]);
    });

    it("reads the parent and the prover whatever their letters' case", async () => {
      const w = world();
      await jobIn(w, "open");
      const upper = `0x${jobFor(7n).evidence.parentHash.slice(2).toUpperCase()}` as Hex;
      await w.jobs.handle(proven(POOL.toLowerCase() as Address, { parentHash: upper }));
      expect(w.store.jobs.get(7n)!.status).to.equal("proven");
      expect(w.scheduler.finished).to.deep.equal([[7n, "proven"]]);
    });

    it("records an open job lost to another prover's proof on its parent, with who proved it, and stops its attempts", async () => {
      const w = world();
      await jobIn(w, "open");
      await w.jobs.handle(proven(OTHER_PROVER));
      const detail = `proven by ${OTHER_PROVER}`;
      expect(w.store.jobs.get(7n)).to.include({ status: "lost", detail, updatedAt: 1_100 });
      expect(w.scheduler.finished).to.deep.equal([[7n, detail]]);
      expect(await counted(w.metrics, "jobsFinished")).to.deep.equal({ lost: 1 });
    });

    it("leaves a job being submitted to its submission when another prover proves it (Taiko tells the submission)", async () => {
      const w = world();
      await jobIn(w, "submitting");
      await w.jobs.handle(proven(OTHER_PROVER));
      expect(w.store.jobs.get(7n)!.status).to.equal("submitting");
      expect(w.scheduler.finished).to.deep.equal([]);
      expect(await counted(w.metrics, "jobsFinished")).to.deep.equal({});
    });

    it("stops the attempts of a job the pool proved that ended already, without counting it again", async () => {
      const w = world();
      await jobIn(w, "proven");
      await w.jobs.handle(proven(POOL));
      expect(w.scheduler.finished).to.deep.equal([[7n, "proven"]]);
      expect(await counted(w.metrics, "jobsFinished")).to.deep.equal({});
    });

    it("ignores a block proven that is no job of the pool's", async () => {
      const w = world();
      await w.jobs.handle(proven(OTHER_PROVER));
      expect(w.scheduler.finished).to.deep.equal([]);
      expect(w.lines).to.deep.equal([]);
    });
  });

  describe("what the submission comes to", () => {
    it("ends the job as proven with its confirmed submission", async () => {
      const w = world();
      const job = await jobIn(w, "submitting");
      await w.jobs.submissionEnded(job, "proven", null);
      expect(w.store.submissions.get(7n)).to.include({ status: "confirmed", updatedAt: 1_100 });
      expect(w.store.jobs.get(7n)).to.include({ status: "proven", detail: null });
      expect(w.scheduler.finished).to.deep.equal([[7n, "proven"]]);
      expect(await counted(w.metrics, "jobsFinished")).to.deep.equal({ proven: 1 });
    });

    for (const [outcome, reason] of [
      ["lost", "L1_ALREADY_PROVEN"],
      ["failed", "L1_INVALID_PROOF"],
    ] as const) {
      it(`ends the job as ${outcome} with its rejected submission, the reason told to the agents`, async () => {
        const w = world();
        const job = await jobIn(w, "submitting");
        await w.jobs.submissionEnded(job, outcome, reason);
        expect(w.store.submissions.get(7n)).to.include({ status: "rejected", error: reason });
        expect(w.store.jobs.get(7n)).to.include({ status: outcome, detail: reason });
        expect(w.scheduler.finished).to.deep.equal([[7n, reason]]);
        expect(await counted(w.metrics, "jobsFinished")).to.deep.equal({ [outcome]: 1 });
      });
    }

    it("tells the agents the outcome when a refusal has no reason", async () => {
      const w = world();
      const job = await jobIn(w, "submitting");
      await w.jobs.submissionEnded(job, "failed", null);
      expect(w.scheduler.finished).to.deep.equal([[7n, "failed"]]);
    });

    it("counts a job once when its BlockProven was read before its submission confirmed", async () => {
      const w = world();
      const job = await jobIn(w, "submitting");
      await w.jobs.handle(proven(POOL));
      await w.jobs.submissionEnded(job, "proven", null);
      expect(w.store.submissions.get(7n)!.status).to.equal("confirmed");
      expect(await counted(w.metrics, "jobsFinished")).to.deep.equal({ proven: 1 });
    });

    it("outsiders racing the pool: a made-up parent ends nothing, a mempool copy on the job's parent ends it once", async () => {
      const w = world();
      const job = await jobIn(w, "submitting");
      // An outsider proves the block straight on TaikoL1, naming the pool, from a parent nobody proposed.
      await w.jobs.handle(proven(POOL, { parentHash: MADE_UP_PARENT }));
      expect(w.scheduler.finished).to.deep.equal([]);
      // Another copies the pool's pending proveBlock input from the mempool and lands it first: the block is
      // proven on the job's parent under the pool's identity (Taiko pays the pool), so the job is over.
      await w.jobs.handle(proven(POOL));
      expect(w.scheduler.finished).to.deep.equal([[7n, "proven"]]);
      // The pool's own transaction then comes back (Taiko: already proven; the proof on-chain is the pool's).
      await w.jobs.submissionEnded(job, "proven", null);
      expect(await counted(w.metrics, "jobsFinished")).to.deep.equal({ proven: 1 });
      expect(w.store.jobs.get(7n)!.status).to.equal("proven");
    });

    it("stamps what it records in unix seconds by default", async () => {
      const w = world({ clock: false });
      const job = await jobIn(w, "submitting");
      const before = Math.floor(Date.now() / 1000);
      await w.jobs.submissionEnded(job, "proven", null);
      expect(w.store.jobs.get(7n)!.updatedAt).to.be.within(before, Math.floor(Date.now() / 1000));
    });

    it("gives a job whose submission failed for a reason that may pass back to the scheduler, open again", async () => {
      const w = world();
      const job = await jobIn(w, "submitting");
      await w.jobs.submissionFailed(job, "fetch failed");
      expect(w.store.submissions.get(7n)).to.include({ status: "reverted", error: "fetch failed", updatedAt: 1_100 });
      expect(w.store.jobs.get(7n)!.status).to.equal("open");
      expect(w.scheduler.reopened).to.deep.equal([7n]);
      expect(w.scheduler.finished).to.deep.equal([]);
      expect(await counted(w.metrics, "jobsFinished")).to.deep.equal({});
    });
  });
});
