import { expect } from "chai";
import { ethers } from "hardhat";
import { shutdownProver } from "@zkpool/common";
import { deployPoolFixture, type PoolFixture } from "../../fixtures/zkpool";
import {
  creditProof,
  endAndSettle,
  partOf,
  split,
  startEpoch,
  verifyAndHarvest,
  type Credit,
} from "../../helpers/pool";
import { loadPoolWithInvariants } from "../../helpers/poolInvariants";
import { eventsIn, mined } from "../../helpers/taiko";

interface Earned {
  epoch: bigint;
  alice: bigint;
  bob: bigint;
}

/**
 * Epochs 0, 1 and 2: Alice proves a block in each, Bob in epoch 1 only; each epoch harvests what its own
 * proofs earned, and ends. Epochs 0–2 are settled; `earned` is each prover's part, computed here.
 */
async function threeEpochsFixture(): Promise<PoolFixture & { earned: Earned[]; proverRewards: bigint[] }> {
  const f = await deployPoolFixture();
  const earned: Earned[] = [];
  const proverRewards: bigint[] = [];
  for (const epoch of [0n, 1n, 2n]) {
    if (epoch > 0n) await startEpoch(f, epoch);
    const alice: Credit = await creditProof(f, f.agentOfAlice);
    const bob: Credit | undefined = epoch === 1n ? await creditProof(f, f.agentOfBob) : undefined;
    const { harvested } = await verifyAndHarvest(f);
    const totalShares = alice.shares + (bob?.shares ?? 0n);
    const { proverReward } = split(harvested, 2_000n);
    proverRewards.push(proverReward);
    earned.push({
      epoch,
      alice: partOf(proverReward, alice.shares, totalShares),
      bob: bob ? partOf(proverReward, bob.shares, totalShares) : 0n,
    });
  }
  await endAndSettle(f, 2n);
  return { ...f, earned, proverRewards };
}

