import {
  encodeAbiParameters,
  getAddress,
  keccak256,
  slice,
  stringToHex,
  type AbiParameterToPrimitiveType,
  type Address,
  type Hex,
} from "viem";
import { taikoL1Abi } from "./generated/abis";

const blockProposedEvent = taikoL1Abi.find(
  (item): item is Extract<(typeof taikoL1Abi)[number], { type: "event"; name: "BlockProposed" }> =>
    item.type === "event" && item.name === "BlockProposed",
);
if (!blockProposedEvent) throw new Error("taikoL1Abi has no BlockProposed event: rebuild with `npm run build`");
const metaParameter = blockProposedEvent.inputs[4];

/** TaikoData.BlockMetadata as viem decodes it from a BlockProposed log. */
export type BlockMetadata = AbiParameterToPrimitiveType<typeof metaParameter>;

const DEPOSITS = [metaParameter.components[11]] as const;
const WORDS_7 = Array.from({ length: 7 }, () => ({ type: "uint256" }) as const);

/**
 * The metaHash TaikoL1 stores for a block and every evidence must repeat: eldfell's LibUtils.hashMetadata,
 * keccak256 of seven words: id, timestamp and l1Height (64 bits each, from the top); l1Hash; mixHash;
 * keccak256(abi.encode(depositsProcessed)); txListHash; txListByteStart, txListByteEnd, gasLimit and beneficiary
 * (24, 24, 32 and 160 bits from the top); treasury in the top 160 bits.
 */
export function metaHashOf(meta: BlockMetadata): Hex {
  const word = (hex: Hex) => BigInt(hex);
  return keccak256(
    encodeAbiParameters(WORDS_7, [
      (meta.id << 192n) | (meta.timestamp << 128n) | (meta.l1Height << 64n),
      word(meta.l1Hash),
      word(meta.mixHash),
      word(keccak256(encodeAbiParameters(DEPOSITS, [meta.depositsProcessed]))),
      word(meta.txListHash),
      (BigInt(meta.txListByteStart) << 232n) |
        (BigInt(meta.txListByteEnd) << 208n) |
        (BigInt(meta.gasLimit) << 176n) |
        (word(meta.beneficiary) << 16n),
      word(meta.treasury) << 96n,
    ]),
  );
}

/** The L1 and L2 contracts eldfell's TaikoL1 resolves by name and hashes into every proof's instance. */
export interface TaikoAddresses {
  /** This chain's signal service: TaikoL1.resolve("signal_service"). */
  signalService: Address;
  /** The L2's signal service: TaikoL1.resolve(config.chainId, "signal_service"). */
  l2SignalService: Address;
  /** The L2's TaikoL2 contract: TaikoL1.resolve(config.chainId, "taiko"). */
  l2Taiko: Address;
}

/** Stand-ins for the local network, which has no signal service and no L2 node: fixed, distinct addresses. */
export const LOCAL_TAIKO_ADDRESSES: TaikoAddresses = {
  signalService: localAddress("zkpool.local.l1.signal_service"),
  l2SignalService: localAddress("zkpool.local.l2.signal_service"),
  l2Taiko: localAddress("zkpool.local.l2.taiko"),
};

function localAddress(label: string): Address {
  return getAddress(slice(keccak256(stringToHex(label)), 12));
}

/** TaikoData.BlockMetadataInput: what a proposer abi-encodes as proposeBlock's `input`. */
export interface BlockMetadataInput {
  txListHash: Hex;
  beneficiary: Address;
  gasLimit: number;
  txListByteStart: number;
  txListByteEnd: number;
  cacheTxListInfo: boolean;
}

const BLOCK_METADATA_INPUT = [
  {
    type: "tuple",
    components: [
      { name: "txListHash", type: "bytes32" },
      { name: "beneficiary", type: "address" },
      { name: "gasLimit", type: "uint32" },
      { name: "txListByteStart", type: "uint24" },
      { name: "txListByteEnd", type: "uint24" },
      { name: "cacheTxListInfo", type: "bool" },
    ],
  },
] as const;

/** abi.encode(BlockMetadataInput), proposeBlock's first argument. */
export function encodeProposeInput(input: BlockMetadataInput): Hex {
  return encodeAbiParameters(BLOCK_METADATA_INPUT, [input]);
}

/**
 * Gas a proposer sends proposeBlock with. proposeBlock also verifies up to blockMaxVerificationsPerTx blocks whose
 * cooldown has ended (bench:gas: ~273,000 to propose, at most ~100,000 per block verified), and a cooldown can end
 * between a gas estimate and the block the transaction lands in: a proposal sent with its estimate then runs out
 * of gas. 2,000,000 covers a proposal that verifies ten blocks.
 */
export const PROPOSE_BLOCK_GAS = 2_000_000n;

