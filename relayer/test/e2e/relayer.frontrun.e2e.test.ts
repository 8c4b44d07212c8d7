/**
 * Issue 9's outsider, for real: the relayer, two members' agents and an outsider each run as their own process
 * against a Hardhat node whose automine is off. The test mines, and only once the outsider has answered every
 * ZKPool.proveBlock waiting in the mempool, so the outsider always wins the race to the block: it lands a copy of
 * the pool's proof on TaikoL1 first, or first proves the block from a made-up parent in another member's name.
 * Every member is still credited for its own work, exactly what Taiko paid, and no pool block misses its window.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { decodeFunctionData, getAddress, type Address, type Hash, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { decodeEvidence, graffitiAgent, zkPoolAbi } from "@zkpool/common";
import { localPrivateKey } from "../../../scripts/local/accounts";
import type { ServiceProcess } from "../../../scripts/lib/processes";
import { ProverPool__factory } from "../../../typechain-types";
import { freePort, freshPoolPerTest, type LocalPool } from "./harness";
import { startAgent, startOutsider } from "./processes";

/** Blocks proposed to the pool, one after the other: even ids are copied, odd ones get a made-up parent first. */
const BLOCKS = 6;

const RECORDED = "proof recorded on-chain: its agent's prover is credited once Taiko verifies the block";

/**
 * Mines the node's mempool, but never a ZKPool.proveBlock the outsider has not answered yet: it waits for the
 * outsider's "front-ran" line for each, reads the mempool again (the outsider's transactions are in it), and
 * mines once every pool proof in it is answered. The mempool has no event to await over HTTP, so an empty one is
 * polled every 50 ms, as the harness polls logs.
 */
