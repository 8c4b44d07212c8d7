import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { A4_PROTOCOL, TTKO, shutdownProver, type BlockEvidence } from "@zkpool/common";
import {
  deployTaikoFixture,
  L2Chain,
  proposeBlock,
  proveEvidence,
  stake,
  type ProposedBlock,
  type TaikoFixture,
} from "../../fixtures/taiko";
import { loadWithInvariants } from "../../helpers/invariants";
import {
  bytes32,
  avgProofDelay,
  blockFee,
  effectiveRewardPerGas,
  eventsIn,
  expectedSlash,
  gasCost,
  hex,
  mined,
  minedAt,
  movingAverage,
  openReward,
  proofWindow,
  proposeBlocks,
  proveFields,
} from "../../helpers/taiko";

/** Proves `block` for `prover` (sent by `prover`), at `at` when given; returns the evidence and provenAt. */
async function prove(
  f: TaikoFixture,
  chain: L2Chain,
  block: ProposedBlock,
  prover: HardhatEthersSigner,
  at?: bigint,
): Promise<{ evidence: BlockEvidence; provenAt: bigint }> {
  const { evidence, input } = await proveEvidence(chain, block, prover.address);
  if (at !== undefined) await time.setNextBlockTimestamp(at);
  const provenAt = await minedAt(await mined(f.taikoL1.connect(prover).proveBlock(block.id, input)));
  return { evidence, provenAt };
}

/** Moves the clock to the end of the cooldown of a proof made at `provenAt`, then verifies up to `max` blocks. */
async function verifyAfterCooldown(f: TaikoFixture, provenAt: bigint, max = 10) {
  await time.setNextBlockTimestamp(provenAt + f.params.taiko.proofRegularCooldown);
  return mined(f.taikoL1.verifyBlocks(max));
}

function verifiedIds(f: TaikoFixture, receipt: Awaited<ReturnType<typeof mined>>): bigint[] {
  return eventsIn(receipt, f.taikoL1, "BlockVerified").map((e) => e.args.blockId as bigint);
}

async function stakeOf(f: TaikoFixture, prover: HardhatEthersSigner) {
  const [staker, p] = await f.proverPool.getStaker(prover.address);
  return { staked: p.stakedAmount, exitAmount: staker.exitAmount, maxCapacity: staker.maxCapacity };
}

/** proverA alone: 1,000,000 TTKOe asking the fee per gas (1,000), capacity 16. */
async function proverAFixture(): Promise<TaikoFixture> {
  const f = await deployTaikoFixture();
  await stake(f, f.proverA, 1_000_000n * TTKO, 1_000, 16);
  return f;
}

/** Two verifications per proposal, for the blocks proposeBlock verifies on the way. */
async function twoPerProposalFixture(): Promise<TaikoFixture> {
  const f = await deployTaikoFixture({
    ...A4_PROTOCOL,
    taiko: { ...A4_PROTOCOL.taiko, blockMaxVerificationsPerTx: 2n },
  });
  await stake(f, f.proverA, 1_000_000n * TTKO, 1_000, 16);
  return f;
}

/** Moving averages that move fast (each sample weighs 1/4), proverA asking far above the fee. */
async function fastAveragesFixture(): Promise<TaikoFixture> {
  const f = await deployTaikoFixture({
    ...A4_PROTOCOL,
    taikoL1: { ...A4_PROTOCOL.taikoL1, feePerGasMAF: 4, proofDelayMAF: 4 },
  });
  await stake(f, f.proverA, 1_000_000n * TTKO, 1_000_000, 16);
  return f;
}

