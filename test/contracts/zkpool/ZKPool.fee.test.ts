import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { DEFAULT_POOL_PARAMS, shutdownProver } from "@zkpool/common";
import { ZKPool__factory } from "../../../typechain-types";
import { deployPoolFixture, type PoolFixture } from "../../fixtures/zkpool";
import { creditProof, endAndSettle, epochStart, split, startEpoch, verifyAndHarvest } from "../../helpers/pool";
import { loadPoolWithInvariants } from "../../helpers/poolInvariants";
import { mined, minedAt } from "../../helpers/taiko";

/** ZKPool's constructor arguments before the epoch length and the fee delay: the fixture's owner and contracts. */
async function constructorAddresses(f: PoolFixture) {
  return [
    f.operator.address,
    await f.token.getAddress(),
    await f.taikoL1.getAddress(),
    await f.proverPool.getAddress(),
    f.treasury.address,
  ] as const;
}

/**
 * Schedules `feeBps` as the owner and checks the epoch its event says it applies from: the first epoch that
 * starts after the delay (the one before it started at or before the delay's end), so never a started one.
 */
async function schedule(f: PoolFixture, feeBps: number): Promise<bigint> {
  const receipt = await mined(f.pool.connect(f.operator).scheduleFee(feeBps));
  const due = (await minedAt(receipt)) + f.poolParams.feeChangeDelay;
  const [event] = await f.pool.queryFilter(f.pool.filters.FeeChangeScheduled(), receipt.blockNumber);
  if (!event) throw new Error("no FeeChangeScheduled event");
  const { fromEpoch } = event.args;
  expect(event.args.feeBps).to.equal(BigInt(feeBps));
  expect(await epochStart(f, fromEpoch), "starts after the delay").to.be.greaterThan(due);
  expect(await epochStart(f, fromEpoch - 1n), "the first to start after the delay").to.be.at.most(due);
  return fromEpoch;
}