describe("ZKPool: claims and fees", function () {
  const load = loadPoolWithInvariants();
  after(shutdownProver);

  describe("claim", function () {
    it("pays every settled epoch in one call, oldest first, and claimable() said so beforehand", async function () {
      const f = await load(threeEpochsFixture);
      const total = f.earned.reduce((s, e) => s + e.alice, 0n);
      expect(total).to.be.greaterThan(0n);
      expect(await f.pool.claimable(f.alice.address)).to.equal(total);
      expect(await f.pool.connect(f.alice).claim.staticCall(100)).to.equal(total);

      const tx = f.pool.connect(f.alice).claim(100);
      await expect(tx).to.changeTokenBalances(f.token, [f.alice, f.pool], [total, -total]);
      const receipt = await mined(tx);
      const claimed = eventsIn(receipt, f.pool, "Claimed").map((e) => [e.args.prover, e.args.epoch, e.args.amount]);
      expect(claimed).to.deep.equal(f.earned.map((e) => [f.alice.address, e.epoch, e.alice]));
      expect(await f.pool.claimable(f.alice.address)).to.equal(0n);
    });

    it("claims at most maxEpochs epochs per call", async function () {
      const f = await load(threeEpochsFixture);
      const [e0, e1, e2] = f.earned as [Earned, Earned, Earned];
      expect(await f.pool.connect(f.alice).claim.staticCall(1)).to.equal(e0.alice);
      await expect(f.pool.connect(f.alice).claim(1)).to.changeTokenBalance(f.token, f.alice, e0.alice);
      expect(await f.pool.claimable(f.alice.address)).to.equal(e1.alice + e2.alice);
      const tx = f.pool.connect(f.alice).claim(2);
      await expect(tx).to.emit(f.pool, "Claimed").withArgs(f.alice.address, 1n, e1.alice);
      await expect(tx).to.emit(f.pool, "Claimed").withArgs(f.alice.address, 2n, e2.alice);
      await expect(tx).to.changeTokenBalance(f.token, f.alice, e1.alice + e2.alice);
    });

    it("a prover with one epoch among three claims that one", async function () {
      const f = await load(threeEpochsFixture);
      const e1 = f.earned[1]!;
      expect(await f.pool.claimable(f.bob.address)).to.equal(e1.bob);
      const tx = f.pool.connect(f.bob).claim(100);
      await expect(tx).to.emit(f.pool, "Claimed").withArgs(f.bob.address, 1n, e1.bob);
      await expect(tx).to.changeTokenBalance(f.token, f.bob, e1.bob);
    });

    it("a second claim pays nothing: NothingToClaim(prover); so do claim(0) and a claim by a stranger", async function () {
      const f = await load(threeEpochsFixture);
      await expect(f.pool.connect(f.alice).claim(0))
        .to.be.revertedWithCustomError(f.pool, "NothingToClaim")
        .withArgs(f.alice.address);
      await f.pool.connect(f.alice).claim(100);
      await expect(f.pool.connect(f.alice).claim(100))
        .to.be.revertedWithCustomError(f.pool, "NothingToClaim")
        .withArgs(f.alice.address);
      await expect(f.pool.connect(f.mallory).claim(100))
        .to.be.revertedWithCustomError(f.pool, "NothingToClaim")
        .withArgs(f.mallory.address);
    });

    it("an epoch not settled yet is not claimable; it is once settled", async function () {
      const f = await load(deployPoolFixture);
      const c0 = await creditProof(f, f.agentOfAlice);
      const { harvested } = await verifyAndHarvest(f);
      expect(await f.pool.claimable(f.alice.address)).to.equal(0n);
      await expect(f.pool.connect(f.alice).claim(10))
        .to.be.revertedWithCustomError(f.pool, "NothingToClaim")
        .withArgs(f.alice.address);
      await startEpoch(f, 1n);
      const c1 = await creditProof(f, f.agentOfAlice); // epoch 1, not settled
      // Ended but not settled: still nothing.
      await expect(f.pool.connect(f.alice).claim(10))
        .to.be.revertedWithCustomError(f.pool, "NothingToClaim")
        .withArgs(f.alice.address);
      await f.pool.settle(0n);
      const { proverReward } = split(harvested, 2_000n);
      expect(await f.pool.claimable(f.alice.address)).to.equal(partOf(proverReward, c0.shares, c0.shares));
      // Pays epoch 0 and stops at epoch 1, which it claims once settled.
      const tx = f.pool.connect(f.alice).claim(10);
      await expect(tx).to.changeTokenBalance(f.token, f.alice, proverReward);
      const receipt = await mined(tx);
      expect(eventsIn(receipt, f.pool, "Claimed").map((e) => e.args.epoch)).to.deep.equal([0n]);
      const more = (await verifyAndHarvest(f)).harvested;
      await endAndSettle(f, 1n);
      const part1 = partOf(split(more, 2_000n).proverReward, c1.shares, c1.shares);
      await expect(f.pool.connect(f.alice).claim(10)).to.emit(f.pool, "Claimed").withArgs(f.alice.address, 1n, part1);
    });

    it("works while the pool is paused", async function () {
      const f = await load(threeEpochsFixture);
      await f.pool.connect(f.pauser).pause();
      const total = await f.pool.claimable(f.alice.address);
      await expect(f.pool.connect(f.alice).claim(100)).to.changeTokenBalance(f.token, f.alice, total);
      // Harvest, settlement and fee withdrawals go on too.
      await startEpoch(f, 4n);
      await f.pool.settle(3n);
      await f.pool.harvest();
      await expect(f.pool.withdrawFees()).to.emit(f.pool, "FeesWithdrawn");
    });
  });

  describe("withdrawFees", function () {
    it("anyone sends the accrued fees to the treasury (FeesWithdrawn); a second call finds nothing", async function () {
      const f = await load(threeEpochsFixture);
      const [, , , fees] = await f.pool.totals();
      expect(fees).to.be.greaterThan(0n);
      expect(await f.pool.connect(f.mallory).withdrawFees.staticCall()).to.equal(fees);
      const tx = f.pool.connect(f.mallory).withdrawFees();
      await expect(tx).to.emit(f.pool, "FeesWithdrawn").withArgs(f.treasury.address, fees);
      await expect(tx).to.changeTokenBalances(f.token, [f.treasury, f.pool, f.mallory], [fees, -fees, 0n]);
      expect(await f.pool.feesWithdrawn()).to.equal(fees);
      expect(await f.pool.withdrawFees.staticCall()).to.equal(0n);
      await expect(f.pool.withdrawFees()).to.not.emit(f.pool, "FeesWithdrawn");
    });

    it("pays the treasury of the moment, and only what accrued since the last withdrawal", async function () {
      const f = await load(threeEpochsFixture);
      await f.pool.withdrawFees();
      // New fees come from epoch 3, where the fixture left the clock.
      expect(await f.pool.currentEpoch()).to.equal(3n);
      await creditProof(f, f.agentOfBob);
      const { harvested } = await verifyAndHarvest(f);
      await endAndSettle(f, 3n);
      const { fee } = split(harvested, 2_000n);
      const newTreasury = ethers.Wallet.createRandom().address;
      await expect(f.pool.connect(f.operator).setTreasury(newTreasury))
        .to.emit(f.pool, "TreasuryChanged")
        .withArgs(newTreasury);
      await expect(f.pool.withdrawFees()).to.emit(f.pool, "FeesWithdrawn").withArgs(newTreasury, fee);
      expect(await f.token.balanceOf(newTreasury)).to.equal(fee);
    });
  });
});
