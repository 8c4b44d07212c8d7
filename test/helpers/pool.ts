// Shared helpers of the ZKPool tests: recorded and credited proofs, verification and harvest, the epoch clock, more
// provers with their agent keys, and the pool's reward formulas written out independently of the contract.

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

// ───────────────────────────── proofs and credits ─────────────────────────────

/** Shares of a proof in time by the assigned pool: (blockFeeBaseGas + gasUsed) × the block's rewardPerGas. */
export function expectedShares(f: PoolFixture, block: ProposedBlock, evidence: BlockEvidence): bigint {
  return gasCost(f, evidence.gasUsed, block.rewardPerGas);
}

/** A fork choice's key as ZKPool.confirm takes it. */
export interface ProofKey {
  blockId: bigint;
  parentHash: string;
  parentGasUsed: number;
}

export function keyOf(blockId: bigint, evidence: Pick<BlockEvidence, "parentHash" | "parentGasUsed">): ProofKey {
  return { blockId, parentHash: evidence.parentHash, parentGasUsed: evidence.parentGasUsed };
}

export interface Recorded {
  block: ProposedBlock;
  evidence: BlockEvidence;
  input: string;
  key: ProofKey;
  /** The proveBlock transaction that recorded the proof. */
  receipt: ContractTransactionReceipt;
}

/** Proposes a block, proves it for the pool with `agent`'s graffiti (a real proof), and records it through the pool. */
export async function recordProof(
  f: PoolFixture,
  agent: { address: string },
  options: { gasLimit?: number; sender?: HardhatEthersSigner } = {},
): Promise<Recorded> {
  const { block, input, evidence } = await proposeAndProve(f, agent, { gasLimit: options.gasLimit });
  const receipt = await mined(proveThroughPool(f, block.id, input, options.sender));
  return { block, evidence, input, key: keyOf(block.id, evidence), receipt };
}

export interface Credit extends Recorded {
  /** What TaikoL1's BlockVerified paid the pool for the block: what the confirmation must credit. */
  shares: bigint;
  /** The epoch of the confirmation, computed here. */
  epoch: bigint;
  confirmation: ContractTransactionReceipt;
}

/**
 * Records a proof of a new block by `agent` (recordProof), lets Taiko verify it, and confirms it: the credit of one
 * block, with what Taiko paid for it read from TaikoL1's BlockVerified event.
 */
export async function creditProof(
  f: PoolFixture,
  agent: { address: string },
  options: { gasLimit?: number; sender?: HardhatEthersSigner } = {},
): Promise<Credit> {
  const recorded = await recordProof(f, agent, options);
  const paid = await verifyAll(f);
  const shares = paid.byBlock.get(recorded.block.id);
  if (shares === undefined) throw new Error(`block ${recorded.block.id} was not verified for the pool`);
  const confirmation = await mined(f.pool.connect(f.mallory).confirm([recorded.key]));
  const epoch = await epochAt(f, await minedAt(confirmation));
  return { ...recorded, shares, epoch, confirmation };
}

// ───────────────────────────── verification and harvest ─────────────────────────────

/** What the BlockVerified events in `receipts` paid the pool: in all, and by block. */
export function poolRewardsIn(
  f: PoolFixture,
  receipts: readonly ContractTransactionReceipt[],
): { total: bigint; byBlock: Map<bigint, bigint> } {
  const byBlock = new Map<bigint, bigint>();
  let total = 0n;
  for (const receipt of receipts) {
    for (const e of eventsIn(receipt, f.taikoL1, "BlockVerified")) {
      if (e.args.prover !== f.poolAddress) continue;
      const reward = e.args.proofReward as bigint;
      byBlock.set(e.args.blockId as bigint, reward);
      total += reward;
    }
  }
  return { total, byBlock };
}

/**
 * Lets every proof so far cool down, then verifies every block it can; returns what the verifications paid the
 * pool (read from the BlockVerified events), in all and by block.
 */
export async function verifyAll(f: PoolFixture): Promise<{ total: bigint; byBlock: Map<bigint, bigint> }> {
  await time.increase(f.params.taiko.proofRegularCooldown + 1n);
  const receipts: ContractTransactionReceipt[] = [];
  for (;;) {
    const before = (await f.taikoL1.getStateVariables()).lastVerifiedBlockId;
    receipts.push(await mined(f.taikoL1.verifyBlocks(100)));
    if ((await f.taikoL1.getStateVariables()).lastVerifiedBlockId === before) break;
  }
  return poolRewardsIn(f, receipts);
}

/** verifyAll, then harvest (by `by`, anyone): `harvested` is what the harvest took in (its Harvested event). */
export async function verifyAndHarvest(
  f: PoolFixture,
  by: HardhatEthersSigner = f.mallory,
): Promise<{ rewards: bigint; harvested: bigint; receipt: ContractTransactionReceipt }> {
  const { total } = await verifyAll(f);
  const receipt = await mined(f.pool.connect(by).harvest());
  const [event] = eventsIn(receipt, f.pool, "Harvested");
  return { rewards: total, harvested: (event?.args.amount as bigint | undefined) ?? 0n, receipt };
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
