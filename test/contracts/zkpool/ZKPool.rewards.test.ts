import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { shutdownProver } from "@zkpool/common";
import { proposeBlock } from "../../fixtures/taiko";
import { authorizeAgent, deployPoolFixture, type PoolFixture } from "../../fixtures/zkpool";
import {
  agentKey,
  creditProof,
  endAndSettle,
  epochStart,
  freeSigners,
  partOf,
  split,
  startEpoch,
  verifyAll,
  verifyAndHarvest,
  type Credit,
} from "../../helpers/pool";
import { loadPoolWithInvariants } from "../../helpers/poolInvariants";
import { readSlot, slotOf, writeSlot } from "../../helpers/storage";
import { eventsIn, mined } from "../../helpers/taiko";

/** Epoch 0: Alice proves two blocks, Bob one; nothing verified yet. */
async function provedInEpoch0Fixture(): Promise<PoolFixture & { alice0: Credit[]; bob0: Credit[] }> {
  const f = await deployPoolFixture();
  const alice0 = [await creditProof(f, f.agentOfAlice), await creditProof(f, f.agentOfAlice, { gasLimit: 2_000_000 })];
  const bob0 = [await creditProof(f, f.agentOfBob)];
  return { ...f, alice0, bob0 };
}

const sum = (credits: readonly Credit[]) => credits.reduce((s, c) => s + c.shares, 0n);

