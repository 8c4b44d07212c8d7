import { getEventListeners } from "node:events";
import { expect } from "chai";
import { getAddress, pad, verifyTypedData, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import {
  LOCAL_INSTANCE_CONTEXT,
  RpcErrorCode,
  agentGraffiti,
  instanceContextParams,
  instanceHash,
  loginTypedData,
  type InstanceContext,
  type JobEvidence,
  type NotifyParams,
} from "@zkpool/common";
import { SpeedTracker } from "../../src/benchmark.js";
import {
  ConnectionError,
  JobAbortedError,
  ProtocolError,
  ProverError,
  RequestTimeoutError,
  RpcRemoteError,
} from "../../src/errors.js";
import { Session, type SessionContext } from "../../src/session.js";
import { redactor, type JobTimeline } from "../../src/ui.js";
import { ACCOUNT, FAKE_PROOF, KEY, ScriptedBackend } from "../helpers/agentHarness.js";
import { FakeClock, settle } from "../helpers/fakeClock.js";
import { FakeLink } from "../helpers/fakeLink.js";
import { RecordingUi } from "../helpers/recordingUi.js";
import {
  AGENT_PROTOCOL_VERSION,
  CHAIN_ID,
  POOL,
  POOL_PROVER_OWNER,
  makeJob,
  withGraffiti,
} from "../helpers/scriptedRelayer.js";

const HEARTBEAT_MS = 5_000;

interface Rig {
  link: FakeLink;
  clock: FakeClock;
  backend: ScriptedBackend;
  ui: RecordingUi;
  speed: SpeedTracker;
  ctx: SessionContext;
  /** The agent's stop signal (the first Ctrl-C). */
  stop: AbortController;
  /** What the access key signed, in order: "login" (EIP-712 typed data) or anything else it was asked. */
  signed: string[];
}

/**
 * A session's world: a fake relayer link, a fake clock, a backend that proves only when told, and a speed of
 * `msPerProof` per proof at difficulty 1 (the benchmark's answer; `benchmark: false` leaves the tracker empty).
 */
function rig(options: { concurrency?: number; msPerProof?: number; benchmark?: boolean } = {}): Rig {
  const link = new FakeLink();
  const clock = new FakeClock();
  const backend = new ScriptedBackend();
  backend.holdAll = true;
  const ui = new RecordingUi(redactor(KEY));
  const speed = new SpeedTracker();
  const msPerProof = options.msPerProof ?? 1_000;
  const signed: string[] = [];
  const account: PrivateKeyAccount = {
    ...ACCOUNT,
    sign: (args) => (signed.push("hash"), ACCOUNT.sign(args)),
    signMessage: (args) => (signed.push("message"), ACCOUNT.signMessage(args)),
    signTransaction: (...args) => (signed.push("transaction"), ACCOUNT.signTransaction(...args)),
    signTypedData: (args) => {
      signed.push(args.primaryType === "Login" ? "login" : String(args.primaryType));
      return ACCOUNT.signTypedData(args);
    },
  };
  const ctx: SessionContext = {
    name: "rig-1",
    version: "0.1.0",
    device: { cpu: "test cpu", cores: 8, memoryMb: 16_384 },
    deviceId: "device-1",
    concurrency: options.concurrency ?? 1,
    account,
    backend,
    speed,
    ui: ui.ui,
    speedAt: async (difficulty) => {
      if (options.benchmark ?? true) speed.setBenchmark(difficulty, msPerProof);
      return msPerProof;
    },
    heartbeatMs: HEARTBEAT_MS,
    clock,
  };
  return { link, clock, backend, ui, speed, ctx, stop: new AbortController(), signed };
}

/**
 * `promise`, once every callback that is ready has run: nothing in a session's world waits for I/O or real time,
 * so what has not settled by then never will (the test fails at once instead of hanging).
 */
async function settled<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await settle();
  if (!done) expect.fail("still waiting once everything ready has run");
  return promise;
}

function open(r: Rig): Promise<Session> {
  return settled(Session.open(r.link, r.ctx, r.stop.signal));
}

/** A job for this agent (its graffiti names ACCOUNT), due at `deadline` (unix seconds). */
function job(deadline: number, difficulty = 1): NotifyParams {
  return { ...makeJob(ACCOUNT.address, difficulty), deadline };
}

const ids = (jobs: NotifyParams[]): string[] => jobs.map((j) => j.jobId);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => error,
  );
}

function uiCalls(r: Rig, event: Parameters<RecordingUi["count"]>[0]): unknown[][] {
  return r.ui.calls.filter((c) => c.event === event).map((c) => c.args);
}

