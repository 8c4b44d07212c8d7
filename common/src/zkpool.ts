import { keccak256, type Address, type Hex } from "viem";

/** ZKPool's EIP-712 domain: name "ZKPool", version "1", on `chainId` at `pool`. */
export function zkPoolDomain(chainId: number, pool: Address) {
  return { name: "ZKPool", version: "1", chainId, verifyingContract: pool } as const;
}

/** The struct an agent signs for each proof: this block and this exact evidence. */
export const PROOF_TYPES = {
  Proof: [
    { name: "blockId", type: "uint256" },
    { name: "evidenceHash", type: "bytes32" },
  ],
} as const;

/**
 * The EIP-712 typed data an agent key signs so that ZKPool credits its prover for a proof:
 * Proof(blockId, keccak256(evidence input)). Works with viem's signTypedData and ethers' Wallet.signTypedData.
 */
export function proofTypedData(chainId: number, pool: Address, blockId: bigint, input: Hex) {
  return {
    domain: zkPoolDomain(chainId, pool),
    types: PROOF_TYPES,
    primaryType: "Proof" as const,
    message: { blockId, evidenceHash: keccak256(input) },
  };
}

/** The ZKPool deployment parameters of a network. */
export interface PoolParams {
  /** Seconds per reward epoch (default one day). */
  epochLength: bigint;
  /** Seconds before a fee change can apply (it applies from the first epoch starting after it). */
  feeChangeDelay: bigint;
  /** Bounds within which the relayer may set the pool's ProverPool capacity. */
  minCapacity: number;
  maxCapacity: number;
}

export const DEFAULT_POOL_PARAMS: PoolParams = {
  epochLength: 24n * 3600n,
  feeChangeDelay: 2n * 24n * 3600n,
  minCapacity: 16,
  maxCapacity: 256,
};

/** The local network's pool: one-minute epochs, so rewards settle while you watch. */
export const LOCAL_POOL_PARAMS: PoolParams = {
  epochLength: 60n,
  feeChangeDelay: 120n,
  minCapacity: 2,
  maxCapacity: 64,
};
