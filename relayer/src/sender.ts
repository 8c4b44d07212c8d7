import {
  BaseError,
  ContractFunctionRevertedError,
  TransactionNotFoundError,
  encodeFunctionData,
  keccak256,
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

/**
 * A contract call reverted: `errorName` is the custom error (Taiko's or ZKPool's) when the ABI knows it, and
 * `errorArgs` its arguments (which block ZKPool.confirm's BlockNotVerified names, say).
 */
export class CallRevertedError extends FinalError {
  override name = "CallRevertedError";
  readonly errorArgs: readonly unknown[];
  constructor(
    readonly errorName: string | undefined,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause);
    this.errorArgs = revertOf(cause)?.args ?? [];
  }
}

/**
 * A transaction that mined and reverted (gas spent): `errorName` is its custom error, read by replaying the
 * call at the block it mined in.
 */
export class TransactionRevertedError extends CallRevertedError {
  override name = "TransactionRevertedError";
  constructor(
    errorName: string | undefined,
    message: string,
    readonly receipt: TransactionReceipt,
    cause?: unknown,
  ) {
    super(errorName, message, cause);
  }
}

export interface ContractCall {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

export interface SendOptions {
  /** What the transaction is for, in metrics and logs (submit, confirm, harvest, settle, capacity). */
  purpose: string;
  /**
   * Called with each transaction's hash and nonce (replacements too) once it is signed and before it is
   * broadcast: a crash can never leave a transaction on the network that the store does not know of.
   */
  onSent?: (hash: Hex, nonce: number) => Promise<void>;
  signal?: AbortSignal;
}

export interface TxSenderOptions {
  client: PublicClient;
  wallet: RelayerWallet;
  store: Store;
  log: Logger;
  metrics: Metrics;
  /** How long to wait for a receipt before replacing the transaction with higher fees (RECEIPT_TIMEOUT_MS). */
  receiptTimeoutMs: number;
  maxReplacements?: number;
  /**
   * Custom errors of the contracts the calls reach through the called one (Taiko's, behind ZKPool): a revert
   * bubbling up from them gets its name, so that retry logic can tell a final refusal from a passing one.
   */
  errors?: Abi;
}

/** A transaction sent before a restart, still waiting in the node's mempool. */
export interface PendingTransaction {
  nonce: number;
  /** Every hash sent with this nonce, newest last. */
  hashes: readonly Hex[];
  gas: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** What became of a transaction sent before a restart (see TxSender.lookup). */
export type SentTransaction =
  | { state: "mined"; receipt: TransactionReceipt; nonce: number }
  /** Still in the node's mempool: to wait for, or replace at the same nonce. */
  | { state: "pending"; pending: PendingTransaction }
  /** Unknown to the node: never sent, or dropped from its mempool. */
  | { state: "gone" };

/** The revert's custom error, name and arguments, if the error is a revert the ABI could decode. */
function revertOf(error: unknown): { errorName: string; args: readonly unknown[] } | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  const data = reverted instanceof ContractFunctionRevertedError ? reverted.data : undefined;
  return data && { errorName: data.errorName, args: data.args ?? [] };
}

/** The revert's custom error name, if the error is a revert the ABI could decode. */
export function revertNameOf(error: unknown): string | undefined {
  return revertOf(error)?.errorName;
}

/** The node's answer to `request`; a failure (unreachable, timed out) is a RetryableError saying what was asked. */
async function rpc<T>(what: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    throw new RetryableError(`could not ${what}: ${(error as Error).message}`, error);
  }
}

function isRevert(error: unknown): boolean {
  return error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError) !== null;
}

/**
 * Sends the relayer's transactions: simulates first (a revert costs no gas and comes back as a
 * CallRevertedError), takes the nonce from the store, waits for the receipt, and replaces a transaction that
 * does not mine in time with the same nonce and fees raised by a quarter. A transaction that mines and reverts
 * anyway (another transaction changed the state between the simulation and the block: a race lost) comes back
 * as a TransactionRevertedError with its custom error.
 */