describe("ZKPool: fee, ownership and roles", function () {
  const load = loadPoolWithInvariants();
  after(shutdownProver);

  describe("the fee", function () {
    it("is 20% from epoch 0, capped at 30%, with a two-day delay", async function () {
      const f = await load(deployPoolFixture);
      expect(await f.pool.INITIAL_FEE_BPS()).to.equal(2_000n);
      expect(await f.pool.MAX_FEE_BPS()).to.equal(3_000n);
      expect(await f.pool.FEE_CHANGE_DELAY()).to.equal(DEFAULT_POOL_PARAMS.feeChangeDelay);
      expect(await f.pool.feeBps(0n)).to.equal(2_000n);
      expect(await f.pool.feeBps(1_000n)).to.equal(2_000n);
      const [launch] = await f.pool.queryFilter(f.pool.filters.FeeChangeScheduled());
      expect([launch!.args.feeBps, launch!.args.fromEpoch]).to.deep.equal([2_000n, 0n]);
    });

    it("only the owner schedules a change: OwnableUnauthorizedAccount(caller)", async function () {
      const f = await load(deployPoolFixture);
      for (const caller of [f.mallory, f.relayer, f.pauser, f.treasury]) {
        await expect(f.pool.connect(caller).scheduleFee(1_000))
          .to.be.revertedWithCustomError(f.pool, "OwnableUnauthorizedAccount")
          .withArgs(caller.address);
      }
    });

    it("never above the cap: FeeAboveCap(fee, 3000); the cap itself and zero are allowed", async function () {
      const f = await load(deployPoolFixture);
      for (const fee of [3_001, 10_000, 65_535]) {
        await expect(f.pool.connect(f.operator).scheduleFee(fee))
          .to.be.revertedWithCustomError(f.pool, "FeeAboveCap")
          .withArgs(fee, 3_000);
      }
      const from = await schedule(f, 3_000);
      expect(await f.pool.feeBps(from)).to.equal(3_000n);
      await time.increase(f.poolParams.epochLength * 3n);
      const later = await schedule(f, 0);
      expect(await f.pool.feeBps(later)).to.equal(0n);
      expect(await f.pool.feeBps(from)).to.equal(3_000n);
    });

    it("applies from the first epoch that starts after the delay, announced by FeeChangeScheduled", async function () {
      const f = await load(deployPoolFixture);
      // Early in epoch 0: the delay ends inside epoch 2, so epoch 3 is the first to start after it.
      await expect(f.pool.connect(f.operator).scheduleFee(1_000))
        .to.emit(f.pool, "FeeChangeScheduled")
        .withArgs(1_000, 3n);
      expect(await schedule(f, 1_000)).to.equal(3n);
      for (const e of [0n, 1n, 2n]) expect(await f.pool.feeBps(e)).to.equal(2_000n);
      for (const e of [3n, 4n, 100n]) expect(await f.pool.feeBps(e)).to.equal(1_000n);
    });

    it("never touches an epoch that started before the delay ended, whenever it is scheduled", async function () {
      const f = await load(deployPoolFixture);
      // At the first second of epoch 2 (the delay ends exactly as epoch 4 starts: 4 is not "after"), the last
      // second of epoch 2, and the first of epoch 5.
      const cases: [bigint, number, bigint][] = [
        [await epochStart(f, 2n), 500, 5n],
        [(await epochStart(f, 3n)) - 1n, 600, 5n],
        [await epochStart(f, 5n), 700, 8n],
      ];
      for (const [at, fee, expected] of cases) {
        await time.setNextBlockTimestamp(at);
        const receipt = await mined(f.pool.connect(f.operator).scheduleFee(fee));
        await expect(receipt.hash).to.emit(f.pool, "FeeChangeScheduled").withArgs(fee, expected);
        expect(await epochStart(f, expected - 1n)).to.be.at.most(at + f.poolParams.feeChangeDelay);
        expect(await epochStart(f, expected)).to.be.greaterThan(at + f.poolParams.feeChangeDelay);
        expect(await f.pool.feeBps(expected)).to.equal(BigInt(fee));
        expect(await f.pool.feeBps(expected - 1n)).to.not.equal(BigInt(fee));
      }
      expect(await f.pool.feeBps(4n)).to.equal(2_000n);
      expect(await f.pool.feeBps(5n)).to.equal(600n);
      expect(await f.pool.feeBps(7n)).to.equal(600n);
      expect(await f.pool.feeBps(8n)).to.equal(700n);
    });

    it("a later change in the same epoch replaces the pending one; an earlier epoch keeps its fee", async function () {
      const f = await load(deployPoolFixture);
      const first = await schedule(f, 1_000);
      const second = await schedule(f, 2_500);
      expect(second).to.equal(first);
      expect(await f.pool.feeBps(first)).to.equal(2_500n);
      await startEpoch(f, 1n);
      const third = await schedule(f, 500);
      expect(third).to.equal(first + 1n);
      expect(await f.pool.feeBps(first)).to.equal(2_500n);
      expect(await f.pool.feeBps(third)).to.equal(500n);
      expect(await f.pool.feeBps(first - 1n)).to.equal(2_000n);
    });

    it("settlement uses the fee of the epoch settled", async function () {
      const f = await load(deployPoolFixture);
      await startEpoch(f, 2n);
      expect(await schedule(f, 1_000)).to.equal(5n);
      const rates: { fee: bigint; harvested: bigint }[] = [];
      for (const epoch of [4n, 5n]) {
        await startEpoch(f, epoch);
        await creditProof(f, f.agentOfAlice);
        const { harvested } = await verifyAndHarvest(f);
        const receipts = await endAndSettle(f, epoch);
        const expected = split(harvested, epoch === 4n ? 2_000n : 1_000n);
        await expect(receipts.at(-1)!.hash)
          .to.emit(f.pool, "EpochSettled")
          .withArgs(epoch, harvested, expected.fee, expected.proverReward, await f.pool.totalSharesOf(epoch));
        rates.push({ fee: expected.fee, harvested });
      }
      // The two epochs harvest different amounts (the blocks' rewardPerGas moves), so compare the rates:
      // fee₅ / harvested₅ < fee₄ / harvested₄, cross-multiplied to stay exact.
      const [four, five] = rates as [(typeof rates)[0], (typeof rates)[0]];
      expect(five.fee * four.harvested).to.be.lessThan(four.fee * five.harvested);
    });
  });

  describe("ownership", function () {
    it("moves in two steps (Ownable2Step): nothing changes until the new owner accepts", async function () {
      const f = await load(deployPoolFixture);
      expect(await f.pool.owner()).to.equal(f.operator.address);
      await expect(f.pool.connect(f.mallory).transferOwnership(f.mallory.address))
        .to.be.revertedWithCustomError(f.pool, "OwnableUnauthorizedAccount")
        .withArgs(f.mallory.address);
      await expect(f.pool.connect(f.operator).transferOwnership(f.alice.address))
        .to.emit(f.pool, "OwnershipTransferStarted")
        .withArgs(f.operator.address, f.alice.address);
      expect(await f.pool.owner()).to.equal(f.operator.address);
      expect(await f.pool.pendingOwner()).to.equal(f.alice.address);
      // The old owner still rules; the pending owner does not yet.
      await f.pool.connect(f.operator).scheduleFee(1_500);
      await expect(f.pool.connect(f.alice).scheduleFee(1_500))
        .to.be.revertedWithCustomError(f.pool, "OwnableUnauthorizedAccount")
        .withArgs(f.alice.address);
      await expect(f.pool.connect(f.mallory).acceptOwnership())
        .to.be.revertedWithCustomError(f.pool, "OwnableUnauthorizedAccount")
        .withArgs(f.mallory.address);

      await expect(f.pool.connect(f.alice).acceptOwnership())
        .to.emit(f.pool, "OwnershipTransferred")
        .withArgs(f.operator.address, f.alice.address);
      expect(await f.pool.owner()).to.equal(f.alice.address);
      expect(await f.pool.pendingOwner()).to.equal(ethers.ZeroAddress);
      await expect(f.pool.connect(f.operator).scheduleFee(1_500))
        .to.be.revertedWithCustomError(f.pool, "OwnableUnauthorizedAccount")
        .withArgs(f.operator.address);
      await f.pool.connect(f.alice).setRelayer(f.bob.address);
    });

    it("is never renounced (OwnershipCannotBeRenounced): a paused pool always has an owner to unpause it", async function () {
      const f = await load(deployPoolFixture);
      await f.pool.connect(f.pauser).pause();
      await expect(f.pool.connect(f.operator).renounceOwnership()).to.be.revertedWithCustomError(
        f.pool,
        "OwnershipCannotBeRenounced",
      );
      expect(await f.pool.owner()).to.equal(f.operator.address);
      await expect(f.pool.connect(f.operator).unpause()).to.emit(f.pool, "Unpaused");
    });
  });

  describe("roles", function () {
    it("setRelayer, setPauser and setTreasury are the owner's: OwnableUnauthorizedAccount(caller)", async function () {
      const f = await load(deployPoolFixture);
      for (const caller of [f.mallory, f.relayer, f.pauser]) {
        const pool = f.pool.connect(caller);
        for (const send of [
          () => pool.setRelayer(caller.address),
          () => pool.setPauser(caller.address, true),
          () => pool.setTreasury(caller.address),
          () => pool.unpause(),
        ]) {
          await expect(send())
            .to.be.revertedWithCustomError(f.pool, "OwnableUnauthorizedAccount")
            .withArgs(caller.address);
        }
      }
    });

    it("the owner grants and takes back roles (RelayerSet, PauserSet, TreasuryChanged)", async function () {
      const f = await load(deployPoolFixture);
      const owner = f.pool.connect(f.operator);
      expect(await f.pool.relayer()).to.equal(f.relayer.address);
      expect(await f.pool.isPauser(f.pauser.address)).to.equal(true);
      expect(await f.pool.treasury()).to.equal(f.treasury.address);

      // One relayer key at a time: a new one replaces the old, and zero leaves none.
      await expect(owner.setRelayer(f.bob.address)).to.emit(f.pool, "RelayerSet").withArgs(f.bob.address);
      expect(await f.pool.relayer()).to.equal(f.bob.address);
      await expect(f.pool.connect(f.relayer).adjustCapacity(32))
        .to.be.revertedWithCustomError(f.pool, "NotRelayer")
        .withArgs(f.relayer.address);
      await expect(owner.setRelayer(ethers.ZeroAddress)).to.emit(f.pool, "RelayerSet").withArgs(ethers.ZeroAddress);
      await expect(f.pool.connect(f.bob).adjustCapacity(32))
        .to.be.revertedWithCustomError(f.pool, "NotRelayer")
        .withArgs(f.bob.address);

      await expect(owner.setPauser(f.pauser.address, false))
        .to.emit(f.pool, "PauserSet")
        .withArgs(f.pauser.address, false);
      await expect(f.pool.connect(f.pauser).pause())
        .to.be.revertedWithCustomError(f.pool, "NotPauser")
        .withArgs(f.pauser.address);

      await expect(owner.setTreasury(f.alice.address)).to.emit(f.pool, "TreasuryChanged").withArgs(f.alice.address);
      expect(await f.pool.treasury()).to.equal(f.alice.address);
      await expect(owner.setTreasury(ethers.ZeroAddress)).to.be.revertedWithCustomError(f.pool, "ZeroAddress");
    });

    it("only a pauser pauses (NotPauser, even for the owner); only the owner unpauses", async function () {
      const f = await load(deployPoolFixture);
      for (const caller of [f.operator, f.mallory, f.relayer]) {
        await expect(f.pool.connect(caller).pause())
          .to.be.revertedWithCustomError(f.pool, "NotPauser")
          .withArgs(caller.address);
      }
      await f.pool.connect(f.pauser).pause();
      expect(await f.pool.paused()).to.equal(true);
      await expect(f.pool.connect(f.pauser).pause()).to.be.revertedWithCustomError(f.pool, "EnforcedPause");
      await expect(f.pool.connect(f.operator).unpause()).to.emit(f.pool, "Unpaused").withArgs(f.operator.address);
      await expect(f.pool.connect(f.operator).unpause()).to.be.revertedWithCustomError(f.pool, "ExpectedPause");
    });
  });

  describe("deployment", function () {
    it("the epoch clock starts at the deployment block: epoch 0 is [genesis, genesis + epochLength)", async function () {
      const f = await load(deployPoolFixture);
      const deployed = await f.pool.deploymentTransaction()?.wait();
      if (!deployed) throw new Error("no deployment receipt");
      const genesis = await minedAt(deployed);
      expect(await f.pool.GENESIS_TIMESTAMP()).to.equal(genesis);
      expect(await f.pool.EPOCH_LENGTH()).to.equal(DEFAULT_POOL_PARAMS.epochLength);
      expect(await f.pool.epochAt(genesis + DEFAULT_POOL_PARAMS.epochLength - 1n)).to.equal(0n);
      expect(await f.pool.epochAt(genesis + DEFAULT_POOL_PARAMS.epochLength)).to.equal(1n);
      expect(await f.pool.BLOCK_FEE_BASE_GAS()).to.equal(BigInt(f.params.taiko.blockFeeBaseGas));
    });

    it("refuses a zero token, TaikoL1, ProverPool or treasury: ZeroAddress", async function () {
      const f = await load(deployPoolFixture);
      const args = await constructorAddresses(f);
      const factory = new ZKPool__factory(f.operator);
      for (const i of [1, 2, 3, 4]) {
        const broken = args.map((a, j) => (j === i ? ethers.ZeroAddress : a)) as unknown as typeof args;
        await expect(
          factory.deploy(...broken, DEFAULT_POOL_PARAMS.epochLength, DEFAULT_POOL_PARAMS.feeChangeDelay),
        ).to.be.revertedWithCustomError(factory, "ZeroAddress");
      }
    });

    it("refuses an epoch length of 0 (InvalidEpochLength) and a fee delay under one epoch (FeeChangeDelayTooShort)", async function () {
      const f = await load(deployPoolFixture);
      const args = await constructorAddresses(f);
      const factory = new ZKPool__factory(f.operator);
      await expect(factory.deploy(...args, 0n, 3_600n)).to.be.revertedWithCustomError(factory, "InvalidEpochLength");
      await expect(factory.deploy(...args, 3_600n, 3_599n))
        .to.be.revertedWithCustomError(factory, "FeeChangeDelayTooShort")
        .withArgs(3_599n, 3_600n);
      // A delay of exactly one epoch is the shortest allowed: a change is always known an epoch ahead.
      const pool = await factory.deploy(...args, 3_600n, 3_600n);
      expect(await pool.FEE_CHANGE_DELAY()).to.equal(3_600n);
    });
  });
});
