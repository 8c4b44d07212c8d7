// What must hold between the Taiko A4 contracts after every test, whatever the test did (Rocket Pool's
// afterEach(checkInvariants)): the ProverPool's slots and capacity, the TaikoL1 block ledger, and every
// verification's reward recomputed from the block and its proof.

import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { TaikoFixture } from "../fixtures/taiko";
import { blockFee, gasCost, openReward } from "./taiko";

/**
 * `loadFixture` that also registers, in the calling `describe`, an afterEach that checks the invariants of
 * the fixture the test loaded (skipped when the test itself failed, so its own error is the one reported).
 */
export function loadWithInvariants(): <T extends TaikoFixture>(fixture: () => Promise<T>) => Promise<T> {
  let loaded: TaikoFixture | undefined;
  afterEach(async function () {
    const f = loaded;
    loaded = undefined;
    if (f && this.currentTest?.state !== "failed") await checkTaikoInvariants(f);
  });
  return async (fixture) => {
    const f = await loadFixture(fixture);
    loaded = f;
    return f;
  };
}

export async function checkTaikoInvariants(f: TaikoFixture): Promise<void> {
  const unreleased = await checkBlockLedger(f);
  await checkProverPool(f, unreleased);
  await checkRewardLedger(f);
}

/** Every slot agrees with its staker's record; capacity never exceeds the maximum and never leaks. */
async function checkProverPool(f: TaikoFixture, unreleased: Map<string, bigint>): Promise<void> {
  const [provers, stakers] = await f.proverPool.getProvers();
  expect(provers.length).to.equal(32);
  const seen = new Set<string>();
  let capacity = 0n;
  for (let i = 0; i < 32; i++) {
    const addr = stakers[i]!;
    const p = provers[i]!;
    capacity += p.currentCapacity;
    if (addr === ethers.ZeroAddress) {
      // Never used: (0, 0, 0); emptied by an exit: (0, 1, 0), as eldfell leaves it.
      expect([p.stakedAmount, p.currentCapacity], `empty slot ${i + 1}`).to.deep.equal([0n, 0n]);
      expect(p.rewardPerGas, `empty slot ${i + 1}`).to.be.at.most(1n);
      continue;
    }
    expect(seen.has(addr), `${addr} holds two slots`).to.equal(false);
    seen.add(addr);
    const [staker, prover] = await f.proverPool.getStaker(addr);
    expect(staker.proverId, `slot of ${addr}`).to.equal(BigInt(i + 1));
    expect(prover.stakedAmount).to.equal(p.stakedAmount);
    expect(p.currentCapacity, `capacity of ${addr} above its maximum`).to.be.at.most(staker.maxCapacity);
    // Every unit of capacity below the maximum is held by a block assigned to the prover and not yet released.
    expect(p.currentCapacity + (unreleased.get(addr) ?? 0n), `capacity of ${addr} leaked`).to.be.at.least(
      staker.maxCapacity,
    );
  }
  expect(await f.proverPool.getCapacity()).to.equal(capacity);
}

/** Blocks up to lastVerifiedBlockId are verified and released, the others are not verified. */
async function checkBlockLedger(f: TaikoFixture): Promise<Map<string, bigint>> {
  const state = await f.taikoL1.getStateVariables();
  expect(state.lastVerifiedBlockId).to.be.lessThan(state.numBlocks);
  const unreleased = new Map<string, bigint>();
  for (let id = 1n; id < state.numBlocks; id++) {
    const blk = await f.taikoL1.getBlock(id);
    const open = blk.assignedProver === ethers.ZeroAddress;
    if (open) expect(blk.proverReleased, `open block ${id} released`).to.equal(false);
    if (!open && !blk.proverReleased) {
      unreleased.set(blk.assignedProver, (unreleased.get(blk.assignedProver) ?? 0n) + 1n);
    }
    if (id <= state.lastVerifiedBlockId) {
      expect(blk.verifiedForkChoiceId, `verified block ${id} has no fork choice`).to.not.equal(0n);
      expect(blk.proverReleased || open, `verified block ${id} still holds capacity`).to.equal(true);
      expect(await f.taikoL1.getVerifiedBlockHash(id)).to.not.equal(ethers.ZeroHash);
    } else {
      expect(blk.verifiedForkChoiceId, `unverified block ${id}`).to.equal(0n);
      expect(await f.taikoL1.getVerifiedBlockHash(id)).to.equal(ethers.ZeroHash);
    }
  }
  return unreleased;
}

/**
 * Walks the verified chain from genesis: each block's BlockVerified event names the prover of the fork choice
 * on the verified parent and pays it the base reward, or the open/late bonus, and reports the block fee.
 */
async function checkRewardLedger(f: TaikoFixture): Promise<void> {
  const state = await f.taikoL1.getStateVariables();
  const events = await f.taikoL1.queryFilter(f.taikoL1.filters.BlockVerified());
  const byId = new Map<bigint, (typeof events)[number][]>();
  for (const e of events) byId.set(e.args.blockId, [...(byId.get(e.args.blockId) ?? []), e]);
  expect(byId.get(0n)?.length, "genesis BlockVerified").to.equal(1);
  expect(
    [...byId.keys()].every((id) => id <= state.lastVerifiedBlockId),
    "BlockVerified for an unverified block",
  ).to.equal(true);

  let parentHash = await f.taikoL1.getVerifiedBlockHash(0);
  let parentGasUsed = 0n;
  for (let id = 1n; id <= state.lastVerifiedBlockId; id++) {
    const verified = byId.get(id) ?? [];
    expect(verified.length, `BlockVerified events of block ${id}`).to.equal(1);
    const event = verified[0]!.args;
    const blk = await f.taikoL1.getBlock(id);
    const fc = await f.taikoL1.getForkChoice(id, parentHash, parentGasUsed);
    expect(fc.blockHash).to.equal(await f.taikoL1.getVerifiedBlockHash(id));
    expect(event.blockHash).to.equal(fc.blockHash);
    expect(event.prover).to.equal(fc.prover);
    const base = gasCost(f, fc.gasUsed, blk.rewardPerGas);
    const open = blk.assignedProver === ethers.ZeroAddress;
    const late = fc.provenAt > blk.proposedAt + blk.proofWindow;
    expect(event.proofReward, `reward of block ${id}`).to.equal(open || late ? openReward(f, base) : base);
    // eldfell's: getBlockFee(gasUsed), at the fee per gas of the moment of verification
    const feeGas = blockFee(f, fc.gasUsed, 1n);
    expect(event.blockFee % feeGas, `fee of block ${id} is not getBlockFee(gasUsed)`).to.equal(0n);
    expect(event.blockFee, `fee of block ${id}`).to.be.greaterThan(0n);
    parentHash = fc.blockHash;
    parentGasUsed = fc.gasUsed;
  }
}
