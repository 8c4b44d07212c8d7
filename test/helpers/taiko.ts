// Shared helpers of the Taiko A4 contract tests: raw proposals for the revert cases, event decoding,
// funded extra stakers, proofs of hand-made evidence, and the protocol's formulas written out independently
// of the contracts so that the tests compare the contracts against them.

import { ethers, network } from "hardhat";
import { setBalance } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, ContractTransactionReceipt, ContractTransactionResponse, LogDescription } from "ethers";
import {
  encodeEvidence,
  encodeProposeInput,
  LOCAL_INSTANCE_CONTEXT,
  instanceHash,
  proveInstance,
  type BlockEvidence,
  type BlockInstance,
  type BlockMetadataInput,
} from "@zkpool/common";
import { proposeBlock, type L2Chain, type ProposedBlock, type TaikoFixture } from "../fixtures/taiko";

// ───────────────────────────── proposing ─────────────────────────────

/** TaikoData.BlockMetadataInput, as proposeBlock decodes it. */
export interface BlockInput {
  txListHash: string;
  beneficiary: string;
  gasLimit: number;
  txListByteStart: number;
  txListByteEnd: number;
  cacheTxListInfo: boolean;
}

export function encodeBlockInput(input: BlockInput): string {
  return encodeProposeInput(input as BlockMetadataInput);
}

/** A well-formed proposal of `txList` (a short default), with any field overridden. */
export function blockInput(
  f: TaikoFixture,
  overrides: Partial<BlockInput> = {},
  txList: Uint8Array = ethers.toUtf8Bytes("a txList"),
): { input: BlockInput; txList: Uint8Array } {
  return {
    input: {
      txListHash: ethers.keccak256(txList),
      beneficiary: f.proposer.address,
      gasLimit: 1_000_000,
      txListByteStart: 0,
      txListByteEnd: txList.length,
      cacheTxListInfo: false,
      ...overrides,
    },
    txList,
  };
}

/** Sends proposeBlock with a hand-made input, for the cases the fixture's proposeBlock cannot make. */
export function proposeRaw(
  f: TaikoFixture,
  overrides: Partial<BlockInput> = {},
  options: { txList?: Uint8Array; from?: HardhatEthersSigner } = {},
): Promise<ContractTransactionResponse> {
  const { input, txList } = blockInput(f, overrides, options.txList);
  return f.taikoL1.connect(options.from ?? f.proposer).proposeBlock(encodeBlockInput(input), txList);
}

// ───────────────────────────── events ─────────────────────────────

/** Every `name` event `contract` emitted in the transaction, decoded, in log order. */
export function eventsIn(
  receipt: ContractTransactionReceipt | null,
  contract: BaseContract,
  name: string,
): LogDescription[] {
  if (!receipt) throw new Error("no receipt");
  const address = contract.target.toString().toLowerCase();
  const out: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) out.push(parsed);
  }
  return out;
}

export async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("transaction was not mined");
  return receipt;
}

/** The timestamp of the block a receipt was mined in. */
export async function minedAt(receipt: ContractTransactionReceipt): Promise<bigint> {
  const block = await ethers.provider.getBlock(receipt.blockNumber);
  if (!block) throw new Error(`block ${receipt.blockNumber} not found`);
  return BigInt(block.timestamp);
}

// ───────────────────────────── actors ─────────────────────────────

/**
 * `count` more funded signers than Hardhat's twenty accounts (filling the 32-slot ProverPool needs them):
 * deterministic addresses, impersonated, each with 100 ETH for gas.
 */
export async function extraSigners(count: number, label = "staker"): Promise<HardhatEthersSigner[]> {
  const signers: HardhatEthersSigner[] = [];
  for (let i = 0; i < count; i++) {
    const address = ethers.getAddress(ethers.dataSlice(ethers.id(`zkpool.test.${label}.${i}`), 12));
    await setBalance(address, 100n * 10n ** 18n);
    signers.push(await ethers.getImpersonatedSigner(address));
  }
  return signers;
}

/** Runs `fn` as TaikoL1 itself (impersonated), for the ProverPool hooks only TaikoL1 may call. */
export async function asTaikoL1<T>(f: TaikoFixture, fn: (taikoL1: HardhatEthersSigner) => Promise<T>): Promise<T> {
  const address = await f.taikoL1.getAddress();
  await setBalance(address, 10n ** 18n);
  const signer = await ethers.getImpersonatedSigner(address);
  try {
    return await fn(signer);
  } finally {
    await network.provider.request({ method: "hardhat_stopImpersonatingAccount", params: [address] });
  }
}

// ───────────────────────────── proving ─────────────────────────────

/** A real proof of hand-made evidence fields (for forks and for evidence no honest prover would send). */
export async function proveFields(fields: BlockInstance): Promise<{ evidence: BlockEvidence; input: string }> {
  const { proof } = await proveInstance(instanceHash(fields, LOCAL_INSTANCE_CONTEXT));
  const evidence: BlockEvidence = { ...fields, verifierId: 0, proof };
  return { evidence, input: encodeEvidence(evidence) };
}