describe("Session", () => {
  describe("logging in", () => {
    it("signs the login with the agent key over exactly the relayer's nonce, for this pool, chain and device", async () => {
      const r = rig({ concurrency: 3, msPerProof: 1_234 });
      const session = await open(r);

      expect(r.link.requests.map((q) => q.method)).to.deep.equal(["zkpool.subscribe", "zkpool.authorize"]);
      expect(r.link.sent("zkpool.subscribe")).to.deep.equal([
        { agent: { name: "rig-1", version: "0.1.0" }, device: { cpu: "test cpu", cores: 8, memoryMb: 16_384 } },
      ]);
      const [authorize] = r.link.sent<{ agent: Hex; deviceId: string; signature: Hex; speed: unknown }>(
        "zkpool.authorize",
      );
      expect(authorize?.agent).to.equal(ACCOUNT.address);
      expect(authorize?.deviceId).to.equal("device-1");
      expect(authorize?.speed).to.deep.equal({ msPerProof: 1_234, concurrency: 3 });
      const signed = (nonce: Hex): Promise<boolean> =>
        verifyTypedData({
          address: ACCOUNT.address,
          ...loginTypedData(CHAIN_ID, POOL, nonce, "device-1"),
          signature: authorize?.signature as Hex,
        });
      expect(await signed(r.link.nonce), "signed by the agent key over the relayer's nonce").to.equal(true);
      expect(await signed(`0x${"00".repeat(32)}`), "over no other nonce").to.equal(false);

      expect(session.info).to.deep.equal({
        sessionId: "session-1",
        chainId: CHAIN_ID,
        pool: POOL,
        difficulty: 1,
        prover: POOL_PROVER_OWNER,
        msPerProof: 1_234,
      });
      expect(uiCalls(r, "connected")).to.deep.equal([
        [
          {
            relayer: "127.0.0.1:7700",
            agent: ACCOUNT.address,
            prover: POOL_PROVER_OWNER,
            sessionId: "session-1",
            difficulty: 1,
            msPerProof: 1_234,
            concurrency: 3,
          },
        ],
      ]);
    });

    it("measures the speed at the relayer's difficulty before authorizing", async () => {
      const r = rig();
      r.link.difficulty = 3;
      const asked: number[] = [];
      const speedAt = r.ctx.speedAt;
      r.ctx.speedAt = (difficulty, signal) => {
        asked.push(difficulty);
        expect(r.link.sent("zkpool.authorize"), "no login before the speed is known").to.have.length(0);
        return speedAt(difficulty, signal);
      };
      const session = await open(r);
      expect(asked).to.deep.equal([3]);
      expect(session.info.difficulty).to.equal(3);
    });

    it("never sends the access key to the relayer nor prints it, even when the relayer echoes it back", async () => {
      const r = rig();
      r.link.answers.set("zkpool.submit", () => {
        throw new RpcRemoteError("zkpool.submit", RpcErrorCode.BadProof, `bad proof from ${KEY}`, { retryable: false });
      });
      await open(r);
      const j = job(100);
      r.link.notify(j);
      r.backend.finish(j.jobId);
      await r.clock.advance(HEARTBEAT_MS);

      const bare = KEY.slice(2).toLowerCase();
      const wire = JSON.stringify(r.link.requests.map((q) => q.params)).toLowerCase();
      expect(wire).to.include("signature");
      expect(wire).not.to.include(bare);
      expect(r.ui.count("jobRejected")).to.equal(1);
      expect(r.ui.text).to.include("[redacted]");
      expect(r.ui.text.toLowerCase()).not.to.include(bare);
    });

    it("refuses a relayer that speaks another protocol version, without signing anything for it", async () => {
      const r = rig();
      const subscribe = r.link.answers.get("zkpool.subscribe");
      r.link.answers.set("zkpool.subscribe", (params) => ({
        ...(subscribe?.(params) as object),
        protocol: "zkpool/0",
      }));
      const error = await rejection(open(r));
      expect(error).to.be.instanceOf(ProtocolError);
      expect((error as ProtocolError).message).to.equal(
        `the relayer speaks zkpool/0, this agent speaks ${AGENT_PROTOCOL_VERSION}`,
      );
      expect((error as ProtocolError).hint).to.include("update the agent");
      expect(r.link.sent("zkpool.authorize")).to.have.length(0);
    });

    it("refuses a malformed answer to zkpool.subscribe, saying which field is wrong", async () => {
      const r = rig();
      const subscribe = r.link.answers.get("zkpool.subscribe");
      r.link.answers.set("zkpool.subscribe", (params) => ({
        ...(subscribe?.(params) as object),
        nonce: "0x1234",
      }));
      const error = await rejection(open(r));
      expect(error).to.be.instanceOf(ProtocolError);
      expect((error as Error).message).to.equal(
        "the relayer's answer to zkpool.subscribe is malformed: nonce: expected a bytes32 nonce",
      );
      expect((error as ProtocolError).hint).to.equal(
        "the relayer and this agent do not speak the same protocol: update both",
      );
      expect(r.link.sent("zkpool.authorize")).to.have.length(0);

      const malformed: Array<[Record<string, unknown> | null, string]> = [
        [null, "(root): Expected object, received null"],
        [{ nonce: `0x${"zz".repeat(32)}` }, "nonce: expected a bytes32 nonce"],
        [{ pool: "0x1234" }, "pool: expected the pool's address"],
        [{ instanceContext: undefined }, "instanceContext: Required"],
        [
          {
            instanceContext: {
              ...instanceContextParams(LOCAL_INSTANCE_CONTEXT),
              blockMaxTransactions: (1n << 64n).toString(),
            },
          },
          "instanceContext.blockMaxTransactions: expected a uint64",
        ],
        [
          { instanceContext: { ...instanceContextParams(LOCAL_INSTANCE_CONTEXT), l2Taiko: "0x1234" } },
          "instanceContext.l2Taiko: expected a 0x-prefixed 20-byte address",
        ],
      ];
      for (const [answer, why] of malformed) {
        const s = rig();
        s.link.answers.set("zkpool.subscribe", (params) =>
          answer === null ? null : { ...(subscribe?.(params) as object), ...answer },
        );
        expect(((await rejection(open(s))) as Error).message).to.equal(
          `the relayer's answer to zkpool.subscribe is malformed: ${why}`,
        );
      }
    });

    it("refuses a malformed answer to zkpool.authorize", async () => {
      const r = rig();
      r.link.answers.set("zkpool.authorize", () => ({ prover: "nobody" }));
      const error = await rejection(open(r));
      expect(error).to.be.instanceOf(ProtocolError);
      expect((error as Error).message).to.equal(
        "the relayer's answer to zkpool.authorize is malformed: prover: expected the prover's address",
      );
      expect(r.ui.count("connected")).to.equal(0);
    });

    it("passes on the relayer's refusal of the login", async () => {
      const r = rig();
      const refusal = new RpcRemoteError("zkpool.authorize", RpcErrorCode.AgentNotAuthorized, "unknown agent", {
        retryable: false,
      });
      r.link.answers.set("zkpool.authorize", () => {
        throw refusal;
      });
      expect(await rejection(open(r))).to.equal(refusal);
    });

    it("stops logging in when the agent is asked to stop, and closes the link", async () => {
      const r = rig();
      r.ctx.speedAt = () => new Promise<number>(() => undefined);
      const opening = Session.open(r.link, r.ctx, r.stop.signal);
      await settle();
      expect(r.link.isClosed).to.equal(false);
      r.stop.abort(new JobAbortedError("Ctrl-C"));
      const error = await rejection(settled(opening));
      expect((error as Error).message).to.equal("Ctrl-C");
      expect(r.link.reason?.message).to.equal("the agent stopped");
      expect(r.link.sent("zkpool.authorize")).to.have.length(0);
    });

    it("does not log in once asked to stop", async () => {
      const r = rig();
      r.stop.abort(new JobAbortedError("Ctrl-C"));
      const error = await rejection(open(r));
      expect((error as Error).message).to.equal("Ctrl-C");
      expect(r.link.reason?.message).to.equal("the agent stopped");
      expect(r.link.sent("zkpool.authorize")).to.have.length(0);
    });

    it("takes the jobs notified while it was logging in once logged in, and reports what it could not read", async () => {
      const r = rig();
      const early = job(100);
      const authorize = r.link.answers.get("zkpool.authorize");
      r.link.answers.set("zkpool.authorize", (params) => {
        r.link.notify(early);
        r.link.problem("a line that is not JSON");
        expect(r.backend.started, "not before the login is done").to.deep.equal([]);
        return authorize?.(params);
      });
      await open(r);
      expect(r.backend.started).to.deep.equal([early.jobId]);
      expect(uiCalls(r, "problem")).to.deep.equal([["a line that is not JSON"]]);
    });
  });

  describe("proving", () => {
    it("proves queued jobs earliest deadline first, and in arrival order at equal deadlines", async () => {
      const r = rig({ concurrency: 1 });
      await open(r);
      const first = job(100);
      const late = job(900);
      const soon = job(300);
      const sameAsSoon = job(300);
      const middle = job(500);
      for (const j of [first, late, soon, sameAsSoon, middle]) r.link.notify(j);
      expect(r.backend.started).to.deep.equal([first.jobId]);

      const expected = [first, soon, sameAsSoon, middle, late];
      for (const j of expected) {
        r.backend.finish(j.jobId);
        await settle();
      }
      expect(r.backend.started).to.deep.equal(ids(expected));
      expect(r.link.sent<{ jobId: string }>("zkpool.submit").map((s) => s.jobId)).to.deep.equal(ids(expected));
    });

    it("never proves more jobs at once than its concurrency, and starts the next as soon as a slot frees", async () => {
      const r = rig({ concurrency: 2 });
      await open(r);
      const jobs = [job(100), job(200), job(300), job(400), job(500)];
      for (const j of jobs) r.link.notify(j);
      expect(r.backend.started).to.deep.equal(ids(jobs.slice(0, 2)));
      expect(uiCalls(r, "jobReceived").map(([, queued]) => queued)).to.deep.equal([false, false, true, true, true]);

      r.backend.finish(jobs[1]?.jobId as string);
      await settle();
      expect(r.backend.started).to.deep.equal(ids(jobs.slice(0, 3)));
      r.backend.fail(jobs[0]?.jobId as string, new ProverError("out of memory"));
      await settle();
      expect(r.backend.started).to.deep.equal(ids(jobs.slice(0, 4)));
      expect(r.backend.inFlight).to.equal(2);
      for (const j of jobs.slice(2)) {
        r.backend.finish(j.jobId);
        await settle();
      }
      expect(r.backend.started).to.deep.equal(ids(jobs));
      expect(r.backend.maxInFlight).to.equal(2);
    });

    it("keeps a job's slot while its proof is being submitted", async () => {
      const r = rig({ concurrency: 1 });
      await open(r);
      let accept: (value: unknown) => void = () => undefined;
      r.link.answers.set("zkpool.submit", () => new Promise((resolve) => (accept = resolve)));
      const [a, b] = [job(100), job(200)];
      r.link.notify(a);
      r.link.notify(b);
      r.backend.finish(a.jobId);
      await settle();
      expect(r.link.sent("zkpool.submit")).to.have.length(1);
      expect(r.backend.started, "the next waits for the relayer's answer").to.deep.equal([a.jobId]);
      accept({ accepted: true });
      await settle();
      expect(r.backend.started).to.deep.equal([a.jobId, b.jobId]);
    });

    it("submits each proof with its job id and the rounded proving time, and signs nothing for it", async () => {
      const r = rig();
      await open(r);
      expect(r.signed, "the login is the one signature").to.deep.equal(["login"]);
      const j = job(100);
      r.link.notify(j);
      r.backend.finish(j.jobId, 1234.6);
      await settle();
      expect(r.link.sent("zkpool.submit"), "the proof alone: the graffiti inside it names the machine").to.deep.equal([
        { jobId: j.jobId, proof: FAKE_PROOF, millis: 1235 },
      ]);
      expect(r.signed, "no signature over a proof").to.deep.equal(["login"]);
      expect(uiCalls(r, "jobProved").map(([, millis]) => millis)).to.deep.equal([1234.6]);
      expect(r.ui.text).to.include(`Proof for block ${j.blockId} accepted by the relayer`);
    });

    it("tells where a job's time went: queued, started, proved and submitted, from its notification", async () => {
      const r = rig({ concurrency: 1 });
      await open(r);
      const [a, b] = [job(100), job(200)];
      r.link.notify(a);
      await r.clock.advance(10);
      r.link.notify(b);
      await r.clock.advance(290);
      r.backend.finish(a.jobId, 250);
      await settle();
      await r.clock.advance(700);
      r.backend.finish(b.jobId, 650.4);
      await settle();
      const timelines = uiCalls(r, "jobAccepted").map(([, , timeline]) => timeline as JobTimeline);
      expect(timelines).to.deep.equal([
        { queued: 0, started: 0, proved: 300, provingMs: 250, submitted: 300 },
        { queued: 0, started: 290, proved: 990, provingMs: 650.4, submitted: 990 },
      ]);
      expect(r.link.sent<{ millis: number }>("zkpool.submit").map((s) => s.millis)).to.deep.equal([250, 650]);
    });

    it("reports a proof the relayer rejects in words, with what to do, and goes on with the next job", async () => {
      const r = rig({ concurrency: 1 });
      await open(r);
      r.link.answers.set("zkpool.submit", () => {
        throw new RpcRemoteError("zkpool.submit", RpcErrorCode.BadProof, "the proof does not verify", {
          retryable: false,
          hint: "the pool rejected a proof from this machine: check the prover backend",
        });
      });
      const [bad, next] = [job(100), job(200)];
      r.link.notify(bad);
      r.link.notify(next);
      r.backend.finish(bad.jobId);
      await settle();
      expect(uiCalls(r, "jobRejected").map(([j]) => (j as { jobId: string }).jobId)).to.deep.equal([bad.jobId]);
      expect(r.ui.text).to.include(
        `The relayer did not take the proof for block ${bad.blockId}: zkpool.submit failed: the proof does not verify ` +
          `(code ${RpcErrorCode.BadProof}) (the pool rejected a proof from this machine: check the prover backend)`,
      );
      expect(r.ui.count("jobAccepted")).to.equal(0);
      expect(r.backend.started).to.deep.equal([bad.jobId, next.jobId]);
    });

    it("reports a proof whose submission the lost link cut off as handed back, not as rejected", async () => {
      const r = rig();
      await open(r);
      r.link.answers.set("zkpool.submit", () => {
        throw new ConnectionError("the relayer at 127.0.0.1:7700 closed the connection");
      });
      const j = job(100);
      r.link.notify(j);
      r.backend.finish(j.jobId);
      await settle();
      expect(r.ui.count("jobRejected")).to.equal(0);
      expect(uiCalls(r, "jobDropped")).to.deep.equal([
        [
          r.ui.calls.find((c) => c.event === "jobReceived")?.args[0],
          "the connection closed before the relayer took the proof",
        ],
      ]);
    });

    it("reports a job its prover fails on, in words, and starts the next", async () => {
      const r = rig({ concurrency: 1 });
      await open(r);
      const [a, b] = [job(100), job(200)];
      r.link.notify(a);
      r.link.notify(b);
      r.backend.fail(a.jobId, new ProverError("the built-in prover failed on block 7: out of memory"));
      await settle();
      expect(r.ui.text).to.include(
        `Could not prove block ${a.blockId}: the built-in prover failed on block 7: out of memory`,
      );
      expect(r.ui.count("jobFailed")).to.equal(1);
      expect(r.backend.started).to.deep.equal([a.jobId, b.jobId]);
      expect(r.link.sent("zkpool.submit")).to.have.length(0);
    });

    it("stops a cancelled job, submits nothing for it, and starts the next", async () => {
      const r = rig({ concurrency: 1 });
      await open(r);
      const [held, queued, next] = [job(100), job(200), job(300)];
      for (const j of [held, queued, next]) r.link.notify(j);
      r.link.cancel(queued.jobId, "handed to another machine");
      r.link.cancel(held.jobId, "proven by another machine");
      const signal = r.backend.signals.get(held.jobId);
      expect(signal?.aborted).to.equal(true);
      expect(signal?.reason).to.be.instanceOf(JobAbortedError);
      expect((signal?.reason as Error).message).to.equal("cancelled by the relayer: proven by another machine");
      await settle();
      expect(r.backend.aborted).to.deep.equal([held.jobId]);
      expect(r.backend.started, "the cancelled queued job never starts").to.deep.equal([held.jobId, next.jobId]);
      expect(r.ui.text).to.include(`Job ${held.blockId} cancelled by the relayer: proven by another machine`);
      expect(r.ui.text).to.include(`Job ${queued.blockId} cancelled by the relayer: handed to another machine`);
      expect(r.ui.count("jobFailed"), "a cancel is no failure").to.equal(0);

      r.backend.finish(next.jobId);
      await settle();
      expect(r.link.sent<{ jobId: string }>("zkpool.submit").map((s) => s.jobId)).to.deep.equal([next.jobId]);
    });

    it("tracks a job notified again after a cancel afresh, still within its concurrency", async () => {
      const r = rig({ concurrency: 1 });
      await open(r);
      const [a, b] = [job(100), job(200)];
      r.link.notify(a);
      r.link.cancel(a.jobId, "reassigned");
      r.link.notify(a);
      await settle();
      expect(r.backend.started).to.deep.equal([a.jobId, a.jobId]);
      r.link.notify(b);
      await settle();
      expect(r.backend.started, "b waits for the second run of a").to.deep.equal([a.jobId, a.jobId]);
      r.backend.finish(a.jobId);
      await settle();
      expect(r.backend.started).to.deep.equal([a.jobId, a.jobId, b.jobId]);
    });

    it("does not submit a job cancelled just as its proof came back", async () => {
      const r = rig();
      await open(r);
      const j = job(100);
      r.link.notify(j);
      r.backend.finish(j.jobId);
      r.link.cancel(j.jobId, "proven by another machine");
      await settle();
      expect(r.link.sent("zkpool.submit")).to.have.length(0);
      expect(r.ui.count("jobCancelled")).to.equal(1);
    });

    it("leaves a job being submitted to the relayer's answer when it is cancelled meanwhile", async () => {
      const r = rig();
      await open(r);
      let accept: (value: unknown) => void = () => undefined;
      r.link.answers.set("zkpool.submit", () => new Promise((resolve) => (accept = resolve)));
      const j = job(100);
      r.link.notify(j);
      r.backend.finish(j.jobId);
      await settle();
      r.link.cancel(j.jobId, "proven by another machine");
      accept({ accepted: true });
      await settle();
      expect(r.ui.count("jobCancelled")).to.equal(0);
      expect(r.ui.count("jobAccepted")).to.equal(1);
    });

    it("ignores a cancel for a job it does not have, and a malformed one, saying so for the latter", async () => {
      const r = rig();
      await open(r);
      const j = job(100);
      r.link.notify(j);
      r.link.cancel("job-unknown", "proven by another machine");
      r.link.send("zkpool.cancel", { jobId: j.jobId });
      expect(r.backend.signals.get(j.jobId)?.aborted).to.equal(false);
      expect(r.ui.count("jobCancelled")).to.equal(0);
      expect(uiCalls(r, "problem")).to.deep.equal([["a zkpool.cancel with invalid params: reason: Required"]]);
    });

    it("ignores an invalid job, a job notified twice and an unknown notification, saying so", async () => {
      const r = rig({ concurrency: 2 });
      await open(r);
      const j = job(100);
      r.link.notify(j);
      r.link.notify(j);
      r.link.send("zkpool.notify", { ...j, jobId: "other", blockId: 12 });
      r.link.send("zkpool.notify", {
        ...j,
        jobId: "another",
        evidence: { ...j.evidence, metaHash: "0x12" },
        difficulty: 0,
      });
      r.link.send("zkpool.reboot", {});
      expect(r.backend.started).to.deep.equal([j.jobId]);
      expect(uiCalls(r, "problem")).to.deep.equal([
        [`job ${j.jobId} was notified twice`],
        ["a zkpool.notify with invalid params: blockId: Expected string, received number"],
        [
          "a zkpool.notify with invalid params: evidence.metaHash: expected 32 bytes of hex; " +
            "difficulty: Number must be greater than or equal to 1",
        ],
        ["unknown notification zkpool.reboot"],
      ]);
      expect(r.ui.count("jobReceived")).to.equal(1);
    });
  });

  describe("the job's graffiti", () => {
    /** Another access key's address (an agent of somebody else's prover). */
    const OTHER = "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199" as const;
    const body = ACCOUNT.address.slice(2).toLowerCase();

    function refusal(r: Rig, j: NotifyParams): ProtocolError {
      const calls = uiCalls(r, "jobRefused").filter(([refused]) => (refused as NotifyParams).jobId === j.jobId);
      expect(calls, `job ${j.jobId} refused once`).to.have.length(1);
      const [[, error]] = calls as [[unknown, unknown]];
      expect(error).to.be.instanceOf(ProtocolError);
      return error as ProtocolError;
    }

    it("proves a job whose graffiti is this agent's address, whatever the case of its hex digits", async () => {
      const r = rig({ concurrency: 3 });
      await open(r);
      const graffitis: Hex[] = [
        agentGraffiti(ACCOUNT.address),
        pad(ACCOUNT.address, { size: 32 }),
        `0x${"00".repeat(12)}${body.toUpperCase()}`,
      ];
      expect(new Set(graffitis).size, "three spellings of the same 32 bytes").to.equal(3);
      const jobs = graffitis.map((g) => withGraffiti(job(100), g));
      for (const j of jobs) r.link.notify(j);
      expect(r.backend.started).to.deep.equal(ids(jobs));
      expect(r.ui.count("jobRefused")).to.equal(0);
    });

    it("refuses a job under another agent's name before proving it, says what to do, and takes the next", async () => {
      const r = rig({ concurrency: 1 });
      await open(r);
      const foreign = withGraffiti(job(100), agentGraffiti(OTHER));
      r.link.notify(foreign);
      await settle();
      expect(r.backend.started, "nothing proven under another name").to.deep.equal([]);
      const error = refusal(r, foreign);
      expect(error.message).to.equal(
        `the relayer asked this machine to prove block ${foreign.blockId} under another machine's name ` +
          `(graffiti ${agentGraffiti(OTHER)} names agent ${OTHER}, not this agent ${ACCOUNT.address}); ` +
          "the proof would credit somebody else's prover, so this agent does not prove it",
      );
      expect(error.hint).to.equal(
        "the relayer is out of date or misconfigured: update it (or tell the pool's operator), and report it if it goes on",
      );
      expect(r.ui.text).to.include(`Job ${foreign.blockId} refused: ${error.message} (${error.hint})`);
      expect(r.ui.count("jobReceived"), "never taken in").to.equal(0);

      await r.clock.advance(HEARTBEAT_MS);
      expect(r.link.sent("zkpool.heartbeat"), "it holds no slot").to.deep.equal([{ busy: 0 }]);
      const mine = job(200);
      r.link.notify(mine);
      expect(r.backend.started).to.deep.equal([mine.jobId]);
      r.backend.finish(mine.jobId);
      await settle();
      expect(r.link.sent<{ jobId: string }>("zkpool.submit").map((s) => s.jobId)).to.deep.equal([mine.jobId]);
      expect(r.link.isClosed, "the session goes on").to.equal(false);
    });

    it("refuses this agent's address with anything else in the graffiti's other bytes, or nothing at all", async () => {
      const r = rig({ concurrency: 8 });
      await open(r);
      const wrong: Array<[Hex, string]> = [
        [`0x01${"00".repeat(11)}${body}`, "no agent"],
        [`0x${"00".repeat(11)}01${body}`, "no agent"],
        [`0x${"ff".repeat(12)}${body}`, "no agent"],
        [`0x${body}${"00".repeat(12)}`, "no agent"],
        [`0x${"00".repeat(32)}`, "no agent"],
        [`0x${"00".repeat(11)}${body}00`, "no agent"],
        [`0x${"00".repeat(12)}${body.slice(2)}00`, `agent ${getAddress(`0x${body.slice(2)}00`)}`],
      ];
      const jobs = wrong.map(([graffiti]) => withGraffiti(job(100), graffiti));
      for (const j of jobs) r.link.notify(j);
      await settle();
      expect(r.backend.started).to.deep.equal([]);
      for (const [i, j] of jobs.entries()) {
        const [graffiti, whose] = wrong[i] as [Hex, string];
        expect(refusal(r, j).message, graffiti).to.include(`(graffiti ${graffiti} names ${whose}, not this agent `);
      }
      expect(r.link.sent("zkpool.submit")).to.have.length(0);
    });
  });

  describe("the job's instance", () => {
    /** A network whose instance context is none of the local one's values. */
    const CONTEXT: InstanceContext = {
      signalService: "0x00000000000000000000000000000000000005e1",
      l2SignalService: "0x00000000000000000000000000000000000005e2",
      l2Taiko: "0x00000000000000000000000000000000000007a1",
      blockMaxGasLimit: 7_000_000,
      blockMaxTransactions: 150n,
      blockMaxTxListBytes: 64_000n,
    };
    const OTHER = "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199" as const;

    /** A rig whose relayer says, at subscribe, that its network hashes instances with CONTEXT. */
    function onNetwork(options: Parameters<typeof rig>[0] = {}): Rig {
      const r = rig(options);
      const subscribe = r.link.answers.get("zkpool.subscribe");
      r.link.answers.set("zkpool.subscribe", (params) => ({
        ...(subscribe?.(params) as object),
        instanceContext: instanceContextParams(CONTEXT),
      }));
      return r;
    }

    /** `j` with the instance of `evidence` (j's own by default) under `context`. */
    function hashedWith(j: NotifyParams, context: InstanceContext, evidence = j.evidence as JobEvidence): NotifyParams {
      return { ...j, instance: instanceHash(evidence, context) };
    }

    function refusal(r: Rig, j: NotifyParams): ProtocolError {
      const calls = uiCalls(r, "jobRefused").filter(([refused]) => (refused as NotifyParams).jobId === j.jobId);
      expect(calls, `job ${j.jobId} refused once`).to.have.length(1);
      const [[, error]] = calls as [[unknown, unknown]];
      expect(error).to.be.instanceOf(ProtocolError);
      return error as ProtocolError;
    }

    it("recomputes each job's instance with the instance context the relayer sent at login, and proves it as sent", async () => {
      const r = onNetwork({ concurrency: 2 });
      await open(r);
      const j = hashedWith(job(100), CONTEXT);
      // The same 32 bytes in capitals: hex case aside, it is the evidence's instance.
      const shouted = { ...hashedWith(job(200), CONTEXT) };
      shouted.instance = `0x${shouted.instance.slice(2).toUpperCase()}` as Hex;
      const started = r.backend.nextStart();
      r.link.notify(j);
      const [proving] = await started;
      expect(proving.instance).to.equal(j.instance);
      expect(proving.evidence).to.deep.equal(j.evidence);
      r.link.notify(shouted);
      expect(r.backend.started).to.deep.equal([j.jobId, shouted.jobId]);
      expect(r.ui.count("jobRefused")).to.equal(0);
    });

    it("refuses, before proving, a job with this agent's graffiti but an instance made for another machine, says what to do, and takes the next", async () => {
      const r = onNetwork({ concurrency: 1 });
      await open(r);
      const mine = job(100);
      const foreign = hashedWith(mine, CONTEXT, { ...(mine.evidence as JobEvidence), graffiti: agentGraffiti(OTHER) });
      const expected = instanceHash(mine.evidence as JobEvidence, CONTEXT);
      r.link.notify(foreign);
      await settle();
      expect(r.backend.started, "nothing proven for another machine").to.deep.equal([]);
      const error = refusal(r, foreign);
      expect(error.message).to.equal(
        `the relayer asked this machine to prove block ${foreign.blockId} with an instance that is not its ` +
          `evidence's (instance ${foreign.instance}, but the evidence naming this agent ${ACCOUNT.address} hashes ` +
          `to ${expected}); the proof might not name this machine and would credit somebody else's prover, so ` +
          "this agent does not prove it",
      );
      expect(error.hint).to.equal(
        "the relayer is out of date or misconfigured: update it (or tell the pool's operator), and report it if it goes on",
      );
      expect(r.ui.text).to.include(`Job ${foreign.blockId} refused: ${error.message} (${error.hint})`);
      expect(r.ui.count("jobReceived"), "never taken in").to.equal(0);

      await r.clock.advance(HEARTBEAT_MS);
      expect(r.link.sent("zkpool.heartbeat"), "it holds no slot").to.deep.equal([{ busy: 0 }]);
      const next = hashedWith(job(200), CONTEXT);
      r.link.notify(next);
      expect(r.backend.started).to.deep.equal([next.jobId]);
      r.backend.finish(next.jobId);
      await settle();
      expect(r.link.sent<{ jobId: string }>("zkpool.submit").map((s) => s.jobId)).to.deep.equal([next.jobId]);
      expect(r.link.isClosed, "the session goes on").to.equal(false);
    });

    it("refuses an instance of other evidence, of another network's context, or of nothing at all", async () => {
      const r = onNetwork({ concurrency: 8 });
      await open(r);
      const base = job(100);
      const evidence = base.evidence as JobEvidence;
      const wrong: Array<[string, NotifyParams]> = [
        ["another prover", hashedWith(job(100), CONTEXT, { ...evidence, prover: OTHER })],
        ["another parent", hashedWith(job(100), CONTEXT, { ...evidence, parentGasUsed: evidence.parentGasUsed + 1 })],
        ["the local network's context", hashedWith(job(100), LOCAL_INSTANCE_CONTEXT)],
        ["another gas limit", hashedWith(job(100), { ...CONTEXT, blockMaxGasLimit: 7_000_001 })],
        ["made up", { ...job(100), instance: `0x${"5a".repeat(32)}` }],
      ];
      for (const [, j] of wrong) r.link.notify(j);
      await settle();
      expect(r.backend.started).to.deep.equal([]);
      for (const [what, j] of wrong) {
        expect(refusal(r, j).message, what).to.include(`(instance ${j.instance}, but the evidence naming this agent `);
      }
      expect(r.link.sent("zkpool.submit")).to.have.length(0);
    });
  });

  describe("heartbeats", () => {
    it("sends a heartbeat every heartbeat period, with the number of jobs in progress", async () => {
      const r = rig({ concurrency: 2 });
      await open(r);
      await r.clock.advance(HEARTBEAT_MS - 1);
      expect(r.link.sent("zkpool.heartbeat")).to.deep.equal([]);
      await r.clock.advance(1);
      expect(r.link.sent("zkpool.heartbeat")).to.deep.equal([{ busy: 0 }]);
      for (const j of [job(100), job(200), job(300)]) r.link.notify(j);
      await r.clock.advance(HEARTBEAT_MS);
      expect(r.link.sent("zkpool.heartbeat")).to.deep.equal([{ busy: 0 }, { busy: 2 }], "queued jobs are not busy");
    });

    it("carries the speed measured on real jobs, once after each change", async () => {
      const r = rig({ msPerProof: 1_000 });
      await open(r);
      const j = job(100);
      r.link.notify(j);
      r.backend.finish(j.jobId, 800);
      await r.clock.advance(HEARTBEAT_MS);
      // The estimate moves 30% of the way from the benchmark's 1000 ms to the job's 800 ms.
      await r.clock.advance(HEARTBEAT_MS);
      expect(r.link.sent("zkpool.heartbeat")).to.deep.equal([{ busy: 0, msPerProof: 940 }, { busy: 0 }]);
      expect(r.speed.msPerProof(1)).to.equal(940);
    });

    it("sends no heartbeat while the last one is unanswered", async () => {
      const r = rig();
      await open(r);
      r.link.answers.set("zkpool.heartbeat", () => new Promise(() => undefined));
      await r.clock.advance(3 * HEARTBEAT_MS);
      expect(r.link.sent("zkpool.heartbeat")).to.have.length(1);
    });

    it("drops the session when the relayer stops answering heartbeats", async () => {
      const r = rig();
      await open(r);
      r.link.answers.set("zkpool.heartbeat", () => {
        throw new RequestTimeoutError("the relayer did not answer zkpool.heartbeat within 15 s");
      });
      await r.clock.advance(HEARTBEAT_MS);
      expect(r.link.reason?.message).to.equal("the relayer stopped answering heartbeats");
    });

    it("drops the session when the relayer refuses a heartbeat, saying why", async () => {
      const r = rig();
      await open(r);
      r.link.answers.set("zkpool.heartbeat", () => {
        throw new RpcRemoteError("zkpool.heartbeat", RpcErrorCode.NotAuthorized, "not logged in", {
          retryable: true,
        });
      });
      await r.clock.advance(HEARTBEAT_MS);
      expect(r.link.reason?.message).to.equal(
        `the relayer refused a heartbeat: zkpool.heartbeat failed: not logged in (code ${RpcErrorCode.NotAuthorized})`,
      );
      // After a good answer the heartbeats go on.
      const s = rig();
      await open(s);
      await s.clock.advance(2 * HEARTBEAT_MS);
      expect(s.link.sent("zkpool.heartbeat")).to.have.length(2);
      expect(s.link.isClosed).to.equal(false);
    });
  });

  describe("losing the link", () => {
    it("stops every job, says they go to other machines, ends run with why, and sends nothing more", async () => {
      const r = rig({ concurrency: 1 });
      const session = await open(r);
      const running = session.run(r.stop.signal, 10_000);
      const [proving, queued] = [job(100), job(200)];
      r.link.notify(proving);
      r.link.notify(queued);
      r.link.drop();
      const error = await rejection(settled(running));
      expect(error).to.be.instanceOf(ConnectionError);
      expect((error as ConnectionError).retryable).to.equal(true);
      expect((error as Error).message).to.equal("the relayer at 127.0.0.1:7700 closed the connection");
      expect(r.backend.signals.get(proving.jobId)?.reason, "the job is stopped with why").to.equal(error);
      expect(r.backend.started).to.deep.equal([proving.jobId]);
      expect(uiCalls(r, "jobDropped").map(([j, why]) => [(j as { jobId: string }).jobId, why])).to.deep.equal([
        [proving.jobId, "the connection to the relayer closed; the pool gives it to another machine"],
        [queued.jobId, "the connection to the relayer closed; the pool gives it to another machine"],
      ]);
      await r.clock.advance(10 * HEARTBEAT_MS);
      expect(r.link.sent("zkpool.heartbeat")).to.have.length(0);
      expect(r.clock.pendingTimers).to.equal(0);
      expect(session.busy).to.equal(0);
    });

    it("reports a job whose submission the drop cut off once, as handed back", async () => {
      const r = rig();
      const session = await open(r);
      const running = session.run(r.stop.signal, 10_000);
      r.link.answers.set("zkpool.submit", () => new Promise(() => undefined));
      const j = job(100);
      r.link.notify(j);
      r.backend.finish(j.jobId);
      await settle();
      r.link.drop();
      await rejection(settled(running));
      await settle();
      expect(uiCalls(r, "jobDropped").map(([, why]) => why)).to.deep.equal([
        "the connection closed before the relayer took the proof",
      ]);
      expect(r.ui.count("jobRejected")).to.equal(0);
    });

    it("leaves no listener on the agent's stop signal once a session is over", async () => {
      const r = rig();
      const session = await open(r);
      expect(getEventListeners(r.stop.signal, "abort"), "none left by the login").to.have.length(0);
      const running = session.run(r.stop.signal, 10_000);
      expect(getEventListeners(r.stop.signal, "abort")).to.have.length(1);
      r.link.drop();
      await rejection(settled(running));
      expect(getEventListeners(r.stop.signal, "abort"), "none left by run").to.have.length(0);

      const failed = rig();
      failed.link.answers.set("zkpool.authorize", () => {
        throw new RpcRemoteError("zkpool.authorize", RpcErrorCode.Unavailable, "busy", { retryable: true });
      });
      await rejection(open(failed));
      expect(getEventListeners(failed.stop.signal, "abort"), "none left by a failed login").to.have.length(0);
    });
  });

  describe("stopping", () => {
    it("finishes the jobs that can end within the grace period, hands the others back, and says it is full", async () => {
      // 5 s a proof, 2 s of grace: a job 3 s or more into its proof can finish, one just started cannot.
      const r = rig({ concurrency: 3, msPerProof: 5_000 });
      const session = await open(r);
      const running = session.run(r.stop.signal, 2_000);
      const [early, boundary, late, queued] = [job(100), job(200), job(300), job(400)];
      r.link.notify(early);
      await r.clock.advance(1_000);
      r.link.notify(boundary);
      await r.clock.advance(3_000);
      r.link.notify(late);
      r.link.notify(queued);

      r.stop.abort(new Error("Ctrl-C"));
      await settle();
      const [plan] = uiCalls(r, "stopping") as [
        [{ finishing: NotifyParams[]; handingBack: NotifyParams[]; graceMs: number }],
      ];
      expect(ids(plan[0].finishing)).to.deep.equal([early.jobId, boundary.jobId]);
      expect(ids(plan[0].handingBack)).to.deep.equal([late.jobId, queued.jobId]);
      expect(plan[0].graceMs).to.equal(2_000);
      expect((r.backend.signals.get(late.jobId)?.reason as Error).message).to.equal("the agent is stopping");
      expect(r.backend.started).to.deep.equal([early.jobId, boundary.jobId, late.jobId]);
      expect(r.link.sent("zkpool.heartbeat"), "full at once, so that nothing new comes").to.deep.equal([{ busy: 3 }]);

      const another = job(50);
      r.link.notify(another);
      expect(r.backend.started).not.to.include(another.jobId);
      expect(uiCalls(r, "jobDropped").map(([, why]) => why)).to.deep.equal([
        "the agent is stopping; the pool gives it to another machine",
      ]);

      r.backend.finish(early.jobId);
      r.backend.finish(boundary.jobId);
      await settled(running);
      expect(r.clock.now(), "no need to wait out the grace period").to.equal(4_000);
      expect(r.link.sent<{ jobId: string }>("zkpool.submit").map((s) => s.jobId)).to.deep.equal([
        early.jobId,
        boundary.jobId,
      ]);
      expect(r.link.reason?.message).to.equal("the agent stopped");
      expect(r.ui.count("jobDropped"), "a job handed back on stop is said once, in the plan").to.equal(1);
      expect(r.clock.pendingTimers, "no heartbeat nor grace timer left").to.equal(0);
    });

    it("judges a job by the speed measured at its difficulty, or else by the login's", async () => {
      const r = rig({ concurrency: 2, msPerProof: 5_000, benchmark: false });
      const session = await open(r);
      r.speed.setBenchmark(2, 500);
      const running = session.run(r.stop.signal, 1_000);
      const [slow, quick] = [job(100, 1), job(200, 2)];
      r.link.notify(slow);
      r.link.notify(quick);
      r.stop.abort();
      await settle();
      const [plan] = uiCalls(r, "stopping") as [[{ finishing: NotifyParams[]; handingBack: NotifyParams[] }]];
      expect(ids(plan[0].finishing)).to.deep.equal([quick.jobId]);
      expect(ids(plan[0].handingBack)).to.deep.equal([slow.jobId]);
      r.backend.finish(quick.jobId);
      await settled(running);
    });

    it("waits for a proof being submitted, however short the grace period", async () => {
      const r = rig();
      const session = await open(r);
      let accept: (value: unknown) => void = () => undefined;
      r.link.answers.set("zkpool.submit", () => new Promise((resolve) => (accept = resolve)));
      const running = session.run(r.stop.signal, 0);
      const j = job(100);
      r.link.notify(j);
      r.backend.finish(j.jobId);
      await settle();
      r.stop.abort();
      await settle();
      const [plan] = uiCalls(r, "stopping") as [[{ finishing: NotifyParams[] }]];
      expect(ids(plan[0].finishing)).to.deep.equal([j.jobId]);
      accept({ accepted: true });
      await settled(running);
      expect(r.ui.count("jobAccepted")).to.equal(1);
    });

    it("gives up a job still proving when the grace period ends, and closes the link", async () => {
      const r = rig({ msPerProof: 5_000 });
      const session = await open(r);
      const j = job(100);
      r.link.notify(j);
      let ended = false;
      const running = session.run(r.stop.signal, 6_000).then(() => (ended = true));
      r.stop.abort();
      await r.clock.advance(5_999);
      expect(ended).to.equal(false);
      expect(r.link.isClosed).to.equal(false);
      await r.clock.advance(1);
      await settled(running);
      expect(ended).to.equal(true);
      expect(r.link.reason?.message).to.equal("the agent stopped");
      expect(r.backend.signals.get(j.jobId)?.aborted).to.equal(true);
      expect(r.link.sent("zkpool.submit")).to.have.length(0);
      expect(r.ui.count("jobDropped"), "the plan already said it").to.equal(0);
      expect((r.backend.signals.get(j.jobId)?.reason as Error).message).to.equal("the agent stopped");
    });

    it("stops at once when it has no job, and when the link drops during the grace period", async () => {
      const idle = rig();
      const idleSession = await open(idle);
      idle.stop.abort();
      await settled(idleSession.run(idle.stop.signal, 60_000));
      expect(idle.link.reason?.message).to.equal("the agent stopped");
      expect(idle.link.sent("zkpool.heartbeat")).to.have.length(0);
      expect(uiCalls(idle, "stopping")).to.deep.equal([[{ finishing: [], handingBack: [], graceMs: 60_000 }]]);

      const r = rig({ msPerProof: 5_000 });
      const session = await open(r);
      r.link.notify(job(100));
      const running = session.run(r.stop.signal, 60_000);
      r.stop.abort();
      await settle();
      r.link.drop();
      await settled(running);
      expect(r.clock.now()).to.equal(0);
    });
  });
});