describe("ZKPool: harvest and settlement", function () {
  const load = loadPoolWithInvariants();
  after(shutdownProver);

  describe("harvest", function () {
    it("with nothing earned it returns 0 and emits nothing", async function () {
      const f = await load(deployPoolFixture);
      expect(await f.pool.connect(f.mallory).harvest.staticCall()).to.equal(0n);
      await expect(f.pool.connect(f.mallory).harvest()).to.not.emit(f.pool, "Harvested");
      expect(await f.pool.totals()).to.deep.equal([0n, 0n, 0n, 0n, 0n]);
    });

    it("anyone pulls what Taiko paid the pool at verification into the current epoch (Harvested)", async function () {
      const f = await load(provedInEpoch0Fixture);
      // Before the cooldown nothing is verified, so nothing is paid.
      await f.taikoL1.verifyBlocks(10);
      expect(await f.taikoL1.getTaikoTokenBalance(f.poolAddress)).to.equal(0n);

      const rewards = await verifyAll(f);
      // Proven in their windows: each block pays its base reward, which is exactly its shares.
      expect(rewards).to.equal(sum([...f.alice0, ...f.bob0]));
      expect(await f.taikoL1.getTaikoTokenBalance(f.poolAddress)).to.equal(rewards);
      expect(await f.pool.connect(f.mallory).harvest.staticCall()).to.equal(rewards);
      const tx = f.pool.connect(f.mallory).harvest();
      await expect(tx).to.emit(f.pool, "Harvested").withArgs(0n, rewards);
      await expect(tx).to.changeTokenBalance(f.token, f.pool, rewards);
      expect(await f.taikoL1.getTaikoTokenBalance(f.poolAddress)).to.equal(0n);
      expect(await f.pool.epochRewards(0n)).to.equal(rewards);
      expect(await f.pool.totals()).to.deep.equal([rewards, 0n, 0n, 0n, rewards]);
      // A second harvest finds nothing.
      await expect(f.pool.harvest()).to.not.emit(f.pool, "Harvested");
    });

    it("refuses to take the ledger past 2^72 − 1 base units (LedgerFull), and the rewards wait in TaikoL1", async function () {
      const f = await load(provedInEpoch0Fixture);
      const rewards = await verifyAll(f);
      const limit = 2n ** 72n - 1n;
      // The ledger as if it had harvested all but (rewards − 1) of its limit: this harvest would pass it by one.
      const slot = await slotOf("contracts/ZKPool.sol:ZKPool", "_totalHarvested");
      const real = await readSlot(f.poolAddress, slot);
      await writeSlot(f.poolAddress, slot, limit - rewards + 1n);
      await expect(f.pool.harvest())
        .to.be.revertedWithCustomError(f.pool, "LedgerFull")
        .withArgs(limit + 1n, limit);
      expect(await f.taikoL1.getTaikoTokenBalance(f.poolAddress)).to.equal(rewards);
      // Exactly at the limit is allowed.
      await writeSlot(f.poolAddress, slot, limit - rewards);
      expect(await f.pool.harvest.staticCall()).to.equal(rewards);
      await writeSlot(f.poolAddress, slot, real);
      await expect(f.pool.harvest()).to.emit(f.pool, "Harvested").withArgs(0n, rewards);
    });

    it("the harvested amount is the sum of the BlockVerified proofReward paid to the pool, whoever verified", async function () {
      const f = await load(provedInEpoch0Fixture);
      await time.increase(f.params.taiko.proofRegularCooldown);
      // Verified one by one, by a proposal (which verifies on the way) and by verifyBlocks.
      const receipts = [await mined(f.taikoL1.connect(f.mallory).verifyBlocks(1))];
      await proposeBlock(f);
      const proposal = await f.taikoL1.queryFilter(f.taikoL1.filters.BlockVerified(), "latest");
      receipts.push(await mined(f.taikoL1.verifyBlocks(10)));
      const paid =
        eventsIn(receipts[0]!, f.taikoL1, "BlockVerified").reduce((s, e) => s + (e.args.proofReward as bigint), 0n) +
        proposal.reduce((s, e) => s + e.args.proofReward, 0n) +
        eventsIn(receipts[1]!, f.taikoL1, "BlockVerified").reduce((s, e) => s + (e.args.proofReward as bigint), 0n);
      expect(paid).to.equal(sum([...f.alice0, ...f.bob0]));
      await expect(f.pool.harvest()).to.emit(f.pool, "Harvested").withArgs(0n, paid);
    });

    it("credits the epoch it happens in, not the epoch of the proofs", async function () {
      const f = await load(provedInEpoch0Fixture);
      await startEpoch(f, 1n);
      const { rewards, receipt } = await verifyAndHarvest(f);
      await expect(receipt.hash).to.emit(f.pool, "Harvested").withArgs(1n, rewards);
      expect(await f.pool.epochRewards(0n)).to.equal(0n);
      expect(await f.pool.epochRewards(1n)).to.equal(rewards);
    });
  });

  describe("settle", function () {
    it("not before the epoch ends: EpochNotEnded(epoch, endsAt); from its last second on, anyone may", async function () {
      const f = await load(provedInEpoch0Fixture);
      const endsAt = await epochStart(f, 1n);
      expect(await f.pool.epochEndsAt(0n)).to.equal(endsAt);
      await expect(f.pool.connect(f.mallory).settle(0n))
        .to.be.revertedWithCustomError(f.pool, "EpochNotEnded")
        .withArgs(0n, endsAt);
      await time.setNextBlockTimestamp(endsAt - 1n);
      await expect(f.pool.connect(f.mallory).settle(0n))
        .to.be.revertedWithCustomError(f.pool, "EpochNotEnded")
        .withArgs(0n, endsAt);
      await time.setNextBlockTimestamp(endsAt);
      await expect(f.pool.connect(f.mallory).settle(0n)).to.emit(f.pool, "EpochSettled");
      expect(await f.pool.nextEpochToSettle()).to.equal(1n);
    });

    it("in order, once each: EpochNotNext(epoch, next)", async function () {
      const f = await load(deployPoolFixture);
      await startEpoch(f, 3n);
      await expect(f.pool.settle(1n)).to.be.revertedWithCustomError(f.pool, "EpochNotNext").withArgs(1n, 0n);
      await f.pool.settle(0n);
      await expect(f.pool.settle(0n)).to.be.revertedWithCustomError(f.pool, "EpochNotNext").withArgs(0n, 1n);
      await expect(f.pool.settle(2n)).to.be.revertedWithCustomError(f.pool, "EpochNotNext").withArgs(2n, 1n);
      await f.pool.settle(1n);
      await f.pool.settle(2n);
      await expect(f.pool.settle(3n))
        .to.be.revertedWithCustomError(f.pool, "EpochNotEnded")
        .withArgs(3n, await epochStart(f, 4n));
    });

    it("splits an epoch's rewards 20% fee / 80% provers pro rata to shares (EpochSettled)", async function () {
      const f = await load(provedInEpoch0Fixture);
      const { harvested: rewards } = await verifyAndHarvest(f);
      const aliceShares = sum(f.alice0);
      const totalShares = aliceShares + sum(f.bob0);
      const { fee, proverReward } = split(rewards, 2_000n);
      expect(fee).to.equal((rewards * 20n) / 100n);

      await startEpoch(f, 1n);
      await expect(f.pool.connect(f.bob).settle(0n))
        .to.emit(f.pool, "EpochSettled")
        .withArgs(0n, rewards, fee, proverReward, totalShares);
      const info = await f.pool.epochOf(0n);
      expect([info.settled, info.proverReward, info.totalShares]).to.deep.equal([true, proverReward, totalShares]);
      expect([info.provers, info.proversClaimed]).to.deep.equal([2n, 0n]);
      expect(await f.pool.claimable(f.alice.address)).to.equal(partOf(proverReward, aliceShares, totalShares));
      expect(await f.pool.claimable(f.bob.address)).to.equal(partOf(proverReward, sum(f.bob0), totalShares));
      expect(await f.pool.totals()).to.deep.equal([rewards, 0n, proverReward, fee, 0n]);
      expect(await f.pool.epochRewards(0n)).to.equal(0n);
    });

    it("an epoch with shares but no rewards settles to nothing; rewards with no shares roll into the next epoch", async function () {
      const f = await load(provedInEpoch0Fixture);
      await startEpoch(f, 1n);
      const { harvested: rewards } = await verifyAndHarvest(f); // harvested in epoch 1, where nobody proves
      await startEpoch(f, 2n);
      await expect(f.pool.settle(0n))
        .to.emit(f.pool, "EpochSettled")
        .withArgs(0n, 0n, 0n, 0n, sum([...f.alice0, ...f.bob0]));
      const tx = f.pool.settle(1n);
      await expect(tx).to.emit(f.pool, "RewardRolledOver").withArgs(1n, 2n, rewards);
      await expect(tx).to.emit(f.pool, "EpochSettled").withArgs(1n, 0n, 0n, 0n, 0n);
      expect(await f.pool.epochRewards(1n)).to.equal(0n);
      expect(await f.pool.epochRewards(2n)).to.equal(rewards);
      expect(await f.pool.totals()).to.deep.equal([rewards, 0n, 0n, 0n, rewards]);
      expect(await f.pool.claimable(f.alice.address)).to.equal(0n);

      // Bob alone proves in epoch 2 and gets the provers' part of what rolled over, plus epoch 2's own rewards.
      const bob2 = await creditProof(f, f.agentOfBob);
      expect(bob2.epoch).to.equal(2n);
      const more = (await verifyAndHarvest(f)).harvested;
      const { fee, proverReward } = split(rewards + more, 2_000n);
      await startEpoch(f, 3n);
      await expect(f.pool.settle(2n))
        .to.emit(f.pool, "EpochSettled")
        .withArgs(2n, rewards + more, fee, proverReward, bob2.shares);
      expect(await f.pool.claimable(f.bob.address)).to.equal(proverReward);
      expect(await f.pool.claimable(f.alice.address)).to.equal(0n);
    });

    it("rewards roll over as many epochs as it takes, and an empty epoch settles with no roll-over", async function () {
      const f = await load(provedInEpoch0Fixture);
      await endAndSettle(f, 0n);
      const { harvested: rewards } = await verifyAndHarvest(f); // epoch 1
      await startEpoch(f, 4n);
      for (const e of [1n, 2n, 3n]) {
        await expect(f.pool.settle(e))
          .to.emit(f.pool, "RewardRolledOver")
          .withArgs(e, e + 1n, rewards);
      }
      expect(await f.pool.epochRewards(4n)).to.equal(rewards);
      await endAndSettle(f, 4n);
      expect(await f.pool.epochRewards(5n)).to.equal(rewards);
      await startEpoch(f, 7n);
      await f.pool.settle(5n); // rolls into 6
      await expect(f.pool.settle(6n)).to.emit(f.pool, "RewardRolledOver").withArgs(6n, 7n, rewards);
    });

    it("an epoch with neither rewards nor shares settles with zeros and rolls nothing over", async function () {
      const f = await load(deployPoolFixture);
      await startEpoch(f, 1n);
      const tx = f.pool.settle(0n);
      await expect(tx).to.emit(f.pool, "EpochSettled").withArgs(0n, 0n, 0n, 0n, 0n);
      await expect(tx).to.not.emit(f.pool, "RewardRolledOver");
    });
  });

  describe("rounding dust", function () {
    it("goes to the fees, explicitly (DustSwept), when an epoch's last prover claims", async function () {
      const f = await load(deployPoolFixture);
      const [carol] = freeSigners(f, 1);
      const agentOfCarol = agentKey("carol");
      await authorizeAgent(f, carol!, agentOfCarol, "carol's rig");
      // Rewards proportional to the shares would split exactly (a block's reward is its shares, and 80% of a
      // multiple of 1,000 rewardPerGas is whole): a block of epoch 0 paid in epoch 1 makes the split uneven.
      await creditProof(f, f.agentOfAlice);
      await startEpoch(f, 1n);
      const credits = [
        await creditProof(f, f.agentOfAlice),
        await creditProof(f, f.agentOfBob, { gasLimit: 1_700_000 }),
        await creditProof(f, agentOfCarol, { gasLimit: 2_300_000 }),
      ];
      const { harvested: rewards } = await verifyAndHarvest(f);
      await endAndSettle(f, 1n);
      const totalShares = sum(credits);
      const { fee, proverReward } = split(rewards, 2_000n);
      const parts = credits.map((c) => partOf(proverReward, c.shares, totalShares));
      const dust = proverReward - parts.reduce((s, p) => s + p, 0n);
      // Three floors of divisions by a 10-digit share count: no dust would take a one-in-a-billion coincidence.
      expect(dust).to.be.greaterThan(0n);
      expect(dust).to.be.lessThan(3n);
      // Alice's epoch 0 (no rewards) first.
      await f.pool.connect(f.alice).claim(1);

      await expect(f.pool.connect(f.alice).claim(1)).to.not.emit(f.pool, "DustSwept");
      await expect(f.pool.connect(f.bob).claim(1)).to.not.emit(f.pool, "DustSwept");
      // Σ parts is far above 2^24 here, so the claim record's low 24 bits of it wrapped: the sweep still finds the
      // dust exactly.
      expect(proverReward).to.be.greaterThan(1n << 24n);
      const before = await f.pool.epochOf(1n);
      expect([before.provers, before.proversClaimed]).to.deep.equal([3n, 2n]);
      expect(await f.pool.claimable(carol!.address)).to.equal(parts[2]!);
      const last = f.pool.connect(carol!).claim(1);
      await expect(last).to.emit(f.pool, "DustSwept").withArgs(1n, dust);
      await expect(last).to.emit(f.pool, "Claimed").withArgs(carol!.address, 1n, parts[2]!);

      expect((await f.pool.epochOf(1n)).proversClaimed).to.equal(3n);
      const [harvested, claimed, claimable, fees, unsettled] = await f.pool.totals();
      expect([harvested, claimed, claimable, fees, unsettled]).to.deep.equal([
        rewards,
        proverReward - dust,
        0n,
        fee + dust,
        0n,
      ]);
      await expect(f.pool.withdrawFees()).to.changeTokenBalance(f.token, f.treasury, fee + dust);
      expect(await f.token.balanceOf(f.poolAddress)).to.equal(0n);
    });
  });
});