/** The proposal of a whole txList: its hash, the beneficiary and gas limit, the byte range covering all of it. */
export function proposeInputFor(txList: Hex, beneficiary: Address, gasLimit: number): Hex {
  return encodeProposeInput({
    txListHash: keccak256(txList),
    beneficiary,
    gasLimit,
    txListByteStart: 0,
    txListByteEnd: (txList.length - 2) / 2,
    cacheTxListInfo: false,
  });
}

/** The parent a block's evidence builds on: the L2 block before it (the genesis block for block 1). */
export interface L2Parent {
  blockHash: Hex;
  gasUsed: number;
}

/** What executing a block on L2 gives: the fields a validity proof attests. */
export interface L2Block extends L2Parent {
  signalRoot: Hex;
}

/** The local network's L2 genesis block hash (TaikoL1 is deployed with it). */
export const LOCAL_GENESIS_BLOCK_HASH = keccak256(stringToHex("zkpool.local.l2.genesis"));

/**
 * The local network's stand-in for executing an L2 block. There is no zkEVM here, so the L2 state is a
 * deterministic function of the block's metadata and its parent: every honest prover computes the same
 * block hash, signal root and gas used, and so proves the same transition. gasUsed varies from block to
 * block between a quarter of and the whole gasLimit.
 */
export function executeL2Block(meta: Pick<BlockMetadata, "gasLimit">, metaHash: Hex, parent: L2Parent): L2Block {
  const seed = BigInt(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "string" }], [metaHash, "gas"])));
  const floor = Math.max(1, Math.floor(meta.gasLimit / 4));
  const gasUsed = floor + Number(seed % BigInt(Math.max(1, meta.gasLimit - floor + 1)));
  const blockHash = keccak256(
    encodeAbiParameters(
      [{ type: "string" }, { type: "bytes32" }, { type: "bytes32" }],
      ["zkpool.local.l2.block", metaHash, parent.blockHash],
    ),
  );
  const signalRoot = keccak256(
    encodeAbiParameters([{ type: "string" }, { type: "bytes32" }], ["zkpool.local.l2.signal", metaHash]),
  );
  return { blockHash, signalRoot, gasUsed: Math.min(gasUsed, meta.gasLimit) };
}

/** The evidence fields of a block (everything but verifierId and proof), for the given prover address. */
export function evidenceFor(args: {
  metaHash: Hex;
  parent: L2Parent;
  block: L2Block;
  prover: Address;
  graffiti?: Hex;
}) {
  return {
    metaHash: args.metaHash,
    parentHash: args.parent.blockHash,
    blockHash: args.block.blockHash,
    signalRoot: args.block.signalRoot,
    graffiti: args.graffiti ?? (`0x${"00".repeat(32)}` as Hex),
    prover: args.prover,
    parentGasUsed: args.parent.gasUsed,
    gasUsed: args.block.gasUsed,
  };
}

/** The reward TaikoL1 pays at verification before any open-block or late bonus: (base gas + gasUsed) × rewardPerGas. */
export function blockReward(gasUsed: number, rewardPerGas: number, blockFeeBaseGas = 20_000): bigint {
  return (BigInt(blockFeeBaseGas) + BigInt(gasUsed)) * BigInt(rewardPerGas);
}

/** A proposed block as provers see it in its BlockProposed event. */
export interface ProposedBlock {
  id: bigint;
  assignedProver: Address;
  rewardPerGas: number;
  feePerGas: bigint;
  meta: BlockMetadata;
  metaHash: Hex;
}

/**
 * Follows the local L2 chain from genesis: each block's execution result, so the evidence of block n can be
 * built on block n-1. Blocks must be added in id order.
 */
export class L2Chain {
  private readonly blocks = new Map<bigint, L2Block>();

  constructor(genesisBlockHash: Hex = LOCAL_GENESIS_BLOCK_HASH) {
    this.blocks.set(0n, { blockHash: genesisBlockHash, signalRoot: genesisBlockHash, gasUsed: 0 });
  }

  /** Executes `block` on its parent, remembers and returns the result. */
  add(block: Pick<ProposedBlock, "id" | "meta" | "metaHash">): L2Block {
    const known = this.blocks.get(block.id);
    if (known) return known;
    const executed = executeL2Block(block.meta, block.metaHash, this.parentOf(block.id));
    this.blocks.set(block.id, executed);
    return executed;
  }

  get(id: bigint): L2Block | undefined {
    return this.blocks.get(id);
  }

  parentOf(id: bigint): L2Parent {
    const parent = this.blocks.get(id - 1n);
    if (!parent) throw new Error(`L2 block ${id - 1n} is unknown: add blocks in order from genesis`);
    return parent;
  }

  /** The evidence fields of a known block for `prover`. */
  evidence(id: bigint, metaHash: Hex, prover: Address, graffiti?: Hex) {
    const block = this.blocks.get(id);
    if (!block) throw new Error(`L2 block ${id} is unknown`);
    return evidenceFor({ metaHash, parent: this.parentOf(id), block, prover, graffiti });
  }
}
