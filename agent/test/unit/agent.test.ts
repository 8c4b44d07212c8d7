import { once } from "node:events";
import { expect } from "chai";
import { MAX_FRAME_BYTES, RpcErrorCode, agentGraffiti } from "@zkpool/common";
import { RpcRemoteError, errorMessage } from "../../src/errors.js";
import type { AgentUi } from "../../src/ui.js";
import type { AgentOptions } from "../../src/agent.js";
import { AGENT_VERSION, deriveDeviceId, deviceInfo, type AgentConfig } from "../../src/config.js";
import type { HeartbeatParams } from "@zkpool/common";
import {
  ACCOUNT,
  FAKE_PROOF,
  KEY,
  ScriptedBackend,
  startAgent,
  waitFor,
  type RunningAgent,
} from "../helpers/agentHarness.js";
import { FakeClock } from "../helpers/fakeClock.js";
import {
  ScriptedRelayer,
  makeJob as makeJobFor,
  withGraffiti,
  type AgentConn,
  type Login,
} from "../helpers/scriptedRelayer.js";

/** A job for this agent (its graffiti names ACCOUNT). */
const makeJob = (): ReturnType<typeof makeJobFor> => makeJobFor(ACCOUNT.address);

/**
 * `promise`, or a failure as soon as the agent shows that it will not come: it could not log in, lost its
 * session, lost a job, noted something it could not read, or returned (on a fake clock it would otherwise wait
 * for ever). `expected` lists the events the test expects.
 */
function unlessTrouble<T>(agent: RunningAgent, promise: Promise<T>, expected: Array<keyof AgentUi> = []): Promise<T> {
  const troubles = (
    ["retrying", "disconnected", "jobFailed", "jobRejected", "jobDropped", "jobRefused", "problem"] as Array<
      keyof AgentUi
    >
  ).filter((event) => !expected.includes(event));
  const listeners: Array<[string, (...args: unknown[]) => void]> = [];
  const trouble = new Promise<never>((_, reject) => {
    for (const event of troubles) {
      const listener = (...args: unknown[]): void =>
        reject(new Error(`the agent said ${event}: ${args.map((a) => errorMessage(a)).join(", ")}`));
      listeners.push([event, listener]);
      agent.ui.on(event, listener);
    }
    agent.done.then(
      () => reject(new Error("the agent returned")),
      (error: unknown) => reject(new Error(`the agent failed: ${errorMessage(error)}`)),
    );
  });
  trouble.catch(() => undefined);
  return Promise.race([promise, trouble]).finally(() => {
    for (const [event, listener] of listeners) agent.ui.off(event, listener);
  });
}

const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 500;

