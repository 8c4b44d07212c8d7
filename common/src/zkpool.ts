import { concat, encodeAbiParameters, keccak256, numberToHex, stringToHex, type Address, type Hex } from "viem";

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

/** The struct an agent key signs to consent to prove for a prover in a pool (ZKPool.authorizeAgent's consent). */
export const AGENT_CONSENT_TYPES = {
  AgentConsent: [{ name: "prover", type: "address" }],
} as const;

/**
 * The EIP-712 typed data an agent key signs so that `prover` may authorize it in the pool at `pool` on
 * `chainId`: the third argument of ZKPool.authorizeAgent. Nobody else can authorize the key for themselves.
 *
 * @example
 * const consent = await agentAccount.signTypedData(agentConsentTypedData(31337, pool, prover));
 * await wallet.writeContract({ address: pool, abi: zkPoolAbi, functionName: "authorizeAgent",
 *   args: [agentAccount.address, "rig-1", consent] });
 */
export function agentConsentTypedData(chainId: number, pool: Address, prover: Address) {
  return {
    domain: zkPoolDomain(chainId, pool),
    types: AGENT_CONSENT_TYPES,
    primaryType: "AgentConsent" as const,
    message: { prover },
  };
}

/** keccak256 of the EIP712Domain type's encoding, with zkPoolDomain's four fields. */
const DOMAIN_TYPEHASH = keccak256(
  stringToHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
);

/** EIP-712 hashStruct of ZKPool's domain on `chainId` at `pool`: the same for every proof signed for that pool. */
export function zkPoolDomainSeparator(chainId: number, pool: Address): Hex {
  const { name, version } = zkPoolDomain(chainId, pool);
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
      [DOMAIN_TYPEHASH, keccak256(stringToHex(name)), keccak256(stringToHex(version)), BigInt(chainId), pool],
    ),
  );
}

/** keccak256 of PROOF_TYPES' encoding. */
const PROOF_TYPEHASH = keccak256(stringToHex("Proof(uint256 blockId,bytes32 evidenceHash)"));

/**
 * The EIP-712 digest of proofTypedData(chainId, pool, blockId, input) from the pool's domain separator
 * (zkPoolDomainSeparator): what an agent key signs for a proof, without hashing the domain and walking the
 * types again for each one (viem's hashTypedData does both).
 */
export function proofDigest(domainSeparator: Hex, blockId: bigint, input: Hex): Hex {
  const structHash = keccak256(concat([PROOF_TYPEHASH, numberToHex(blockId, { size: 32 }), keccak256(input)]));
  return keccak256(concat(["0x1901", domainSeparator, structHash]));
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
  // ProverPool's MIN_CAPACITY (eldfell's 5) is the least any staker may ask for.
  minCapacity: 5,
  maxCapacity: 64,
};
