import { expect } from "chai";
import { MAX_FRAME_BYTES } from "@zkpool/common";
import {
  ACCOUNT,
  ControlledBackend,
  KEY,
  builtin,
  startAgent,
  waitFor,
  type RunningAgent,
} from "../helpers/agentHarness.js";
import { ScriptedRelayer, makeJob, type AgentConn, type Submission } from "../helpers/scriptedRelayer.js";
import type { HeartbeatParams } from "@zkpool/common";
import type { ProveJob } from "../../src/backends/index.js";
import type { JobTimeline } from "../../src/ui.js";

describe("agent against a scripted relayer", () => {
  let relayer: ScriptedRelayer;
  let agent: RunningAgent | undefined;

  beforeEach(async () => {
    relayer = await new ScriptedRelayer().listen();
  });

  afterEach(async () => {
    await agent?.stop();
    if (agent) expect(agent.ui.text.toLowerCase()).not.to.include(KEY.slice(2).toLowerCase());
    agent = undefined;
    await relayer.close();
  });

  after(async () => {
    await builtin.close();
  });

  it("logs in with a valid signature, proves a notified job and submits a valid proof signed by the key", async () => {
    const loggedIn = relayer.nextLogin();
    agent = startAgent(relayer);
    const login = await loggedIn;
    expect(login.signatureValid).to.equal(true);
    expect(login.authorize.agent).to.equal(ACCOUNT.address);
    expect(login.authorize.deviceId).to.equal("test-device");
    expect(login.authorize.speed.concurrency).to.equal(1);
    expect(login.authorize.speed.msPerProof).to.be.greaterThan(0);
    expect(login.subscribe.agent.name).to.equal("test-agent");
    expect(login.subscribe.device.cores).to.be.greaterThan(0);

    const job = makeJob();
    const submitted = relayer.nextSubmission();
    const accepted = agent.ui.next("jobAccepted");
    const measured = waitFor<[AgentConn, HeartbeatParams]>(
      relayer,
      "heartbeat",
      (_conn, params) => params.msPerProof !== undefined,
    );
    login.conn.notify(job);
    const submission = await submitted;
    const [, millis, timeline] = (await accepted) as [unknown, number, JobTimeline];
    expect(submission.params.jobId).to.equal(job.jobId);
    expect(submission.proofValid, "proof verifies against the job's instance").to.equal(true);
    expect(submission.signatureValid, "EIP-712 Proof signature by the access key").to.equal(true);
    expect(submission.params.millis).to.equal(Math.round(millis));

    // Where the job's time went: each step after the one before, the proving inside the backend's call.
    const steps = [0, timeline.queued, timeline.started, timeline.proved, timeline.encoded, timeline.signed];
    expect([...steps, timeline.submitted]).to.deep.equal([...steps, timeline.submitted].sort((a, b) => a - b));
    expect(timeline.provingMs).to.equal(millis);
    expect(timeline.provingMs).to.be.at.most(timeline.proved - timeline.started);

    // The speed learned from the real job goes out in a heartbeat.
    const [, beat] = await measured;
    expect(beat.msPerProof).to.be.greaterThan(0);
    await waitFor<[AgentConn, HeartbeatParams]>(relayer, "heartbeat", (_conn, params) => params.busy === 0);
    expect(agent.ui.text).to.match(
      /Connected to relayer 127\.0\.0\.1:\d+ as 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} \(prover /,
    );
    expect(agent.ui.text).to.match(new RegExp(`Job ${job.blockId} received, deadline in \\d+(\\.\\d)? s`));
    expect(agent.ui.text).to.include(`Proof for block ${job.blockId} accepted: shares credited to your prover`);
  });

  it("reconnects and logs in again after the relayer drops the connection", async () => {
    const first = relayer.nextLogin();
    agent = startAgent(relayer);
    const login1 = await first;
    const second = relayer.nextLogin();
    login1.conn.drop();
    const login2 = await second;
    expect(login2.conn).not.to.equal(login1.conn);
    expect(login2.nonce).not.to.equal(login1.nonce);
    expect(login2.signatureValid).to.equal(true);
    expect(agent.ui.count("disconnected")).to.equal(1);
    // The benchmark is not run again for the same difficulty.
    expect(agent.ui.count("benchmarked")).to.equal(1);

    const job = makeJob();
    const submitted = relayer.nextSubmission();
    login2.conn.notify(job);
    const submission = await submitted;
    expect(submission.conn).to.equal(login2.conn);
    expect(submission.proofValid).to.equal(true);
  });

  it("keeps trying while the relayer is down, with backoff, and logs in when it is back", async () => {
    const port = relayer.port;
    await relayer.close();
    agent = startAgent(relayer);
    await agent.ui.next("retrying");
    await agent.ui.next("retrying");
    relayer = new ScriptedRelayer();
    relayer.server.listen(port, "127.0.0.1");
    relayer.port = port;
    const login = await relayer.nextLogin();
    expect(login.signatureValid).to.equal(true);
    expect(agent.ui.text).to.include(`Cannot connect to the relayer at 127.0.0.1:${port}: connection refused`);
  });

  it("stops a job when the relayer cancels it, and goes on with the next", async () => {
    const backend = new ControlledBackend();
    const loggedIn = relayer.nextLogin();
    agent = startAgent(relayer, { backend });
    const { conn } = await loggedIn;

    const held = makeJob();
    backend.hold.add(held.jobId);
    const started = waitFor<[ProveJob, AbortSignal]>(backend, "start", (job) => job.jobId === held.jobId);
    conn.notify(held);
    const [, signal] = await started;
    const abortedNow = waitFor(backend, "abort", () => true);
    conn.cancel(held.jobId, "proven by another machine");
    await abortedNow;
    expect(signal.aborted).to.equal(true);
    expect(backend.aborted).to.deep.equal([held.jobId]);
    expect(agent.ui.text).to.include(`Job ${held.blockId} cancelled by the relayer: proven by another machine`);

    const next = makeJob();
    const submitted = relayer.nextSubmission();
    conn.notify(next);
    const submission = await submitted;
    expect(submission.params.jobId).to.equal(next.jobId);
    expect(relayer.submissions.map((s: Submission) => s.params.jobId)).to.deep.equal([next.jobId]);
  });

  it("ignores malformed lines from the relayer and keeps working on the same connection", async () => {
    const loggedIn = relayer.nextLogin();
    agent = startAgent(relayer);
    const { conn } = await loggedIn;
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
    const submission = await submitted;
    expect(submission.proofValid).to.equal(true);
    expect(relayer.conns).to.have.length(1);
    expect(agent.ui.count("problem")).to.equal(6);
  });

  it("proves queued jobs earliest deadline first", async () => {
    const backend = new ControlledBackend();
    const loggedIn = relayer.nextLogin();
    agent = startAgent(relayer, { backend });
    const { conn } = await loggedIn;
    const first = makeJob(1, 60);
    const late = makeJob(1, 600);
    const soon = makeJob(1, 120);
    const order: string[] = [];
    relayer.on("submit", (s: Submission) => order.push(s.params.jobId));
    const allDone = waitFor(relayer, "submit", () => order.length === 3);
    conn.notify(first);
    conn.notify(late);
    conn.notify(soon);
    await allDone;
    expect(order).to.deep.equal([first.jobId, soon.jobId, late.jobId]);
  });

  it("reports a proof the relayer rejects, in words", async () => {
    const backend = new ControlledBackend();
    const bad = makeJob();
    const other = makeJob();
    // A well-formed proof, for another block.
    const { proof } = await builtin.prove(
      { ...other, blockId: BigInt(other.blockId), instance: other.instance as `0x${string}` } as never,
      new AbortController().signal,
    );
    backend.proofFor = (job) => (job.jobId === bad.jobId ? proof : undefined);
    const loggedIn = relayer.nextLogin();
    agent = startAgent(relayer, { backend });
    const { conn } = await loggedIn;
    const rejected = agent.ui.next("jobRejected");
    conn.notify(bad);
    await rejected;
    expect(agent.ui.text).to.include(`The relayer did not take the proof for block ${bad.blockId}`);
    expect(agent.ui.text).to.include("check the prover backend");
  });
});
