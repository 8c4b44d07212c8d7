/**
 * The relayer's transactions as a real process against a real Hardhat node: a proveBlock that does not mine in
 * time is replaced at the same nonce with higher fees, one that another prover's proof beats is recorded as lost,
 * and the pool's ProverPool capacity follows the connected machines within the owner's bounds, one change per
 * ProverPool change delay.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  encodeEvidence,
  LOCAL_INSTANCE_CONTEXT,
  instanceHash,
  proveInstance,
  type BlockEvidence,
  type NotifyParams,
} from "@zkpool/common";
import { openStore } from "../../src/store";
import { ScriptedAgent } from "../support/agentClient";
import {
  E2E_PROTOCOL,
  freePort,
  freshPoolPerTest,
  proofsOnChain,
  proveBlockTransactions,
  type LocalPool,
} from "./harness";
import { sentTransaction } from "./processes";
import type { ServiceProcess } from "../../../scripts/lib/processes";

describe("relayer transactions", function () {
  this.timeout(60_000);

  const fresh = freshPoolPerTest();
  let local: LocalPool;
  beforeEach(() => {
    local = fresh.local;
  });
  const agents: ScriptedAgent[] = [];
  afterEach(() => {
    for (const agent of agents.splice(0)) agent.close();
  });

  async function relayerProcess(settings: Record<string, string>): Promise<{
    relayer: ServiceProcess;
    env: Record<string, string>;
    gatewayPort: number;
  }> {
    const gatewayPort = await freePort();
    const env = {
      ...local.relayerEnv(gatewayPort, await freePort()),
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "zkpool-relayer-")),
      HARVEST_INTERVAL_MS: "600000",
      ...settings,
    };
    const relayer = await fresh.startRelayer(env);
    return { relayer, env, gatewayPort };
  }

  async function agent(gatewayPort: number, key: `0x${string}`, speed: { msPerProof: number; concurrency: number }) {
    const connected = await ScriptedAgent.connect(gatewayPort, key);
    agents.push(connected);
    expect((await connected.login(speed)).error).to.equal(undefined);
    return connected;
  }

  it("replaces a proveBlock that does not mine in time at the same nonce with fees raised by a quarter", async () => {
    const { relayer, env, gatewayPort } = await relayerProcess({ RECEIPT_TIMEOUT_MS: "1500" });
    // Its first capacity sync (the next is 10 minutes away) is over before automine goes off.
    await relayer.waitFor((l) => l.component === "housekeeping" && /capacity/.test(String(l.msg)), "capacity sync");
    const alice = await local.prover(0);
    const alicesAgent = await agent(gatewayPort, await local.newAgentKey(alice, "alice-1"), {
      msPerProof: 500,
      concurrency: 1,
    });
    const blockId = await local.propose();
    const job = (await alicesAgent.next("zkpool.notify")).params as NotifyParams;
    expect(job.blockId).to.equal(blockId.toString());

    await local.setAutomine(false);
    expect((await alicesAgent.prove(job)).error).to.equal(undefined);
    const firstHash = await sentTransaction(relayer, "submit");
    const first = await local.transaction(firstHash);
    expect(first?.blockNumber, "the first transaction waits in the mempool").to.equal(null);
    // The replacement goes out under the same nonce (or the node refuses it: then fail now, not at the timeout).
    const replacement = await relayer.waitFor(
      (l) =>
        l.purpose === "submit" &&
        ((l.msg === "transaction sent" && l.attempt === 1) || l.msg === "replacement refused by the node"),
      "the relayer replaces its transaction",
    );
    expect(replacement.msg, String(replacement.err && JSON.stringify(replacement.err))).to.equal("transaction sent");
    expect(replacement.nonce).to.equal(first?.nonce);
    const replacementHash = replacement.hash as string;
    // Hardhat's mempool keeps one transaction per nonce: the replacement took the first one's place.
    expect(await local.transaction(firstHash), "the replaced transaction left the mempool").to.equal(null);
    await local.mine();
    await local.setAutomine(true);
    await relayer.waitFor(
      (l) => l.msg === "proof recorded on-chain: its agent's prover is credited once Taiko verifies the block",
      "the replacement mines",
    );

    const proofs = await proveBlockTransactions(local, blockId);
    expect(
      proofs.map((tx) => tx.status),
      "one proveBlock mined for the block",
    ).to.deep.equal(["success"]);
    const [mined] = proofs;
    expect(mined?.hash).to.not.equal(firstHash);
    expect(mined?.nonce, "the replacement has the first transaction's nonce").to.equal(first?.nonce);
    expect(4n * mined!.maxFeePerGas >= 5n * first!.maxFeePerGas, "maxFeePerGas raised by a quarter").to.equal(true);
    expect(
      4n * mined!.maxPriorityFeePerGas >= 5n * first!.maxPriorityFeePerGas,
      "maxPriorityFeePerGas raised by a quarter",
    ).to.equal(true);
    expect(await local.transaction(firstHash), "the first transaction never mined").to.equal(null);

    const pool = await local.pool.getAddress();
    const proven = await local.taikoL1.queryFilter(local.taikoL1.filters.BlockProven(blockId), 0);
    expect(proven.map((e) => e.args.prover)).to.deep.equal([pool]);
    const recorded = await local.pool.queryFilter(local.pool.filters.ProofRecorded(blockId), 0);
    expect(recorded.map((e) => [e.args.prover, e.args.agent])).to.deep.equal([
      [alice.address, alicesAgent.account.address],
    ]);

    relayer.kill("SIGTERM");
    expect(await relayer.exited).to.equal(0);
    const store = await openStore({ dataDir: env.DATA_DIR });
    try {
      const submission = await store.getSubmission(blockId);
      expect(submission?.status).to.equal("confirmed");
      expect(submission?.nonce).to.equal(first?.nonce);
      expect(submission?.txHashes.slice(0, 2), "both transactions recorded, first first").to.deep.equal([
        firstHash,
        replacementHash,
      ]);
      expect(submission?.txHashes).to.include(mined?.hash);
      expect((await store.getJob(blockId))?.status).to.equal("proven");
    } finally {
      await store.close();
    }
  });

  it("records a proveBlock that another prover's proof beat on-chain as lost, once, neither retried nor an error", async () => {
    const { relayer, env, gatewayPort } = await relayerProcess({});
    // Its first capacity sync (the next is 10 minutes away) is over before automine goes off.
    await relayer.waitFor((l) => l.component === "housekeeping" && /capacity/.test(String(l.msg)), "capacity sync");
    const alicesAgent = await agent(gatewayPort, await local.newAgentKey(await local.prover(0), "alice-1"), {
      msPerProof: 500,
      concurrency: 1,
    });
    const blockId = await local.propose();
    const job = (await alicesAgent.next("zkpool.notify")).params as NotifyParams;
    expect(job.blockId).to.equal(blockId.toString());

    // A rival prover's proof of the same block, for once the block's window has passed (anyone may prove it).
    const rival = await local.prover(9);
    const rivalEvidence = { ...(job.evidence as Omit<BlockEvidence, "proof">), prover: rival.address };
    const { proof } = await proveInstance(instanceHash(rivalEvidence, LOCAL_INSTANCE_CONTEXT), {
      difficulty: job.difficulty,
    });
    const [, , , , , , , , , , proofWindow] = await local.taikoL1.getBlock(blockId);
    await local.increaseTime(proofWindow + 1n);

    // The pool's proof passes its simulation and waits in the mempool; the rival's, with higher fees, mines first
    // in the same block, and the pool's reverts there.
    await local.setAutomine(false);
    expect((await alicesAgent.prove(job)).error).to.equal(undefined);
    const poolTx = await local.transaction(await sentTransaction(relayer, "submit"));
    await local.taikoL1.connect(rival.signer).proveBlock(blockId, encodeEvidence({ ...rivalEvidence, proof }), {
      gasLimit: 3_000_000n,
      maxFeePerGas: 10n * poolTx!.maxFeePerGas,
      maxPriorityFeePerGas: 10n * poolTx!.maxPriorityFeePerGas,
    });
    await local.mine();
    await local.setAutomine(true);

    const lost = await relayer.waitFor(
      (l) => l.blockId === blockId.toString() && l.component === "submit" && /lost|failed|refuse/.test(String(l.msg)),
      "the relayer records the lost race",
    );
    expect(lost.msg).to.equal("block already proven by another prover: recorded as lost, not retried");
    // ZKPool takes Taiko's L1_ALREADY_PROVEN, finds the rival's fork choice on this parent, and says so.
    expect(lost.reason).to.equal("ForkChoiceMismatch");
    // An assigned block lost after its window: worth a warning, not an error.
    expect(lost.level).to.equal(40);

    relayer.kill("SIGTERM");
    expect(await relayer.exited).to.equal(0);
    expect(
      relayer.lines.filter((l) => Number(l.level) >= 50).map((l) => l.msg),
      "no error logged",
    ).to.deep.equal([]);
    const onChain = await proofsOnChain(local, blockId);
    expect(onChain.proven.map(([prover]) => prover)).to.deep.equal([rival.address]);
    expect(onChain.recorded, "the pool records nobody for the rival's proof").to.deep.equal([]);
    expect(
      onChain.proveBlocks.map(([, status]) => status),
      "one proveBlock, reverted, not sent again",
    ).to.deep.equal(["reverted"]);
    const store = await openStore({ dataDir: env.DATA_DIR });
    try {
      const submission = await store.getSubmission(blockId);
      expect([submission?.status, submission?.error], "a final submission").to.deep.equal([
        "rejected",
        "ForkChoiceMismatch",
      ]);
      const stored = await store.getJob(blockId);
      expect([stored?.status, stored?.detail]).to.deep.equal(["lost", "ForkChoiceMismatch"]);
      expect(await store.attempts(blockId), "the job was not handed out again").to.have.length(1);
    } finally {
      await store.close();
    }
  });

  it("follows the connected machines' capacity within the owner's bounds, each change as it comes", async () => {
    // ProverPool's MIN_CAPACITY is eldfell's 5.
    const [minCapacity, maxCapacity] = [5, 16];
    await (await local.pool.setCapacityBounds(minCapacity, maxCapacity)).wait();
    const { relayer, gatewayPort } = await relayerProcess({ CAPACITY_INTERVAL_MS: "1000" });

    // No block is proven, so the proof window stays at its first value.
    const windowMs = 1000 * Math.max(E2E_PROTOCOL.taikoL1.initAvgProofDelay * 3, E2E_PROTOCOL.taiko.proofMinWindow);
    /** Blocks in flight machines can prove within one proof window at half their speed. */
    const offered = (...machines: Array<{ msPerProof: number; concurrency: number }>) =>
      Math.floor(machines.reduce((sum, m) => sum + (m.concurrency * windowMs) / m.msPerProof, 0) / 2);

    const onChainCapacity = async () => Number((await local.pool.stakeInfo()).staker.maxCapacity);
    const changes: number[] = [];
    /** The relayer's next capacity change: awaited from its transaction's log, then read from the chain. */
    const nextChange = async (to: number, from: number) => {
      await relayer.waitFor(
        (l) => l.msg === "pool capacity follows the connected machines" && l.to === to,
        `the relayer changes the pool's capacity to ${to}`,
        from,
      );
      changes.push(to);
      expect(await onChainCapacity()).to.equal(to);
    };
    /** Where the relayer's log stands: what it logs after this. */
    const mark = () => relayer.lines.length;

    // No machine connected: the owner's minimum.
    expect(await onChainCapacity()).to.equal(32);
    await nextChange(minCapacity, 0);

    // One machine, 2 s a proof: 30 s window / 2 s / 2 = 7 blocks in flight, within the bounds. Nothing of the
    // pool's is exiting, so eldfell's change delay does not hold the change back.
    const alice = await local.prover(0);
    const slow = { msPerProof: 2_000, concurrency: 1 };
    let from = mark();
    const first = await agent(gatewayPort, await local.newAgentKey(alice, "alice-slow"), slow);
    const one = offered(slow);
    expect(one).to.equal(7);
    await nextChange(one, from);

    // A faster machine adds 15 (22 in all): held to the owner's maximum.
    const fast = { msPerProof: 1_000, concurrency: 1 };
    expect(offered(slow, fast)).to.equal(22);
    from = mark();
    const second = await agent(gatewayPort, await local.newAgentKey(alice, "alice-fast"), fast);
    await nextChange(maxCapacity, from);

    // Both machines gone: back to the owner's minimum.
    from = mark();
    first.close();
    second.close();
    await nextChange(minCapacity, from);

    // Every change was one successful adjustCapacity: none sent to revert.
    const adjustments = (await local.relayerTransactions()).filter((tx) => tx.functionName === "adjustCapacity");
    expect(adjustments.map((tx) => [Number(tx.args[0]), tx.status])).to.deep.equal(changes.map((c) => [c, "success"]));
    expect(changes).to.deep.equal([minCapacity, one, maxCapacity, minCapacity]);
  });
});
