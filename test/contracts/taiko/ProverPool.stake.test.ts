import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { TTKO } from "@zkpool/common";
import { ProverPool__factory } from "../../../typechain-types";
import { deployTaikoFixture, stake, type TaikoFixture } from "../../fixtures/taiko";
import { loadWithInvariants } from "../../helpers/invariants";
import { asTaikoL1, eventsIn, extraSigners, mined, minedAt } from "../../helpers/taiko";

const ZERO = ethers.ZeroAddress;

/** An AddressManager name: a short string, left-aligned in a bytes32 as Solidity's "taiko" literal. */
const name = (label: string) => ethers.encodeBytes32String(label);

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

  it("carries eldfell's constants, the deployment's durations and its names", async function () {
    const { proverPool, token, taikoL1, addressManager, params } = await load(deployTaikoFixture);
    expect(await proverPool.MAX_NUM_PROVERS()).to.equal(32n);
    expect(await proverPool.MIN_CAPACITY()).to.equal(5n);
    expect(await proverPool.MIN_STAKE_PER_CAPACITY()).to.equal(10_000n);
    expect(await proverPool.SLASH_POINTS()).to.equal(25n);
    expect(await proverPool.SLASH_MULTIPLIER()).to.equal(4n);
    expect(await proverPool.EXIT_PERIOD()).to.equal(params.proverPool.exitPeriod);
    expect(await proverPool.EXIT_PERIOD()).to.equal(7n * 24n * 3600n);
    expect(await proverPool.MIN_CHANGE_DELAY()).to.equal(3600n);
    expect(await proverPool.addressManager()).to.equal(addressManager.target);
    expect(await proverPool["resolve(bytes32,bool)"](name("taiko"), false)).to.equal(await taikoL1.getAddress());
    expect(await proverPool["resolve(bytes32,bool)"](name("taiko_token"), false)).to.equal(await token.getAddress());
    await expect(proverPool["resolve(bytes32,bool)"](name("token_vault"), false))
      .to.be.revertedWithCustomError(proverPool, "RESOLVER_ZERO_ADDR")
      .withArgs(31337, name("token_vault"));
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
      await mined(tx);

      expect(await f.token.totalSupply()).to.equal(supply - amount);
      expect(await f.token.balanceOf(await f.proverPool.getAddress())).to.equal(0n);
      const [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect([staker.exitRequestedAt, staker.exitAmount, staker.maxCapacity, staker.proverId]).to.deep.equal([
        0n,
        0n,
        20n,
        1n,
      ]);
      expect([prover.stakedAmount, prover.rewardPerGas, prover.currentCapacity]).to.deep.equal([amount, 1_100n, 20n]);
      expect(await f.proverPool.stakers(f.proverA.address)).to.deep.equal([0n, 0n, 20n, 1n]);
      expect(await f.proverPool.provers(1)).to.deep.equal([amount, 1_100n, 20n]);
      expect(await f.proverPool.proverIdToAddress(1)).to.equal(f.proverA.address);
      const [provers, stakers] = await f.proverPool.getProvers();
      expect(stakers[0]).to.equal(f.proverA.address);
      expect(provers[0]!.stakedAmount).to.equal(amount);
      expect(stakers.slice(1).every((s) => s === ZERO)).to.equal(true);
      expect(await f.proverPool.getCapacity()).to.equal(20n);
    });

    it("INVALID_PARAMS(): capacity below MIN_CAPACITY (5), less than 10,000 base units per capacity, or no ask", async function () {
      const f = await load(deployTaikoFixture);
      await expect(stake(f, f.proverA, 1_000_000n * TTKO, 1_000, 4)).to.be.revertedWithCustomError(
        f.proverPool,
        "INVALID_PARAMS",
      );
      // 5 × 10,000 base units is the least a capacity of 5 takes (amount / capacity, rounded down).
      await expect(stake(f, f.proverA, 49_999n, 1_000, 5)).to.be.revertedWithCustomError(
        f.proverPool,
        "INVALID_PARAMS",
      );
      await expect(stake(f, f.proverA, 1_000_000n * TTKO, 0, 5)).to.be.revertedWithCustomError(
        f.proverPool,
        "INVALID_PARAMS",
      );
      await expect(stake(f, f.proverA, 54_999n, 1_000, 5))
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.proverA.address, 54_999n, 1_000, 5);
    });

    it("stake(0, 0, 0) only exits; stake(0, …) with an ask or a capacity reverts INVALID_PARAMS()", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 200_000n * TTKO, 1_000, 16);
      for (const [ask, capacity] of [
        [1_000, 0],
        [0, 16],
      ]) {
        await expect(f.proverPool.connect(f.proverA).stake(0, ask!, capacity!)).to.be.revertedWithCustomError(
          f.proverPool,
          "INVALID_PARAMS",
        );
      }
      const tx = f.proverPool.connect(f.proverA).stake(0, 0, 0);
      await expect(tx)
        .to.emit(f.proverPool, "Exited")
        .withArgs(f.proverA.address, 200_000n * TTKO);
      await expect(tx).to.not.emit(f.proverPool, "Staked");
      expect((await f.proverPool.getStaker(f.proverA.address))[0].proverId).to.equal(0n);
    });

    it("without the tokens reverts ERC20InsufficientBalance", async function () {
      const f = await load(deployTaikoFixture);
      await f.token.mint(f.proverA.address, 100n);
      await expect(f.proverPool.connect(f.proverA).stake(160_000n * TTKO, 1_000, 16))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientBalance")
        .withArgs(f.proverA.address, 100n, 160_000n * TTKO);
    });

    it("a change is a full exit and a new stake: only the difference is burnt, and all capacity is free", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 200_000n * TTKO, 1_000, 16);
      await f.token.mint(f.proverA.address, 100_000n * TTKO);
      const tx = f.proverPool.connect(f.proverA).stake(260_000n * TTKO, 900, 18);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, -60_000n * TTKO);
      await expect(tx)
        .to.emit(f.proverPool, "Exited")
        .withArgs(f.proverA.address, 200_000n * TTKO);
      await expect(tx)
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.proverA.address, 260_000n * TTKO, 900, 18);
      const [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect([prover.stakedAmount, prover.rewardPerGas, prover.currentCapacity]).to.deep.equal([
        260_000n * TTKO,
        900n,
        18n,
      ]);
      expect([staker.exitRequestedAt, staker.exitAmount, staker.maxCapacity, staker.proverId]).to.deep.equal([
        0n,
        0n,
        18n,
        1n,
      ]);
    });
  });

  describe("the top 32", function () {
    it("32 stakers fill the set", async function () {
      const f = await load(fullSetFixture);
      const [provers, stakers] = await f.proverPool.getProvers();
      expect(stakers).to.deep.equal(f.members.map((m) => m.address));
      expect(provers.map((p) => p.stakedAmount)).to.deep.equal(f.amounts);
      expect(await f.proverPool.getCapacity()).to.equal(32n * 16n);
    });

    it("a 33rd with a larger stake evicts the lowest, whose stake starts exiting", async function () {
      const f = await load(fullSetFixture);
      const lowest = f.members[16]!;
      const lowestAmount = f.amounts[16]!;
      expect(lowestAmount).to.equal(200_000n * TTKO);
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
      expect([staker.exitRequestedAt, staker.exitAmount, staker.proverId]).to.deep.equal([at, lowestAmount, 0n]);
      const [, stakers] = await f.proverPool.getProvers();
      expect(stakers).to.not.include(lowest.address);
      expect(stakers[16]).to.equal(f.proverA.address); // the newcomer takes the freed slot

      // The evicted staker gets its stake back strictly after the exit period, not before.
      await time.setNextBlockTimestamp(at + 7n * 24n * 3600n);
      await expect(f.proverPool.connect(lowest).withdraw()).to.be.revertedWithCustomError(
        f.proverPool,
        "NO_MATURE_EXIT",
      );
      await time.setNextBlockTimestamp(at + 7n * 24n * 3600n + 1n);
      await expect(f.proverPool.connect(lowest).withdraw()).to.changeTokenBalance(f.token, lowest, lowestAmount);
    });

    it("a 33rd with a stake not above the lowest reverts PROVER_NOT_GOOD_ENOUGH()", async function () {
      const f = await load(fullSetFixture);
      const lowestAmount = f.amounts[16]!;
      await expect(stake(f, f.proverA, lowestAmount, 1_000, 16)).to.be.revertedWithCustomError(
        f.proverPool,
        "PROVER_NOT_GOOD_ENOUGH",
      );
      await expect(f.proverPool.connect(f.proverA).stake(lowestAmount - 1n, 1_000, 16)).to.be.revertedWithCustomError(
        f.proverPool,
        "PROVER_NOT_GOOD_ENOUGH",
      );
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
        await f.proverPool.connect(f.members[3]!).exit();
        await stake(f, f.proverB, tied, 1_000, 16);
        const [, before] = await f.proverPool.getProvers();
        expect([before[3], before[16]]).to.deep.equal([f.proverB.address, f.members[16]!.address]);

        // Equal to the lowest is not enough.
        await expect(stake(f, f.proverA, tied, 1_000, 16)).to.be.revertedWithCustomError(
          f.proverPool,
          "PROVER_NOT_GOOD_ENOUGH",
        );
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
        await f.proverPool.connect(f.members[25]!).stake(tied, 1_000, 16);

        await expect(stake(f, f.proverA, tied, 1_000, 16)).to.be.revertedWithCustomError(
          f.proverPool,
          "PROVER_NOT_GOOD_ENOUGH",
        );
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

    it("an empty slot counts as a zero stake: a staker slashed to nothing in a lower slot goes first", async function () {
      const f = await load(deployTaikoFixture);
      // proverA in slot 1, proverB in slot 2; proverB leaves (slot 2 empty), proverA is slashed to nothing.
      await stake(f, f.proverA, 160_000n, 1_000, 16);
      await stake(f, f.proverB, 200_000n * TTKO, 1_000, 16);
      await f.proverPool.connect(f.proverB).exit();
      await asTaikoL1(f, (taikoL1) => f.proverPool.connect(taikoL1).slashProver(f.proverA.address, 1_000_000_000));
      expect((await f.proverPool.getStaker(f.proverA.address))[1].stakedAmount).to.equal(0n);

      const tx = stake(f, f.proverC, 200_000n * TTKO, 1_000, 16);
      await expect(tx).to.emit(f.proverPool, "Exited").withArgs(f.proverA.address, 0n);
      const [, stakers] = await f.proverPool.getProvers();
      expect(stakers.slice(0, 2)).to.deep.equal([f.proverC.address, ZERO]);
    });

    it("a member changing its stake in a full set keeps its slot and evicts nobody", async function () {
      const f = await load(fullSetFixture);
      const member = f.members[3]!;
      await f.token.mint(member.address, 50_000n * TTKO);
      const receipt = await mined(f.proverPool.connect(member).stake(f.amounts[3]! + 50_000n * TTKO, 1_000, 16));
      const exited = eventsIn(receipt, f.proverPool, "Exited");
      expect(exited.map((e) => e.args.addr as string)).to.deep.equal([member.address]);
      const [, stakers] = await f.proverPool.getProvers();
      expect(stakers).to.deep.equal(f.members.map((m) => m.address));
    });

    it("an evicted staker comes back by out-staking the new lowest, reusing its exiting stake", async function () {
      const f = await load(fullSetFixture);
      const evicted = f.members[16]!;
      await stake(f, f.proverA, 210_500n * TTKO, 1_000, 16); // evicts members[16] (200,000)
      // Now the lowest is members[17] with 201,000: 202,000 beats it with 2,000 new tokens.
      await f.token.mint(evicted.address, 2_000n * TTKO);
      const tx = f.proverPool.connect(evicted).stake(202_000n * TTKO, 1_000, 16);
      await expect(tx).to.emit(f.proverPool, "Exited").withArgs(f.members[17]!.address, f.amounts[17]!);
      await expect(tx).to.changeTokenBalance(f.token, evicted, -2_000n * TTKO);
      const [staker] = await f.proverPool.getStaker(evicted.address);
      expect([staker.exitAmount, staker.exitRequestedAt, staker.proverId]).to.deep.equal([0n, 0n, 18n]);
    });
  });

  describe("change delay", function () {
    it("none while nothing is exiting: a fresh staker changes twice in a row", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await expect(f.proverPool.connect(f.proverA).stake(300_000n * TTKO, 1_000, 20)).to.emit(f.proverPool, "Staked");
      await expect(f.proverPool.connect(f.proverA).exit()).to.emit(f.proverPool, "Exited");
    });

    it("after a change that leaves tokens exiting, stake() and exit() revert CHANGE_TOO_FREQUENT() until MIN_CHANGE_DELAY has passed", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      const at = await minedAt(await mined(f.proverPool.connect(f.proverA).stake(250_000n * TTKO, 1_000, 16)));
      expect((await f.proverPool.getStaker(f.proverA.address))[0].exitRequestedAt).to.equal(at);

      await expect(f.proverPool.connect(f.proverA).stake(250_000n * TTKO, 1_000, 20)).to.be.revertedWithCustomError(
        f.proverPool,
        "CHANGE_TOO_FREQUENT",
      );
      await time.setNextBlockTimestamp(at + 3600n);
      await expect(f.proverPool.connect(f.proverA).exit()).to.be.revertedWithCustomError(
        f.proverPool,
        "CHANGE_TOO_FREQUENT",
      );
      await time.setNextBlockTimestamp(at + 3601n);
      await expect(f.proverPool.connect(f.proverA).exit())
        .to.emit(f.proverPool, "Exited")
        .withArgs(f.proverA.address, 300_000n * TTKO);
    });

    it("does not hold back a staker outside the set: coming back right after an exit works", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await f.proverPool.connect(f.proverA).exit();
      await expect(f.proverPool.connect(f.proverA).stake(300_000n * TTKO, 1_000, 16))
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.proverA.address, 300_000n * TTKO, 1_000, 16);
    });
  });

  describe("exit and withdraw", function () {
    it("exit() leaves the set, empties the slot as eldfell does (0, 1, 0) and starts the exit period", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 20);
      await stake(f, f.proverB, 400_000n * TTKO, 1_000, 16);
      const tx = f.proverPool.connect(f.proverA).exit();
      await expect(tx)
        .to.emit(f.proverPool, "Exited")
        .withArgs(f.proverA.address, 300_000n * TTKO);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, 0n);
      const at = await minedAt(await mined(tx));

      const [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect([staker.exitRequestedAt, staker.exitAmount, staker.maxCapacity, staker.proverId]).to.deep.equal([
        at,
        300_000n * TTKO,
        20n,
        0n,
      ]);
      expect(prover.stakedAmount).to.equal(0n);
      const [provers, stakers] = await f.proverPool.getProvers();
      expect(stakers[0]).to.equal(ZERO);
      expect([provers[0]!.stakedAmount, provers[0]!.rewardPerGas, provers[0]!.currentCapacity]).to.deep.equal([
        0n,
        1n,
        0n,
      ]);
      expect(await f.proverPool.getCapacity()).to.equal(16n);
    });

    it("Exited reports everything exiting: an exit on top of exiting tokens adds them up", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      const at = await minedAt(await mined(f.proverPool.connect(f.proverA).stake(250_000n * TTKO, 1_000, 16)));
      await time.setNextBlockTimestamp(at + 3601n);
      await expect(f.proverPool.connect(f.proverA).exit())
        .to.emit(f.proverPool, "Exited")
        .withArgs(f.proverA.address, 300_000n * TTKO);
    });

    it("exit() by an address not in the set does nothing", async function () {
      const f = await load(deployTaikoFixture);
      const receipt = await mined(f.proverPool.connect(f.outsider).exit());
      expect(receipt.logs).to.have.length(0);
    });

    it("withdraw() reverts NO_MATURE_EXIT() up to the end of EXIT_PERIOD, then mints back exactly the amount", async function () {
      const f = await load(deployTaikoFixture);
      const amount = 300_000n * TTKO;
      await stake(f, f.proverA, amount, 1_000, 16);
      const at = await minedAt(await mined(f.proverPool.connect(f.proverA).exit()));
      const end = at + 7n * 24n * 3600n;

      await expect(f.proverPool.connect(f.proverA).withdraw()).to.be.revertedWithCustomError(
        f.proverPool,
        "NO_MATURE_EXIT",
      );
      await time.setNextBlockTimestamp(end);
      await expect(f.proverPool.connect(f.proverA).withdraw()).to.be.revertedWithCustomError(
        f.proverPool,
        "NO_MATURE_EXIT",
      );

      const supply = await f.token.totalSupply();
      await time.setNextBlockTimestamp(end + 1n);
      const tx = f.proverPool.connect(f.proverA).withdraw();
      await expect(tx).to.emit(f.proverPool, "Withdrawn").withArgs(f.proverA.address, amount);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, amount);
      expect(await f.token.totalSupply()).to.equal(supply + amount);
      const [staker] = await f.proverPool.getStaker(f.proverA.address);
      expect([staker.exitAmount, staker.exitRequestedAt]).to.deep.equal([0n, 0n]);

      await expect(f.proverPool.connect(f.proverA).withdraw()).to.be.revertedWithCustomError(
        f.proverPool,
        "NO_MATURE_EXIT",
      );
    });

    it("withdraw() with nothing exiting reverts NO_MATURE_EXIT()", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await expect(f.proverPool.connect(f.proverA).withdraw()).to.be.revertedWithCustomError(
        f.proverPool,
        "NO_MATURE_EXIT",
      );
    });

    it("stake() and exit() first pay out a matured exit", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      const at = await minedAt(await mined(f.proverPool.connect(f.proverA).stake(250_000n * TTKO, 1_000, 16)));
      await time.increaseTo(at + 7n * 24n * 3600n + 1n);
      const tx = f.proverPool.connect(f.proverA).exit();
      await expect(tx)
        .to.emit(f.proverPool, "Withdrawn")
        .withArgs(f.proverA.address, 50_000n * TTKO);
      await expect(tx)
        .to.emit(f.proverPool, "Exited")
        .withArgs(f.proverA.address, 250_000n * TTKO);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, 50_000n * TTKO);
    });

    it("lowering a stake sends the difference through the exit period", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      const tx = f.proverPool.connect(f.proverA).stake(250_000n * TTKO, 1_000, 16);
      await expect(tx)
        .to.emit(f.proverPool, "Staked")
        .withArgs(f.proverA.address, 250_000n * TTKO, 1_000, 16);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, 0n);
      const at = await minedAt(await mined(tx));

      const [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect(prover.stakedAmount).to.equal(250_000n * TTKO);
      expect([staker.exitRequestedAt, staker.exitAmount, staker.proverId]).to.deep.equal([at, 50_000n * TTKO, 1n]);

      await time.increaseTo(at + 7n * 24n * 3600n + 1n);
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
      await f.proverPool.connect(f.proverA).exit();
      // 350,000 with 300,000 still exiting: only 50,000 is burnt.
      await f.token.mint(f.proverA.address, 50_000n * TTKO);
      const tx = f.proverPool.connect(f.proverA).stake(350_000n * TTKO, 1_000, 16);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, -50_000n * TTKO);
      const [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect([staker.exitAmount, staker.exitRequestedAt]).to.deep.equal([0n, 0n]);
      expect(prover.stakedAmount).to.equal(350_000n * TTKO);
    });

    it("re-staking less than the exiting amount burns nothing, and the rest starts its exit period again", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await f.proverPool.connect(f.proverA).exit();
      await time.increase(3600);
      const tx = f.proverPool.connect(f.proverA).stake(200_000n * TTKO, 1_000, 16);
      await expect(tx).to.changeTokenBalance(f.token, f.proverA, 0n);
      const restakedAt = await minedAt(await mined(tx));
      const [staker] = await f.proverPool.getStaker(f.proverA.address);
      expect([staker.exitAmount, staker.exitRequestedAt]).to.deep.equal([100_000n * TTKO, restakedAt]);
      await time.setNextBlockTimestamp(restakedAt + 7n * 24n * 3600n);
      await expect(f.proverPool.connect(f.proverA).withdraw()).to.be.revertedWithCustomError(
        f.proverPool,
        "NO_MATURE_EXIT",
      );
      await time.setNextBlockTimestamp(restakedAt + 7n * 24n * 3600n + 1n);
      await expect(f.proverPool.connect(f.proverA).withdraw()).to.changeTokenBalance(
        f.token,
        f.proverA,
        100_000n * TTKO,
      );
    });

    it("another staker's exiting tokens are not reused", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverB, 300_000n * TTKO, 1_000, 16);
      await f.proverPool.connect(f.proverB).exit();
      await expect(f.proverPool.connect(f.proverA).stake(200_000n * TTKO, 1_000, 16))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientBalance")
        .withArgs(f.proverA.address, 0n, 200_000n * TTKO);
    });
  });

  describe("capacity and weights", function () {
    it("getCapacity sums the free capacity of the set", async function () {
      const f = await load(deployTaikoFixture);
      expect(await f.proverPool.getCapacity()).to.equal(0n);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      await stake(f, f.proverB, 500_000n * TTKO, 1_000, 30);
      expect(await f.proverPool.getCapacity()).to.equal(46n);
      await f.proverPool.connect(f.proverA).stake(300_000n * TTKO, 1_000, 25);
      expect(await f.proverPool.getCapacity()).to.equal(55n);
      await f.proverPool.connect(f.proverB).exit();
      expect(await f.proverPool.getCapacity()).to.equal(25n);
    });

    it("getProverWeights: stake / erpg / erpg (at least 1) for slots with free capacity, erpg clamped to 75–125%", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1, 16); // erpg 750
      await stake(f, f.proverB, 500_000n * TTKO, 1_100, 16); // erpg 1,100
      await stake(f, f.proverC, 50_000n, 5_000, 5); // erpg 1,250; 50,000 / 1,250² rounds to 0: weight 1
      await stake(f, f.others[0]!, 400_000n * TTKO, 1_000, 16);
      await f.proverPool.connect(f.others[0]!).exit(); // an emptied slot: weight 0
      const [weights, erpg] = await f.proverPool.getProverWeights(1_000);
      expect(erpg.slice(0, 5)).to.deep.equal([750n, 1_100n, 1_250n, 0n, 0n]);
      expect(weights.slice(0, 5)).to.deep.equal([
        (300_000n * TTKO) / 750n / 750n,
        (500_000n * TTKO) / 1_100n / 1_100n,
        1n,
        0n,
        0n,
      ]);
      expect(weights).to.have.length(32);
    });
  });

  describe("slashing", function () {
    async function slash(f: TaikoFixture, addr: string, proofReward: bigint) {
      return asTaikoL1(f, (taikoL1) => f.proverPool.connect(taikoL1).slashProver(addr, proofReward));
    }

    it("takes max(0.25% of the stake / maxCapacity, 4 × proofReward), capped at what is slashable", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 1_000_000n * TTKO, 1_000, 16);
      const byStake = (1_000_000n * TTKO * 25n) / 10_000n / 16n;
      await expect(slash(f, f.proverA.address, byStake / 4n))
        .to.emit(f.proverPool, "Slashed")
        .withArgs(f.proverA.address, byStake);
      let staked = 1_000_000n * TTKO - byStake;
      const reward = byStake; // 4 × reward beats the (now smaller) stake part
      await expect(slash(f, f.proverA.address, reward))
        .to.emit(f.proverPool, "Slashed")
        .withArgs(f.proverA.address, 4n * reward);
      staked -= 4n * reward;
      expect((await f.proverPool.getStaker(f.proverA.address))[1].stakedAmount).to.equal(staked);
      await expect(slash(f, f.proverA.address, staked))
        .to.emit(f.proverPool, "Slashed")
        .withArgs(f.proverA.address, staked);
      expect((await f.proverPool.getStaker(f.proverA.address))[1].stakedAmount).to.equal(0n);
      // Nothing left: no event.
      await expect(slash(f, f.proverA.address, 1n)).to.not.emit(f.proverPool, "Slashed");
    });

    it("exiting tokens are slashable until their exit period is over, and are taken first", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 1_000_000n * TTKO, 1_000, 16);
      const at = await minedAt(await mined(f.proverPool.connect(f.proverA).stake(600_000n * TTKO, 1_000, 16)));
      // Slashable: 600,000 staked + 400,000 exiting.
      const byStake = (1_000_000n * TTKO * 25n) / 10_000n / 16n;
      await expect(slash(f, f.proverA.address, 1n))
        .to.emit(f.proverPool, "Slashed")
        .withArgs(f.proverA.address, byStake);
      let [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect([staker.exitAmount, prover.stakedAmount]).to.deep.equal([400_000n * TTKO - byStake, 600_000n * TTKO]);

      // Over the exiting tokens: the rest comes from the stake.
      const big = 500_000n * TTKO;
      await expect(slash(f, f.proverA.address, big / 4n))
        .to.emit(f.proverPool, "Slashed")
        .withArgs(f.proverA.address, big);
      [staker, prover] = await f.proverPool.getStaker(f.proverA.address);
      expect([staker.exitAmount, prover.stakedAmount]).to.deep.equal([
        0n,
        600_000n * TTKO - (big - (400_000n * TTKO - byStake)),
      ]);

      // An exit past its period is not counted in the slashable amount.
      await f.proverPool.connect(f.proverB).exit(); // (a no-op, to keep the clock honest)
      await time.increaseTo(at + 7n * 24n * 3600n + 1n);
      const remaining = prover.stakedAmount;
      await expect(slash(f, f.proverA.address, 1n))
        .to.emit(f.proverPool, "Slashed")
        .withArgs(f.proverA.address, (remaining * 25n) / 10_000n / 16n);
    });

    it("a staker who left the set is slashed on its exiting tokens alone", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 1_000_000n * TTKO, 1_000, 16);
      await f.proverPool.connect(f.proverA).exit();
      const byStake = (1_000_000n * TTKO * 25n) / 10_000n / 16n;
      await expect(slash(f, f.proverA.address, 1n))
        .to.emit(f.proverPool, "Slashed")
        .withArgs(f.proverA.address, byStake);
      expect((await f.proverPool.getStaker(f.proverA.address))[0].exitAmount).to.equal(1_000_000n * TTKO - byStake);
    });
  });

  describe("access", function () {
    it('only the address named "taiko" calls assignProver, releaseProver and slashProver: UNAUTHORIZED()', async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 300_000n * TTKO, 1_000, 16);
      for (const caller of [f.outsider, f.deployer, f.proverA]) {
        const pool = f.proverPool.connect(caller);
        await expect(pool.assignProver(1, 1_000)).to.be.revertedWithCustomError(pool, "UNAUTHORIZED");
        await expect(pool.releaseProver(f.proverA.address)).to.be.revertedWithCustomError(pool, "UNAUTHORIZED");
        await expect(pool.slashProver(f.proverA.address, 1_000_000)).to.be.revertedWithCustomError(
          pool,
          "UNAUTHORIZED",
        );
      }
      // Renamed, "taiko" moves the right with it.
      const chainId = (await ethers.provider.getNetwork()).chainId;
      await f.addressManager.setAddress(chainId, name("taiko"), f.outsider.address);
      await expect(f.proverPool.connect(f.outsider).releaseProver(f.proverA.address)).to.not.be.reverted;
    });

    it("the constructor rejects a zero AddressManager: RESOLVER_INVALID_ADDR()", async function () {
      const f = await load(deployTaikoFixture);
      const factory = new ProverPool__factory(f.deployer);
      await expect(factory.deploy(ZERO, 10, 10)).to.be.revertedWithCustomError(factory, "RESOLVER_INVALID_ADDR");
    });
  });
});
