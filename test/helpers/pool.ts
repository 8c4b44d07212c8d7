// Shared helpers of the ZKPool tests: credited proofs, verification and harvest, the epoch clock, more provers
// with their agent keys, and the pool's reward formulas written out independently of the contract.

import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { HDNodeWallet, type ContractTransactionReceipt } from "ethers";
import { decodeEventLog, encodeEventTopics } from "viem";
import { taikoL1Abi, type BlockEvidence } from "@zkpool/common";
import { L2Chain, type ProposedBlock } from "../fixtures/taiko";
import { proposeAndProve, proveThroughPool, type PoolFixture } from "../fixtures/zkpool";
import { eventsIn, gasCost, hex, mined, minedAt } from "./taiko";

// ───────────────────────────── the L2 chain ─────────────────────────────

/** The L2 chain of every block proposed so far, rebuilt from TaikoL1's BlockProposed events. */
export async function rebuildChain(f: PoolFixture): Promise<L2Chain> {
  const chain = new L2Chain();
  const [topic] = encodeEventTopics({ abi: taikoL1Abi, eventName: "BlockProposed" });
  const logs = await ethers.provider.getLogs({ address: await f.taikoL1.getAddress(), topics: [topic], fromBlock: 0 });
  const blocks = logs.map((log) => {
    const { args } = decodeEventLog({
      abi: taikoL1Abi,
      eventName: "BlockProposed",
      data: hex(log.data),
      topics: log.topics.map(hex) as [ReturnType<typeof hex>, ...ReturnType<typeof hex>[]],
    });
    return args;
  });
  blocks.sort((a, b) => (a.blockId < b.blockId ? -1 : 1));
  for (const b of blocks) {
    const { metaHash } = await f.taikoL1.getBlock(b.blockId);
    chain.add({ id: b.blockId, meta: b.meta, metaHash: hex(metaHash) });
  }
  return chain;
}

// ───────────────────────────── provers and agents ─────────────────────────────

/** An agent key derived from `label`: the same address in every run, so a failing seed replays exactly. */
export function agentKey(label: string): HDNodeWallet {
  return HDNodeWallet.fromSeed(ethers.id(`zkpool.test.agent.${label}`));
}

/**
 * Signers the pool fixture leaves free (Hardhat's accounts after mallory), to be extra provers or hostile
 * actors; at most 35.
 */
export function freeSigners(f: PoolFixture, count: number): HardhatEthersSigner[] {
  const free = f.others.slice(7, 7 + count);
  if (free.length < count) throw new Error(`only ${free.length} free signers, ${count} wanted`);
  return free;
}

// ───────────────────────────── proofs and shares ─────────────────────────────

/** Shares of a proof: (blockFeeBaseGas + gasUsed) × the block's rewardPerGas (from its BlockProposed event). */
export function expectedShares(f: PoolFixture, block: ProposedBlock, evidence: BlockEvidence): bigint {
  return gasCost(f, evidence.gasUsed, block.rewardPerGas);
}

export interface Credit {
  block: ProposedBlock;
  evidence: BlockEvidence;
  input: string;
  receipt: ContractTransactionReceipt;
  /** What the proof must have credited, computed here. */
  shares: bigint;
  /** The epoch of the block the proof was mined in, computed here. */
  epoch: bigint;
}

/** Proposes a block, proves it for the pool (a real proof) and submits it through the pool, signed by `agent`. */
export async function creditProof(
  f: PoolFixture,
  agent: HDNodeWallet,
  options: { gasLimit?: number; relayer?: HardhatEthersSigner } = {},
): Promise<Credit> {
  const { block, input, evidence } = await proposeAndProve(f, options.gasLimit);
  const receipt = await mined(proveThroughPool(f, agent, block.id, input, options.relayer));
  const epoch = await epochAt(f, await minedAt(receipt));
  return { block, evidence, input, receipt, shares: expectedShares(f, block, evidence), epoch };
}

// ───────────────────────────── verification and harvest ─────────────────────────────

/** Σ proofReward of the BlockVerified events in `receipts` that pay the pool. */
export function poolRewardsIn(f: PoolFixture, receipts: readonly ContractTransactionReceipt[]): bigint {
  let total = 0n;
  for (const receipt of receipts) {
    for (const e of eventsIn(receipt, f.taikoL1, "BlockVerified")) {
      if (e.args.prover === f.poolAddress) total += e.args.proofReward as bigint;
    }
  }
  return total;
}

