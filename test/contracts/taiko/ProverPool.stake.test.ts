import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { TTKO } from "@zkpool/common";
import { ProverPool__factory } from "../../../typechain-types";
import { deployTaikoFixture, stake, type TaikoFixture } from "../../fixtures/taiko";
import { loadWithInvariants } from "../../helpers/invariants";
import { eventsIn, extraSigners, mined, minedAt } from "../../helpers/taiko";

const ZERO = ethers.ZeroAddress;

/** A4's ProverPool with its 32 slots filled. Slot i holds 200,000 + ((i + 16) mod 32) × 1,000 TTKOe, so the
 * lowest stake sits in the middle (slot 17) and the largest in slot 16: no test passes by looking at an end. */
async function fullSetFixture(): Promise<TaikoFixture & { members: HardhatEthersSigner[]; amounts: bigint[] }> {
  const f = await deployTaikoFixture();
  const members = await extraSigners(32, "member");
  const amounts = members.map((_, i) => 200_000n * TTKO + BigInt((i + 16) % 32) * 1_000n * TTKO);
  for (const [i, member] of members.entries()) await stake(f, member, amounts[i]!, 1_000, 16);
  return { ...f, members, amounts };
}

describe("ProverPool: staking", function () {
  const load = loadWithInvariants();

  it("carries A4's parameters", async function () {
    const { proverPool, token, taikoL1, params } = await load(deployTaikoFixture);
    expect(await proverPool.MAX_NUM_PROVERS()).to.equal(32n);
    expect(await proverPool.TOKEN()).to.equal(await token.getAddress());
    expect(await proverPool.taikoL1()).to.equal(await taikoL1.getAddress());
    expect(await proverPool.EXIT_PERIOD()).to.equal(7n * 24n * 3600n);
    expect(await proverPool.CHANGE_DELAY()).to.equal(3600n);
    expect(await proverPool.MIN_CAPACITY()).to.equal(BigInt(params.proverPool.minCapacity));
    expect(await proverPool.MIN_STAKE_PER_CAPACITY()).to.equal(params.proverPool.minStakePerCapacity);
    expect(await proverPool.SLASH_RATE_BPS()).to.equal(25n);
    expect(await proverPool.SLASH_REWARD_MULTIPLIER()).to.equal(4n);
  });

  describe("stake", function () {
    it("burns the tokens, takes a slot and reports it", async function () {
      const f = await load(deployTaikoFixture);
      const amount = 200_000n * TTKO;
      await f.token.mint(f.proverA.address, amount + 5n);
      const supply = await f.token.totalSupply();

      const tx = f.proverPool.connect(f.proverA).stake(amount, 1_100, 20);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, -amount);
      await expect(tx).to.emit(f.proverPool, "Staked").withArgs(f.proverA.address, amount, 1_100, 20);
      const at = await minedAt(await mined(tx));

      expect(await f.token.totalSupply()).to.equal(supply - amount);
      expect(await f.token.balanceOf(await f.proverPool.getAddress())).to.equal(0n);
      const [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect(staker.proverId).to.equal(1n);
      expect(staker.maxCapacity).to.equal(20n);
      expect(staker.lastChangeAt).to.equal(at);
      expect(staker.exitAmount).to.equal(0n);
      expect([prover.stakedAmount, prover.rewardPerGas, prover.currentCapacity]).to.deep.equal([amount, 1_100n, 20n]);
      const [provers, stakers] = await f.proverPool.getProvers();
      expect(stakers[0]).to.equal(f.proverA.address);
      expect(provers[0]!.stakedAmount).to.equal(amount);
      expect(stakers.slice(1).every((s) => s === ZERO)).to.equal(true);
      expect(await f.proverPool.getRank(f.proverA.address)).to.equal(1n);
      expect(await f.proverPool.getCapacity()).to.equal(20n);
    });

    it("below the minimum capacity reverts CAPACITY_TOO_LOW(maxCapacity, minCapacity)", async function () {
      const f = await load(deployTaikoFixture);
      await expect(stake(f, f.proverA, 1_000_000n * TTKO, 1_000, 15))
        .to.be.revertedWithCustomError(f.proverPool, "CAPACITY_TOO_LOW")
        .withArgs(15, 16);
      await expect(f.proverPool.connect(f.proverA).stake(1_000_000n * TTKO, 1_000, 16)).to.emit(f.proverPool, "Staked");
    });

    it("below the minimum stake per capacity reverts STAKE_TOO_LOW(amount, minimum)", async function () {
      const f = await load(deployTaikoFixture);
      const minimum = 20n * 10_000n * TTKO; // capacity 20 × 10,000 TTKOe
      await expect(stake(f, f.proverA, minimum - 1n, 1_000, 20))
        .to.be.revertedWithCustomError(f.proverPool, "STAKE_TOO_LOW")
        .withArgs(minimum - 1n, minimum);
      await f.token.mint(f.proverA.address, 1n);
      await expect(f.proverPool.connect(f.proverA).stake(minimum, 1_000, 20))
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.proverA.address, minimum, 1_000, 20);
    });

    it("a zero rewardPerGas reverts INVALID_PARAMS", async function () {
      const f = await load(deployTaikoFixture);
      await expect(stake(f, f.proverA, 200_000n * TTKO, 0, 16)).to.be.revertedWithCustomError(
        f.proverPool,
        "INVALID_PARAMS",
      );
    });

    it("without the tokens reverts ERC20InsufficientBalance", async function () {
      const f = await load(deployTaikoFixture);
      await f.token.mint(f.proverA.address, 100n);
      await expect(f.proverPool.connect(f.proverA).stake(160_000n * TTKO, 1_000, 16))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientBalance")
        .withArgs(f.proverA.address, 100n, 160_000n * TTKO);
    });

    it("raising a stake burns only the difference", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 200_000n * TTKO, 1_000, 16);
      await time.increase(3600);
      await f.token.mint(f.proverA.address, 100_000n * TTKO);
      await expect(f.proverPool.connect(f.proverA).stake(260_000n * TTKO, 900, 18)).to.changeTokenBalance(
        f.token,
        f.proverA,
        -60_000n * TTKO,
      );
      const [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect([prover.stakedAmount, prover.rewardPerGas, prover.currentCapacity]).to.deep.equal([
        260_000n * TTKO,
        900n,
        18n,
      ]);
      expect(staker.maxCapacity).to.equal(18n);
      expect(staker.proverId).to.equal(1n);
      expect(staker.exitAmount).to.equal(0n);
    });
  });

  describe("the top 32", function () {
    it("32 stakers fill the set, ranked by stake", async function () {
      const f = await load(fullSetFixture);
      const [provers, stakers] = await f.proverPool.getProvers();
      expect(stakers).to.deep.equal(f.members.map((m) => m.address));
      expect(provers.map((p) => p.stakedAmount)).to.deep.equal(f.amounts);
      for (const [i, member] of f.members.entries()) {
        // Slot i holds the ((i + 16) mod 32)-th smallest stake.
        expect(await f.proverPool.getRank(member.address)).to.equal(BigInt(32 - ((i + 16) % 32)));
      }
      expect(await f.proverPool.getRank(f.members[15]!.address)).to.equal(1n);
      expect(await f.proverPool.getRank(f.members[16]!.address)).to.equal(32n);
      expect(await f.proverPool.getCapacity()).to.equal(32n * 16n);
    });

    it("a 33rd with a larger stake evicts the lowest, whose stake starts exiting", async function () {
      const f = await load(fullSetFixture);
      const lowest = f.members[16]!;
      const lowestAmount = f.amounts[16]!;
      expect(lowestAmount).to.equal(200_000n * TTKO);
      // Between the 11th and 12th smallest stakes: 21 stakes stay above it.
      const amount = 210_500n * TTKO;

      await f.token.mint(f.proverA.address, amount);
      const tx = f.proverPool.connect(f.proverA).stake(amount, 1_000, 16);
      await expect(tx).to.emit(f.proverPool, "Exited").withArgs(lowest.address, lowestAmount);
      await expect(tx).to.emit(f.proverPool, "Staked").withArgs(f.proverA.address, amount, 1_000, 16);
      await expect(tx).to.changeTokenBalances(f.token, [f.proverA, lowest], [-amount, 0n]);
      const receipt = await mined(tx);
      expect(eventsIn(receipt, f.proverPool, "Exited")).to.have.length(1);
      const at = await minedAt(receipt);

      const [staker] = await f.proverPool.getStaker(lowest.address);
      expect(staker.proverId).to.equal(0n);
      expect(staker.exitAmount).to.equal(lowestAmount);
      expect(staker.exitRequestedAt).to.equal(at);
      expect(await f.proverPool.getRank(lowest.address)).to.equal(0n);

      const [, stakers] = await f.proverPool.getProvers();
      expect(stakers).to.not.include(lowest.address);
      expect(stakers[16]).to.equal(f.proverA.address); // the newcomer takes the freed slot
      expect(await f.proverPool.getRank(f.proverA.address)).to.equal(22n);

      // The evicted staker gets its stake back after the exit period, not before.
      await expect(f.proverPool.connect(lowest).withdraw())
        .to.be.revertedWithCustomError(f.proverPool, "NO_MATURE_EXIT")
        .withArgs(lowestAmount, at + 7n * 24n * 3600n);
      await time.increaseTo(at + 7n * 24n * 3600n);
      await expect(f.proverPool.connect(lowest).withdraw()).to.changeTokenBalance(f.token, lowest, lowestAmount);
    });

    it("a 33rd with a stake not above the lowest reverts PROVER_NOT_GOOD_ENOUGH(amount, lowest)", async function () {
      const f = await load(fullSetFixture);
      const lowestAmount = f.amounts[16]!;
      await expect(stake(f, f.proverA, lowestAmount, 1_000, 16))
        .to.be.revertedWithCustomError(f.proverPool, "PROVER_NOT_GOOD_ENOUGH")
        .withArgs(lowestAmount, lowestAmount);
      await expect(f.proverPool.connect(f.proverA).stake(lowestAmount - 1n, 1_000, 16))
        .to.be.revertedWithCustomError(f.proverPool, "PROVER_NOT_GOOD_ENOUGH")
        .withArgs(lowestAmount - 1n, lowestAmount);
      await f.token.mint(f.proverA.address, 1n);
      await expect(f.proverPool.connect(f.proverA).stake(lowestAmount + 1n, 1_000, 16))
        .to.emit(f.proverPool, "Exited")
        .withArgs(f.members[16]!.address, lowestAmount);
    });

    // Ties at the lowest stake, as eldfell decides them (taiko-mono@3b3317ad, packages/protocol/contracts/L1/
    // ProverPool.sol, ProverPool._stake): the slots are scanned from 1 up and a later slot replaces the candidate
    // only when its stake is strictly smaller, so of several stakers tied at the lowest stake the one in the
    // lowest-numbered slot is evicted, whoever joined or changed last; a newcomer must stake strictly more.
    describe("two stakers tied at the lowest stake", function () {
      it("the newcomer evicts the one in the lower slot, though it joined the set last", async function () {
        const f = await load(fullSetFixture);
        const tied = f.amounts[16]!; // members[16], slot 17, the lowest
        // members[3] leaves slot 4; proverB joins into it with a stake equal to the lowest.
        await time.increase(3600);
        await f.proverPool.connect(f.members[3]!).exit();
        await stake(f, f.proverB, tied, 1_000, 16);
        const [, before] = await f.proverPool.getProvers();
        expect([before[3], before[16]]).to.deep.equal([f.proverB.address, f.members[16]!.address]);

        // Equal to the lowest is not enough.
        await expect(stake(f, f.proverA, tied, 1_000, 16))
          .to.be.revertedWithCustomError(f.proverPool, "PROVER_NOT_GOOD_ENOUGH")
          .withArgs(tied, tied);
        await f.token.mint(f.proverA.address, 1n);
        const tx = f.proverPool.connect(f.proverA).stake(tied + 1n, 1_000, 16);
        await expect(tx).to.emit(f.proverPool, "Exited").withArgs(f.proverB.address, tied);
        expect(eventsIn(await mined(tx), f.proverPool, "Exited")).to.have.length(1);

        const [, after] = await f.proverPool.getProvers();
        expect(after[3]).to.equal(f.proverA.address);
        expect(after[16]).to.equal(f.members[16]!.address);
        expect((await f.proverPool.getStaker(f.proverB.address))[0].proverId).to.equal(0n);
      });

      it("the newcomer evicts the one in the lower slot, though the other lowered its stake last", async function () {
        const f = await load(fullSetFixture);
        const tied = f.amounts[16]!; // members[16], slot 17, the lowest
        // members[25] (slot 26) lowers its stake to the lowest: a tie between slots 17 and 26.
        await time.increase(3600);
        await f.proverPool.connect(f.members[25]!).stake(tied, 1_000, 16);

        await expect(stake(f, f.proverA, tied, 1_000, 16))
          .to.be.revertedWithCustomError(f.proverPool, "PROVER_NOT_GOOD_ENOUGH")
          .withArgs(tied, tied);
        await f.token.mint(f.proverA.address, 1n);
        const tx = f.proverPool.connect(f.proverA).stake(tied + 1n, 1_000, 16);
        await expect(tx).to.emit(f.proverPool, "Exited").withArgs(f.members[16]!.address, tied);
        expect(eventsIn(await mined(tx), f.proverPool, "Exited")).to.have.length(1);

        const [provers, stakers] = await f.proverPool.getProvers();
        expect(stakers[16]).to.equal(f.proverA.address);
        expect(stakers[25]).to.equal(f.members[25]!.address);
        expect(provers[25]!.stakedAmount).to.equal(tied);
      });
    });

    it("a member changing its stake in a full set evicts nobody", async function () {
      const f = await load(fullSetFixture);
      await time.increase(3600);
      const member = f.members[3]!;
      await f.token.mint(member.address, 50_000n * TTKO);
      const receipt = await mined(f.proverPool.connect(member).stake(f.amounts[3]! + 50_000n * TTKO, 1_000, 16));
      expect(eventsIn(receipt, f.proverPool, "Exited")).to.have.length(0);
      expect(await f.proverPool.getRank(member.address)).to.equal(1n);
      const [, stakers] = await f.proverPool.getProvers();
      expect(stakers).to.deep.equal(f.members.map((m) => m.address));
    });

    it("an evicted staker comes back by out-staking the new lowest, reusing its exiting stake", async function () {
      const f = await load(fullSetFixture);
      const evicted = f.members[16]!;
      await stake(f, f.proverA, 210_500n * TTKO, 1_000, 16); // evicts members[16] (200,000)
      // Now the lowest is members[17] with 201,000: 202,000 beats it with 2,000 new tokens.
      await time.increase(3600);
      await f.token.mint(evicted.address, 2_000n * TTKO);
      const tx = f.proverPool.connect(evicted).stake(202_000n * TTKO, 1_000, 16);
      await expect(tx).to.emit(f.proverPool, "Exited").withArgs(f.members[17]!.address, f.amounts[17]!);
      await expect(tx).to.changeTokenBalance(f.token, evicted, -2_000n * TTKO);
      const [staker] = await f.proverPool.getStaker(evicted.address);
      expect(staker.exitAmount).to.equal(0n);
      expect(staker.proverId).to.equal(18n);
    });
  });

  describe("change delay", function () {
    it("a second stake() or exit() within CHANGE_DELAY reverts CHANGE_TOO_FREQUENT(allowedAt), then works", async function () {
      const f = await load(deployTaikoFixture);
      const at = await minedAt(await mined(stake(f, f.proverA, 300_000n * TTKO, 1_000, 16)));
      const allowedAt = at + 3600n;

      await expect(f.proverPool.connect(f.proverA).stake(250_000n * TTKO, 1_000, 16))
        .to.be.revertedWithCustomError(f.proverPool, "CHANGE_TOO_FREQUENT")
        .withArgs(allowedAt);
      await time.setNextBlockTimestamp(allowedAt - 1n);
      await expect(f.proverPool.connect(f.proverA).exit())
        .to.be.revertedWithCustomError(f.proverPool, "CHANGE_TOO_FREQUENT")
        .withArgs(allowedAt);

      await time.setNextBlockTimestamp(allowedAt);
      await expect(f.proverPool.connect(f.proverA).stake(250_000n * TTKO, 1_000, 16))
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.proverA.address, 250_000n * TTKO, 1_000, 16);
      // That change restarted the clock.
      await expect(f.proverPool.connect(f.proverA).exit())
        .to.be.revertedWithCustomError(f.proverPool, "CHANGE_TOO_FREQUENT")
        .withArgs(allowedAt + 3600n);
      await time.setNextBlockTimestamp(allowedAt + 3600n);
      await expect(f.proverPool.connect(f.proverA).exit())
        .to.emit(f.proverPool, "Exited")
        .withArgs(f.proverA.address, 250_000n * TTKO);
    });

    it("applies to coming back after an exit", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await time.increase(3600);
      const at = await minedAt(await mined(f.proverPool.connect(f.proverA).exit()));
      await expect(f.proverPool.connect(f.proverA).stake(300_000n * TTKO, 1_000, 16))
        .to.be.revertedWithCustomError(f.proverPool, "CHANGE_TOO_FREQUENT")
        .withArgs(at + 3600n);
    });

    it("is per staker", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await expect(stake(f, f.proverB, 300_000n * TTKO, 1_000, 16)).to.emit(f.proverPool, "Staked");
    });
  });

  describe("exit and withdraw", function () {
    it("exit() leaves the set and starts the exit period", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 20);
      await stake(f, f.proverB, 400_000n * TTKO, 1_000, 16);
      await time.increase(3600);
      const tx = f.proverPool.connect(f.proverA).exit();
      await expect(tx)
        .to.emit(f.proverPool, "Exited")
        .withArgs(f.proverA.address, 300_000n * TTKO);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, 0n);
      const at = await minedAt(await mined(tx));

      const [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect(staker.proverId).to.equal(0n);
      expect(staker.exitAmount).to.equal(300_000n * TTKO);
      expect(staker.exitRequestedAt).to.equal(at);
      expect(prover.stakedAmount).to.equal(0n);
      const [provers, stakers] = await f.proverPool.getProvers();
      expect(stakers[0]).to.equal(ZERO);
      expect(provers[0]!.stakedAmount).to.equal(0n);
      expect(await f.proverPool.getRank(f.proverA.address)).to.equal(0n);
      expect(await f.proverPool.getRank(f.proverB.address)).to.equal(1n);
      expect(await f.proverPool.getCapacity()).to.equal(16n);
    });

    it("exit() by an address not in the set reverts NOT_STAKED(addr)", async function () {
      const f = await load(deployTaikoFixture);
      await expect(f.proverPool.connect(f.outsider).exit())
        .to.be.revertedWithCustomError(f.proverPool, "NOT_STAKED")
        .withArgs(f.outsider.address);
    });

    it("withdraw() before EXIT_PERIOD reverts NO_MATURE_EXIT(amount, maturesAt), after it mints back exactly the amount", async function () {
      const f = await load(deployTaikoFixture);
      const amount = 300_000n * TTKO;
      await stake(f, f.proverA, amount, 1_000, 16);
      await time.increase(3600);
      const at = await minedAt(await mined(f.proverPool.connect(f.proverA).exit()));
      const maturesAt = at + 7n * 24n * 3600n;

      await expect(f.proverPool.connect(f.proverA).withdraw())
        .to.be.revertedWithCustomError(f.proverPool, "NO_MATURE_EXIT")
        .withArgs(amount, maturesAt);
      await time.setNextBlockTimestamp(maturesAt - 1n);
      await expect(f.proverPool.connect(f.proverA).withdraw())
        .to.be.revertedWithCustomError(f.proverPool, "NO_MATURE_EXIT")
        .withArgs(amount, maturesAt);

      const supply = await f.token.totalSupply();
      await time.setNextBlockTimestamp(maturesAt);
      const tx = f.proverPool.connect(f.proverA).withdraw();
      await expect(tx).to.emit(f.proverPool, "Withdrawn").withArgs(f.proverA.address, amount);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, amount);
      expect(await f.token.totalSupply()).to.equal(supply + amount);
      const [staker] = await f.proverPool.getStaker(f.proverA.address);
      expect([staker.exitAmount, staker.exitRequestedAt]).to.deep.equal([0n, 0n]);

      await expect(f.proverPool.connect(f.proverA).withdraw())
        .to.be.revertedWithCustomError(f.proverPool, "NO_MATURE_EXIT")
        .withArgs(0, 0);
    });

    it("withdraw() with nothing exiting reverts NO_MATURE_EXIT(0, 0)", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await expect(f.proverPool.connect(f.proverA).withdraw())
        .to.be.revertedWithCustomError(f.proverPool, "NO_MATURE_EXIT")
        .withArgs(0, 0);
    });

    it("lowering a stake sends the difference through the exit period", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await time.increase(3600);
      const tx = f.proverPool.connect(f.proverA).stake(250_000n * TTKO, 1_000, 16);
      await expect(tx)
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.proverA.address, 250_000n * TTKO, 1_000, 16);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, 0n);
      const receipt = await mined(tx);
      expect(eventsIn(receipt, f.proverPool, "Exited")).to.have.length(0);
      const at = await minedAt(receipt);

      const [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect(prover.stakedAmount).to.equal(250_000n * TTKO);
      expect(staker.proverId).to.equal(1n);
      expect(staker.exitAmount).to.equal(50_000n * TTKO);
      expect(staker.exitRequestedAt).to.equal(at);

      await expect(f.proverPool.connect(f.proverA).withdraw())
        .to.be.revertedWithCustomError(f.proverPool, "NO_MATURE_EXIT")
        .withArgs(50_000n * TTKO, at + 7n * 24n * 3600n);
      await time.increaseTo(at + 7n * 24n * 3600n);
      await expect(f.proverPool.connect(f.proverA).withdraw()).to.changeTokenBalance(
        f.token,
        f.proverA,
        50_000n * TTKO,
      );
      const [, after] = await f.proverPool.getStaker(f.proverA.address);
      expect(after.stakedAmount).to.equal(250_000n * TTKO);
    });

    it("re-staking reuses the staker's own exiting tokens before burning new ones", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await time.increase(3600);
      await f.proverPool.connect(f.proverA).exit();
      await time.increase(3600);
      // 350,000 with 300,000 still exiting: only 50,000 is burnt.
      await f.token.mint(f.proverA.address, 50_000n * TTKO);
      const tx = f.proverPool.connect(f.proverA).stake(350_000n * TTKO, 1_000, 16);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, -50_000n * TTKO);
      const [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect(staker.exitAmount).to.equal(0n);
      expect(prover.stakedAmount).to.equal(350_000n * TTKO);
    });

    it("re-staking less than the exiting amount burns nothing and leaves the rest exiting on its clock", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await time.increase(3600);
      const exitedAt = await minedAt(await mined(f.proverPool.connect(f.proverA).exit()));
      await time.increase(3600);
      await expect(f.proverPool.connect(f.proverA).stake(200_000n * TTKO, 1_000, 16)).to.changeTokenBalance(
        f.token,
        f.proverA,
        0n,
      );
      const [staker] = await f.proverPool.getStaker(f.proverA.address);
      expect(staker.exitAmount).to.equal(100_000n * TTKO);
      expect(staker.exitRequestedAt).to.equal(exitedAt);
      await time.increaseTo(exitedAt + 7n * 24n * 3600n);
      await expect(f.proverPool.connect(f.proverA).withdraw()).to.changeTokenBalance(
        f.token,
        f.proverA,
        100_000n * TTKO,
      );
    });

    it("another staker's exiting tokens are not reused", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverB, 300_000n * TTKO, 1_000, 16);
      await time.increase(3600);
      await f.proverPool.connect(f.proverB).exit();
      await expect(f.proverPool.connect(f.proverA).stake(200_000n * TTKO, 1_000, 16))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientBalance")
        .withArgs(f.proverA.address, 0n, 200_000n * TTKO);
    });
  });

  describe("ranking and capacity", function () {
    it("getRank orders by stake, ties by slot, 0 outside the set", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await stake(f, f.proverB, 500_000n * TTKO, 1_000, 16);
      await stake(f, f.proverC, 200_000n * TTKO, 1_000, 16);
      const tie = f.others[0]!;
      await stake(f, tie, 300_000n * TTKO, 1_000, 16);
      expect(await f.proverPool.getRank(f.proverB.address)).to.equal(1n);
      expect(await f.proverPool.getRank(f.proverA.address)).to.equal(2n);
      expect(await f.proverPool.getRank(tie.address)).to.equal(3n);
      expect(await f.proverPool.getRank(f.proverC.address)).to.equal(4n);
      expect(await f.proverPool.getRank(f.outsider.address)).to.equal(0n);
    });

    it("getCapacity sums the free capacity of the set", async function () {
      const f = await load(deployTaikoFixture);
      expect(await f.proverPool.getCapacity()).to.equal(0n);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await stake(f, f.proverB, 500_000n * TTKO, 1_000, 30);
      expect(await f.proverPool.getCapacity()).to.equal(46n);
      await time.increase(3600);
      await f.proverPool.connect(f.proverA).stake(300_000n * TTKO, 1_000, 25);
      expect(await f.proverPool.getCapacity()).to.equal(55n);
      await f.proverPool.connect(f.proverB).exit();
      expect(await f.proverPool.getCapacity()).to.equal(25n);
    });
  });

  describe("access", function () {
    it("only TaikoL1 calls assignProver, releaseProver and slashProver: UNAUTHORIZED(caller)", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      for (const caller of [f.outsider, f.deployer, f.proverA]) {
        const pool = f.proverPool.connect(caller);
        await expect(pool.assignProver(1, 1_000))
          .to.be.revertedWithCustomError(pool, "UNAUTHORIZED")
          .withArgs(caller.address);
        await expect(pool.releaseProver(f.proverA.address))
          .to.be.revertedWithCustomError(pool, "UNAUTHORIZED")
          .withArgs(caller.address);
        await expect(pool.slashProver(1, f.proverA.address, 1_000_000))
          .to.be.revertedWithCustomError(pool, "UNAUTHORIZED")
          .withArgs(caller.address);
      }
    });

    it("init() wires TaikoL1 once, by the deployer", async function () {
      const f = await load(deployTaikoFixture);
      await expect(f.proverPool.connect(f.deployer).init(f.outsider.address))
        .to.be.revertedWithCustomError(f.proverPool, "UNAUTHORIZED")
        .withArgs(f.deployer.address);

      const fresh = await new ProverPool__factory(f.deployer).deploy(await f.token.getAddress(), f.params.proverPool);
      await expect(fresh.connect(f.outsider).init(f.outsider.address))
        .to.be.revertedWithCustomError(fresh, "UNAUTHORIZED")
        .withArgs(f.outsider.address);
      await expect(fresh.init(ZERO)).to.be.revertedWithCustomError(fresh, "UNAUTHORIZED").withArgs(f.deployer.address);
      expect(await fresh.taikoL1()).to.equal(ZERO);
      await fresh.init(f.proverC.address);
      expect(await fresh.taikoL1()).to.equal(f.proverC.address);
      await expect(fresh.init(f.proverB.address))
        .to.be.revertedWithCustomError(fresh, "UNAUTHORIZED")
        .withArgs(f.deployer.address);
    });

    it("the constructor rejects a zero minimum capacity and a slash rate above 100%", async function () {
      const f = await load(deployTaikoFixture);
      const factory = new ProverPool__factory(f.deployer);
      const token = await f.token.getAddress();
      await expect(factory.deploy(token, { ...f.params.proverPool, minCapacity: 0 })).to.be.revertedWithCustomError(
        factory,
        "INVALID_PARAMS",
      );
      await expect(
        factory.deploy(token, { ...f.params.proverPool, slashRateBps: 10_001 }),
      ).to.be.revertedWithCustomError(factory, "INVALID_PARAMS");
      await expect(factory.deploy(token, { ...f.params.proverPool, slashRateBps: 10_000 })).to.not.be.reverted;
    });
  });
});
