/**
 * The scheduler on its own, with agents played by in-memory sessions, a store that records what it is told and a
 * clock the test moves: which agent gets a job and when it loses it, which proofs are taken, and what an
 * operator reads of it (store rows, metrics, log lines, the status snapshot). Each attempt is for one agent: its
 * evidence's graffiti is the agent's address and its instance binds it. Proofs are checked by a stand-in verifier
 * that takes one fixed 256-byte string per instance, except in one test that proves and verifies for real.
 */
import { expect } from "chai";
import type { z } from "zod";
import { concat, keccak256, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import {
  LOCAL_INSTANCE_CONTEXT,
  RpcErrorCode,
  agentGraffiti,
  encodeEvidence,
  instanceHash,
  proveInstance,
  shutdownProver,
  type CancelParams,
  type JobEvidence,
  type NotifyParams,
  type SubmitResult,
  type submitParams,
} from "@zkpool/common";
import type { AgentSession } from "../../src/gateway/server";
import { RpcFailure } from "../../src/gateway/rpc";
import { createMetrics, type Metrics } from "../../src/metrics";
import { Scheduler, type SchedulerOptions } from "../../src/scheduler";
import type { AttemptOutcome, Job, Store } from "../../src/store/types";
import { jobFor as openJob } from "../support/memoryStore";
import { recordingLog, type Logged, type RecordingLog } from "../support/recordingLog";

const T0 = 1_000;
/** The harness's redundancy margin: seconds before the deadline when a second agent joins. */
const REDUNDANCY_S = 6;

/** An agent's connection as the scheduler sees it: what it was told is recorded. */
class FakeSession implements AgentSession {
  readonly agent: Address;
  readonly prover: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  readonly deviceId: string;
  readonly remote = "test";
  readonly connectedAt = 0;
  busy = 0;
  lastHeartbeat = 0;
  readonly notified: NotifyParams[] = [];
  readonly cancelled: CancelParams[] = [];
  /** Runs inside notify, as the gateway's socket write does (which can close the connection there and then). */
  onNotify: ((params: NotifyParams) => void) | undefined;

  constructor(
    readonly name: string,
    public msPerProof: number,
    public concurrency = 1,
    readonly account: PrivateKeyAccount = privateKeyToAccount(generatePrivateKey()),
  ) {
    this.agent = account.address;
    this.deviceId = name;
  }

  get id(): string {
    return `${this.agent}/${this.deviceId}`;
  }
  /** The blocks this session was told to prove, in order. */
  get blocks(): string[] {
    return this.notified.map((n) => n.blockId);
  }
  notify(params: NotifyParams): void {
    this.notified.push(params);
    this.onNotify?.(params);
  }
  cancel(params: CancelParams): void {
    this.cancelled.push(params);
  }
  close(): void {}
}

type SubmitParams = z.output<typeof submitParams>;

type StoreWrite = "startAttempt" | "finishAttempt" | "countMachineJob";

/** A store that writes one line per call into `journal`, and fails the writes named in `failing`. */
interface RecordingStore extends Store {
  journal: string[];
  open: Job[];
  failing: Set<StoreWrite>;
}

function recordingStore(): RecordingStore {
  let attempts = 0;
  const journal: string[] = [];
  const failing = new Set<StoreWrite>();
  const fail = (write: StoreWrite) =>
    failing.has(write) ? Promise.reject(new Error(`${write}: the database is gone`)) : undefined;
  const store: Partial<RecordingStore> = {
    journal,
    failing,
    open: [],
    openJobs: async () => store.open ?? [],
    startAttempt: async (blockId, agent, deviceId, now) => {
      await fail("startAttempt");
      journal.push(`start #${++attempts} block ${blockId} ${deviceId} ${agent} at ${now}`);
      return attempts;
    },
    finishAttempt: async (id: number, outcome: AttemptOutcome, millis: number | null, now: number) => {
      await fail("finishAttempt");
      journal.push(`finish #${id} ${outcome} ${millis} at ${now}`);
    },
    countMachineJob: async (agent, deviceId, outcome, now) => {
      await fail("countMachineJob");
      journal.push(`count ${deviceId} ${agent} ${outcome} at ${now}`);
    },
  };
  return store as RecordingStore;
}

/** A job for block `blockId` due at `deadline` (proposed a minute before), as the store hands it out. */
function jobFor(blockId: bigint, deadline: number): Job {
  return openJob(blockId, { proposedAt: deadline - 60, deadline, createdAt: 0, updatedAt: 0 });
}

/** The instance of the local network's proofs of `evidence` (the adapter's instanceOf). */
const instanceOf = (evidence: JobEvidence): Hex => instanceHash(evidence, LOCAL_INSTANCE_CONTEXT);

/** The evidence `session`'s proof of `job` is for: the job's, with the session's agent in the graffiti. */
const evidenceFor = (job: Job, session: { agent: Address }): JobEvidence => ({
  ...job.evidence,
  graffiti: agentGraffiti(session.agent),
});

/** The instance `session` proves for `job`. */
const instanceFor = (job: Job, session: { agent: Address }): Hex => instanceOf(evidenceFor(job, session));

/** The 256 bytes the stand-in verifier takes as the proof of `instance`. */
const goodProof = (instance: Hex): Hex => concat(Array.from({ length: 8 }, () => keccak256(instance)));
/** 256 bytes that do not prove `instance`. */
const badProof = (instance: Hex): Hex => concat(Array.from({ length: 8 }, () => keccak256(concat([instance, "0x01"]))));

interface Submitted {
  blockId: bigint;
  agent: Address;
  input: Hex;
}

interface Harness {
  clock: { now: number };
  scheduler: Scheduler;
  store: RecordingStore;
  log: RecordingLog;
  metrics: Metrics;
  submitted: Submitted[];
  /** What the verifier was asked, one line per proof. */
  verified: string[];
  /** Adds a job for `blockId` due `deadlineIn` seconds from now. */
  add(blockId: bigint, deadlineIn: number, seenAt?: number): Job;
  /** Connects agents. */
  connect(...sessions: FakeSession[]): void;
  /** What `session` sends for its last attempt at `blockId`: a good proof of the instance it was told, by default. */
  answer(session: FakeSession, blockId: bigint, options?: SubmitOptions): SubmitParams;
  /** Submits answer(session, blockId, options). */
  submit(session: FakeSession, blockId: bigint, options?: SubmitOptions): Promise<SubmitResult>;
}

interface SubmitOptions {
  proof?: Hex;
  millis?: number;
  jobId?: string;
}

function harness(options: Partial<SchedulerOptions> = {}): Harness {
  const clock = { now: T0 };
  const store = recordingStore();
  const log = recordingLog();
  const metrics = createMetrics();
  const submitted: Submitted[] = [];
  const verified: string[] = [];
  const jobs = new Map<bigint, Job>();
  const scheduler = new Scheduler({
    store,
    instanceOf,
    difficulty: 3,
    redundancyMarginS: REDUNDANCY_S,
    log: log.log,
    metrics,
    submit: (job, agent, input) => submitted.push({ blockId: job.blockId, agent, input }),
    now: () => clock.now,
    verifyProof: async (instance, proof, opts) => {
      const good = proof === goodProof(instance);
      verified.push(`${good ? "good" : "bad"} proof of ${instance} at difficulty ${opts?.difficulty}`);
      return good;
    },
    ...options,
  });
  return {
    clock,
    scheduler,
    store,
    log,
    metrics,
    submitted,
    verified,
    add(blockId, deadlineIn, seenAt) {
      const job = jobFor(blockId, clock.now + deadlineIn);
      jobs.set(blockId, job);
      scheduler.addJob(job, seenAt);
      return job;
    },
    connect(...sessions) {
      for (const session of sessions) scheduler.onAuthorized(session);
    },
    answer,
    async submit(session, blockId, options) {
      return scheduler.onSubmit(session, answer(session, blockId, options));
    },
  };

  function answer(session: FakeSession, blockId: bigint, { proof, millis, jobId }: SubmitOptions = {}): SubmitParams {
    const job = jobs.get(blockId)!;
    const notified = session.notified.findLast((n) => n.blockId === blockId.toString());
    return {
      jobId: jobId ?? notified?.jobId ?? "",
      proof: proof ?? goodProof(instanceFor(job, session)),
      ...(millis === undefined ? {} : { millis }),
    };
  }
}

/** The code of the RpcFailure `submitting` is refused with; undefined if it is taken. */
async function refusal(submitting: Promise<unknown>): Promise<RpcErrorCode | undefined> {
  return submitting.then(
    () => undefined,
    (error: unknown) => {
      if (error instanceof RpcFailure) return error.code;
      throw error;
    },
  );
}

/** The attempts counted by outcome, as zkpool_attempts_total shows them. */
async function attemptsCounted(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.attempts.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

/** A gauge's value as /metrics shows it. */
async function gauge(metric: Metrics["queueDepth"]): Promise<number | undefined> {
  return (await metric.get()).values[0]?.value;
}

/** Lets the store writes that nothing awaits land. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The lines logged at `level`, each its message and fields. */
const lines = (log: RecordingLog, level: string): Array<Record<string, unknown>> =>
  log.lines.filter((l) => l.level === level).map((l: Logged) => ({ msg: l.msg, ...l.fields }));

describe("scheduler", function () {
  after(shutdownProver);

  describe("who gets a job", () => {
    it("gives each job to the idle agent, among those that finish in time, that has waited longest for one", () => {
      const { clock, scheduler, add, connect } = harness();
      // Three machines that all finish a job well inside its window, each a little faster than the next; and a
      // machine that has never had a job, too slow for any of them (and the first to connect).
      const fast = new FakeSession("fast", 1_000);
      const middle = new FakeSession("middle", 1_500);
      const slow = new FakeSession("slow", 2_000);
      const late = new FakeSession("late", 600_000);
      connect(late, fast, middle, slow);
      const given: string[] = [];
      for (let blockId = 1n; blockId <= 7n; blockId++) {
        add(blockId, 60);
        const holder = [fast, middle, slow, late].filter((s) => s.notified.at(-1)?.blockId === blockId.toString());
        given.push(holder.map((s) => s.name).join(" and "));
        // Proven at once (by anyone): every machine is idle again for the next job, a second later.
        scheduler.finishJob(blockId, "proven");
        clock.now += 1;
      }
      // Never given a job, the three tie and the fastest goes first; from then on the one whose last job is
      // oldest. A faster machine does not take every job, and the slow one never gets one it cannot finish.
      expect(given).to.deep.equal(["fast", "middle", "slow", "fast", "middle", "slow", "fast"]);
      expect(late.notified).to.deep.equal([]);
    });

    it("still prefers an idle agent to one with a job running, however long each has waited", () => {
      const { clock, scheduler, add, connect } = harness();
      const twin = new FakeSession("twin", 1_000, 2);
      const single = new FakeSession("single", 1_000);
      connect(twin, single);
      add(1n, 60);
      expect(twin.blocks).to.deep.equal(["1"]);
      clock.now += 1;
      // twin runs block 1 and has room for another; single, idle, has waited longer still.
      add(2n, 60);
      expect(single.blocks).to.deep.equal(["2"]);
      clock.now += 1;
      scheduler.finishJob(2n, "proven");
      // Now single is idle and twin half busy: single, although its last job is the newer.
      add(3n, 60);
      expect(single.blocks).to.deep.equal(["2", "3"]);
      expect(twin.blocks).to.deep.equal(["1"]);
    });

    it("prefers an agent that finishes in time, however busy, to an idle one that does not", () => {
      const { add, connect } = harness();
      const twin = new FakeSession("twin", 1_000, 2);
      const late = new FakeSession("late", 600_000);
      connect(twin, late);
      add(1n, 60);
      add(2n, 60);
      expect([twin.blocks, late.blocks]).to.deep.equal([["1", "2"], []]);
    });

    it("among busy agents, prefers the one with the larger share of its slots free", () => {
      // wide runs one job of 4, narrow one of 2: wide has more room, whichever connected first.
      for (const order of ["wide first", "narrow first"]) {
        const { clock, add, connect } = harness();
        const wide = new FakeSession("wide", 1_000, 4);
        const narrow = new FakeSession("narrow", 1_000, 2);
        if (order === "wide first") connect(wide, narrow);
        else connect(narrow, wide);
        add(1n, 60);
        clock.now += 1;
        add(2n, 60);
        expect([...wide.blocks, ...narrow.blocks].sort(), order).to.deep.equal(["1", "2"]);
        clock.now += 1;
        add(3n, 60);
        expect(wide.blocks, order).to.include("3");
      }
    });

    it("hands out waiting jobs earliest deadline first, not in block order; equal deadlines by block", () => {
      const { scheduler, add, connect } = harness();
      add(13n, 100);
      add(10n, 300);
      add(11n, 100);
      add(12n, 200);
      const rig = new FakeSession("rig", 1_000);
      connect(rig);
      for (const blockId of [11n, 13n, 12n]) scheduler.finishJob(blockId, "proven");
      expect(rig.blocks).to.deep.equal(["11", "13", "12", "10"]);
    });

    it("gives an agent no more jobs in one pass than its concurrency, and the next one when an attempt ends", () => {
      const { scheduler, add, connect } = harness();
      for (const blockId of [1n, 2n, 3n, 4n]) add(blockId, 60 + Number(blockId));
      const twin = new FakeSession("twin", 1_000, 2);
      connect(twin);
      expect(twin.blocks).to.deep.equal(["1", "2"]);
      expect(twin.busy).to.equal(2);
      scheduler.finishJob(1n, "proven");
      expect(twin.blocks).to.deep.equal(["1", "2", "3"]);
      expect(twin.busy).to.equal(2);
      // The gateway's heartbeat may have said less: busy never goes below zero.
      twin.busy = 0;
      scheduler.finishJob(2n, "proven");
      expect(twin.busy).to.equal(1, "0 after the cancel, 1 with block 4");
      expect(twin.blocks).to.deep.equal(["1", "2", "3", "4"]);
    });

    it("counts an agent in time only when its proof and the submission (2 s by default) land by the deadline", () => {
      // quick has just had a job; the other two never had one, so the fairness rule prefers them when in time
      // (exact first, as the faster of the two; then over if in time, else quick, whose last job is older).
      for (const [submitMarginS, expected] of [
        [undefined, ["exact", "quick"]],
        [5, ["quick", "quick"]],
        [1, ["exact", "over"]],
      ] as const) {
        const { clock, scheduler, add, connect } = harness(submitMarginS === undefined ? {} : { submitMarginS });
        const quick = new FakeSession("quick", 1_000);
        connect(quick);
        add(1n, 60);
        scheduler.finishJob(1n, "proven");
        clock.now += 1;
        // 10 s of proving and 2 of submission: exactly by a deadline in 12 s; a millisecond more, not.
        const exact = new FakeSession("exact", 10_000);
        const over = new FakeSession("over", 10_001);
        connect(exact, over);
        const given: string[] = [];
        for (const blockId of [2n, 3n]) {
          add(blockId, 12);
          given.push([quick, exact, over].find((s) => s.notified.at(-1)?.blockId === blockId.toString())!.name);
          scheduler.finishJob(blockId, "proven");
          clock.now += 0.001;
        }
        expect(given, `submission margin ${submitMarginS}`).to.deep.equal(expected);
      }
    });

    it("when no agent can finish in time, the fastest free one still tries a job nobody runs", () => {
      const { clock, scheduler, add, connect } = harness();
      const busy = new FakeSession("busy", 100);
      connect(busy);
      add(1n, 600);
      expect(busy.blocks).to.deep.equal(["1"]);
      const slow = new FakeSession("slow", 600_000);
      const slower = new FakeSession("slower", 900_000);
      connect(slower, slow);
      add(2n, 60);
      expect(slow.blocks).to.deep.equal(["2"]);
      scheduler.finishJob(2n, "proven");
      clock.now += 1;
      // slower has waited longer, but waiting only counts among agents that finish in time.
      add(3n, 60);
      expect(slow.blocks).to.deep.equal(["2", "3"]);
      expect(slower.blocks).to.deep.equal([]);
    });

    it("a job added again while it runs stays with its agent", () => {
      const { scheduler, add, connect } = harness();
      const first = new FakeSession("first", 1_000);
      connect(first);
      const job = add(5n, 60);
      scheduler.addJob(job);
      const second = new FakeSession("second", 1_000);
      connect(second);
      expect(first.blocks).to.deep.equal(["5"]);
      expect(second.blocks).to.deep.equal([]);
      expect(scheduler.snapshot().queueDepth).to.equal(1);
    });

    it("an agent that comes back after a disconnect counts as having waited longest", () => {
      const { clock, scheduler, add, connect } = harness();
      const steady = new FakeSession("steady", 1_000);
      const flaky = new FakeSession("flaky", 1_000);
      connect(steady);
      add(1n, 60);
      clock.now += 1;
      connect(flaky);
      add(2n, 60);
      expect(flaky.blocks).to.deep.equal(["2"]);
      scheduler.finishJob(1n, "proven");
      scheduler.finishJob(2n, "proven");
      scheduler.onDisconnected(flaky, "network");
      const back = new FakeSession("flaky", 1_000, 1, flaky.account);
      connect(back);
      clock.now += 1;
      add(3n, 60);
      // steady's last job is older than flaky's was, but the new connection has had none.
      expect(back.blocks).to.deep.equal(["3"]);
    });
  });

  describe("taking jobs back", () => {
    it("a job whose agent disconnects goes to another agent at once, without waiting for the stall timeout", async () => {
      const { clock, scheduler, store, metrics, log, add, connect } = harness();
      const leaving = new FakeSession("leaving", 1_000);
      const staying = new FakeSession("staying", 2_000);
      const bystander = new FakeSession("bystander", 500);
      connect(bystander);
      add(7n, 60);
      connect(leaving, staying);
      add(8n, 60);
      expect(leaving.blocks).to.deep.equal(["8"]);
      clock.now += 0.5;
      scheduler.onDisconnected(leaving, "socket closed");
      expect(staying.blocks).to.deep.equal(["8"]);
      expect(leaving.cancelled, "nobody left to tell").to.deep.equal([]);
      await settle();
      expect(bystander.blocks).to.deep.equal(["7"]);
      expect(store.journal).to.deep.equal([
        `start #1 block 7 bystander ${bystander.agent} at 1000`,
        `start #2 block 8 leaving ${leaving.agent} at 1000`,
        `start #3 block 8 staying ${staying.agent} at 1000`,
        "finish #2 disconnected null at 1000",
      ]);
      expect(await attemptsCounted(metrics)).to.deep.equal({ disconnected: 1 });
      expect(lines(log, "warn")).to.deep.equal([
        { msg: "agent left mid-job: reassigning", blockId: "8", agent: leaving.agent, reason: "socket closed" },
      ]);
      // Leaving is no failure: the agent may take the job again when it comes back.
      scheduler.finishJob(8n, "proven");
      const back = new FakeSession("leaving", 1_000, 1, leaving.account);
      connect(back);
      add(9n, 60);
      expect(back.blocks).to.deep.equal(["9"]);
    });

    it("a stalled attempt is cancelled, its agent counted failed and left out of that job, which goes to another", async () => {
      const { clock, scheduler, store, metrics, log, add, connect } = harness();
      const stuck = new FakeSession("stuck", 1_000, 2);
      connect(stuck);
      add(4n, 120);
      const [attempt] = stuck.notified;
      clock.now = T0 + 5;
      add(3n, 120);
      // 1 s expected: stalled after three times that, but at least ten seconds more.
      clock.now = T0 + 11;
      scheduler.tick();
      expect(stuck.cancelled).to.deep.equal([]);
      clock.now = T0 + 11.5;
      scheduler.tick();
      expect(stuck.cancelled).to.deep.equal([{ jobId: attempt!.jobId, reason: "stalled: reassigned" }]);
      expect(stuck.busy, "block 3 still runs").to.equal(1);
      // The only free agent, but not asked again for this job; a newcomer is.
      expect(stuck.blocks).to.deep.equal(["4", "3"]);
      const fresh = new FakeSession("fresh", 5_000);
      connect(fresh);
      expect(fresh.blocks).to.deep.equal(["4"]);
      // stuck still takes other jobs.
      add(5n, 120);
      expect(stuck.blocks).to.deep.equal(["4", "3", "5"]);
      await settle();
      expect(store.journal.filter((line) => !line.startsWith("start"))).to.have.members([
        "finish #1 stalled null at 1011",
        `count stuck ${stuck.agent} failed at 1011`,
      ]);
      expect(await attemptsCounted(metrics)).to.deep.equal({ stalled: 1 });
      expect(lines(log, "warn")).to.deep.equal([
        { msg: "agent stalled: reassigning", blockId: "4", agent: stuck.agent },
      ]);
      expect(await refusal(scheduler.onSubmit(stuck, { jobId: attempt!.jobId, proof: "0x" }))).to.equal(
        RpcErrorCode.UnknownJob,
      );
    });

    it("an attempt stalls after three times the agent's current expected time, and at least ten seconds more", () => {
      const { clock, scheduler, add, connect } = harness();
      const steady = new FakeSession("steady", 10_000);
      const quick = new FakeSession("quick", 1_000);
      connect(steady, quick);
      add(1n, 600);
      add(2n, 600);
      expect([steady.blocks, quick.blocks]).to.deep.equal([["2"], ["1"]]);
      clock.now = T0 + 30;
      // quick says (by heartbeat) it has slowed down to 9 s a proof: 27 s allowed, not 11.
      quick.msPerProof = 9_000;
      scheduler.tick();
      expect([steady.cancelled.length, quick.cancelled.length]).to.deep.equal([0, 1]);
      clock.now = T0 + 30.001;
      scheduler.tick();
      expect([steady.cancelled.length, quick.cancelled.length]).to.deep.equal([1, 1]);
    });

    it("near its deadline a job also runs on a second agent that can finish in time, never on a third", () => {
      const { clock, scheduler, log, add, connect } = harness();
      const first = new FakeSession("first", 1_000, 2);
      const crawler = new FakeSession("crawler", 600_000);
      connect(first, crawler);
      add(1n, 8);
      expect(first.blocks).to.deep.equal(["1"]);
      clock.now = T0 + 8 - REDUNDANCY_S - 0.001;
      const second = new FakeSession("second", 3_000);
      const third = new FakeSession("third", 3_000);
      connect(second, third);
      scheduler.tick();
      expect([second.blocks, third.blocks]).to.deep.equal([[], []]);
      clock.now = T0 + 8 - REDUNDANCY_S;
      scheduler.tick();
      // first has room, but the job already runs there; crawler cannot make it.
      expect([first.blocks, second.blocks, third.blocks, crawler.blocks]).to.deep.equal([["1"], ["1"], [], []]);
      scheduler.tick();
      clock.now += 1;
      scheduler.tick();
      expect(third.blocks).to.deep.equal([]);
      expect(lines(log, "info").map((l) => l.msg)).to.deep.equal([
        "job dispatched",
        "job given to a second agent: its deadline is near",
      ]);
    });

    it("adds no second agent that would finish after the deadline, submission included", () => {
      const { clock, scheduler, add, connect } = harness();
      // first, which runs the job, has room and would be in time: it does not count.
      const first = new FakeSession("first", 1_000, 2);
      connect(first);
      add(1n, 8);
      clock.now = T0 + 8 - REDUNDANCY_S;
      // 4 s of proving and 2 of submission: just in time for the 6 s left; 4.001 s, not.
      const late = new FakeSession("late", 4_001);
      connect(late);
      scheduler.tick();
      expect(late.blocks).to.deep.equal([]);
      const exact = new FakeSession("exact", 4_000);
      connect(exact);
      expect(exact.blocks).to.deep.equal(["1"]);
    });

    it("adds a second agent that finishes exactly by the deadline, though no faster one is free", () => {
      const { clock, scheduler, add, connect } = harness();
      const first = new FakeSession("first", 1_000);
      connect(first);
      add(1n, 8);
      clock.now = T0 + 8 - REDUNDANCY_S;
      const exact = new FakeSession("exact", 4_000);
      connect(exact);
      scheduler.tick();
      expect([first.blocks, exact.blocks]).to.deep.equal([["1"], ["1"]]);
    });
  });

  describe("proofs", () => {
    it("tells each agent the job's evidence with its own address as graffiti, and the instance of that evidence", () => {
      const { add, connect } = harness();
      const rig = new FakeSession("rig", 5_000);
      connect(rig);
      const job = add(12n, 600);
      const [notified] = rig.notified;
      expect(notified?.evidence).to.deep.equal({ ...job.evidence, graffiti: agentGraffiti(rig.agent) });
      expect(notified?.evidence.graffiti).to.equal(`0x${"00".repeat(12)}${rig.agent.slice(2).toLowerCase()}`);
      expect(notified?.instance).to.equal(instanceOf(evidenceFor(job, rig)));
      expect(notified?.instance, "not the instance of the job's own evidence").to.not.equal(job.instance);
    });

    it("two agents on one job prove two instances, each naming its own agent", () => {
      const { clock, scheduler, add, connect } = harness();
      const a = new FakeSession("a", 10_000);
      const b = new FakeSession("b", 3_000);
      connect(a);
      const job = add(40n, 30);
      connect(b);
      clock.now = T0 + 30 - REDUNDANCY_S;
      scheduler.tick();
      const [toA] = a.notified;
      const [toB] = b.notified;
      expect([toA?.blockId, toB?.blockId]).to.deep.equal(["40", "40"]);
      expect([toA?.evidence.graffiti, toB?.evidence.graffiti]).to.deep.equal([
        agentGraffiti(a.agent),
        agentGraffiti(b.agent),
      ]);
      expect(toA?.instance).to.equal(instanceFor(job, a));
      expect(toB?.instance).to.equal(instanceFor(job, b));
      expect(toA?.instance).to.not.equal(toB?.instance);
    });

    it("takes a proof of the agent's own instance, records the attempt with its time, and hands on its evidence", async () => {
      const { clock, scheduler, store, metrics, verified, submitted, add, connect, submit } = harness();
      const rig = new FakeSession("rig", 5_000);
      connect(rig);
      const job = add(12n, 600);
      clock.now += 2.5;
      expect(await submit(rig, 12n)).to.deep.equal({ accepted: true });
      const instance = instanceFor(job, rig);
      expect(verified).to.deep.equal([`good proof of ${instance} at difficulty 3`]);
      // The input ZKPool takes: the evidence with the agent in the graffiti, and the proof.
      const input = encodeEvidence({ ...evidenceFor(job, rig), proof: goodProof(instance) });
      expect(submitted).to.deep.equal([{ blockId: 12n, agent: rig.agent, input }]);
      expect(rig.busy).to.equal(0);
      expect(scheduler.snapshot().queueDepth, "handed off: not waiting for a proof").to.equal(0);
      expect(await gauge(metrics.queueDepth)).to.equal(0);
      // The agent's own count of milliseconds, when it sends one.
      add(13n, 600);
      clock.now += 1;
      expect(await submit(rig, 13n, { millis: 4_321 })).to.deep.equal({ accepted: true });
      await settle();
      expect(store.journal.filter((line) => !line.startsWith("start"))).to.have.members([
        "finish #1 proved 2500 at 1002",
        `count rig ${rig.agent} done at 1002`,
        "finish #2 proved 4321 at 1003",
        `count rig ${rig.agent} done at 1003`,
      ]);
      expect(await attemptsCounted(metrics)).to.deep.equal({ proved: 2 });
    });

    it("refuses a proof that does not verify before anything is submitted; its agent is counted failed and not asked again for that job", async () => {
      const { clock, store, metrics, log, verified, submitted, add, connect, submit } = harness();
      const broken = new FakeSession("broken", 1_000);
      connect(broken);
      const job = add(21n, 600);
      clock.now += 1.25;
      const instance = instanceFor(job, broken);
      const error = await submit(broken, 21n, { proof: badProof(instance) }).catch((e: unknown) => e);
      expect(error)
        .to.be.instanceOf(RpcFailure)
        .and.include({
          code: RpcErrorCode.BadProof,
          message:
            "The proof for block 21 does not verify for the instance notified (its evidence's graffiti is your " +
            "agent's address): check the prover backend",
        });
      expect(verified).to.deep.equal([`bad proof of ${instance} at difficulty 3`]);
      expect(submitted).to.deep.equal([]);
      expect(broken.busy).to.equal(0);
      // The job waits for another agent, and goes to the first that comes, however slow.
      expect(broken.blocks).to.deep.equal(["21"]);
      const other = new FakeSession("other", 20_000);
      connect(other);
      expect(other.blocks).to.deep.equal(["21"]);
      // broken still takes other jobs.
      add(22n, 600);
      expect(broken.blocks).to.deep.equal(["21", "22"]);
      await settle();
      expect(store.journal.filter((line) => !line.startsWith("start"))).to.have.members([
        "finish #1 bad_proof 1250 at 1001",
        `count broken ${broken.agent} failed at 1001`,
      ]);
      expect(await attemptsCounted(metrics)).to.deep.equal({ bad_proof: 1 });
      expect(lines(log, "warn")).to.deep.equal([
        { msg: "bad proof rejected before any gas: reassigning", blockId: "21", agent: broken.agent },
      ]);
      // The refused attempt is over: the same proof, now good, is not taken from it.
      expect(await refusal(submit(broken, 21n, { jobId: broken.notified[0]!.jobId }))).to.equal(
        RpcErrorCode.UnknownJob,
      );
    });

    it("refuses a proof made for another agent's graffiti (another instance), or for the job's own evidence", async () => {
      const { verified, submitted, add, connect, submit } = harness();
      const rig = new FakeSession("rig", 500);
      const thief = new FakeSession("thief", 500);
      connect(rig, thief);
      const job = add(7n, 600);
      expect([rig.blocks, thief.blocks]).to.deep.equal([["7"], []]);
      // rig answers with a proof made for thief's graffiti: not its own instance.
      expect(await refusal(submit(rig, 7n, { proof: goodProof(instanceFor(job, thief)) }))).to.equal(
        RpcErrorCode.BadProof,
      );
      // The job goes to thief, which copies a proof made for rig's graffiti: not its own instance either.
      expect(thief.blocks).to.deep.equal(["7"]);
      expect(await refusal(submit(thief, 7n, { proof: goodProof(instanceFor(job, rig)) }))).to.equal(
        RpcErrorCode.BadProof,
      );
      // A proof of the job's evidence as the network gave it (its graffiti names nobody) does not count either.
      const stale = new FakeSession("stale", 500);
      connect(stale);
      expect(stale.blocks).to.deep.equal(["7"]);
      expect(await refusal(submit(stale, 7n, { proof: goodProof(job.instance) }))).to.equal(RpcErrorCode.BadProof);
      expect(submitted, "nothing handed on").to.deep.equal([]);
      // The next agent proves its own instance, and its proof is taken, its evidence naming it.
      const honest = new FakeSession("honest", 500);
      connect(honest);
      expect(await submit(honest, 7n)).to.deep.equal({ accepted: true });
      expect(verified).to.deep.equal([
        `bad proof of ${instanceFor(job, rig)} at difficulty 3`,
        `bad proof of ${instanceFor(job, thief)} at difficulty 3`,
        `bad proof of ${instanceFor(job, stale)} at difficulty 3`,
        `good proof of ${instanceFor(job, honest)} at difficulty 3`,
      ]);
      expect(submitted).to.deep.equal([
        {
          blockId: 7n,
          agent: honest.agent,
          input: encodeEvidence({ ...evidenceFor(job, honest), proof: goodProof(instanceFor(job, honest)) }),
        },
      ]);
    });

    it("takes a real Groth16 proof of the agent's own instance, checked off-chain at the pool's difficulty", async function () {
      this.timeout(60_000);
      const clock = { now: T0 };
      const submitted: Submitted[] = [];
      const scheduler = new Scheduler({
        store: recordingStore(),
        instanceOf,
        difficulty: 1,
        redundancyMarginS: REDUNDANCY_S,
        log: recordingLog().log,
        metrics: createMetrics(),
        submit: (job, agent, input) => submitted.push({ blockId: job.blockId, agent, input }),
        now: () => clock.now,
      });
      const rig = new FakeSession("rig", 500, 2);
      scheduler.onAuthorized(rig);
      const job = jobFor(7n, T0 + 600);
      const other = jobFor(8n, T0 + 600);
      scheduler.addJob(job);
      scheduler.addJob(other);
      const [forJob, forOther] = rig.notified;
      const { proof } = await proveInstance(forJob!.instance as Hex, { difficulty: 1 });
      // Block 7's proof does not prove block 8.
      const wrong = scheduler.onSubmit(rig, { jobId: forOther!.jobId, proof });
      expect(await refusal(wrong)).to.equal(RpcErrorCode.BadProof);
      expect(await scheduler.onSubmit(rig, { jobId: forJob!.jobId, proof })).to.deep.equal({ accepted: true });
      const input = encodeEvidence({ ...evidenceFor(job, rig), proof });
      expect(submitted).to.deep.equal([{ blockId: job.blockId, agent: rig.agent, input }]);
    });
    it("refuses a proof for an unknown block, another agent's attempt, a finished job or an attempt that was replaced", async () => {
      const { scheduler, verified, submitted, add, connect, submit } = harness();
      const rig = new FakeSession("rig", 1_000);
      const other = new FakeSession("other", 1_000);
      connect(rig, other);
      add(30n, 600);
      add(31n, 600);
      const first = rig.notified[0]!.jobId;
      expect(first).to.match(/^30:/);
      const refused = async (session: FakeSession, blockId: bigint, jobId: string) =>
        refusal(submit(session, blockId, { jobId }));
      const suffix = first.slice("30".length);
      expect(await refused(rig, 30n, `99${suffix}`), "no such block").to.equal(RpcErrorCode.UnknownJob);
      expect(await refused(rig, 30n, `x30${suffix}`), "not a block number").to.equal(RpcErrorCode.UnknownJob);
      expect(await refused(rig, 30n, `30x${suffix}`), "not a block number").to.equal(RpcErrorCode.UnknownJob);
      expect(await refused(rig, 30n, "30"), "no attempt").to.equal(RpcErrorCode.UnknownJob);
      expect(await refused(other, 30n, first), "rig's attempt").to.equal(RpcErrorCode.UnknownJob);
      // An attempt of a previous run (before a restart) for the same block and agent.
      const restarted = harness();
      const rigAgain = new FakeSession("rig", 1_000, 1, rig.account);
      restarted.connect(rigAgain);
      restarted.add(30n, 600);
      expect(rigAgain.notified[0]!.jobId).to.not.equal(first);
      expect(await refusal(restarted.submit(rigAgain, 30n, { jobId: first }))).to.equal(RpcErrorCode.UnknownJob);
      // Proven, handed off, sent back: the new attempt is taken, the old one not.
      expect(await submit(rig, 30n, { jobId: first })).to.deep.equal({ accepted: true });
      const job = jobFor(30n, T0 + 600);
      scheduler.reopen(job);
      const second = rig.notified.at(-1)!.jobId;
      expect(second).to.match(/^30:/).and.not.equal(first);
      expect(await refused(rig, 30n, first), "replaced").to.equal(RpcErrorCode.UnknownJob);
      scheduler.finishJob(30n, "proven");
      expect(await refused(rig, 30n, second), "finished").to.equal(RpcErrorCode.UnknownJob);
      expect(verified, "only the one taken was checked").to.have.length(1);
      expect(submitted).to.have.length(1);
      const long = `30:${"f".repeat(200)}`;
      const message = await submit(rig, 30n, { jobId: long }).catch((error: unknown) => (error as Error).message);
      expect(message).to.equal(`Unknown or finished job ${long.slice(0, 64)}: it may have been proven already`);
    });

    it("one accepted proof cancels the job's other attempts, whose proofs are then refused: the job is handed on once", async () => {
      const { clock, store, metrics, submitted, add, connect, submit } = harness();
      // a takes 10 s a proof: not stalled after 24.
      const a = new FakeSession("a", 10_000, 2);
      const b = new FakeSession("b", 3_000, 2);
      connect(a);
      add(40n, 30);
      add(41n, 600);
      connect(b);
      clock.now = T0 + 30 - REDUNDANCY_S;
      add(42n, 600);
      expect([a.blocks, b.blocks]).to.deep.equal([
        ["40", "41"],
        ["40", "42"],
      ]);
      expect(await submit(a, 40n)).to.deep.equal({ accepted: true });
      expect(b.cancelled).to.deep.equal([{ jobId: b.notified[0]!.jobId, reason: "proven by another agent" }]);
      expect([a.busy, b.busy]).to.deep.equal([1, 1]);
      expect(await refusal(submit(b, 40n))).to.equal(RpcErrorCode.UnknownJob);
      expect(submitted.map((s) => s.agent)).to.deep.equal([a.agent]);
      await settle();
      expect(store.journal.filter((line) => line.startsWith("finish"))).to.have.members([
        "finish #1 proved 24000 at 1024",
        "finish #3 cancelled null at 1024",
      ]);
      expect(await attemptsCounted(metrics)).to.deep.equal({ proved: 1, cancelled: 1 });
    });
  });

  describe("proofs that arrive while the job changes", () => {
    /** A job on two agents near its deadline: a (10 s a proof) first, then b (3 s). */
    function redundant() {
      const h = harness();
      const a = new FakeSession("a", 10_000);
      const b = new FakeSession("b", 3_000);
      h.connect(a);
      h.add(40n, 30);
      h.connect(b);
      h.clock.now = T0 + 30 - REDUNDANCY_S;
      h.scheduler.tick();
      expect([a.blocks, b.blocks]).to.deep.equal([["40"], ["40"]]);
      return { ...h, a, b };
    }

    it("of two proofs of one job checked at the same time, one is handed on and the other refused", async () => {
      const { scheduler, store, metrics, submitted, answer, a, b } = redundant();
      const [fromA, fromB] = [answer(a, 40n), answer(b, 40n)];
      // Both arrive before either is checked.
      const outcomes = await Promise.all([
        refusal(scheduler.onSubmit(a, fromA)),
        refusal(scheduler.onSubmit(b, fromB)),
      ]);
      expect(outcomes).to.deep.equal([undefined, RpcErrorCode.UnknownJob]);
      expect(submitted.map((s) => s.agent)).to.deep.equal([a.agent]);
      expect([a.busy, b.busy]).to.deep.equal([0, 0]);
      expect(b.cancelled.map((c) => c.reason)).to.deep.equal(["proven by another agent"]);
      await settle();
      expect(store.journal.filter((line) => !line.startsWith("start"))).to.have.members([
        "finish #1 proved 24000 at 1024",
        `count a ${a.agent} done at 1024`,
        "finish #2 cancelled null at 1024",
      ]);
      expect(await attemptsCounted(metrics)).to.deep.include({ proved: 1 });
    });

    it("a proof whose job ends while it is checked is refused and not handed on", async () => {
      const { scheduler, submitted, answer, a, b } = redundant();
      const submitting = scheduler.onSubmit(a, answer(a, 40n));
      scheduler.finishJob(40n, "proven by 0xabc");
      expect(await refusal(submitting)).to.equal(RpcErrorCode.UnknownJob);
      expect(submitted).to.deep.equal([]);
      expect([a.busy, b.busy]).to.deep.equal([0, 0]);
    });

    it("a bad proof whose attempt stalls while it is checked is refused once: the agent is counted failed once", async () => {
      const { clock, scheduler, store, metrics, answer, b } = redundant();
      const late = scheduler.onSubmit(b, answer(b, 40n, { proof: badProof(instanceFor(jobFor(40n, 0), b)) }));
      clock.now = T0 + 40;
      scheduler.tick();
      expect(await refusal(late)).to.equal(RpcErrorCode.UnknownJob);
      await settle();
      expect(store.journal.filter((line) => line.includes(" b ") || line.startsWith("finish #2"))).to.have.members([
        `start #2 block 40 b ${b.agent} at 1024`,
        "finish #2 stalled null at 1040",
        `count b ${b.agent} failed at 1040`,
      ]);
      expect(await attemptsCounted(metrics)).to.deep.equal({ stalled: 2 });
    });
  });

  describe("ending jobs", () => {
    it("finishJob cancels every attempt of the job, frees their agents for waiting jobs and counts them cancelled", async () => {
      const { clock, scheduler, store, metrics, add, connect } = harness();
      const a = new FakeSession("a", 3_000, 2);
      const b = new FakeSession("b", 1_000);
      connect(a, b);
      add(50n, 12);
      add(51n, 600);
      expect([a.blocks, b.blocks]).to.deep.equal([["51"], ["50"]]);
      // Near 50's deadline: a runs it too, and has no room left for 52.
      clock.now = T0 + 12 - REDUNDANCY_S;
      add(52n, 600);
      expect([a.blocks, b.blocks]).to.deep.equal([["51", "50"], ["50"]]);
      scheduler.finishJob(51n, "ignored");
      expect(a.blocks, "52 at once").to.deep.equal(["51", "50", "52"]);
      scheduler.finishJob(50n, "proven by 0x1234");
      expect(a.cancelled).to.deep.equal([
        { jobId: a.notified[0]!.jobId, reason: "ignored" },
        { jobId: a.notified[1]!.jobId, reason: "proven by 0x1234" },
      ]);
      expect(b.cancelled).to.deep.equal([{ jobId: b.notified[0]!.jobId, reason: "proven by 0x1234" }]);
      expect([a.busy, b.busy]).to.deep.equal([1, 0]);
      await settle();
      expect(store.journal.filter((line) => line.startsWith("finish"))).to.have.members([
        "finish #2 cancelled null at 1006",
        "finish #1 cancelled null at 1006",
        "finish #3 cancelled null at 1006",
      ]);
      expect(await attemptsCounted(metrics)).to.deep.equal({ cancelled: 3 });
      expect(await gauge(metrics.queueDepth)).to.equal(1);
      // A job that is not there (finished already) is nothing to do.
      scheduler.finishJob(50n, "again");
      scheduler.finishJob(404n, "never seen");
      expect([a.cancelled.length, b.cancelled.length]).to.deep.equal([2, 1]);
    });

    it("reopen puts a handed-off job back in the queue, and takes back a job that was finished", async () => {
      const { scheduler, metrics, submitted, add, connect, submit } = harness();
      const rig = new FakeSession("rig", 1_000);
      connect(rig);
      const job = add(60n, 600);
      expect(await submit(rig, 60n)).to.deep.equal({ accepted: true });
      expect(scheduler.snapshot().queueDepth).to.equal(0);
      expect(await gauge(metrics.queueDepth)).to.equal(0);
      scheduler.reopen(job);
      expect(rig.blocks).to.deep.equal(["60", "60"]);
      expect(scheduler.snapshot().queueDepth).to.equal(1);
      expect(await gauge(metrics.queueDepth)).to.equal(1);
      // Its new attempt is taken, and the job handed on again.
      expect(await submit(rig, 60n)).to.deep.equal({ accepted: true });
      expect(submitted).to.have.length(2);
      scheduler.finishJob(60n, "failed");
      scheduler.reopen(job);
      expect(rig.blocks).to.deep.equal(["60", "60", "60"]);
      expect(await gauge(metrics.queueDepth)).to.equal(1);
      expect(scheduler.snapshot().nextDeadlines).to.deep.equal([{ blockId: 60n, deadline: T0 + 600, agents: 1 }]);
    });

    it("a reopened job is still not given to an agent that returned a bad proof for it", async () => {
      const { scheduler, add, connect, submit } = harness();
      const broken = new FakeSession("broken", 1_000);
      const good = new FakeSession("good", 2_000, 2);
      connect(broken, good);
      const job = add(61n, 600);
      add(62n, 600);
      expect(await refusal(submit(broken, 61n, { proof: badProof(instanceFor(job, broken)) }))).to.equal(
        RpcErrorCode.BadProof,
      );
      expect([broken.blocks, good.blocks]).to.deep.equal([["61"], ["62", "61"]]);
      expect(await submit(good, 61n)).to.deep.equal({ accepted: true });
      scheduler.finishJob(62n, "proven");
      scheduler.onDisconnected(good, "gone");
      // broken is idle and the only agent left.
      scheduler.reopen(job);
      expect(broken.blocks).to.deep.equal(["61"]);
      expect(scheduler.snapshot().nextDeadlines).to.deep.equal([{ blockId: 61n, deadline: T0 + 600, agents: 0 }]);
    });

    it("load() takes up the open jobs a previous run left, earliest deadline first", async () => {
      const { scheduler, store, metrics, connect } = harness();
      store.open = [jobFor(71n, T0 + 300), jobFor(70n, T0 + 200), jobFor(72n, T0 + 100)];
      await scheduler.load();
      expect(await gauge(metrics.queueDepth)).to.equal(3);
      const rig = new FakeSession("rig", 1_000, 2);
      connect(rig);
      expect(rig.blocks).to.deep.equal(["72", "70"]);
      expect(scheduler.snapshot().queueDepth).to.equal(3);
    });
  });

  describe("what an operator reads", () => {
    it("gauges of connected agents, their capacity and the open jobs", async () => {
      const { scheduler, metrics, add, connect, submit } = harness();
      const a = new FakeSession("a", 1_000, 3);
      const b = new FakeSession("b", 1_000, 2);
      connect(a, b);
      expect(await gauge(metrics.agentsConnected)).to.equal(2);
      expect(await gauge(metrics.capacityConnected)).to.equal(5);
      expect(scheduler.connectedCapacity()).to.equal(5);
      expect(scheduler.sessionsList).to.deep.equal([a, b]);
      scheduler.onDisconnected(a, "bye");
      expect(await gauge(metrics.agentsConnected)).to.equal(1);
      expect(await gauge(metrics.capacityConnected)).to.equal(2);
      expect(scheduler.sessionsList).to.deep.equal([b]);
      add(1n, 60);
      add(2n, 60);
      expect(await gauge(metrics.queueDepth)).to.equal(2);
      scheduler.finishJob(1n, "proven");
      expect(await gauge(metrics.queueDepth)).to.equal(1);
      // A job handed off to be submitted waits for no proof.
      expect(await submit(b, 2n)).to.deep.equal({ accepted: true });
      add(3n, 60);
      expect(await gauge(metrics.queueDepth)).to.equal(1);
    });

    it("the status snapshot: open jobs, the ten nearest deadlines with their agents, and who runs what", async () => {
      const { scheduler, add, connect, submit } = harness();
      const twin = new FakeSession("twin", 1_000, 2);
      const deadlines = [500, 120, 900, 60, 300, 700, 200, 800, 400, 1_000, 100, 600];
      deadlines.forEach((deadlineIn, i) => add(BigInt(i + 1), deadlineIn));
      connect(twin);
      // twin holds blocks 4 (60 s) and 11 (100 s), and hands 4 off.
      expect(twin.blocks).to.deep.equal(["4", "11"]);
      expect(await submit(twin, 4n)).to.deep.equal({ accepted: true });
      expect(twin.blocks).to.deep.equal(["4", "11", "2"]);
      const snapshot = scheduler.snapshot();
      expect(snapshot.agents).to.deep.equal([twin]);
      expect(snapshot.queueDepth).to.equal(11);
      expect(snapshot.nextDeadlines).to.deep.equal(
        [100, 120, 200, 300, 400, 500, 600, 700, 800, 900].map((deadlineIn) => ({
          blockId: BigInt(deadlines.indexOf(deadlineIn) + 1),
          deadline: T0 + deadlineIn,
          agents: deadlineIn <= 120 ? 1 : 0,
        })),
      );
      // One job per session is shown (the map is keyed by session): the last in the order jobs were added.
      expect([...snapshot.currentJobs]).to.deep.equal([[twin.id, 11n]]);
    });

    it("logs each dispatch and measures the dispatch latency once per block, from when it was seen", async () => {
      const { clock, scheduler, metrics, log, add, connect } = harness();
      const a = new FakeSession("a", 10_000);
      const b = new FakeSession("b", 3_000);
      connect(a);
      const seenAt = Date.now() - 500;
      add(80n, 30.4, seenAt);
      connect(b);
      clock.now = T0 + 30.4 - REDUNDANCY_S;
      scheduler.tick();
      expect(b.blocks, "a second notify").to.deep.equal(["80"]);
      const latency = (await metrics.dispatchLatency.get()).values;
      const count = latency.find((v) => v.metricName === "zkpool_dispatch_latency_seconds_count")?.value;
      const sum = latency.find((v) => v.metricName === "zkpool_dispatch_latency_seconds_sum")?.value ?? 0;
      expect(count).to.equal(1);
      expect(sum).to.be.within(0.5, 5);
      const [first, second] = lines(log, "info");
      expect(first).to.deep.include({ msg: "job dispatched", blockId: "80", agent: a.agent, deadlineIn: 30 });
      expect(first?.dispatchMs).to.be.within(500, 5_000);
      expect(second).to.deep.equal({
        msg: "job given to a second agent: its deadline is near",
        blockId: "80",
        agent: b.agent,
        deadlineIn: 6,
        dispatchMs: undefined,
      });
    });

    it("keeps a default clock in unix seconds", async () => {
      const store = recordingStore();
      const scheduler = new Scheduler({
        store,
        instanceOf,
        difficulty: 1,
        redundancyMarginS: REDUNDANCY_S,
        log: recordingLog().log,
        metrics: createMetrics(),
        submit: () => undefined,
      });
      const rig = new FakeSession("rig", 1_000);
      scheduler.onAuthorized(rig);
      const before = Math.floor(Date.now() / 1000);
      scheduler.addJob(jobFor(1n, before + 60));
      await settle();
      const at = Number(store.journal[0]?.split(" at ")[1]);
      expect(at).to.be.within(before, before + 5);
    });
  });

  describe("when something fails", () => {
    it("a job runs though its attempt could not be recorded; the failures are logged, not thrown", async () => {
      const { scheduler, store, log, add, connect } = harness();
      store.failing.add("startAttempt");
      const rig = new FakeSession("rig", 1_000);
      connect(rig);
      add(90n, 600);
      expect(rig.blocks).to.deep.equal(["90"]);
      await settle();
      scheduler.finishJob(90n, "proven");
      await settle();
      expect(store.journal, "no end for an attempt without a row").to.deep.equal([]);
      store.failing.clear();
      store.failing.add("finishAttempt");
      store.failing.add("countMachineJob");
      add(91n, 600);
      await settle();
      scheduler.onDisconnected(rig, "gone");
      await settle();
      expect(lines(log, "error")).to.deep.equal([
        {
          msg: "could not record a job attempt",
          err: new Error("startAttempt: the database is gone"),
          blockId: "90",
        },
        { msg: "could not record a job attempt in the store", err: new Error("finishAttempt: the database is gone") },
      ]);
    });

    it("a notify that throws is logged, and the next event dispatches again", () => {
      const { log, add, connect } = harness();
      const broken = new FakeSession("broken", 1_000);
      broken.onNotify = () => {
        throw new Error("write after end");
      };
      connect(broken);
      add(1n, 600);
      expect(lines(log, "error")).to.deep.equal([
        { msg: "dispatch failed; it will run again on the next event", err: new Error("write after end") },
      ]);
      const rig = new FakeSession("rig", 1_000);
      connect(rig);
      add(2n, 600);
      expect(rig.blocks).to.deep.equal(["2"]);
    });

    it("an agent that disconnects while being told of a job leaves it to the next agent in the same dispatch", () => {
      const { scheduler, add, connect } = harness();
      const deaf = new FakeSession("deaf", 500);
      deaf.onNotify = () => scheduler.onDisconnected(deaf, "the agent does not read its connection");
      const rig = new FakeSession("rig", 1_000);
      connect(deaf, rig);
      add(1n, 600);
      expect(deaf.blocks).to.deep.equal(["1"]);
      expect(rig.blocks).to.deep.equal(["1"]);
      expect(scheduler.sessionsList).to.deep.equal([rig]);
    });

    it("a job whose agent disconnects while being told of it keeps its place: earliest deadline first", async () => {
      const { scheduler, store, connect } = harness();
      // deaf (two slots, the faster) and rig are idle; blocks 2 and 3, left by a previous run, wait for a tick.
      const deaf = new FakeSession("deaf", 500, 2);
      const rig = new FakeSession("rig", 1_000);
      connect(deaf, rig);
      store.open = [jobFor(2n, T0 + 700), jobFor(3n, T0 + 650)];
      await scheduler.load();
      // deaf, told of block 3, drops its connection then.
      deaf.onNotify = () => scheduler.onDisconnected(deaf, "the agent does not read its connection");
      scheduler.tick();
      expect(deaf.blocks, "and nothing after it left").to.deep.equal(["3"]);
      expect(rig.blocks, "3 is due before 2").to.deep.equal(["3"]);
      expect(scheduler.snapshot().nextDeadlines.map((d) => [d.blockId, d.agents])).to.deep.equal([
        [3n, 1],
        [2n, 0],
      ]);
    });
  });
});
