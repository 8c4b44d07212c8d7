import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { TTKO, shutdownProver } from "@zkpool/common";
import { proposeBlock, stake } from "../../fixtures/taiko";
import { POOL_CAPACITY, POOL_STAKE, deployPoolFixture, type PoolFixture } from "../../fixtures/zkpool";
import { creditProof, freeSigners, verifyAndHarvest } from "../../helpers/pool";
import { loadPoolWithInvariants } from "../../helpers/poolInvariants";
import { mined, minedAt } from "../../helpers/taiko";

/** Funds the pool's stake with `amount` fresh TTKOe from the operator. */
async function fund(f: PoolFixture, amount: bigint) {
  await f.token.mint(f.operator.address, amount);
  await f.token.connect(f.operator).approve(f.poolAddress, amount);
  return mined(f.pool.connect(f.operator).fundStake(amount));
}

/**
 * Waits out ProverPool's change delay: eldfell's MIN_CHANGE_DELAY runs from the exit request of the staker's
 * exiting tokens (none: no wait), and a change is allowed strictly after it.
 */
async function afterChangeDelay(f: PoolFixture) {
  const [staker] = await f.proverPool.getStaker(f.poolAddress);
  if (staker.exitRequestedAt !== 0n)
    await time.increaseTo(staker.exitRequestedAt + f.params.proverPool.changeDelay + 1n);
}

/** The operator lowers the pool's stake by `less`: that much starts exiting, and the change delay with it. */
async function lowerStake(f: PoolFixture, less: bigint) {
  return minedAt(await mined(f.pool.connect(f.operator).stake(POOL_STAKE - less, 1_000, POOL_CAPACITY)));
}

