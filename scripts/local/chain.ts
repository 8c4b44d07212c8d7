import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  http,
  parseEventLogs,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type HttpTransport,
  type PublicClient,
  type WalletClient,
} from "viem";
import { hardhat } from "viem/chains";
import { proverPoolAbi, taikoL1Abi } from "@zkpool/common";

export function localChain(rpcUrl: string): Chain {
  return { ...hardhat, rpcUrls: { default: { http: [rpcUrl] } } };
}

export function publicClientFor(rpcUrl: string): PublicClient {
  return createPublicClient({ chain: localChain(rpcUrl), transport: http(rpcUrl), pollingInterval: 250 });
}

/** A wallet bound to one account on the local chain. */
export type LocalWallet = WalletClient<HttpTransport, Chain, Account>;

export function walletClientFor(rpcUrl: string, account: Account): LocalWallet {
  return createWalletClient({ chain: localChain(rpcUrl), transport: http(rpcUrl), account });
}

/** The Taiko events the local world follows, from both contracts. */
export const taikoEventsAbi = [...taikoL1Abi, ...proverPoolAbi].filter((item) => item.type === "event");

export type TaikoLog = ReturnType<typeof parseEventLogs<typeof taikoEventsAbi>>[number];

/**
 * Reads TaikoL1's and ProverPool's events block range by block range, in chain order, from a start block.
 * Each call to `poll` returns the logs of the blocks mined since the previous call.
 */
export class EventFollower {
  private next: bigint;

  constructor(
    private readonly client: PublicClient,
    private readonly addresses: Address[],
    fromBlock: bigint,
  ) {
    this.next = fromBlock;
  }

  async poll(): Promise<TaikoLog[]> {
    const head = await this.client.getBlockNumber();
    if (head < this.next) return [];
    const raw = await this.client.getLogs({ address: this.addresses, fromBlock: this.next, toBlock: head });
    this.next = head + 1n;
    return parseEventLogs({ abi: taikoEventsAbi, logs: raw });
  }
}

/** Waits for a transaction's receipt; a reverted one is an error. */
export async function mined(client: PublicClient, sent: Promise<Hex>): Promise<void> {
  const hash = await sent;
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
}

/** The custom error a reverted call carries (e.g. "L1_ALREADY_PROVEN"), if any. */
export function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
}