export class TxSender {
  readonly address: Address;
  private readonly receiptTimeoutMs: number;
  private readonly maxReplacements: number;
  /** One transaction at a time gets its nonce, so nonces follow the order of sending. */
  private lane: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: TxSenderOptions) {
    this.address = o.wallet.account.address;
    this.receiptTimeoutMs = o.receiptTimeoutMs;
    this.maxReplacements = o.maxReplacements ?? 3;
  }

  /**
   * Aligns the stored nonce with the chain (at start: a nonce reserved by a process that died before sending,
   * or whose transaction the node dropped, would block the queue). Under the nonce lock, so that a relayer
   * sharing the key and the database cannot be between reserving and sending meanwhile.
   */
  async syncNonce(): Promise<void> {
    await this.o.store.withNonceLock(this.address, async () => {
      const pending = await this.pendingNonce();
      await this.o.store.resetNonce(this.address, pending);
    });
  }

  private pendingNonce(): Promise<number> {
    return rpc(
      "read the pending nonce",
      this.o.client.getTransactionCount({ address: this.address, blockTag: "pending" }),
    );
  }

  /** `call`'s ABI with the custom errors of the contracts behind it, so that their reverts are named. */
  private withErrors(call: ContractCall): ContractCall {
    return { ...call, abi: [...call.abi, ...(this.o.errors ?? [])] };
  }

  /** Simulates `call` and returns its gas estimate; a revert throws CallRevertedError. */
  async simulate(call: ContractCall): Promise<bigint> {
    try {
      return await this.o.client.estimateContractGas({ ...this.withErrors(call), account: this.o.wallet.account });
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

  /**
   * Sends `call` and resolves with its receipt once it mined successfully. Rejects with CallRevertedError when
   * the simulation reverts (nothing sent), TransactionRevertedError when the transaction mined and reverted,
   * RetryableError when the node is unreachable or the transaction does not mine.
   */
  async send(call: ContractCall, options: SendOptions): Promise<TransactionReceipt> {
    const gas = await this.simulate(call);
    return this.inLane(async () => {
      const { maxFeePerGas, maxPriorityFeePerGas } = await rpc("estimate fees", this.o.client.estimateFeesPerGas());
      const tx = { nonce: -1, hashes: [] as Hex[], gas: (gas * 12n) / 10n, maxFeePerGas, maxPriorityFeePerGas };
      // Reserving the nonce and handing the transaction to the node happen under the nonce lock (see
      // Store.withNonceLock); a nonce whose transaction the node refused is given back.
      const hashes = await this.o.store.withNonceLock(this.address, async () => {
        tx.nonce = await this.o.store.reserveNonce(this.address, await this.pendingNonce());
        try {
          return [await this.broadcast(call, options, tx, 0)];
        } catch (error) {
          await this.o.store.releaseNonce(this.address, tx.nonce);
          throw error;
        }
      });
      return this.sendAndWait(call, options, { ...tx, hashes });
    });
  }

  /**
   * What became of a transaction sent before a restart (`hashes`: every hash sent with its nonce, newest last):
   * one lookup per hash, newest first, until the node knows one (only one of them can mine); the receipt is
   * fetched for the mined one only. A node that does not answer is a RetryableError: never taken for "gone",
   * which would send the transaction again beside the one still pending.
   */
  async lookup(hashes: readonly Hex[]): Promise<SentTransaction> {
    for (const hash of [...hashes].reverse()) {
      const tx = await this.o.client.getTransaction({ hash }).catch((error: unknown) => {
        if (error instanceof TransactionNotFoundError) return undefined;
        throw new RetryableError(`could not look up transaction ${hash}: ${(error as Error).message}`, error);
      });
      if (!tx) continue;
      if (tx.blockNumber !== null) {
        const receipt = await rpc(`read the receipt of ${hash}`, this.o.client.getTransactionReceipt({ hash }));
        return { state: "mined", receipt, nonce: tx.nonce };
      }
      return {
        state: "pending",
        pending: {
          nonce: tx.nonce,
          hashes,
          gas: tx.gas,
          maxFeePerGas: tx.maxFeePerGas ?? tx.gasPrice ?? 0n,
          maxPriorityFeePerGas: tx.maxPriorityFeePerGas ?? tx.gasPrice ?? 0n,
        },
      };
    }
    return { state: "gone" };
  }

  /** Waits for a transaction sent before a restart, replacing it (same nonce, higher fees) when it does not mine. */
  async resume(call: ContractCall, pending: PendingTransaction, options: SendOptions): Promise<TransactionReceipt> {
    this.o.log.info(
      { purpose: options.purpose, hash: pending.hashes.at(-1), nonce: pending.nonce },
      "waiting for a transaction sent before the restart",
    );
    return this.inLane(() => this.sendAndWait(call, options, pending));
  }

  private inLane<T>(work: () => Promise<T>): Promise<T> {
    const done = this.lane.then(work);
    this.lane = done.catch(() => undefined);
    return done;
  }

  /** Signs `call` with the nonce and fees of `tx`, records its hash (onSent), then hands it to the node. */
  private async broadcast(
    call: ContractCall,
    options: SendOptions,
    tx: PendingTransaction,
    attempt: number,
  ): Promise<Hex> {
    const { wallet, log } = this.o;
    const serializedTransaction = await wallet.signTransaction({
      account: wallet.account,
      chain: wallet.chain,
      to: call.address,
      data: encodeFunctionData({ abi: call.abi, functionName: call.functionName, args: call.args }),
      gas: tx.gas,
      nonce: tx.nonce,
      maxFeePerGas: tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    });
    const hash = keccak256(serializedTransaction);
    // Recorded before it can reach the network (see SendOptions.onSent).
    await options.onSent?.(hash, tx.nonce);
    try {
      await wallet.sendRawTransaction({ serializedTransaction });
    } catch (error) {
      // A node that mines as it receives (Hardhat's automine) mines a reverting transaction and answers with an
      // error: it was sent all the same, and its receipt tells the rest.
      if (!(await this.mined(hash))) {
        throw new RetryableError(
          `the node refused the ${options.purpose} transaction: ${(error as Error).message}`,
          error,
        );
      }
    }
    log.info(
      { purpose: options.purpose, hash, nonce: tx.nonce, attempt, maxFeePerGas: tx.maxFeePerGas.toString() },
      "transaction sent",
    );
    return hash;
  }

  /**
   * Waits for a receipt of `tx` (its hashes, one nonce); a transaction that does not mine in time is replaced
   * with fees raised by a quarter.
   */
  private async sendAndWait(
    call: ContractCall,
    options: SendOptions,
    tx: PendingTransaction,
  ): Promise<TransactionReceipt> {
    const { log, metrics } = this.o;
    const hashes: Hex[] = [...tx.hashes];
    let { maxFeePerGas, maxPriorityFeePerGas } = tx;
    for (let attempt = 1; ; attempt++) {
      const receipt = await this.firstReceipt(hashes);
      if (receipt) {
        metrics.transactions.inc({ purpose: options.purpose, result: receipt.status });
        if (receipt.status === "reverted") throw await this.revertOf(call, receipt);
        return receipt;
      }
      if (attempt > this.maxReplacements) break;
      options.signal?.throwIfAborted();
      log.warn(
        { purpose: options.purpose, nonce: tx.nonce, hash: hashes.at(-1), attempt },
        "transaction not mined in time: replacing it with higher fees",
      );
      maxFeePerGas = (maxFeePerGas * 125n) / 100n + 1n;
      maxPriorityFeePerGas = (maxPriorityFeePerGas * 125n) / 100n + 1n;
      try {
        hashes.push(await this.broadcast(call, options, { ...tx, maxFeePerGas, maxPriorityFeePerGas }, attempt));
      } catch (error) {
        // A refused replacement leaves the transactions sent before it, which may still mine: wait for them.
        if (!(error instanceof RetryableError)) throw error;
        log.warn({ purpose: options.purpose, nonce: tx.nonce, err: error }, "replacement refused by the node");
      }
    }
    metrics.transactions.inc({ purpose: options.purpose, result: "stuck" });
    throw new RetryableError(
      `${options.purpose} transaction with nonce ${tx.nonce} did not mine after ${this.maxReplacements} replacements`,
    );
  }

  /**
   * Why a mined transaction reverted: the call replayed on the state its block left (which holds whatever
   * transaction of the block got there first), decoded with the contracts' errors.
   */
  private async revertOf(call: ContractCall, receipt: TransactionReceipt): Promise<TransactionRevertedError> {
    const at = `${call.functionName} transaction ${receipt.transactionHash} reverted on-chain`;
    try {
      await this.o.client.simulateContract({
        ...this.withErrors(call),
        account: this.o.wallet.account,
        blockNumber: receipt.blockNumber,
      });
    } catch (error) {
      const errorName = revertNameOf(error);
      return new TransactionRevertedError(errorName, errorName ? `${at} with ${errorName}` : at, receipt, error);
    }
    return new TransactionRevertedError(undefined, `${at} (its replay passes: reason unknown)`, receipt);
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

  /** Whether the transaction mined (its receipt exists). */
  private async mined(hash: Hex): Promise<boolean> {
    return this.o.client.getTransactionReceipt({ hash }).then(
      () => true,
      () => false,
    );
  }
}