describe("TaikoL1: verifying", function () {
  const load = loadWithInvariants();
  after(shutdownProver);

  describe("rewards", function () {
    it("arrive at verification after the cooldown, not at proof: (20,000 + gasUsed) × rewardPerGas", async function () {
      const f = await load(proverAFixture);
      const chain = new L2Chain();
      const block = await proposeBlock(f, 2_000_000);
      chain.add(block);
      expect(block.rewardPerGas).to.equal(1_000);

      const { evidence, provenAt } = await prove(f, chain, block, f.proverA);
      expect(await f.taikoL1.getTaikoTokenBalance(f.proverA.address)).to.equal(0n);

      // Nothing verifies before the cooldown, up to its last second.
      await expect(f.taikoL1.verifyBlocks(10)).to.not.emit(f.taikoL1, "BlockVerified");
      await time.setNextBlockTimestamp(provenAt + f.params.taiko.proofRegularCooldown - 1n);
      await expect(f.taikoL1.verifyBlocks(10)).to.not.emit(f.taikoL1, "BlockVerified");
      expect((await f.taikoL1.getStateVariables()).lastVerifiedBlockId).to.equal(0n);
      expect(await f.taikoL1.getVerifiedBlockHash(1)).to.equal(ethers.ZeroHash);
      expect(await f.taikoL1.getTaikoTokenBalance(f.proverA.address)).to.equal(0n);

      const reward = (20_000n + BigInt(evidence.gasUsed)) * 1_000n;
      // eldfell's BlockVerified.blockFee: getBlockFee(gasUsed) = (gasUsed + anchor 180,000 + 20,000) × feePerGas
      const fee = (BigInt(evidence.gasUsed) + 180_000n + 20_000n) * 1_000n;
      const proposerBefore = await f.taikoL1.getTaikoTokenBalance(f.proposer.address);
      await time.setNextBlockTimestamp(provenAt + f.params.taiko.proofRegularCooldown);
      const tx = f.taikoL1.verifyBlocks(10);
      await expect(tx)
        .to.emit(f.taikoL1, "BlockVerified")
        .withArgs(1, evidence.blockHash, f.proverA.address, fee, reward);
      await expect(tx).to.not.emit(f.proverPool, "Slashed");
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, 0n);
      expect(await f.taikoL1.getTaikoTokenBalance(f.proverA.address)).to.equal(reward);
      // The proposer gets back what the block did not use of gasLimit + the anchor's gas, at its fee per gas.
      expect(await f.taikoL1.getTaikoTokenBalance(f.proposer.address)).to.equal(
        proposerBefore + (2_000_000n + 180_000n - BigInt(evidence.gasUsed)) * 1_000n,
      );
      expect(await f.taikoL1.getVerifiedBlockHash(1)).to.equal(evidence.blockHash);
      expect(await f.taikoL1.getCrossChainBlockHash(0)).to.equal(evidence.blockHash);
      expect(await f.taikoL1.getCrossChainSignalRoot(1)).to.equal(evidence.signalRoot);
      expect((await f.taikoL1.getBlock(1)).verifiedForkChoiceId).to.equal(1n);
      expect((await f.taikoL1.getStateVariables()).lastVerifiedBlockId).to.equal(1n);

      // The reward is proverA's to take out.
      await expect(f.taikoL1.connect(f.proverA).withdrawTaikoToken(reward)).to.changeTokenBalance(
        f.token,
        f.proverA,
        reward,
      );
    });

    it("an open block pays 1.5× to whoever proved it and slashes nobody", async function () {
      const f = await load(deployTaikoFixture);
      const chain = new L2Chain();
      const block = await proposeBlock(f);
      chain.add(block);
      expect(block.assignedProver).to.equal(ethers.ZeroAddress);

      const { evidence, provenAt } = await prove(f, chain, block, f.outsider);
      const base = (20_000n + BigInt(evidence.gasUsed)) * 1_000n;
      const tx = verifyAfterCooldown(f, provenAt);
      await expect(tx)
        .to.emit(f.taikoL1, "BlockVerified")
        .withArgs(1, evidence.blockHash, f.outsider.address, blockFee(f, evidence.gasUsed, 1_000n), (base * 3n) / 2n);
      await expect(tx).to.not.emit(f.proverPool, "Slashed");
      expect(await f.taikoL1.getTaikoTokenBalance(f.outsider.address)).to.equal((base * 3n) / 2n);
    });

    it("verifyBlocks(0) reverts L1_INVALID_PARAM", async function () {
      const f = await load(deployTaikoFixture);
      await expect(f.taikoL1.verifyBlocks(0)).to.be.revertedWithCustomError(f.taikoL1, "L1_INVALID_PARAM");
    });
  });

  describe("order", function () {
    it("blocks verify in order: a proven block waits for its unproven predecessor", async function () {
      const f = await load(proverAFixture);
      const chain = new L2Chain();
      const blocks = await proposeBlocks(f, chain, 3);
      await prove(f, chain, blocks[1]!, f.proverA);
      const { provenAt: third } = await prove(f, chain, blocks[2]!, f.proverA);
      expect(verifiedIds(f, await verifyAfterCooldown(f, third))).to.deep.equal([]);

      const { provenAt: first } = await prove(f, chain, blocks[0]!, f.proverA);
      await time.setNextBlockTimestamp(first + f.params.taiko.proofRegularCooldown - 1n);
      expect(verifiedIds(f, await mined(f.taikoL1.verifyBlocks(10)))).to.deep.equal([]);
      expect(verifiedIds(f, await verifyAfterCooldown(f, first))).to.deep.equal([1n, 2n, 3n]);
      expect((await f.taikoL1.getStateVariables()).lastVerifiedBlockId).to.equal(3n);
    });

    it("only the fork choice on the verified parent verifies", async function () {
      const f = await load(proverAFixture);
      const chain = new L2Chain();
      const [one, two] = await proposeBlocks(f, chain, 2);
      const { evidence: e1 } = await prove(f, chain, one!, f.proverA);
      // Block 2 proven first from a parent that is not block 1.
      const forked = await proveFields({
        ...chain.evidence(two!.id, two!.metaHash, hex(f.proverA.address)),
        parentHash: bytes32("not block 1"),
      });
      const forkedAt = await minedAt(await mined(f.taikoL1.connect(f.proverA).proveBlock(two!.id, forked.input)));

      expect(verifiedIds(f, await verifyAfterCooldown(f, forkedAt))).to.deep.equal([1n]);
      expect(verifiedIds(f, await mined(f.taikoL1.verifyBlocks(10)))).to.deep.equal([]);
      expect((await f.taikoL1.getStateVariables()).lastVerifiedBlockId).to.equal(1n);

      const { evidence: e2, provenAt } = await prove(f, chain, two!, f.proverA);
      expect(e2.parentHash).to.equal(e1.blockHash);
      const receipt = await verifyAfterCooldown(f, provenAt);
      expect(verifiedIds(f, receipt)).to.deep.equal([2n]);
      expect(eventsIn(receipt, f.taikoL1, "BlockVerified")[0]!.args.blockHash).to.equal(e2.blockHash);
      expect((await f.taikoL1.getBlock(2)).verifiedForkChoiceId).to.equal(2n);
      expect(await f.taikoL1.getVerifiedBlockHash(2)).to.equal(e2.blockHash);
    });

    it("verifyBlocks(n) verifies at most n blocks; proposeBlock verifies up to blockMaxVerificationsPerTx", async function () {
      const f = await load(twoPerProposalFixture);
      const chain = new L2Chain();
      const blocks = await proposeBlocks(f, chain, 4);
      let last = 0n;
      for (const block of blocks) last = (await prove(f, chain, block, f.proverA)).provenAt;

      expect(verifiedIds(f, await verifyAfterCooldown(f, last, 1))).to.deep.equal([1n]);
      const proposal = await mined(
        (async () => {
          const txList = ethers.toUtf8Bytes("verifying on the way");
          const input = ethers.AbiCoder.defaultAbiCoder().encode(
            ["tuple(bytes32,address,uint32,uint24,uint24,bool)"],
            [[ethers.keccak256(txList), f.proposer.address, 1_000_000, 0, txList.length, false]],
          );
          return f.taikoL1.connect(f.proposer).proposeBlock(input, txList);
        })(),
      );
      expect(eventsIn(proposal, f.taikoL1, "BlockProposed")).to.have.length(1);
      expect(verifiedIds(f, proposal)).to.deep.equal([2n, 3n]);
      expect(verifiedIds(f, await mined(f.taikoL1.verifyBlocks(5)))).to.deep.equal([4n]);
      expect((await f.taikoL1.getStateVariables()).lastVerifiedBlockId).to.equal(4n);
    });
  });

  describe("late proofs and slashing", function () {
    /**
     * proverA is assigned block 1 and proverB proves it after the window. At verification proverB earns 1.5× the
     * base reward, proverA earns nothing, gets its capacity back and loses exactly `expectedSlash`.
     */
    async function lateProofByB(f: TaikoFixture, gasLimit: number) {
      const chain = new L2Chain();
      const block = await proposeBlock(f, gasLimit);
      chain.add(block);
      expect(block.assignedProver).to.equal(f.proverA.address);
      const blk = await f.taikoL1.getBlock(block.id);
      const { evidence, provenAt } = await prove(f, chain, block, f.proverB, blk.proposedAt + blk.proofWindow + 1n);

      const before = await stakeOf(f, f.proverA);
      const base = (20_000n + BigInt(evidence.gasUsed)) * BigInt(block.rewardPerGas);
      const slash = expectedSlash(before.staked, before.maxCapacity, openReward(f, base));

      const tx = verifyAfterCooldown(f, provenAt);
      await expect(tx)
        .to.emit(f.taikoL1, "BlockVerified")
        .withArgs(
          block.id,
          evidence.blockHash,
          f.proverB.address,
          blockFee(f, evidence.gasUsed, 1_000n),
          (base * 3n) / 2n,
        );
      await expect(tx).to.emit(f.proverPool, "Slashed").withArgs(f.proverA.address, slash);
      expect(await f.taikoL1.getTaikoTokenBalance(f.proverB.address)).to.equal((base * 3n) / 2n);
      expect(await f.taikoL1.getTaikoTokenBalance(f.proverA.address)).to.equal(0n);
      expect((await stakeOf(f, f.proverA)).staked).to.equal(before.staked - slash);
      const [, a] = await f.proverPool.getStaker(f.proverA.address);
      expect(a.currentCapacity).to.equal(before.maxCapacity);
      return { base, before, slash };
    }

    it("the slash is 0.25% of stake / maxCapacity when that exceeds 4× the (1.5×) reward", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 10_000_000n * TTKO, 1_000, 16);
      const { base, before, slash } = await lateProofByB(f, 1_000_000);
      const byStake = (before.staked * 25n) / 10_000n / 16n;
      expect(byStake).to.equal(156_250_000_000n);
      expect(byStake).to.be.greaterThan(4n * openReward(f, base));
      expect(slash).to.equal(byStake);
    });

    it("the slash is 4× the reward TaikoL1 paid (1.5× the base) when that exceeds 0.25% of stake / maxCapacity", async function () {
      const f = await load(deployTaikoFixture);
      // Asking 125% of the fee on a 6M-gas block.
      await stake(f, f.proverA, 160_000n * TTKO, 1_000_000, 16);
      const { base, before, slash } = await lateProofByB(f, 6_000_000);
      const byStake = (before.staked * 25n) / 10_000n / 16n;
      expect(byStake).to.equal(2_500_000_000n);
      expect(4n * base).to.be.greaterThan(byStake);
      expect(base % 1_250n).to.equal(0n); // rewarded at the clamped 1,250 per gas
      expect(slash).to.equal(6n * base); // 4 × 1.5 × base: eldfell slashes on the reward it paid the late prover
    });

    it("the slash is capped at the stake; slashed to nothing, a prover keeps eldfell's minimum weight of 1", async function () {
      const f = await load(deployTaikoFixture);
      // MIN_STAKE_PER_CAPACITY (10,000 base units) × 16: far below 4× any block's reward.
      await stake(f, f.proverA, 160_000n, 1_000, 16);
      const { base, slash } = await lateProofByB(f, 1_000_000);
      expect(4n * base).to.be.greaterThan(160_000n);
      expect(slash).to.equal(160_000n);
      expect((await stakeOf(f, f.proverA)).staked).to.equal(0n);
      // Still in its slot with free capacity, it weighs 1 and, alone, is still assigned the next block.
      expect((await proposeBlock(f)).assignedProver).to.equal(f.proverA.address);
    });

    it("the assigned prover proving after its own window is paid 1.5× and slashed", async function () {
      const f = await load(proverAFixture);
      const chain = new L2Chain();
      const block = await proposeBlock(f);
      chain.add(block);
      const blk = await f.taikoL1.getBlock(block.id);
      const { evidence, provenAt } = await prove(f, chain, block, f.proverA, blk.proposedAt + blk.proofWindow + 1n);
      const base = (20_000n + BigInt(evidence.gasUsed)) * 1_000n;
      const slash = expectedSlash(1_000_000n * TTKO, 16n, openReward(f, base));
      const tx = verifyAfterCooldown(f, provenAt);
      await expect(tx)
        .to.emit(f.taikoL1, "BlockVerified")
        .withArgs(1, evidence.blockHash, f.proverA.address, blockFee(f, evidence.gasUsed, 1_000n), openReward(f, base));
      await expect(tx).to.emit(f.proverPool, "Slashed").withArgs(f.proverA.address, slash);
    });

    it("a proof exactly at the window's end is on time: no bonus, no slash", async function () {
      const f = await load(proverAFixture);
      const chain = new L2Chain();
      const block = await proposeBlock(f);
      chain.add(block);
      const blk = await f.taikoL1.getBlock(block.id);
      const { evidence, provenAt } = await prove(f, chain, block, f.proverA, blk.proposedAt + blk.proofWindow);
      const tx = verifyAfterCooldown(f, provenAt);
      await expect(tx)
        .to.emit(f.taikoL1, "BlockVerified")
        .withArgs(
          1,
          evidence.blockHash,
          f.proverA.address,
          blockFee(f, evidence.gasUsed, 1_000n),
          gasCost(f, evidence.gasUsed, 1_000n),
        );
      await expect(tx).to.not.emit(f.proverPool, "Slashed");
    });

    it("exiting does not escape the slash: it is taken from the exiting stake", async function () {
      const f = await load(proverAFixture);
      await time.increase(3600);
      const chain = new L2Chain();
      const block = await proposeBlock(f);
      chain.add(block);
      await f.proverPool.connect(f.proverA).exit();
      expect((await stakeOf(f, f.proverA)).exitAmount).to.equal(1_000_000n * TTKO);

      const blk = await f.taikoL1.getBlock(block.id);
      const { evidence, provenAt } = await prove(f, chain, block, f.proverB, blk.proposedAt + blk.proofWindow + 1n);
      const base = (20_000n + BigInt(evidence.gasUsed)) * 1_000n;
      // The exit period is not over: the exiting tokens are slashable, and slashed first.
      const slash = expectedSlash(1_000_000n * TTKO, 16n, openReward(f, base));
      await expect(verifyAfterCooldown(f, provenAt))
        .to.emit(f.proverPool, "Slashed")
        .withArgs(f.proverA.address, slash);
      expect((await stakeOf(f, f.proverA)).exitAmount).to.equal(1_000_000n * TTKO - slash);
    });
  });

  describe("moving averages", function () {
    it("feePerGas and avgProofDelay move at verification by 1/MAF of each sample (eldfell's 1/7,200)", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 1_000_000n * TTKO, 1, 16); // rewarded at 750 per gas
      const chain = new L2Chain();
      const block = await proposeBlock(f);
      chain.add(block);
      const { proposedAt } = await f.taikoL1.getBlock(block.id);
      const { provenAt } = await prove(f, chain, block, f.proverA, proposedAt + 2_000n);

      expect([(await f.taikoL1.getStateVariables()).feePerGas, await avgProofDelay(f)]).to.deep.equal([1_000n, 900n]);
      await verifyAfterCooldown(f, provenAt);
      const after = {
        feePerGas: (await f.taikoL1.getStateVariables()).feePerGas,
        avgProofDelay: await avgProofDelay(f),
      };
      // (1,000 × 7,199 + 750) / 7,200 = 999.97 → 999; (900 × 7,199 + 2,000) / 7,200 = 900.15 → 900
      expect(after.feePerGas).to.equal(999n);
      expect(after.avgProofDelay).to.equal(900n);
      expect(after.feePerGas).to.equal(movingAverage(1_000n, 750n, 7_200));
      expect(after.avgProofDelay).to.equal(movingAverage(900n, 2_000n, 7_200));
    });

    it("each verified block updates both averages in turn, and later blocks use them", async function () {
      const f = await load(fastAveragesFixture);
      const chain = new L2Chain();
      const [one, two] = await proposeBlocks(f, chain, 2);
      expect([one!.rewardPerGas, two!.rewardPerGas]).to.deep.equal([1_250, 1_250]);
      const p1 = (await f.taikoL1.getBlock(1)).proposedAt;
      const p2 = (await f.taikoL1.getBlock(2)).proposedAt;
      await prove(f, chain, one!, f.proverA, p1 + 2_000n);
      const { provenAt } = await prove(f, chain, two!, f.proverA, p2 + 2_400n);
      expect(provenAt).to.equal(p2 + 2_400n);

      await verifyAfterCooldown(f, provenAt);
      const fee1 = movingAverage(1_000n, 1_250n, 4); // (3,000 + 1,250) / 4 = 1,062
      const fee2 = movingAverage(fee1, 1_250n, 4); // (3,186 + 1,250) / 4 = 1,109
      const delay1 = movingAverage(900n, 2_000n, 4); // (2,700 + 2,000) / 4 = 1,175
      const delay2 = movingAverage(delay1, 2_400n, 4); // (3,525 + 2,400) / 4 = 1,481
      expect([fee1, fee2, delay1, delay2]).to.deep.equal([1_062n, 1_109n, 1_175n, 1_481n]);
      expect([(await f.taikoL1.getStateVariables()).feePerGas, await avgProofDelay(f)]).to.deep.equal([fee2, delay2]);

      // The next block: the new fee per gas prices it and clamps its reward, the new delay sets its window.
      const balance = await f.taikoL1.getTaikoTokenBalance(f.proposer.address);
      expect(await f.taikoL1.getBlockFee(1_000_000)).to.equal((1_000_000n + 180_000n + 20_000n) * fee2);
      const three = await proposeBlock(f);
      expect(three.feePerGas).to.equal(fee2);
      expect(BigInt(three.rewardPerGas)).to.equal(effectiveRewardPerGas(1_000_000n, fee2));
      expect(three.rewardPerGas).to.equal(1_386); // 125% of 1,109, rounded down
      const blk = await f.taikoL1.getBlock(3);
      expect(blk.proofWindow).to.equal(proofWindow(f, delay2));
      expect(blk.proofWindow).to.equal(3n * 1_481n);
      expect(await f.taikoL1.getTaikoTokenBalance(f.proposer.address)).to.equal(balance - 1_200_000n * fee2);
    });
  });
});
