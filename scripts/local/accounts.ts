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
  firstSoloProver: 8,
} as const;

export function localAccount(index: number): HDAccount {
  return mnemonicToAccount(LOCAL_MNEMONIC, { addressIndex: index });
}
