/**
 * The relayer as a real process, killed with SIGKILL while its proveBlock transaction is in the node's mempool
 * (Hardhat's automine off), then restarted on the same database: the block must be proven once, credited once,
 * with no second transaction for it, and recorded as proven in the store.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Address, Hash } from "viem";
import type { NotifyParams } from "@zkpool/common";
import { openStore } from "../../src/store";
import { ScriptedAgent } from "../support/agentClient";
import { freePort, freshPoolPerTest, type LocalPool } from "./harness";
import { sentTransaction } from "./processes";
import type { ServiceProcess } from "../../../scripts/lib/processes";

interface Crashed {
  blockId: bigint;
  /** The proveBlock transaction the killed relayer left in the mempool. */
  hash: Hash;
  prover: Address;
  agent: Address;
  env: Record<string, string>;
}

describe("relayer killed mid-submission", function () {
  this.timeout(60_000);

  const fresh = freshPoolPerTest();
  let local: LocalPool;
  beforeEach(() => {
    local = fresh.local;
  });

  /**
   * A relayer proves a block with a member's agent, and is SIGKILLed once its proveBlock transaction is sent
   * (and recorded), while the transaction still waits in the mempool.
   */
  async function crashMidSubmission(): Promise<Crashed> {
    const gatewayPort = await freePort();
    const env = {
      ...local.relayerEnv(gatewayPort, await freePort()),
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "zkpool-relayer-")),
      HARVEST_INTERVAL_MS: "600000",
    };
    const relayer = await fresh.startRelayer(env);
    // Its first capacity sync (the next is 10 minutes away) is over before automine goes off.
    await relayer.waitFor((l) => l.component === "housekeeping" && /capacity/.test(String(l.msg)), "capacity sync");
    const alice = await local.prover(0);
    const agent = await ScriptedAgent.connect(gatewayPort, await local.newAgentKey(alice, "alice-1"));
    expect((await agent.login()).error).to.equal(undefined);
    const blockId = await local.propose();
    const job = (await agent.next("zkpool.notify")).params as NotifyParams;
    expect(job.blockId).to.equal(blockId.toString());

    await local.setAutomine(false);
    expect((await agent.prove(job)).error).to.equal(undefined);
    const hash = await sentTransaction(relayer, "submit");
    relayer.kill("SIGKILL");
    await relayer.exited;
    agent.close();
    expect((await local.transaction(hash))?.blockNumber, "the transaction is still in the mempool").to.equal(null);
    return { blockId, hash, prover: alice.address, agent: agent.account.address, env };
  }

  /** What a user checks on the chain: one BlockProven by the pool, one ProofRecorded (its member's machine), one proveBlock sent. */
  async function expectProvenOnce(crashed: Crashed): Promise<void> {
    const pool = await local.pool.getAddress();
    const proven = await local.taikoL1.queryFilter(local.taikoL1.filters.BlockProven(crashed.blockId), 0);
    expect(proven.map((e) => e.args.prover)).to.deep.equal([pool]);
    const recorded = await local.pool.queryFilter(local.pool.filters.ProofRecorded(crashed.blockId), 0);
    expect(recorded.map((e) => [e.args.prover, e.args.agent])).to.deep.equal([[crashed.prover, crashed.agent]]);

    const head = await local.blockNumber();
    const txs = await local.relayerTransactions(head);
    const proofs = txs.filter((tx) => tx.functionName === "proveBlock" && tx.args[0] === crashed.blockId);
    expect(
      proofs.map((tx) => tx.status),
      "one proveBlock transaction for the block",
    ).to.deep.equal(["success"]);
    expect(
      txs.filter((tx) => tx.status !== "success"),
      "no transaction wasted on a revert",
    ).to.deep.equal([]);
    expect(txs.map((tx) => tx.nonce)).to.deep.equal(txs.map((_, i) => i));
    expect(await local.relayerNonce(head), "every nonce the relayer used is one mined transaction").to.equal(
      txs.length,
    );
  }

  /** Stops the relayer gracefully and reads its store: the job is proven, its submission confirmed. */
  async function expectRecordedProven(relayer: ServiceProcess, crashed: Crashed): Promise<void> {
    relayer.kill("SIGTERM");
    expect(await relayer.exited).to.equal(0);
    const store = await openStore({ dataDir: crashed.env.DATA_DIR });
    try {
      expect((await store.getJob(crashed.blockId))?.status).to.equal("proven");
      expect((await store.getSubmission(crashed.blockId))?.status).to.equal("confirmed");
    } finally {
      await store.close();
    }
  }

  it("finds its transaction mined after a restart: no second transaction, one credit", async () => {
    const crashed = await crashMidSubmission();
    await local.mine();
    await local.setAutomine(true);

    const relayer = await fresh.startRelayer(crashed.env);
    await relayer.waitFor((l) => /made it on-chain before the restart/.test(String(l.msg)), "the recovery");
    await expectProvenOnce(crashed);
    await expectRecordedProven(relayer, crashed);
  });

  it("resubmits when its transaction was dropped from the mempool: one credit", async () => {
    const crashed = await crashMidSubmission();
    await local.dropTransaction(crashed.hash);
    await local.setAutomine(true);

    const relayer = await fresh.startRelayer(crashed.env);
    await relayer.waitFor(
      (l) => l.msg === "proof recorded on-chain: its agent's prover is credited once Taiko verifies the block",
      "the resubmission",
    );
    await expectProvenOnce(crashed);
    await expectRecordedProven(relayer, crashed);
  });

  it("waits for its transaction still in the mempool after a restart instead of sending another", async () => {
    const crashed = await crashMidSubmission();
    const relayer = await fresh.startRelayer(crashed.env);
    await local.mine();
    await local.setAutomine(true);
    await relayer.waitFor(
      (l) => l.msg === "proof recorded on-chain: its agent's prover is credited once Taiko verifies the block",
      "the recovered submission",
    );
    await expectProvenOnce(crashed);
    await expectRecordedProven(relayer, crashed);
  });
});
