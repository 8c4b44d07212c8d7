import { toHex, type Hex } from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";

/**
 * The local network's well-known accounts: Hardhat's public test mnemonic, funded with ETH by the node.
 * These keys are public; they only ever hold value on a local chain.
 */
export const LOCAL_MNEMONIC = "test test test test test test test test test test test junk";

/** Who uses which account index. */
export const ACCOUNT_INDEX = {
  deployer: 0,
  proposer: 1,
  verifierBot: 2,
  /** ZKPool's owner and fee treasury. */
  operator: 3,
  /** ZKPool's relayer. */
  relayer: 4,
  /** The pool's provers (prover-1, prover-2): each authorizes one access key for its machine. */
  firstPoolProver: 5,
  firstSoloProver: 8,
} as const;

export function localAccount(index: number): HDAccount {
  return mnemonicToAccount(LOCAL_MNEMONIC, { addressIndex: index });
}

/** The private key of a local account (public, as the mnemonic is), for a service that takes a key. */
export function localPrivateKey(index: number): Hex {
  return toHex(localAccount(index).getHdKey().privateKey!);
}
