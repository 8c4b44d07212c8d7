import {
  BaseError,
  ContractFunctionRevertedError,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type HttpTransport,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from "viem";
import type { Logger } from "@zkpool/common/node";
import { FinalError, RetryableError } from "./errors";
import type { Metrics } from "./metrics";
import type { Store } from "./store/types";

export type RelayerWallet = WalletClient<HttpTransport, Chain, Account>;

/** A contract call reverted: `errorName` is the custom error (Taiko's or ZKPool's) when the ABI knows it. */
export class CallRevertedError extends FinalError {
  override name = "CallRevertedError";
  constructor(
    readonly errorName: string | undefined,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause);
  }
}

export interface ContractCall {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

export interface SendOptions {
  /** What the transaction is for, in metrics and logs (submit, harvest, settle, capacity). */
  purpose: string;
  /** Called with each transaction hash sent (replacements too), before waiting for it. */
  onSent?: (hash: Hex, nonce: number) => Promise<void>;
  signal?: AbortSignal;
}

export interface TxSenderOptions {
  client: PublicClient;
  wallet: RelayerWallet;
  store: Store;
  log: Logger;
  metrics: Metrics;
  /** How long to wait for a receipt before replacing the transaction with higher fees. */
  receiptTimeoutMs?: number;
  maxReplacements?: number;
}

/** The revert's custom error name, if the error is a revert the ABI could decode. */
export function revertNameOf(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
}

function isRevert(error: unknown): boolean {
  return error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError) !== null;
}

/**
 * Sends the relayer's transactions: simulates first (a revert costs no gas and comes back as a
 * CallRevertedError), takes the nonce from the store, waits for the receipt, and replaces a transaction that
 * does not mine in time with the same nonce and fees raised by a quarter.
 */
export class TxSender {
  readonly address: Address;
  private readonly receiptTimeoutMs: number;
  private readonly maxReplacements: number;
  /** One transaction at a time gets its nonce, so nonces follow the order of sending. */
  private lane: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: TxSenderOptions) {
    this.address = o.wallet.account.address;
    this.receiptTimeoutMs = o.receiptTimeoutMs ?? 20_000;
    this.maxReplacements = o.maxReplacements ?? 3;
  }

  /** Aligns the stored nonce with the chain (at start: a reserved but unsent nonce would block the queue). */
  async syncNonce(): Promise<void> {
    const pending = await this.o.client.getTransactionCount({ address: this.address, blockTag: "pending" });
    await this.o.store.resetNonce(this.address, pending);
  }

  /** Simulates `call` and returns its gas estimate; a revert throws CallRevertedError. */
  async simulate(call: ContractCall): Promise<bigint> {
    try {
      return await this.o.client.estimateContractGas({ ...call, account: this.o.wallet.account });
    } catch (error) {
      if (isRevert(error)) {
        const errorName = revertNameOf(error);
        throw new CallRevertedError(
          errorName,
          `${call.functionName} would revert${errorName ? ` with ${errorName}` : ""}`,
          error,
        );
      }
      throw new RetryableError(`could not simulate ${call.functionName}: ${(error as Error).message}`, error);
    }
  }

  async send(call: ContractCall, options: SendOptions): Promise<TransactionReceipt> {
    const gas = await this.simulate(call);
    const sent = this.lane.then(() => this.sendAndWait(call, gas, options));
    this.lane = sent.catch(() => undefined);
    return sent;
  }

  private async sendAndWait(call: ContractCall, gas: bigint, options: SendOptions): Promise<TransactionReceipt> {
    const { client, wallet, store, log, metrics } = this.o;
    const chainNonce = await client.getTransactionCount({ address: this.address, blockTag: "pending" });
    const nonce = await store.reserveNonce(this.address, chainNonce);
    const fees = await client.estimateFeesPerGas();
    let maxFeePerGas = fees.maxFeePerGas;
    let maxPriorityFeePerGas = fees.maxPriorityFeePerGas;
    const hashes: Hex[] = [];

    for (let attempt = 0; attempt <= this.maxReplacements; attempt++) {
      options.signal?.throwIfAborted();
      const hash = await wallet.writeContract({
        ...call,
        gas: (gas * 12n) / 10n,
        nonce,
        maxFeePerGas,
        maxPriorityFeePerGas,
      } as Parameters<RelayerWallet["writeContract"]>[0]);
      hashes.push(hash);
      log.info({ purpose: options.purpose, hash, nonce, attempt }, "transaction sent");
      await options.onSent?.(hash, nonce);
      const receipt = await this.firstReceipt(hashes);
      if (receipt) {
        metrics.transactions.inc({ purpose: options.purpose, result: receipt.status });
        return receipt;
      }
      log.warn(
        { purpose: options.purpose, nonce, hash, attempt },
        "transaction not mined in time: replacing it with higher fees",
      );
      maxFeePerGas = (maxFeePerGas * 125n) / 100n + 1n;
      maxPriorityFeePerGas = (maxPriorityFeePerGas * 125n) / 100n + 1n;
    }
    metrics.transactions.inc({ purpose: options.purpose, result: "stuck" });
    throw new RetryableError(
      `${options.purpose} transaction with nonce ${nonce} did not mine after ${this.maxReplacements} replacements`,
    );
  }

  /** The receipt of whichever of the transactions (same nonce) mined, or undefined after the timeout. */
  private async firstReceipt(hashes: Hex[]): Promise<TransactionReceipt | undefined> {
    try {
      return await Promise.any(
        hashes.map((hash) => this.o.client.waitForTransactionReceipt({ hash, timeout: this.receiptTimeoutMs })),
      );
    } catch {
      return undefined;
    }
  }

  /** Looks up receipts of transactions sent before a restart; undefined when none of them mined. */
  async receiptOf(hashes: readonly Hex[]): Promise<TransactionReceipt | undefined> {
    for (const hash of hashes) {
      try {
        return await this.o.client.getTransactionReceipt({ hash });
      } catch {
        // not mined (or dropped): try the next
      }
    }
    return undefined;
  }
}