describe("agent against a scripted relayer", () => {
  let relayer: ScriptedRelayer;
  let agent: RunningAgent | undefined;
  let clock: FakeClock;
  let backend: ScriptedBackend;

  /** The agent on a fake clock, with the largest backoff delay each time (no jitter) to check it by. */
  function start(overrides: Partial<Omit<AgentOptions, "config">> & { config?: Partial<AgentConfig> } = {}) {
    agent = startAgent(relayer, {
      clock,
      backend,
      retry: { baseDelayMs: BASE_DELAY_MS, maxDelayMs: MAX_DELAY_MS, random: () => 1 },
      ...overrides,
    });
    return agent;
  }

  beforeEach(async () => {
    relayer = await new ScriptedRelayer(1, false).listen();
    clock = new FakeClock();
    backend = new ScriptedBackend();
  });

  afterEach(async () => {
    if (agent) {
      let stopped = false;
      const stopping = agent.stop().finally(() => (stopped = true));
      await clock.advance(60_000);
      // A broken agent may never stop: give up on it after a while rather than hang the suite.
      await Promise.race([stopping, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      expect(stopped, "the agent stops when asked").to.equal(true);
      expect(agent.ui.text.toLowerCase()).not.to.include(KEY.slice(2).toLowerCase());
    }
    expect(relayer.received.join("\n").toLowerCase(), "the key never leaves the machine").not.to.include(
      KEY.slice(2).toLowerCase(),
    );
    agent = undefined;
    await relayer.close();
  });

  it("logs in with its key's signature over the connection's nonce, proves a notified job and submits the proof alone", async () => {
    const loggedIn = relayer.nextLogin();
    const a = start();
    const login = await unlessTrouble(a, loggedIn);
    expect(login.signatureValid, "the relayer checked the login signature against its nonce").to.equal(true);
    expect(login.authorize.agent).to.equal(ACCOUNT.address);
    expect(login.authorize.deviceId).to.equal("test-device");
    expect(login.authorize.speed).to.deep.equal({ msPerProof: 1, concurrency: 1 });
    expect(backend.started, "a warm-up and the one timed run asked for").to.deep.equal(["benchmark", "benchmark"]);
    expect(login.subscribe.agent.name).to.equal("test-agent");
    expect(login.subscribe.device.cores).to.be.greaterThan(0);

    const job = makeJob();
    const submitted = relayer.nextSubmission();
    const accepted = a.ui.next("jobAccepted");
    login.conn.notify(job);
    const { params } = await unlessTrouble(a, submitted);
    await unlessTrouble(a, accepted);
    expect(params, "the proof and its timing, no signature: the graffiti names the machine").to.deep.equal({
      jobId: job.jobId,
      proof: FAKE_PROOF,
      millis: 1,
    });
    expect(a.ui.text).to.match(/Connected to relayer 127\.0\.0\.1:\d+ as 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} \(prover /);
    expect(a.ui.text).to.include(
      `Proof for block ${job.blockId} accepted by the relayer: your prover is credited once Taiko verifies the block`,
    );
  });

  it("introduces itself and its machine, with a device id derived from its key unless given one", async () => {
    const loggedIn = relayer.nextLogin();
    const a = start({ config: { deviceId: undefined } });
    const login = await unlessTrouble(a, loggedIn);
    expect(login.authorize.deviceId).to.equal(deriveDeviceId(ACCOUNT.address));
    expect(login.subscribe).to.deep.equal({
      agent: { name: "test-agent", version: AGENT_VERSION },
      device: deviceInfo(),
    });
    expect(a.ui.calls.filter((c) => c.event === "starting").map((c) => c.args[0])).to.deep.equal([
      {
        name: "test-agent",
        agent: ACCOUNT.address,
        deviceId: deriveDeviceId(ACCOUNT.address),
        backend: "scripted",
        relayer: `127.0.0.1:${relayer.port}`,
      },
    ]);
  });

  it("reconnects after each drop with a backoff that doubles up to its cap, logging in again with a new nonce", async () => {
    const sessions: unknown[] = [];
    const a = start({ onSession: (session) => sessions.push(session) });
    const logins: Login[] = [await unlessTrouble(a, relayer.nextLogin())];
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const disconnected = a.ui.next("disconnected");
      const next = relayer.nextLogin();
      (logins.at(-1) as Login).conn.drop();
      const [, delayMs] = (await unlessTrouble(a, disconnected, ["disconnected"])) as [unknown, number];
      delays.push(delayMs);
      await clock.advance(delayMs);
      logins.push(await unlessTrouble(a, next));
    }
    expect(delays).to.deep.equal([200, 400, 500, 500]);
    expect(clock.sleeps).to.deep.equal(delays);
    expect(new Set(logins.map((l) => l.conn)).size).to.equal(5);
    expect(new Set(sessions).size, "a new session for each login").to.equal(5);
    expect(new Set(logins.map((l) => l.nonce)).size).to.equal(5);
    expect(logins.every((l) => l.signatureValid)).to.equal(true);
    expect(a.ui.text).to.include("Disconnected: the relayer at 127.0.0.1:");
    expect(a.ui.text).to.include("closed the connection. Reconnecting in 0.2 s");
    // The speed is measured once, not at each login.
    expect(a.ui.count("benchmarked")).to.equal(1);
  });

  it("starts the backoff over after a session that lasted 30 s", async () => {
    const a = start();
    const delays: number[] = [];
    let login = await unlessTrouble(a, relayer.nextLogin());
    for (const lasted of [0, 30_000, 29_999]) {
      await clock.advance(lasted);
      const disconnected = a.ui.next("disconnected");
      const next = relayer.nextLogin();
      login.conn.drop();
      const [, delayMs] = (await unlessTrouble(a, disconnected, ["disconnected"])) as [unknown, number];
      delays.push(delayMs);
      await clock.advance(delayMs);
      login = await unlessTrouble(a, next);
    }
    expect(delays).to.deep.equal([200, 100, 200]);
  });

  it("keeps trying to reach a relayer that is down, waiting longer each time up to the cap, and logs in when it is back", async () => {
    const { port } = relayer;
    await relayer.close();
    const a = start();
    const delays: number[] = [];
    let retrying = a.ui.next("retrying");
    for (let i = 0; i < 5; i++) {
      const [, delayMs] = (await unlessTrouble(a, retrying, ["retrying"])) as [unknown, number];
      delays.push(delayMs);
      retrying = a.ui.next("retrying");
      if (i < 4) await clock.advance(delayMs);
    }
    expect(delays).to.deep.equal([100, 200, 400, 500, 500]);
    expect(a.ui.text).to.include(
      `Cannot connect to the relayer at 127.0.0.1:${port}: connection refused. Trying again in 0.1 s`,
    );
    relayer = new ScriptedRelayer(1, false);
    relayer.server.listen(port, "127.0.0.1");
    relayer.port = port;
    const loggedIn = relayer.nextLogin();
    await clock.advance(500);
    expect((await unlessTrouble(a, loggedIn)).signatureValid).to.equal(true);
  });

  it("tries again later when the relayer cannot log it in for now", async () => {
    relayer.refuseLogin = { code: RpcErrorCode.Unavailable, message: "starting up" };
    const a = start();
    const [error, delayMs] = (await unlessTrouble(a, a.ui.next("retrying"), ["retrying"])) as [RpcRemoteError, number];
    expect(error.code).to.equal(RpcErrorCode.Unavailable);
    relayer.refuseLogin = undefined;
    const refused = relayer.conns[0] as AgentConn;
    if (!refused.closed) await unlessTrouble(a, once(refused, "close"), ["retrying"]);
    const loggedIn = relayer.nextLogin();
    await clock.advance(delayMs);
    await unlessTrouble(a, loggedIn);
    expect(relayer.logins).to.have.length(2);
    expect(
      relayer.conns.filter((c) => !c.closed),
      "the refused connection was closed",
    ).to.have.length(1);
  });

  it("gives up on a relayer that does not answer within the request timeout, and tries again", async () => {
    relayer.silent = true;
    const a = start({ requestTimeoutMs: 3_000 });
    const subscribed = new Promise((resolve) => relayer.once("request", resolve));
    await unlessTrouble(a, subscribed);
    const retrying = a.ui.next("retrying");
    await clock.advance(3_000);
    const [error] = (await unlessTrouble(a, retrying, ["retrying"])) as [Error];
    expect(error.message).to.equal("the relayer did not answer zkpool.subscribe within 3 s");
  });

  it("measures its speed again at the next login when the benchmark failed", async () => {
    backend.hold.add("benchmark");
    const a = start();
    const [job] = await unlessTrouble(a, backend.nextStart());
    const retrying = a.ui.next("retrying");
    backend.fail(job.jobId, new Error("the prover ran out of memory"));
    const [error, delayMs] = (await unlessTrouble(a, retrying, ["retrying"])) as [Error, number];
    expect(error.message).to.equal("the prover ran out of memory");
    backend.hold.clear();
    const loggedIn = relayer.nextLogin();
    await clock.advance(delayMs);
    await unlessTrouble(a, loggedIn);
    expect(a.ui.count("benchmarking")).to.equal(2);
  });

  it("backs off from at most 0.5 s by default", async () => {
    await relayer.close();
    const a = start({ retry: undefined });
    const [, delayMs] = (await unlessTrouble(a, a.ui.next("retrying"), ["retrying"])) as [unknown, number];
    expect(delayMs).to.be.within(0, 500);
  });

  it("stops for good, in words, when the pool does not know its access key", async () => {
    relayer.refuseLogin = { code: RpcErrorCode.AgentNotAuthorized, message: "unknown agent" };
    const a = start();
    const error = await Promise.race([
      a.done.then(
        () => expect.fail("expected the agent to stop with an error"),
        (e: unknown) => e as RpcRemoteError,
      ),
      a.ui.next("retrying").then(() => expect.fail("retrying with a key the pool does not know")),
    ]);
    expect(error).to.be.instanceOf(RpcRemoteError);
    expect(error.retryable).to.equal(false);
    expect(error.hint).to.include("create an access key in the dApp");
    await clock.advance(60_000);
    expect(relayer.logins).to.have.length(1);
    expect(a.ui.count("retrying")).to.equal(0);
    agent = undefined;
  });

  it("stops at once when asked to while waiting to reconnect", async () => {
    const a = start();
    const login = await unlessTrouble(a, relayer.nextLogin());
    const disconnected = a.ui.next("disconnected");
    login.conn.drop();
    await unlessTrouble(a, disconnected, ["disconnected"]);
    await a.stop();
    expect(relayer.conns).to.have.length(1);
    expect(clock.now(), "without waiting out the backoff").to.equal(0);
    agent = undefined;
  });

  it("stops at once when asked to while the relayer cannot be reached", async () => {
    await relayer.close();
    const a = start();
    await unlessTrouble(a, a.ui.next("retrying"), ["retrying"]);
    await a.stop();
    expect(clock.now(), "without waiting out the backoff").to.equal(0);
    agent = undefined;
  });

  it("heartbeats every 5 s unless told otherwise", async () => {
    const a = start({ heartbeatMs: undefined });
    const { conn } = await unlessTrouble(a, relayer.nextLogin());
    const beat = waitFor<[AgentConn, HeartbeatParams]>(relayer, "heartbeat", () => true);
    await clock.advance(4_999);
    expect(conn.heartbeats).to.deep.equal([]);
    await clock.advance(1);
    await unlessTrouble(a, beat);
  });

  it("hands a job back on stop when it cannot finish within the grace period", async () => {
    const a = start({ config: { gracePeriodMs: 0 } });
    const { conn } = await unlessTrouble(a, relayer.nextLogin());
    const job = makeJob();
    backend.hold.add(job.jobId);
    const started = backend.nextStart();
    conn.notify(job);
    await unlessTrouble(a, started);
    const closed = new Promise((resolve) => conn.once("close", resolve));
    await a.stop();
    await closed;
    const [plan] = a.ui.calls.filter((c) => c.event === "stopping").map((c) => c.args[0]) as [
      { handingBack: Array<{ jobId: string }> },
    ];
    expect(plan.handingBack.map((j) => j.jobId)).to.deep.equal([job.jobId]);
    expect(backend.aborted).to.deep.equal([job.jobId]);
    expect(relayer.submissions).to.have.length(0);
    agent = undefined;
  });

  it("ignores malformed lines from the relayer and keeps working on the same connection", async () => {
    const a = start();
    const { conn } = await unlessTrouble(a, relayer.nextLogin());
    conn.sendRaw("this is not json\n");
    conn.sendRaw("[1, 2, 3]\n");
    conn.sendRaw('{"jsonrpc":"2.0","method":"zkpool.notify","params":{"jobId":"x","blockId":12}}\n');
    conn.sendRaw('{"jsonrpc":"2.0","id":4242,"result":{}}\n');
    conn.sendRaw('{"jsonrpc":"2.0","method":"zkpool.unknown"}\n');
    conn.sendRaw(`${"x".repeat(MAX_FRAME_BYTES + 100)}\n`);
    conn.sendRaw("\n\r\n");

    const job = makeJob();
    const submitted = relayer.nextSubmission();
    relayer.jobs.set(job.jobId, job);
    // Split across writes, to check framing too.
    const line = JSON.stringify({ jsonrpc: "2.0", method: "zkpool.notify", params: job });
    conn.sendRaw(line.slice(0, 50));
    conn.sendRaw(`${line.slice(50)}\n`);
    const submission = await unlessTrouble(a, submitted, ["problem"]);
    expect(submission.params.jobId).to.equal(job.jobId);
    expect(relayer.conns).to.have.length(1);
    expect(a.ui.count("problem")).to.equal(6);
    expect(a.ui.count("disconnected")).to.equal(0);
  });

  it("heartbeats carry the speed it measured on the relayer's jobs", async () => {
    const a = start({ heartbeatMs: 1_000 });
    const { conn } = await unlessTrouble(a, relayer.nextLogin());
    const job = makeJob();
    const submitted = relayer.nextSubmission();
    conn.notify(job);
    await unlessTrouble(a, submitted);
    const beat = waitFor<[AgentConn, HeartbeatParams]>(relayer, "heartbeat", () => true);
    await clock.advance(999);
    expect(conn.heartbeats).to.deep.equal([]);
    await clock.advance(1);
    const [, params] = await unlessTrouble(a, beat);
    expect(params).to.deep.equal({ busy: 0, msPerProof: 1 });
  });

  it("refuses a job that names another machine, proves nothing for it, and proves the next one for itself", async () => {
    const a = start();
    const { conn } = await unlessTrouble(a, relayer.nextLogin());
    const OTHER = "0x00000000000000000000000000000000000000b2" as const;
    const foreign = withGraffiti(makeJob(), agentGraffiti(OTHER));
    const refused = a.ui.next("jobRefused");
    conn.notify(foreign);
    await unlessTrouble(a, refused, ["jobRefused"]);
    expect(
      backend.started.filter((id) => id !== "benchmark"),
      "nothing proven for it",
    ).to.deep.equal([]);
    expect(a.ui.text).to.include(
      `Job ${foreign.blockId} refused: the relayer asked this machine to prove block ${foreign.blockId} under ` +
        `another machine's name`,
    );

    const job = makeJob();
    const submitted = relayer.nextSubmission();
    conn.notify(job);
    const submission = await unlessTrouble(a, submitted, ["jobRefused"]);
    expect(submission.params.jobId).to.equal(job.jobId);
    expect(relayer.submissions.map((s) => s.params.jobId)).to.deep.equal([job.jobId]);
    expect(relayer.conns, "the session goes on").to.have.length(1);
  });
});
