import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { privateKeyToAccount } from "viem/accounts";
import { createLogger } from "@zkpool/common/node";
import { loadConfig } from "../../src/config";
import { startRelayer, type RunningRelayer } from "../../src/relayer";
import { freePort, startLocalPool, type LocalPool } from "./harness";
import { startAgent } from "./processes";
import type { ServiceProcess } from "../../../scripts/lib/processes";
import { ScriptedAgent } from "../support/agentClient";
import { RpcErrorCode, shutdownProver, type NotifyParams } from "@zkpool/common";

/** Polls `condition` (state with no event to await) every 50 ms, for at most 20 s. */
async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; !condition();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Transactions the relayer sent to submit proofs, from its metrics. */
async function submitTransactions(r: RunningRelayer): Promise<number> {
  const { values } = await r.metrics.transactions.get();
  return values.filter((v) => v.labels.purpose === "submit").reduce((sum, v) => sum + v.value, 0);
}

describe("relayer and agents on a local chain", function () {
  this.timeout(300_000);

  let local: LocalPool;
  let relayer: RunningRelayer;
  const agents: ServiceProcess[] = [];

  before(async () => {
    local = await startLocalPool();
    const config = loadConfig(local.relayerEnv(await freePort(), await freePort()));
    relayer = await startRelayer(
      { ...config, dataDir: mkdtempSync(path.join(tmpdir(), "zkpool-relayer-")) },
      createLogger("relayer", { level: process.env.E2E_LOG_LEVEL ?? "warn" }),
    );
  });

  after(async () => {
    for (const agent of agents) agent.kill("SIGKILL");
    await relayer?.stop();
    await local?.stop();
    // The relayer's proof checks and the scripted agents' proofs start snarkjs worker threads: stop them, or
    // mocha never exits.
    await shutdownProver();
  });

  it("proves a block assigned to the pool with a member's machine, and once Taiko verifies it credits that member exactly Taiko's reward", async () => {
    const alice = await local.prover(0);
    const key = await local.newAgentKey(alice, "alice-1");
    const agent = startAgent(key, relayer.gatewayPort, ["--name", "alice-1"]);
    agents.push(agent);
    await agent.waitFor((l) => /authorized|connected/i.test(String(l.msg)), "the agent logs in");
    const machine = privateKeyToAccount(key).address;

    const blockId = await local.propose();
    // The proof names its machine in the graffiti: ZKPool records that machine for the block's fork choice.
    const recorded = await local.nextEvent(local.pool.filters.ProofRecorded(blockId));
    expect(recorded.agent).to.equal(machine);
    expect(recorded.prover).to.equal(alice.address);
    const [proven] = await local.taikoL1.queryFilter(local.taikoL1.filters.BlockProven(blockId), 0);
    expect(proven?.args.prover).to.equal(await local.pool.getAddress());
    const [, , , , , , , , assigned] = await local.taikoL1.getBlock(blockId);
    expect(assigned).to.equal(await local.pool.getAddress());

    // Taiko verifies the block and pays the pool; the relayer confirms it, and the member gets exactly that.
    const verified = (await local.verify()).find((v) => v.blockId === blockId);
    expect(verified?.prover).to.equal(await local.pool.getAddress());
    expect((verified?.proofReward ?? 0n) > 0n, "Taiko paid the pool for the block").to.equal(true);
    const credited = await local.nextEvent(local.pool.filters.BlockCredited(blockId));
    expect(credited.prover).to.equal(alice.address);
    expect(credited.agent).to.equal(machine);
    expect(credited.reward).to.equal(verified?.proofReward);
    expect(await local.pool.sharesOf(alice.address, credited.epoch as bigint)).to.equal(verified?.proofReward);
    expect(
      (await local.pool.proofRecord(blockId, recorded.parentHash as string, recorded.parentGasUsed as bigint)).agent,
    ).to.equal("0x0000000000000000000000000000000000000000");
  });

  it("reassigns the job of an agent that dies mid-proof, and still proves it inside the window", async () => {
    for (const agent of agents) agent.kill("SIGKILL");
    await Promise.all(agents.map((a) => a.exited));
    await waitUntil(() => relayer.scheduler.sessionsList.length === 0, "the relayer sees the old agents gone");
    const bob = await local.prover(1);
    // Bob's first machine takes the job and dies before answering: its connection drops.
    const doomed = await ScriptedAgent.connect(relayer.gatewayPort, await local.newAgentKey(bob, "bob-doomed"));
    expect((await doomed.login()).error).to.equal(undefined);
    const blockId = await local.propose();
    const job = (await doomed.next("zkpool.notify")).params as NotifyParams;
    expect(job.blockId).to.equal(blockId.toString());

    const fastKey = await local.newAgentKey(bob, "bob-fast");
    const fast = startAgent(fastKey, relayer.gatewayPort);
    agents.push(fast);
    await fast.waitFor((l) => /authorized|connected/i.test(String(l.msg)), "bob's second machine logs in");
    doomed.close();

    const credited = await local.nextEvent(local.pool.filters.ProofRecorded(blockId));
    expect(credited.agent).to.equal(privateKeyToAccount(fastKey).address);
    expect(credited.prover).to.equal(bob.address);
    const [, , , , , , , proposedAt, , , proofWindow] = await local.taikoL1.getBlock(blockId);
    expect((await local.provenAt(blockId)) <= proposedAt + proofWindow, "proven inside the window").to.equal(true);
    fast.kill("SIGKILL");
    await fast.exited;
  });

  it("reassigns the job of an agent that stalls past its expected time", async () => {
    await waitUntil(() => relayer.scheduler.sessionsList.length === 0, "no other agent is connected");
    const frank = await local.prover(5);
    const stalled = await ScriptedAgent.connect(relayer.gatewayPort, await local.newAgentKey(frank, "frank-stuck"));
    // It claims 100 ms a proof, then never answers: after max(3 × 0.1 s, 0.1 s + 10 s) it is given up on.
    expect((await stalled.login({ msPerProof: 100 })).error).to.equal(undefined);
    const blockId = await local.propose();
    const job = (await stalled.next("zkpool.notify")).params as NotifyParams;
    const helper = await ScriptedAgent.connect(relayer.gatewayPort, await local.newAgentKey(frank, "frank-ok"));
    expect((await helper.login()).error).to.equal(undefined);
    const cancelled = await stalled.next("zkpool.cancel");
    expect((cancelled.params as { jobId: string }).jobId).to.equal(job.jobId);
    const retry = (await helper.next("zkpool.notify")).params as NotifyParams;
    expect(retry.blockId).to.equal(blockId.toString());
    expect((await helper.prove(retry)).error).to.equal(undefined);
    const credited = await local.nextEvent(local.pool.filters.ProofRecorded(blockId));
    expect(credited.agent).to.equal(helper.account.address);
    stalled.close();
    helper.close();
  });

  it("rejects a bad proof before any transaction and gives the job to another agent", async () => {
    await waitUntil(() => relayer.scheduler.sessionsList.length === 0, "no other agent is connected");
    const carol = await local.prover(2);
    const cheater = await ScriptedAgent.connect(relayer.gatewayPort, await local.newAgentKey(carol, "carol-bad"));
    expect((await cheater.login()).error).to.equal(undefined);
    const submitsBefore = await submitTransactions(relayer);
    const blockId = await local.propose();
    const job = (await cheater.next("zkpool.notify")).params as NotifyParams;
    expect(job.blockId).to.equal(blockId.toString());
    const reply = await cheater.prove(
      job,
      (proof) => `${proof.slice(0, 10)}${proof[10] === "0" ? "1" : "0"}${proof.slice(11)}` as `0x${string}`,
    );
    expect(reply.error?.code).to.equal(RpcErrorCode.BadProof);
    expect(await submitTransactions(relayer), "no transaction was sent for the bad proof").to.equal(submitsBefore);
    expect(await relayer.store.getSubmission(blockId)).to.equal(undefined);

    const honest = await ScriptedAgent.connect(relayer.gatewayPort, await local.newAgentKey(carol, "carol-good"));
    expect((await honest.login()).error).to.equal(undefined);
    const retry = (await honest.next("zkpool.notify")).params as NotifyParams;
    expect(retry.blockId).to.equal(blockId.toString());
    expect((await honest.prove(retry)).error).to.equal(undefined);
    const credited = await local.nextEvent(local.pool.filters.ProofRecorded(blockId));
    expect(credited.agent).to.equal(honest.account.address);
    cheater.close();
    honest.close();
  });

  it("refuses a revoked access key, and drops a connected agent whose key is revoked", async () => {
    const dave = await local.prover(3);
    const key = await local.newAgentKey(dave, "dave-1");
    const connected = await ScriptedAgent.connect(relayer.gatewayPort, key);
    expect((await connected.login()).error).to.equal(undefined);
    await local.revokeAgent(dave, key);
    await connected.closed; // the relayer sees AgentRevoked and closes the connection

    const again = await ScriptedAgent.connect(relayer.gatewayPort, key);
    const reply = await again.login();
    expect(reply.error?.code).to.equal(RpcErrorCode.AgentNotAuthorized);
    again.close();
  });

  it("answers malformed, oversized, unauthenticated and flooding clients with errors, cuts them off, and stays up", async () => {
    const key = await local.newAgentKey(await local.prover(4), "erin");
    // Malformed JSON and a request that is not JSON-RPC get error replies.
    const junk = await ScriptedAgent.connect(relayer.gatewayPort, key);
    junk.sendRaw("this is not json\n");
    junk.sendRaw(`${JSON.stringify({ hello: "world" })}\n`);
    const unknown = await junk.request("zkpool.mine", {});
    expect(unknown.error?.code).to.equal(RpcErrorCode.MethodNotFound);
    const badParams = await junk.request("zkpool.subscribe", { agent: 42 });
    expect(badParams.error?.code).to.equal(RpcErrorCode.InvalidParams);
    const codes = junk.replies.map((r) => r.error?.code);
    expect(codes).to.include(RpcErrorCode.ParseError);
    expect(codes).to.include(RpcErrorCode.InvalidRequest);
    // Submitting without logging in is refused.
    const early = await junk.request("zkpool.submit", {
      jobId: "1:1",
      proof: `0x${"00".repeat(320)}`,
    });
    expect(early.error?.code).to.equal(RpcErrorCode.NotAuthorized);
    junk.close();

    // An oversized frame gets an error and the connection is closed.
    const big = await ScriptedAgent.connect(relayer.gatewayPort, key);
    big.sendRaw("x".repeat(70 * 1024));
    await big.closed;
    expect(big.replies.map((r) => r.error?.code)).to.include(RpcErrorCode.FrameTooLarge);

    // A flood is rate limited, then cut off.
    const flood = await ScriptedAgent.connect(relayer.gatewayPort, key);
    for (let i = 0; i < 500; i++)
      flood.sendRaw(`${JSON.stringify({ jsonrpc: "2.0", id: i, method: "zkpool.heartbeat", params: { busy: 0 } })}\n`);
    await flood.closed;
    expect(flood.replies.map((r) => r.error?.code)).to.include(RpcErrorCode.RateLimited);

    // A client that never logs in is timed out.
    const idle = await ScriptedAgent.connect(relayer.gatewayPort, key);
    await idle.closed;
    expect(idle.replies.map((r) => r.error?.code)).to.include(RpcErrorCode.AuthTimeout);

    // The relayer is still up and still proves.
    const after = await ScriptedAgent.connect(relayer.gatewayPort, key);
    expect((await after.login()).error).to.equal(undefined);
    const blockId = await local.propose();
    const job = (await after.next("zkpool.notify")).params as NotifyParams;
    expect(job.blockId).to.equal(blockId.toString());
    expect((await after.prove(job)).error).to.equal(undefined);
    await local.nextEvent(local.pool.filters.ProofRecorded(blockId));
    after.close();
  });
});