describe("ZKPool: stake", function () {
  const load = loadPoolWithInvariants();
  after(shutdownProver);

  describe("funds and stake", function () {
    it("the fixture's pool staked all its funds: stakeInfo gives its stake, ask, capacity and rank 1", async function () {
      const f = await load(deployPoolFixture);
      const [staker, prover, rank] = await f.pool.stakeInfo();
      expect(prover.stakedAmount).to.equal(POOL_STAKE);
      expect(prover.rewardPerGas).to.equal(1_000n);
      expect(prover.currentCapacity).to.equal(BigInt(POOL_CAPACITY));
      expect(staker.maxCapacity).to.equal(BigInt(POOL_CAPACITY));
      expect(staker.exitAmount).to.equal(0n);
      expect(rank).to.equal(1n);
      expect(await f.pool.stakeFunds()).to.equal(0n);
      expect(await f.token.balanceOf(f.poolAddress)).to.equal(0n);
    });

    it("fundStake takes the owner's tokens into the stake funds (StakeFunded)", async function () {
      const f = await load(deployPoolFixture);
      const amount = 5_000n * TTKO;
      await f.token.mint(f.operator.address, amount);
      await f.token.connect(f.operator).approve(f.poolAddress, amount);
      const tx = f.pool.connect(f.operator).fundStake(amount);
      await expect(tx).to.emit(f.pool, "StakeFunded").withArgs(f.operator.address, amount);
      await expect(tx).to.changeTokenBalances(f.token, [f.operator, f.pool], [-amount, amount]);
      expect(await f.pool.stakeFunds()).to.equal(amount);
    });

    it("raising the stake after ProverPool's change delay spends the stake funds", async function () {
      const f = await load(deployPoolFixture);
      const more = 100_000n * TTKO;
      await fund(f, more);
      await afterChangeDelay(f);
      const tx = f.pool.connect(f.operator).stake(POOL_STAKE + more, 1_100, POOL_CAPACITY);
      await expect(tx)
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.poolAddress, POOL_STAKE + more, 1_100, POOL_CAPACITY);
      await expect(tx).to.emit(f.pool, "StakeFundsMoved").withArgs(more, 0n, 0n);
      expect(await f.pool.stakeFunds()).to.equal(0n);
      const [, prover] = await f.pool.stakeInfo();
      expect(prover.stakedAmount).to.equal(POOL_STAKE + more);
      expect(prover.rewardPerGas).to.equal(1_100n);
    });

    it("a change inside ProverPool's change delay comes back as ProverPool's CHANGE_TOO_FREQUENT()", async function () {
      const f = await load(deployPoolFixture);
      // Lowering the stake leaves tokens exiting: the next change waits for MIN_CHANGE_DELAY after it.
      const at = await lowerStake(f, 10n * TTKO);
      await time.setNextBlockTimestamp(at + f.params.proverPool.changeDelay);
      await expect(f.pool.connect(f.operator).stake(POOL_STAKE, 1_000, POOL_CAPACITY)).to.be.revertedWithCustomError(
        f.proverPool,
        "CHANGE_TOO_FREQUENT",
      );
      await time.setNextBlockTimestamp(at + f.params.proverPool.changeDelay + 1n);
      await expect(f.pool.connect(f.operator).stake(POOL_STAKE, 1_000, POOL_CAPACITY)).to.emit(f.proverPool, "Staked");
    });

    it("ProverPool's other rules bubble up too: INVALID_PARAMS() below MIN_CAPACITY (5)", async function () {
      const f = await load(deployPoolFixture);
      await expect(f.pool.connect(f.operator).stake(POOL_STAKE, 1_000, 4)).to.be.revertedWithCustomError(
        f.proverPool,
        "INVALID_PARAMS",
      );
      await expect(f.pool.connect(f.operator).stake(POOL_STAKE, 1_000, 5)).to.emit(f.proverPool, "Staked");
    });

    it("a matured exit that ProverPool pays out on a stake change goes back into the stake funds", async function () {
      const f = await load(deployPoolFixture);
      const less = 200_000n * TTKO;
      const at = await lowerStake(f, less);
      await time.increaseTo(at + f.params.proverPool.exitPeriod + 1n);
      // eldfell's stake() withdraws the matured exit first (minted to the pool), then re-stakes the same amount.
      const tx = f.pool.connect(f.operator).stake(POOL_STAKE - less, 1_000, POOL_CAPACITY);
      await expect(tx).to.emit(f.proverPool, "Withdrawn").withArgs(f.poolAddress, less);
      await expect(tx).to.emit(f.pool, "StakeFundsMoved").withArgs(0n, less, less);
      await expect(tx).to.changeTokenBalance(f.token, f.pool, less);
      expect(await f.pool.stakeFunds()).to.equal(less);
      // And so does exitStake's.
      const exitAt = await minedAt(await mined(f.pool.connect(f.operator).stake(POOL_STAKE - 2n * less, 1_000, 64)));
      await time.increaseTo(exitAt + f.params.proverPool.exitPeriod + 1n);
      await expect(f.pool.connect(f.operator).exitStake())
        .to.emit(f.proverPool, "Withdrawn")
        .withArgs(f.poolAddress, less);
      expect(await f.pool.stakeFunds()).to.equal(2n * less);
    });

    it("staking never uses rewards: InsufficientStakeFunds(needed, available) while the pool holds harvested rewards", async function () {
      const f = await load(deployPoolFixture);
      await creditProof(f, f.agentOfAlice);
      const { harvested: rewards } = await verifyAndHarvest(f);
      expect(rewards).to.be.greaterThan(1n);
      expect(await f.token.balanceOf(f.poolAddress)).to.equal(rewards);
      await afterChangeDelay(f);
      await expect(f.pool.connect(f.operator).stake(POOL_STAKE + 1n, 1_000, POOL_CAPACITY))
        .to.be.revertedWithCustomError(f.pool, "InsufficientStakeFunds")
        .withArgs(1n, 0n);

      const funds = rewards / 2n;
      await fund(f, funds);
      await expect(f.pool.connect(f.operator).stake(POOL_STAKE + rewards, 1_000, POOL_CAPACITY))
        .to.be.revertedWithCustomError(f.pool, "InsufficientStakeFunds")
        .withArgs(rewards, funds);
      // Exactly the funds is fine.
      await f.pool.connect(f.operator).stake(POOL_STAKE + funds, 1_000, POOL_CAPACITY);
      expect(await f.pool.stakeFunds()).to.equal(0n);
      expect(await f.token.balanceOf(f.poolAddress)).to.equal(rewards);
    });

    it("lowering the stake sends the difference through the exit period back into the stake funds", async function () {
      const f = await load(deployPoolFixture);
      const less = 200_000n * TTKO;
      await afterChangeDelay(f);
      const requestedAt = await lowerStake(f, less);
      expect(await f.pool.stakeFunds()).to.equal(0n);
      const [staker, prover] = await f.pool.stakeInfo();
      expect(prover.stakedAmount).to.equal(POOL_STAKE - less);
      expect(staker.exitAmount).to.equal(less);

      const maturesAt = requestedAt + f.params.proverPool.exitPeriod;
      await time.setNextBlockTimestamp(maturesAt);
      await expect(f.pool.connect(f.operator).withdrawStake()).to.be.revertedWithCustomError(
        f.proverPool,
        "NO_MATURE_EXIT",
      );
      await time.setNextBlockTimestamp(maturesAt + 1n);
      await expect(f.pool.connect(f.operator).withdrawStake())
        .to.emit(f.proverPool, "Withdrawn")
        .withArgs(f.poolAddress, less);
      expect(await f.pool.stakeFunds()).to.equal(less);
      expect(await f.token.balanceOf(f.poolAddress)).to.equal(less);
    });

    it("exitStake leaves ProverPool; after the exit period withdrawStake and withdrawStakeFunds give it back", async function () {
      const f = await load(deployPoolFixture);
      await afterChangeDelay(f);
      const receipt = await mined(f.pool.connect(f.operator).exitStake());
      await expect(receipt.hash).to.emit(f.proverPool, "Exited").withArgs(f.poolAddress, POOL_STAKE);
      const [staker, , rank] = await f.pool.stakeInfo();
      expect(rank).to.equal(0n);
      expect(staker.exitAmount).to.equal(POOL_STAKE);
      await expect(f.pool.connect(f.relayer).adjustCapacity(32)).to.be.revertedWithCustomError(f.pool, "NotStaked");

      await time.increaseTo((await minedAt(receipt)) + f.params.proverPool.exitPeriod + 1n);
      await f.pool.connect(f.operator).withdrawStake();
      expect(await f.pool.stakeFunds()).to.equal(POOL_STAKE);

      await expect(f.pool.connect(f.operator).withdrawStakeFunds(POOL_STAKE + 1n, f.operator.address))
        .to.be.revertedWithCustomError(f.pool, "InsufficientStakeFunds")
        .withArgs(POOL_STAKE + 1n, POOL_STAKE);
      await expect(
        f.pool.connect(f.operator).withdrawStakeFunds(1n, "0x0000000000000000000000000000000000000000"),
      ).to.be.revertedWithCustomError(f.pool, "ZeroAddress");
      const tx = f.pool.connect(f.operator).withdrawStakeFunds(POOL_STAKE, f.treasury.address);
      await expect(tx).to.emit(f.pool, "StakeFundsWithdrawn").withArgs(f.treasury.address, POOL_STAKE);
      await expect(tx).to.changeTokenBalances(f.token, [f.pool, f.treasury], [-POOL_STAKE, POOL_STAKE]);
      expect(await f.pool.stakeFunds()).to.equal(0n);
    });

    it("withdrawStakeFunds never pays out rewards", async function () {
      const f = await load(deployPoolFixture);
      await creditProof(f, f.agentOfAlice);
      const { harvested: rewards } = await verifyAndHarvest(f);
      await fund(f, 7n);
      await expect(f.pool.connect(f.operator).withdrawStakeFunds(8n, f.operator.address))
        .to.be.revertedWithCustomError(f.pool, "InsufficientStakeFunds")
        .withArgs(8n, 7n);
      await f.pool.connect(f.operator).withdrawStakeFunds(7n, f.operator.address);
      expect(await f.token.balanceOf(f.poolAddress)).to.equal(rewards);
    });

    it("only the owner funds, stakes, exits, withdraws and sets capacity bounds", async function () {
      const f = await load(deployPoolFixture);
      const m = f.pool.connect(f.mallory);
      for (const send of [
        () => m.fundStake(1n),
        () => m.stake(POOL_STAKE, 1_000, POOL_CAPACITY),
        () => m.exitStake(),
        () => m.withdrawStake(),
        () => m.withdrawStakeFunds(0n, f.mallory.address),
        () => m.setCapacityBounds(1, 2),
      ]) {
        await expect(send())
          .to.be.revertedWithCustomError(f.pool, "OwnableUnauthorizedAccount")
          .withArgs(f.mallory.address);
      }
      // The relayer is not the owner either.
      await expect(f.pool.connect(f.relayer).stake(POOL_STAKE, 1_000, POOL_CAPACITY))
        .to.be.revertedWithCustomError(f.pool, "OwnableUnauthorizedAccount")
        .withArgs(f.relayer.address);
    });
  });

  describe("rank among the 32", function () {
    it("stakeInfo ranks the pool among the other stakers, by stake", async function () {
      const f = await load(deployPoolFixture);
      // 31 competitors: 500,000 + 50,000 × i TTKOe; those with i > 10 out-stake the pool.
      const competitors = [f.proverA, f.proverB, f.proverC, f.outsider, ...freeSigners(f, 27)];
      for (const [i, c] of competitors.entries()) await stake(f, c, (500_000n + 50_000n * BigInt(i)) * TTKO, 1_000, 16);
      const [, , rank] = await f.pool.stakeInfo();
      expect(rank).to.equal(21n);
    });

    it("pushed out of a full set, the pool has rank 0 and gets its stake back through withdrawStake", async function () {
      const f = await load(deployPoolFixture);
      const competitors = [f.proverA, f.proverB, f.proverC, f.outsider, ...freeSigners(f, 28)];
      for (const c of competitors.slice(0, 31)) await stake(f, c, 2_000_000n * TTKO, 1_000, 16);
      const last = competitors[31]!;
      const receipt = await mined(stake(f, last, 1_500_000n * TTKO, 1_000, 16));
      await expect(receipt.hash).to.emit(f.proverPool, "Exited").withArgs(f.poolAddress, POOL_STAKE);
      const [, , rank] = await f.pool.stakeInfo();
      expect(rank).to.equal(0n);
      await time.increaseTo((await minedAt(receipt)) + f.params.proverPool.exitPeriod + 1n);
      await f.pool.connect(f.operator).withdrawStake();
      expect(await f.pool.stakeFunds()).to.equal(POOL_STAKE);
    });

    it("evicted with a matured exit, the pool is paid it by ProverPool outside its calls: the next stake operation joins it to the stake funds", async function () {
      const f = await load(deployPoolFixture);
      const less = 100_000n * TTKO;
      const at = await lowerStake(f, less);
      await time.increaseTo(at + f.params.proverPool.exitPeriod + 1n);
      // 31 stakers above the pool, then one more: eldfell's eviction withdraws the evicted staker's matured exit.
      const competitors = [f.proverA, f.proverB, f.proverC, f.outsider, ...freeSigners(f, 28)];
      for (const c of competitors.slice(0, 31)) await stake(f, c, 2_000_000n * TTKO, 1_000, 16);
      const eviction = await mined(stake(f, competitors[31]!, 1_500_000n * TTKO, 1_000, 16));
      await expect(eviction.hash).to.emit(f.proverPool, "Withdrawn").withArgs(f.poolAddress, less);
      expect(await f.token.balanceOf(f.poolAddress)).to.equal(less);
      expect(await f.pool.stakeFunds()).to.equal(0n);

      await time.increaseTo((await minedAt(eviction)) + f.params.proverPool.exitPeriod + 1n);
      const tx = f.pool.connect(f.operator).withdrawStake();
      await expect(tx).to.emit(f.pool, "StakeFundsMoved").withArgs(0n, less, less);
      await expect(tx)
        .to.emit(f.pool, "StakeFundsMoved")
        .withArgs(0n, POOL_STAKE - less, POOL_STAKE);
      expect(await f.pool.stakeFunds()).to.equal(POOL_STAKE);
      await expect(f.pool.connect(f.operator).withdrawStakeFunds(POOL_STAKE, f.operator.address)).to.emit(
        f.pool,
        "StakeFundsWithdrawn",
      );
      expect(await f.token.balanceOf(f.poolAddress)).to.equal(0n);
    });

    it("stakeInfo breaks a tie by slot, as eldfell breaks eviction ties", async function () {
      const f = await load(deployPoolFixture);
      // proverA, in slot 2, stakes as much as the pool (slot 1): the pool ranks first, proverA second.
      await stake(f, f.proverA, POOL_STAKE, 1_000, 16);
      expect((await f.pool.stakeInfo())[2]).to.equal(1n);
      await stake(f, f.proverB, POOL_STAKE + 1n, 1_000, 16);
      expect((await f.pool.stakeInfo())[2]).to.equal(2n);
    });
  });

  describe("adjustCapacity", function () {
    it("the relayer sets the capacity within the owner's bounds, at the same stake and ask", async function () {
      const f = await load(deployPoolFixture);
      expect(await f.pool.capacityBounds()).to.deep.equal([16n, 256n]);
      await afterChangeDelay(f);
      await expect(f.pool.connect(f.relayer).adjustCapacity(32))
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.poolAddress, POOL_STAKE, 1_000, 32);
      const [staker, prover] = await f.pool.stakeInfo();
      expect(staker.maxCapacity).to.equal(32n);
      expect(prover.stakedAmount).to.equal(POOL_STAKE);
      expect(await f.pool.stakeFunds()).to.equal(0n);
    });

    it("outside the bounds: CapacityOutOfBounds(capacity, min, max)", async function () {
      const f = await load(deployPoolFixture);
      await afterChangeDelay(f);
      await expect(f.pool.connect(f.relayer).adjustCapacity(15))
        .to.be.revertedWithCustomError(f.pool, "CapacityOutOfBounds")
        .withArgs(15, 16, 256);
      await expect(f.pool.connect(f.relayer).adjustCapacity(257))
        .to.be.revertedWithCustomError(f.pool, "CapacityOutOfBounds")
        .withArgs(257, 16, 256);
      await expect(f.pool.connect(f.operator).setCapacityBounds(20, 40))
        .to.emit(f.pool, "CapacityBoundsSet")
        .withArgs(20, 40);
      await expect(f.pool.connect(f.relayer).adjustCapacity(16))
        .to.be.revertedWithCustomError(f.pool, "CapacityOutOfBounds")
        .withArgs(16, 20, 40);
      await f.pool.connect(f.relayer).adjustCapacity(40);
    });

    it("the owner's bounds must be ordered: InvalidCapacityBounds(min, max)", async function () {
      const f = await load(deployPoolFixture);
      await expect(f.pool.connect(f.operator).setCapacityBounds(40, 20))
        .to.be.revertedWithCustomError(f.pool, "InvalidCapacityBounds")
        .withArgs(40, 20);
    });

    it("nobody but a relayer may adjust: NotRelayer(caller)", async function () {
      const f = await load(deployPoolFixture);
      for (const caller of [f.operator, f.mallory, f.alice]) {
        await expect(f.pool.connect(caller).adjustCapacity(32))
          .to.be.revertedWithCustomError(f.pool, "NotRelayer")
          .withArgs(caller.address);
      }
    });

    it("changes back to back while no tokens are exiting: eldfell's change delay does not apply", async function () {
      const f = await load(deployPoolFixture);
      await f.pool.connect(f.relayer).adjustCapacity(32);
      await expect(f.pool.connect(f.relayer).adjustCapacity(40))
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.poolAddress, POOL_STAKE, 1_000, 40);
    });

    it("not while the owner's tokens are exiting (ExitPending): the relayer cannot keep the owner's exit from maturing", async function () {
      const f = await load(deployPoolFixture);
      const less = 10n * TTKO;
      const at = await lowerStake(f, less);
      // Past ProverPool's change delay a re-stake would go through, and start the exit period again, for ever.
      await time.increaseTo(at + f.params.proverPool.changeDelay + 1n);
      await expect(f.pool.connect(f.relayer).adjustCapacity(32))
        .to.be.revertedWithCustomError(f.pool, "ExitPending")
        .withArgs(less);
      const [staker] = await f.pool.stakeInfo();
      expect(staker.exitRequestedAt).to.equal(at);
      // The owner's exit matures on time; once withdrawn, the relayer adjusts again.
      await time.increaseTo(at + f.params.proverPool.exitPeriod + 1n);
      await expect(f.pool.connect(f.operator).withdrawStake())
        .to.emit(f.pool, "StakeFundsMoved")
        .withArgs(0n, less, less);
      await expect(f.pool.connect(f.relayer).adjustCapacity(32))
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.poolAddress, POOL_STAKE - less, 1_000, 32);
    });

    it("the owner's stake changes right after one of the relayer's: no change delay between them", async function () {
      const f = await load(deployPoolFixture);
      await fund(f, 50_000n * TTKO);
      await f.pool.connect(f.relayer).adjustCapacity(32);
      await expect(f.pool.connect(f.operator).stake(POOL_STAKE + 50_000n * TTKO, 1_000, 32))
        .to.emit(f.pool, "StakeFundsMoved")
        .withArgs(50_000n * TTKO, 0n, 0n);
      await f.pool.connect(f.relayer).adjustCapacity(40);
      await expect(f.pool.connect(f.operator).exitStake()).to.emit(f.proverPool, "Exited");
    });

    it("a capacity change frees all of the new maximum, blocks in flight included (eldfell's re-stake)", async function () {
      const f = await load(deployPoolFixture);
      await creditProof(f, f.agentOfAlice); // proven: released
      await proposeBlock(f); // in flight
      await f.pool.connect(f.relayer).adjustCapacity(20);
      const [staker, prover] = await f.pool.stakeInfo();
      expect(staker.maxCapacity).to.equal(20n);
      expect(prover.currentCapacity).to.equal(20n);
    });
  });
});
