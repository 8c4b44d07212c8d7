import { encodeAbiParameters, getAddress, isAddress, keccak256, pad, stringToHex, type Address, type Hex } from "viem";

/** ZKPool's EIP-712 domain: name "ZKPool", version "1", on `chainId` at `pool`. */
export function zkPoolDomain(chainId: number, pool: Address) {
  return { name: "ZKPool", version: "1", chainId, verifyingContract: pool } as const;
}

/**
 * The graffiti a machine puts in its proofs' evidence: its agent's address in the low 20 bytes, the rest zero.
 * Taiko's proof instance binds it, and ZKPool credits the owner of that agent and nobody else.
 */
export function agentGraffiti(agent: Address): Hex {
  if (!isAddress(agent, { strict: false })) throw new Error(`agentGraffiti: ${String(agent)} is not an address`);
  return pad(agent.toLowerCase() as Hex, { size: 32 });
}

/** The agent named by a proof's graffiti (see agentGraffiti), or undefined when it names none. */
export function graffitiAgent(graffiti: Hex): Address | undefined {
  if (!/^0x0{24}[0-9a-fA-F]{40}$/.test(graffiti)) return undefined;
  return getAddress(`0x${graffiti.slice(26)}`);
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

/** EIP-712 hashStruct of ZKPool's domain on `chainId` at `pool`: the same for every signature made for that pool. */
export function zkPoolDomainSeparator(chainId: number, pool: Address): Hex {
  const { name, version } = zkPoolDomain(chainId, pool);
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "uint256" }, { type: "address" }],
      [DOMAIN_TYPEHASH, keccak256(stringToHex(name)), keccak256(stringToHex(version)), BigInt(chainId), pool],
    ),
  );
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