/**
 * Lets every proof so far cool down, then verifies every block it can; returns what the verifications paid the
 * pool (read from the BlockVerified events).
 */
export async function verifyAll(f: PoolFixture): Promise<bigint> {
  await time.increase(f.params.taiko.proofRegularCooldown + 1n);
  const receipts: ContractTransactionReceipt[] = [];
  for (;;) {
    const before = (await f.taikoL1.getStateVariables()).lastVerifiedBlockId;
    receipts.push(await mined(f.taikoL1.verifyBlocks(100)));
    if ((await f.taikoL1.getStateVariables()).lastVerifiedBlockId === before) break;
  }
  return poolRewardsIn(f, receipts);
}

/**
 * verifyAll, then harvest (by `by`, anyone). `rewards` is what these verifications paid the pool; `harvested`
 * what the harvest took in (its Harvested event), which also counts blocks verified earlier on the way of a
 * proposal.
 */
export async function verifyAndHarvest(
  f: PoolFixture,
  by: HardhatEthersSigner = f.mallory,
): Promise<{ rewards: bigint; harvested: bigint; receipt: ContractTransactionReceipt }> {
  const rewards = await verifyAll(f);
  const receipt = await mined(f.pool.connect(by).harvest());
  const [event] = eventsIn(receipt, f.pool, "Harvested");
  return { rewards, harvested: (event?.args.amount as bigint | undefined) ?? 0n, receipt };
}

// ───────────────────────────── the epoch clock ─────────────────────────────

/** The epoch of `timestamp`, from the pool's genesis and epoch length (checked against deployment elsewhere). */
export async function epochAt(f: PoolFixture, timestamp: bigint): Promise<bigint> {
  return (timestamp - (await f.pool.GENESIS_TIMESTAMP())) / f.poolParams.epochLength;
}

/** The timestamp at which `epoch` starts. */
export async function epochStart(f: PoolFixture, epoch: bigint): Promise<bigint> {
  return (await f.pool.GENESIS_TIMESTAMP()) + epoch * f.poolParams.epochLength;
}

/**
 * Mines an empty block at the start of `epoch`; nothing when the chain is in `epoch` already (the wall clock
 * moves the chain's time on between transactions, so "already there" can mean a second or two in).
 */
export async function startEpoch(f: PoolFixture, epoch: bigint): Promise<void> {
  const start = await epochStart(f, epoch);
  const now = BigInt(await time.latest());
  if (now < start) return time.increaseTo(start);
  if (now >= start + f.poolParams.epochLength) throw new Error(`epoch ${epoch} is over`);
}

/** Settles every epoch from the next one to settle through `epoch` (which must have ended), by `by`. */
export async function settleThrough(
  f: PoolFixture,
  epoch: bigint,
  by: HardhatEthersSigner = f.mallory,
): Promise<ContractTransactionReceipt[]> {
  const receipts: ContractTransactionReceipt[] = [];
  for (let e = await f.pool.nextEpochToSettle(); e <= epoch; e++) {
    receipts.push(await mined(f.pool.connect(by).settle(e)));
  }
  return receipts;
}

/** Moves to the start of the epoch after `epoch` and settles through `epoch`. */
export async function endAndSettle(f: PoolFixture, epoch: bigint): Promise<ContractTransactionReceipt[]> {
  if ((await f.pool.currentEpoch()) <= epoch) await startEpoch(f, epoch + 1n);
  return settleThrough(f, epoch);
}

// ───────────────────────────── the split ─────────────────────────────

/** The fee of `reward` at `feeBps`, rounded down, and the provers' part. */
export function split(reward: bigint, feeBps: bigint): { fee: bigint; proverReward: bigint } {
  const fee = (reward * feeBps) / 10_000n;
  return { fee, proverReward: reward - fee };
}

/** A prover's part of a settled epoch: proverReward × shares / totalShares, rounded down. */
export function partOf(proverReward: bigint, shares: bigint, totalShares: bigint): bigint {
  return totalShares === 0n ? 0n : (proverReward * shares) / totalShares;
}
