import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { shutdownProver } from "@zkpool/common";
import { proposeBlock } from "../../fixtures/taiko";
import { authorizeAgent, deployPoolFixture, proposeAndProve, type PoolFixture } from "../../fixtures/zkpool";
import {
  agentKey,
  creditProof,
  endAndSettle,
  epochStart,
  expectedShares,
  freeSigners,
  partOf,
  split,
  recordProof,
  startEpoch,
  verifyAll,
  type Credit,
} from "../../helpers/pool";
import { loadPoolWithInvariants } from "../../helpers/poolInvariants";
import { readSlot, slotOf, writeSlot } from "../../helpers/storage";
import { eventsIn, mined } from "../../helpers/taiko";

/** Epoch 0: Alice proves two blocks, Bob one; Taiko verifies them and the pool credits them; nothing harvested. */
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

    it("anyone pulls what Taiko paid the pool at verification into the pool (Harvested): the credits of epoch 0", async function () {
      const f = await load(provedInEpoch0Fixture);
      // creditProof verified and confirmed each block: Taiko paid exactly what was credited.
      const credits = sum([...f.alice0, ...f.bob0]);
      expect(await f.pool.totalSharesOf(0n)).to.equal(credits);
      expect(await f.taikoL1.getTaikoTokenBalance(f.poolAddress)).to.equal(credits);
      expect(await f.pool.connect(f.mallory).harvest.staticCall()).to.equal(credits);
      const tx = f.pool.connect(f.mallory).harvest();
      await expect(tx).to.emit(f.pool, "Harvested").withArgs(credits);
      await expect(tx).to.changeTokenBalance(f.token, f.pool, credits);
      expect(await f.taikoL1.getTaikoTokenBalance(f.poolAddress)).to.equal(0n);
      expect(await f.pool.totals()).to.deep.equal([credits, 0n, 0n, 0n, credits]);
      // A second harvest finds nothing.
      await expect(f.pool.harvest()).to.not.emit(f.pool, "Harvested");
    });

    it("refuses to take the ledger past 2^72 − 1 base units (LedgerFull), and the rewards wait in TaikoL1", async function () {
      const f = await load(provedInEpoch0Fixture);
      const rewards = await f.taikoL1.getTaikoTokenBalance(f.poolAddress);
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
      await expect(f.pool.harvest()).to.emit(f.pool, "Harvested").withArgs(rewards);
    });

    it("the harvested amount is the sum of the BlockVerified proofReward paid to the pool, whoever verified", async function () {
      const f = await load(deployPoolFixture);
      const recorded = [await recordProof(f, f.agentOfAlice), await recordProof(f, f.agentOfBob)];
      await time.increase(f.params.taiko.proofRegularCooldown);
      // Verified one by one, by verifyBlocks and by a proposal (which verifies on the way).
      const receipts = [await mined(f.taikoL1.connect(f.mallory).verifyBlocks(1))];
      await proposeBlock(f);
      const proposal = await f.taikoL1.queryFilter(f.taikoL1.filters.BlockVerified(), "latest");
      const paid =
        eventsIn(receipts[0]!, f.taikoL1, "BlockVerified").reduce((s, e) => s + (e.args.proofReward as bigint), 0n) +
        proposal.reduce((s, e) => s + e.args.proofReward, 0n);
      expect(paid).to.equal(recorded.reduce((s, r) => s + expectedShares(f, r.block, r.evidence), 0n));
      await expect(f.pool.harvest()).to.emit(f.pool, "Harvested").withArgs(paid);
    });

    it("a payout that no recorded proof earned stays in the pool, unsettled, and is nobody's credit", async function () {
      const f = await load(deployPoolFixture);
      // The pool's block proven for the pool straight on TaikoL1, and never recorded through the pool.
      const { block, input } = await proposeAndProve(f, f.agentOfAlice);
      await f.taikoL1.connect(f.mallory).proveBlock(block.id, input);
      const { total } = await verifyAll(f);
      expect(total).to.be.greaterThan(0n);
      await f.pool.harvest();
      expect(await f.pool.totals()).to.deep.equal([total, 0n, 0n, 0n, total]);
      await endAndSettle(f, 0n);
      expect(await f.pool.totals()).to.deep.equal([total, 0n, 0n, 0n, total]);
      expect(await f.pool.claimable(f.alice.address)).to.equal(0n);
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

    it("splits an epoch's credits 20% fee / 80% provers pro rata, harvesting them first (EpochSettled)", async function () {
      const f = await load(provedInEpoch0Fixture);
      const aliceShares = sum(f.alice0);
      const totalShares = aliceShares + sum(f.bob0);
      const { fee, proverReward } = split(totalShares, 2_000n);
      expect(fee).to.equal((totalShares * 20n) / 100n);

      await startEpoch(f, 1n);
      // Nobody harvested: the settlement does.
      const tx = f.pool.connect(f.bob).settle(0n);
      await expect(tx).to.emit(f.pool, "Harvested").withArgs(totalShares);
      await expect(tx).to.emit(f.pool, "EpochSettled").withArgs(0n, totalShares, fee, proverReward, totalShares);
      const info = await f.pool.epochOf(0n);
      expect([info.settled, info.proverReward, info.totalShares]).to.deep.equal([true, proverReward, totalShares]);
      expect([info.provers, info.proversClaimed]).to.deep.equal([2n, 0n]);
      expect(await f.pool.claimable(f.alice.address)).to.equal(partOf(proverReward, aliceShares, totalShares));
      expect(await f.pool.claimable(f.bob.address)).to.equal(partOf(proverReward, sum(f.bob0), totalShares));
      expect(await f.pool.totals()).to.deep.equal([totalShares, 0n, proverReward, fee, 0n]);
    });

    it("rewards follow the work: each epoch settles what was credited in it, whenever it was harvested, and nothing rolls over", async function () {
      const f = await load(provedInEpoch0Fixture);
      const epoch0 = sum([...f.alice0, ...f.bob0]);
      await startEpoch(f, 1n);
      const bob1 = await creditProof(f, f.agentOfBob);
      expect(bob1.epoch).to.equal(1n);
      // Everything harvested at once, in epoch 1.
      await f.pool.harvest();
      await startEpoch(f, 3n);
      await expect(f.pool.settle(0n))
        .to.emit(f.pool, "EpochSettled")
        .withArgs(0n, epoch0, ...Object.values(split(epoch0, 2_000n)), epoch0);
      await expect(f.pool.settle(1n))
        .to.emit(f.pool, "EpochSettled")
        .withArgs(1n, bob1.shares, ...Object.values(split(bob1.shares, 2_000n)), bob1.shares);
      // An epoch without credits settles to nothing, even with TTKOe waiting in the pool.
      await expect(f.pool.settle(2n)).to.emit(f.pool, "EpochSettled").withArgs(2n, 0n, 0n, 0n, 0n);
      const [, , , , unsettled] = await f.pool.totals();
      expect(unsettled).to.equal(0n);
      expect(await f.pool.claimable(f.bob.address)).to.equal(
        partOf(split(epoch0, 2_000n).proverReward, sum(f.bob0), epoch0) + split(bob1.shares, 2_000n).proverReward,
      );
    });

    it("an epoch whose credits have not reached the pool does not settle: RewardsNotArrived(credits, available)", async function () {
      const f = await load(provedInEpoch0Fixture);
      const credits = sum([...f.alice0, ...f.bob0]);
      await f.pool.harvest();
      await startEpoch(f, 1n);
      // As if a TaikoL1 had paid one base unit less than it said: the ledger short by one.
      const slot = await slotOf("contracts/ZKPool.sol:ZKPool", "_unsettled");
      await writeSlot(f.poolAddress, slot, credits - 1n);
      await expect(f.pool.settle(0n))
        .to.be.revertedWithCustomError(f.pool, "RewardsNotArrived")
        .withArgs(credits, credits - 1n);
      await writeSlot(f.poolAddress, slot, credits);
      await expect(f.pool.settle(0n)).to.emit(f.pool, "EpochSettled");
    });

    it("an epoch without credits settles with zeros", async function () {
      const f = await load(deployPoolFixture);
      await startEpoch(f, 1n);
      const tx = f.pool.settle(0n);
      await expect(tx).to.emit(f.pool, "EpochSettled").withArgs(0n, 0n, 0n, 0n, 0n);
      await expect(tx).to.not.emit(f.pool, "Harvested");
    });
  });

  describe("rounding dust", function () {
    it("goes to the fees, explicitly (DustSwept), when an epoch's last prover claims", async function () {
      const f = await load(deployPoolFixture);
      const [carol] = freeSigners(f, 1);
      const agentOfCarol = agentKey("carol");
      await authorizeAgent(f, carol!, agentOfCarol, "carol's rig");
      // At the launch fee the parts are exact (every credit is a multiple of rewardPerGas, and 80% of it is
      // whole): a fee of 19.99% makes the split uneven.
      // Scheduled in epoch 0, two days' notice, one-day epochs: from epoch 3.
      await f.pool.connect(f.operator).scheduleFee(1_999);
      const epoch = 3n;
      expect(await f.pool.feeBps(epoch)).to.equal(1_999n);
      await startEpoch(f, epoch);
      const credits = [
        await creditProof(f, f.agentOfAlice),
        await creditProof(f, f.agentOfBob, { gasLimit: 1_700_000 }),
        await creditProof(f, agentOfCarol, { gasLimit: 2_300_000 }),
      ];
      await endAndSettle(f, epoch);
      const totalShares = sum(credits);
      const rewards = totalShares;
      const { fee, proverReward } = split(rewards, 1_999n);
      const parts = credits.map((c) => partOf(proverReward, c.shares, totalShares));
      const dust = proverReward - parts.reduce((s, p) => s + p, 0n);
      // Three floors of divisions by a 10-digit share count: no dust would take a one-in-a-billion coincidence.
      expect(dust).to.be.greaterThan(0n);
      expect(dust).to.be.lessThan(3n);

      await expect(f.pool.connect(f.alice).claim(1)).to.not.emit(f.pool, "DustSwept");
      await expect(f.pool.connect(f.bob).claim(1)).to.not.emit(f.pool, "DustSwept");
      // Σ parts is far above 2^24 here, so the claim record's low 24 bits of it wrapped: the sweep still finds the
      // dust exactly.
      expect(proverReward).to.be.greaterThan(1n << 24n);
      const before = await f.pool.epochOf(epoch);
      expect([before.provers, before.proversClaimed]).to.deep.equal([3n, 2n]);
      expect(await f.pool.claimable(carol!.address)).to.equal(parts[2]!);
      const last = f.pool.connect(carol!).claim(1);
      await expect(last).to.emit(f.pool, "DustSwept").withArgs(epoch, dust);
      await expect(last).to.emit(f.pool, "Claimed").withArgs(carol!.address, epoch, parts[2]!);

      expect((await f.pool.epochOf(epoch)).proversClaimed).to.equal(3n);
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