function mineBehind(local: LocalPool, outsider: ServiceProcess, outsiderAddress: Address) {
  const pool = local.deployment.contracts.ZKPool.address.toLowerCase();
  const isPoolProof = (tx: { from: Address; to: Address | null; data: Hex }) =>
    tx.to?.toLowerCase() === pool &&
    tx.from.toLowerCase() !== outsiderAddress.toLowerCase() &&
    decodeFunctionData({ abi: zkPoolAbi, data: tx.data }).functionName === "proveBlock";
  let running = true;
  const done = (async () => {
    while (running) {
      let pending = await local.pendingTransactions();
      for (let unanswered = pending.filter(isPoolProof); unanswered.length > 0;) {
        for (const tx of unanswered) {
          await outsider.waitFor(
            (l) => l.msg === "front-ran" && l.poolTx === tx.hash,
            `the outsider answers ${tx.hash}`,
          );
        }
        const answered = new Set(unanswered.map((tx) => tx.hash));
        pending = await local.pendingTransactions();
        unanswered = pending.filter((tx) => isPoolProof(tx) && !answered.has(tx.hash));
      }
      if (pending.length > 0) await local.mine();
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}

describe("an outsider racing the pool's proofs from the mempool", function () {
  this.timeout(120_000);

  const fresh = freshPoolPerTest();

  it("credits every member exactly Taiko's payout for the blocks its machine proved, with no pool block past its window, though the outsider lands first every time", async () => {
    const local = fresh.local;
    const provider = new JsonRpcProvider(local.rpcUrl, undefined, { pollingInterval: 100 });
    const poolAddress = local.deployment.contracts.ZKPool.address;
    const gatewayPort = await freePort();
    const relayer = await fresh.startRelayer({
      ...local.relayerEnv(gatewayPort, await freePort()),
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "zkpool-relayer-")),
      HARVEST_INTERVAL_MS: "600000",
    });

    // Two members, one machine each: the machine's prover is who its proofs must credit.
    const members = [await local.prover(0), await local.prover(1)];
    const proverOf = new Map<Address, Address>();
    for (const [i, member] of members.entries()) {
      const key = await local.newAgentKey(member, `member-${i}`);
      proverOf.set(privateKeyToAccount(key).address, member.address);
      const agent = startAgent(key, gatewayPort, ["--name", `member-${i}`]);
      fresh.processes.push(agent);
      await agent.waitFor((l) => /authorized|connected/i.test(String(l.msg)), `member ${i}'s machine logs in`);
    }
    const outsiderKey = localPrivateKey(40);
    const outsiderAddress = privateKeyToAccount(outsiderKey).address;
    const outsider = await startOutsider({
      RPC_URL: local.rpcUrl,
      OUTSIDER_KEY: outsiderKey,
      ZKPOOL: poolAddress,
      TAIKO_L1: local.deployment.contracts.TaikoL1.address,
    });
    fresh.processes.push(outsider);

    await local.setAutomine(false, { mineOwn: false });
    const miner = mineBehind(local, outsider, outsiderAddress);
    const blockIds: bigint[] = [];
    /** What the relayer logged when each block's proof was recorded: which machine's proof, in which transaction. */
    const recordedBy = new Map<bigint, { agent: Address; tx: Hash }>();
    try {
      // One block at a time: the relayer's proof of a block is alone in the mempool when the outsider answers it.
      for (let i = 0; i < BLOCKS; i++) {
        const from = relayer.lines.length;
        const blockId = await local.propose();
        blockIds.push(blockId);
        const line = await relayer.waitFor(
          (l) => l.msg === RECORDED && l.blockId === blockId.toString(),
          `the relayer records block ${blockId}'s proof`,
          from,
        );
        recordedBy.set(blockId, { agent: getAddress(line.agent as string), tx: line.tx as Hash });
      }
      // Taiko verifies them and pays the pool (the first ones may have been verified by a later proposal already);
      // the relayer confirms every record, the outsider's too.
      await local.verify();
      await Promise.all(blockIds.map((id) => local.nextEvent(local.pool.filters.BlockCredited(id))));
      await Promise.all(
        blockIds.filter((id) => id % 2n === 1n).map((id) => local.nextEvent(local.pool.filters.ProofNotCredited(id))),
      );
    } finally {
      await miner.stop();
    }

    const front = outsider.lines.filter((l) => l.msg === "front-ran");
    const credited = await local.pool.queryFilter(local.pool.filters.BlockCredited(), 0);
    for (const blockId of blockIds) {
      const label = `block ${blockId}`;
      const [, , , , , , , proposedAt, assigned, , proofWindow] = await local.taikoL1.getBlock(blockId);
      expect(assigned, label).to.equal(poolAddress);

      // The pool's own transaction: the relayer's, with the proof of the machine the relayer says proved it.
      const recorded = recordedBy.get(blockId)!;
      const ours = await provider.getTransaction(recorded.tx);
      const oursReceipt = await provider.getTransactionReceipt(recorded.tx);
      expect(ours?.from, label).to.equal(local.relayerAddress);
      expect(oursReceipt?.status, `${label}: the pool's proveBlock succeeds`).to.equal(1);
      const call = local.pool.interface.parseTransaction({ data: ours!.data });
      expect(call?.name).to.equal("proveBlock");
      const evidence = decodeEvidence(call!.args[1] as Hex);
      const machine = graffitiAgent(evidence.graffiti)!;
      expect(machine, `${label}: the graffiti names the machine the relayer logged`).to.equal(recorded.agent);
      expect(proverOf.has(machine), `${label}: a member's machine proved it`).to.equal(true);

      // The outsider answered that very transaction, and its own mined first, in the same block.
      const answer = front.filter((l) => l.poolTx === recorded.tx);
      expect(
        answer.map((l) => [l.kind, l.blockId]),
        label,
      ).to.deep.equal([[blockId % 2n === 0n ? "copy" : "made-up parent", blockId.toString()]]);
      const theirs = await provider.getTransactionReceipt(answer[0]!.sent as string);
      expect(theirs?.status, `${label}: the outsider's transaction succeeds`).to.equal(1);
      expect(theirs?.from, label).to.equal(outsiderAddress);
      expect(theirs?.blockNumber, `${label}: one block`).to.equal(oursReceipt?.blockNumber);
      expect(theirs!.index < oursReceipt!.index, `${label}: the outsider's first`).to.equal(true);

      // Taiko's proofs of the block, by transaction sender: the outsider's first, from the real parent (a copy) or
      // a made-up one; the pool's own proof opens a fork choice only in the second case.
      const proven = await local.taikoL1.queryFilter(local.taikoL1.filters.BlockProven(blockId), 0);
      const provenBy = await Promise.all(
        proven.map(async (e) => [
          (await provider.getTransaction(e.transactionHash))?.from,
          e.args.parentHash === evidence.parentHash ? "real parent" : "made-up parent",
          e.args.prover,
        ]),
      );
      expect(provenBy, label).to.deep.equal(
        blockId % 2n === 0n
          ? [[outsiderAddress, "real parent", poolAddress]]
          : [
              [outsiderAddress, "made-up parent", poolAddress],
              [local.relayerAddress, "real parent", poolAddress],
            ],
      );

      // The fork choice Taiko verified is the pool's, proven inside the window: no slashing.
      const forkChoice = await local.taikoL1.getForkChoice(blockId, evidence.parentHash, evidence.parentGasUsed);
      expect(forkChoice.prover, label).to.equal(poolAddress);
      expect(forkChoice.provenAt <= proposedAt + proofWindow, `${label} proven inside its window`).to.equal(true);
      const payout = (await local.taikoL1.queryFilter(local.taikoL1.filters.BlockVerified(blockId), 0)).map(
        (e) => e.args,
      );
      expect(
        payout.map((v) => [v.prover, v.blockHash]),
        `${label} verified once, for the pool's proof`,
      ).to.deep.equal([[poolAddress, evidence.blockHash]]);
      expect(payout[0]!.proofReward > 0n, `${label}: Taiko paid the pool`).to.equal(true);

      // Credited once, to the prover of the machine that proved it, exactly what Taiko paid.
      const credits = credited.filter((e) => e.args.blockId === blockId);
      expect(
        credits.map((e) => [e.args.prover, e.args.agent, e.args.reward]),
        `${label} credited once, to its machine's member`,
      ).to.deep.equal([[proverOf.get(machine), machine, payout[0]!.proofReward]]);

      // The made-up parent was recorded in another member's name, and dropped at confirmation.
      const records = await local.pool.queryFilter(local.pool.filters.ProofRecorded(blockId), 0);
      const dropped = await local.pool.queryFilter(local.pool.filters.ProofNotCredited(blockId), 0);
      if (blockId % 2n === 0n) {
        expect(
          records.map((e) => [e.args.agent, e.args.forkChoiceId]),
          `${label}: the copy recorded for its machine`,
        ).to.deep.equal([[machine, 1n]]);
        expect(dropped, label).to.deep.equal([]);
      } else {
        const named = getAddress(answer[0]!.named as string);
        expect(named, `${label}: the made-up proof names another member's machine`).to.not.equal(machine);
        expect(
          records.map((e) => [e.args.agent, e.args.forkChoiceId]),
          `${label}: the made-up parent's record, then the pool's`,
        ).to.deep.equal([
          [named, 1n],
          [machine, 2n],
        ]);
        expect(
          dropped.map((e) => [e.args.agent, e.args.forkChoiceId, e.args.verifiedForkChoiceId]),
          `${label}: the made-up record dropped`,
        ).to.deep.equal([[named, 1n, 2n]]);
      }
    }

    // Nobody but the members was credited, and each member for its own machine's blocks (both machines worked).
    expect(credited).to.have.length(BLOCKS);
    const creditedProvers = new Set(credited.map((e) => e.args.prover));
    expect([...creditedProvers].sort()).to.deep.equal(members.map((m) => m.address).sort());
    const proverPool = ProverPool__factory.connect(local.deployment.contracts.ProverPool.address, provider);
    expect(
      await proverPool.queryFilter(proverPool.filters.Slashed(poolAddress), 0),
      "the pool never slashed",
    ).to.deep.equal([]);
    expect(
      relayer.lines.filter((l) => Number(l.level) >= 50).map((l) => l.msg),
      "no error logged by the relayer",
    ).to.deep.equal([]);
    provider.destroy();
  });
});
