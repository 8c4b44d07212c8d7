import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { TTKO, shutdownProver } from "@zkpool/common";
import {
  deployTaikoFixture,
  L2Chain,
  proposeBlock,
  proveEvidence,
  stake,
  type TaikoFixture,
} from "../../fixtures/taiko";
import { loadWithInvariants } from "../../helpers/invariants";
import { asTaikoL1, effectiveRewardPerGas, proposeBlocks } from "../../helpers/taiko";

const ZERO = ethers.ZeroAddress;

async function capacityOf(f: TaikoFixture, prover: HardhatEthersSigner): Promise<bigint> {
  const [, p] = await f.proverPool.getStaker(prover.address);
  return p.currentCapacity;
}

/** proverA alone in the pool: 1,000,000 TTKOe asking exactly the fee per gas, capacity 16. */
async function proverAFixture(): Promise<TaikoFixture> {
  const f = await deployTaikoFixture();
  await stake(f, f.proverA, 1_000_000n * TTKO, 1_000, 16);
  return f;
}

describe("ProverPool: assignment", function () {
  const load = loadWithInvariants();
  after(shutdownProver);

  describe("capacity", function () {
    it("an assignment takes one unit of the assigned prover's capacity", async function () {
      const f = await load(proverAFixture);
      const block = await proposeBlock(f);
      expect(block.assignedProver).to.equal(f.proverA.address);
      expect(await capacityOf(f, f.proverA)).to.equal(15n);
      expect(await f.proverPool.getCapacity()).to.equal(15n);
      const blk = await f.taikoL1.getBlock(block.id);
      expect(blk.assignedProver).to.equal(f.proverA.address);
      expect(blk.proverReleased).to.equal(false);
    });

    it("the assigned prover's proof gives it back, and verification does not give it twice", async function () {
      const f = await load(proverAFixture);
      const chain = new L2Chain();
      const [block] = await proposeBlocks(f, chain, 2);
      expect(await capacityOf(f, f.proverA)).to.equal(14n);

      const { input } = await proveEvidence(chain, block!, f.proverA.address);
      await f.taikoL1.connect(f.proverA).proveBlock(block!.id, input);
      expect(await capacityOf(f, f.proverA)).to.equal(15n);
      expect((await f.taikoL1.getBlock(block!.id)).proverReleased).to.equal(true);

      await time.increase(f.params.taiko.proofRegularCooldown);
      await f.taikoL1.verifyBlocks(1);
      expect((await f.taikoL1.getStateVariables()).lastVerifiedBlockId).to.equal(block!.id);
      expect(await capacityOf(f, f.proverA)).to.equal(15n);
    });

    it("another prover's late proof does not give it back; verification does", async function () {
      const f = await load(proverAFixture);
      const chain = new L2Chain();
      const block = await proposeBlock(f);
      const { proofWindow } = await f.taikoL1.getBlock(block.id);
      await time.increase(proofWindow + 1n);

      const { input } = await proveEvidence(chain, block, f.proverB.address);
      await f.taikoL1.connect(f.proverB).proveBlock(block.id, input);
      expect(await capacityOf(f, f.proverA)).to.equal(15n);
      expect((await f.taikoL1.getBlock(block.id)).proverReleased).to.equal(false);

      await time.increase(f.params.taiko.proofRegularCooldown);
      await f.taikoL1.verifyBlocks(1);
      expect(await capacityOf(f, f.proverA)).to.equal(16n);
      expect((await f.taikoL1.getBlock(block.id)).proverReleased).to.equal(true);
    });

    it("a release never lifts capacity above maxCapacity", async function () {
      const f = await load(proverAFixture);
      await asTaikoL1(f, async (taikoL1) => {
        await f.proverPool.connect(taikoL1).releaseProver(f.proverA.address);
        // An address outside the set: nothing to release, and no revert that would block verification.
        await f.proverPool.connect(taikoL1).releaseProver(f.outsider.address);
      });
      expect(await capacityOf(f, f.proverA)).to.equal(16n);
      expect(await f.proverPool.getCapacity()).to.equal(16n);
    });

    it("a stake change frees all of the new maximum (eldfell's re-stake), and releases stop at it", async function () {
      const f = await load(proverAFixture);
      const chain = new L2Chain();
      const blocks = await proposeBlocks(f, chain, 3);
      expect(await capacityOf(f, f.proverA)).to.equal(13n);

      await expect(f.proverPool.connect(f.proverA).stake(1_000_000n * TTKO, 1_000, 20))
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.proverA.address, 1_000_000n * TTKO, 1_000, 20);
      expect(await capacityOf(f, f.proverA)).to.equal(20n);
      // The proof of a block assigned before the change gives nothing back above the maximum.
      const { input } = await proveEvidence(chain, blocks[0]!, f.proverA.address);
      await f.taikoL1.connect(f.proverA).proveBlock(blocks[0]!.id, input);
      expect(await capacityOf(f, f.proverA)).to.equal(20n);
    });
  });

  describe("open blocks", function () {
    it("with nobody staked, a block is open and pays the fee per gas", async function () {
      const f = await load(deployTaikoFixture);
      const block = await proposeBlock(f);
      expect(block.assignedProver).to.equal(ZERO);
      expect(block.feePerGas).to.equal(1_000n);
      expect(block.rewardPerGas).to.equal(1_000);
      const blk = await f.taikoL1.getBlock(block.id);
      expect(blk.assignedProver).to.equal(ZERO);
      expect(blk.rewardPerGas).to.equal(1_000n);
    });

    it("once every prover's capacity is taken, blocks are open until a proof frees a unit", async function () {
      const f = await load(deployTaikoFixture);
      // proverA asks far below the fee (75%), so an open block's reward differs from an assigned one's.
      await stake(f, f.proverA, 1_000_000n * TTKO, 1, 16);
      const chain = new L2Chain();
      const blocks = await proposeBlocks(f, chain, 16);
      expect(blocks.every((b) => b.assignedProver === f.proverA.address && b.rewardPerGas === 750)).to.equal(true);
      expect(await f.proverPool.getCapacity()).to.equal(0n);

      const open = await proposeBlock(f);
      chain.add(open);
      expect(open.assignedProver).to.equal(ZERO);
      expect(open.rewardPerGas).to.equal(Number(open.feePerGas));

      const { input } = await proveEvidence(chain, blocks[0]!, f.proverA.address);
      await f.taikoL1.connect(f.proverA).proveBlock(blocks[0]!.id, input);
      const next = await proposeBlock(f);
      expect(next.assignedProver).to.equal(f.proverA.address);
      expect(next.rewardPerGas).to.equal(750);
    });
  });

  describe("effective reward per gas", function () {
    // [ask, expected] at feePerGas 1,000: the ask clamped to [750, 1,250].
    const cases: [number, number][] = [
      [1, 750],
      [749, 750],
      [750, 750],
      [900, 900],
      [1_250, 1_250],
      [1_251, 1_250],
      [4_000_000_000, 1_250],
    ];
    for (const [ask, expected] of cases) {
      it(`a prover asking ${ask} per gas is assigned at ${expected}`, async function () {
        const f = await load(deployTaikoFixture);
        await stake(f, f.proverA, 1_000_000n * TTKO, ask, 16);
        const block = await proposeBlock(f);
        expect(block.feePerGas).to.equal(1_000n);
        expect(block.assignedProver).to.equal(f.proverA.address);
        expect(block.rewardPerGas).to.equal(expected);
        expect(effectiveRewardPerGas(BigInt(ask), 1_000n)).to.equal(BigInt(expected));
        expect((await f.taikoL1.getBlock(block.id)).rewardPerGas).to.equal(BigInt(expected));
      });
    }
  });

  describe("weighted random pick", function () {
    it("picks as eldfell does: keccak256(abi.encode(parent block hash, blockId)) mod the total weight, slot by slot", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 18_000_000n * TTKO, 1, 100);
      await stake(f, f.proverB, 50_000_000n * TTKO, 1_000_000, 100);
      await stake(f, f.proverC, 12_000_000n * TTKO, 1_000, 100);
      const slots = [f.proverA.address, f.proverB.address, f.proverC.address];
      for (let i = 0; i < 12; i++) {
        const fee = (await f.taikoL1.getStateVariables()).feePerGas;
        const [weights, erpg] = await f.proverPool.getProverWeights(fee);
        const total = weights.reduce((a, b) => a + b, 0n);
        const parent = await ethers.provider.getBlock("latest");
        const id = (await f.taikoL1.getStateVariables()).numBlocks;
        const seed = BigInt(
          ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "uint64"], [parent!.hash, id])),
        );
        let pick = seed % total;
        let slot = 0;
        while (pick >= weights[slot]!) pick -= weights[slot++]!;
        const block = await proposeBlock(f);
        expect(block.id).to.equal(id);
        expect(block.assignedProver, `block ${id}`).to.equal(slots[slot]);
        expect(BigInt(block.rewardPerGas)).to.equal(erpg[slot]);
      }
    });

    /**
     * Three provers whose weights stake / erpg² are 32 : 32 : 12. proverA and proverB weigh the same although
     * proverB stakes 2.8× more, because it asks 125% of the fee and proverA 75%: a pick weighted by stake alone
     * (9 : 25 : 6), by stake / erpg (12 : 20 : 6) or uniform would miss the expected shares by far more than
     * the tolerance. Each capacity exceeds the number of draws, so nobody runs out.
     */
    async function threeProversFixture(): Promise<TaikoFixture> {
      const f = await deployTaikoFixture();
      await stake(f, f.proverA, 18_000_000n * TTKO, 1, 1_000);
      await stake(f, f.proverB, 50_000_000n * TTKO, 1_000_000, 1_000);
      await stake(f, f.proverC, 12_000_000n * TTKO, 1_000, 1_000);
      return f;
    }

    it("assigns each prover with probability stake / erpg² over the sum of weights", async function () {
      this.timeout(180_000);
      const f = await load(threeProversFixture);
      const DRAWS = 800;
      const TOLERANCE_SIGMAS = 4.5;
      const fee = 1_000n;
      const provers = [
        { name: "proverA", signer: f.proverA, stake: 18_000_000n, ask: 1n },
        { name: "proverB", signer: f.proverB, stake: 50_000_000n, ask: 1_000_000n },
        { name: "proverC", signer: f.proverC, stake: 12_000_000n, ask: 1_000n },
      ].map((p) => {
        const erpg = effectiveRewardPerGas(p.ask, fee);
        return { ...p, erpg, weight: Number(p.stake) / Number(erpg * erpg), count: 0 };
      });
      const totalWeight = provers.reduce((sum, p) => sum + p.weight, 0);

      for (let i = 0; i < DRAWS; i++) {
        const block = await proposeBlock(f);
        const p = provers.find((x) => x.signer.address === block.assignedProver);
        if (!p) throw new Error(`block ${block.id} assigned to ${block.assignedProver}`);
        expect(BigInt(block.rewardPerGas), `rewardPerGas of block ${block.id}`).to.equal(p.erpg);
        p.count++;
      }

      const rows = provers.map((p) => {
        const expected = p.weight / totalWeight;
        const sigma = Math.sqrt(DRAWS * expected * (1 - expected));
        return {
          prover: p.name,
          erpg: Number(p.erpg),
          expectedShare: expected.toFixed(4),
          observedShare: (p.count / DRAWS).toFixed(4),
          count: p.count,
          deviationSigmas: ((p.count - DRAWS * expected) / sigma).toFixed(2),
          allowedCounts: `${(DRAWS * expected - TOLERANCE_SIGMAS * sigma).toFixed(1)}..${(DRAWS * expected + TOLERANCE_SIGMAS * sigma).toFixed(1)}`,
        };
      });
      console.log(`      ${DRAWS} draws, tolerance ±${TOLERANCE_SIGMAS}σ of a binomial per prover:`);
      console.table(rows);

      for (const p of provers) {
        const expected = p.weight / totalWeight;
        const sigma = Math.sqrt(DRAWS * expected * (1 - expected));
        expect(Math.abs(p.count - DRAWS * expected), `${p.name}: ${p.count} of ${DRAWS} draws`).to.be.at.most(
          TOLERANCE_SIGMAS * sigma,
        );
        // Every draw took exactly one unit of the pick's capacity.
        expect(await capacityOf(f, p.signer)).to.equal(1_000n - BigInt(p.count));
      }
    });
  });
});