/** `evidence` with a changed field (or proof), re-encoded: the proof is left as it was. */
export function tamper(evidence: BlockEvidence, change: Partial<BlockEvidence>): string {
  return encodeEvidence({ ...evidence, ...change });
}

// ───────────────────────────── the protocol's formulas ─────────────────────────────

/** The effective reward per gas: the ask clamped to [75%, 125%] of feePerGas (rounded down). */
export function effectiveRewardPerGas(ask: bigint, feePerGas: bigint): bigint {
  const low = (feePerGas * 75n) / 100n;
  const high = (feePerGas * 125n) / 100n;
  const erpg = ask < low ? low : ask > high ? high : ask;
  return erpg === 0n ? 1n : erpg;
}

/** The gas of the L2 anchor transaction, which eldfell's block fee charges on top of the gas limit. */
export const ANCHOR_GAS_COST = 180_000n;

/** feePerGas × (gasLimit + anchor gas + blockFeeBaseGas): getBlockFee, and what proposing charges. */
export function blockFee(f: TaikoFixture, gasLimit: bigint | number, feePerGas: bigint | number): bigint {
  return (BigInt(gasLimit) + ANCHOR_GAS_COST + BigInt(f.params.taiko.blockFeeBaseGas)) * BigInt(feePerGas);
}

/** (blockFeeBaseGas + gasUsed) × perGas: the base reward of a block at verification. */
export function gasCost(f: TaikoFixture, gas: bigint | number, perGas: bigint | number): bigint {
  return (BigInt(f.params.taiko.blockFeeBaseGas) + BigInt(gas)) * BigInt(perGas);
}

/** Each new sample weighs 1/maf, rounded down; an empty average takes the sample. */
export function movingAverage(average: bigint, sample: bigint, maf: bigint | number): bigint {
  if (average === 0n) return sample;
  return (average * (BigInt(maf) - 1n) + sample) / BigInt(maf);
}

/** clamp(3 × avgProofDelay, proofMinWindow, proofMaxWindow), eldfell's. */
export function proofWindow(f: TaikoFixture, avgProofDelay: bigint): bigint {
  const min = BigInt(f.params.taiko.proofMinWindow);
  const max = BigInt(f.params.taiko.proofMaxWindow);
  const window = avgProofDelay * 3n;
  return window < min ? min : window > max ? max : window;
}

/** TaikoL1's average proof delay: eldfell's state() getter, whose last field it is. */
export async function avgProofDelay(f: TaikoFixture): Promise<bigint> {
  return (await f.taikoL1.state()).avgProofDelay;
}

/**
 * eldfell's slash (ProverPool.slashProver): min(max(slashable × 25 / 10,000 / maxCapacity, 4 × proofReward),
 * slashable), with slashable the stake plus the exiting tokens still in their exit period, and proofReward
 * what TaikoL1 paid for the block (1.5× the base reward, as the proof was late).
 */
export function expectedSlash(slashable: bigint, maxCapacity: bigint, proofReward: bigint): bigint {
  const byStake = (slashable * 25n) / 10_000n / maxCapacity;
  const byReward = 4n * proofReward;
  const amount = byStake > byReward ? byStake : byReward;
  return amount > slashable ? slashable : amount;
}

/** The open-block / late-proof bonus: rewardOpenMultipler percent of the base reward (rounded down). */
export function openReward(f: TaikoFixture, baseReward: bigint): bigint {
  return (baseReward * BigInt(f.params.taiko.rewardOpenMultipler)) / 100n;
}

/** Proposes `count` blocks with the fixture's proposeBlock and follows each on `chain`, in order. */
export async function proposeBlocks(
  f: TaikoFixture,
  chain: L2Chain,
  count: number,
  gasLimit?: number,
): Promise<ProposedBlock[]> {
  const blocks: ProposedBlock[] = [];
  for (let i = 0; i < count; i++) {
    const block = await proposeBlock(f, gasLimit);
    chain.add(block);
    blocks.push(block);
  }
  return blocks;
}

/** `hex` with the byte at `index` inverted. */
export function flipByte(hex: string, index: number): string {
  const bytes = ethers.getBytesCopy(hex);
  if (index < 0 || index >= bytes.length) throw new Error(`byte ${index} is outside ${bytes.length} bytes`);
  bytes[index] = bytes[index]! ^ 0xff;
  return ethers.hexlify(bytes);
}

/** A 0x-prefixed hex string (an address, a hash) typed the way viem and @zkpool/common want it. */
export type Hex = `0x${string}`;

export function hex(value: string): Hex {
  if (!ethers.isHexString(value)) throw new Error(`not a hex string: ${value}`);
  return value as Hex;
}

/** keccak256 of a label: a distinct, non-zero bytes32 for a test. */
export function bytes32(label: string): Hex {
  return hex(ethers.id(label));
}
