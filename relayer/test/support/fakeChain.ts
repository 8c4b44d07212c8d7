/**
 * A fake chain for the relayer's transactions: a viem PublicClient and a wallet played by one in-memory node, and
 * a store's nonce table, all writing to one CallLog in the order things happened (a test can add its own events,
 * e.g. what an onSent callback recorded). The node signs for real (so hashes are real), keeps a mempool with
 * geth's replacement rule, and decides what becomes of each transaction it is handed (a Fate: mines, mines and
 * reverts, stays pending, is dropped, is refused). Time is virtual: waiting for a receipt with a timeout moves
 * the fake clock instead of sleeping, so a transaction "not mined within receiptTimeoutMs" costs no real time.
 * There is one clock for all: a wait that ends moves it for everyone (what runs alongside sees the later time);
 * to see what happens while a call is in flight, `hold` its answers instead.
 * On demand, any call fails once (an RPC error, a revert with a custom error), the node goes away, or the process
 * "crashes" at a call (it never returns).
 *
 * Only the transaction surface: getTransactionCount, estimateContractGas, estimateFeesPerGas, simulateContract
 * (replays), getTransaction, getTransactionReceipt, waitForTransactionReceipt; the wallet's signTransaction and
 * sendRawTransaction. Reads of logs and contract state belong to the adapter's fake.
 */
import {
  HttpRequestError,
  RawContractError,
  RpcRequestError,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  WaitForTransactionReceiptTimeoutError,
  encodeErrorResult,
  getContractError,
  keccak256,
  parseTransaction,
  type Abi,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { RelayerWallet } from "../../src/sender";
import type { Store } from "../../src/store/types";

// ── the shared log ────────────────────────────────────────────────────────────────────────────────────────

export interface Recorded {
  /** `client.<method>`, `wallet.<method>`, `store.<method>`, or whatever a test records. */
  what: string;
  args: Record<string, unknown>;
}

/** Everything the fakes were asked, in order; tests add their own events to see them in that order too. */
export class CallLog {
  readonly entries: Recorded[] = [];

  record(what: string, args: Record<string, unknown> = {}): void {
    this.entries.push({ what, args });
  }

  /** The names of the entries, in order, of those `keep` keeps (all by default). */
  names(keep: (what: string) => boolean = () => true): string[] {
    return this.entries.map((e) => e.what).filter(keep);
  }

  /** The arguments of every entry named `what`, in order. */
  of(what: string): Record<string, unknown>[] {
    return this.entries.filter((e) => e.what === what).map((e) => e.args);
  }

  /** Where the first entry named `what` matching `where` is (-1 if none). */
  indexOf(what: string, where: (args: Record<string, unknown>) => boolean = () => true): number {
    return this.entries.findIndex((e) => e.what === what && where(e.args));
  }
}

// ── what can happen ───────────────────────────────────────────────────────────────────────────────────────

/** A custom error a contract reverts with: encoded with `abi`, decoded by the caller with the ABI it passed. */
export interface Revert {
  abi: Abi;
  errorName: string;
  args?: readonly unknown[];
}

/** What becomes of a transaction the node is handed. */
export type Fate =
  | { kind: "mines"; afterMs: number }
  /** Mines with status reverted; replaying its call at its block reverts with `revert` (or passes, if none). */
  | { kind: "reverts"; afterMs: number; revert: Revert | undefined; nodeAnswersWithError: boolean }
  /** Taken into the mempool, never mined. */
  | { kind: "pending" }
  /** Taken, then forgotten by the node (dropped from its mempool). */
  | { kind: "dropped" }
  /** The node refuses it: sendRawTransaction fails, the transaction goes nowhere. */
  | { kind: "refused"; message: string };

export const fate = {
  mines: (afterMs = 0): Fate => ({ kind: "mines", afterMs }),
  /** `nodeAnswersWithError`: Hardhat's automine mines a reverting transaction and answers the send with an error. */
  reverts: (revert?: Revert, options: { afterMs?: number; nodeAnswersWithError?: boolean } = {}): Fate => ({
    kind: "reverts",
    afterMs: options.afterMs ?? 0,
    revert,
    nodeAnswersWithError: options.nodeAnswersWithError ?? false,
  }),
  pending: (): Fate => ({ kind: "pending" }),
  dropped: (): Fate => ({ kind: "dropped" }),
  refused: (message = "nonce too low"): Fate => ({ kind: "refused", message }),
};

/** How a call fails, from its arguments. */
export type Failure = (args: Record<string, unknown>) => Error;

export const NODE_URL = "http://fake-node.test";

/** The node cannot be reached (what viem throws when the HTTP request fails). */
export function rpcFailure(details = "connect ECONNREFUSED"): Failure {
  return () => new HttpRequestError({ url: NODE_URL, details });
}

/**
 * The call reverts with `revert`: the error viem throws from a contract call (estimateContractGas,
 * simulateContract), decoded with the ABI the caller passed, as a real node's revert data would be.
 */
export function reverting(revert: Revert): Failure {
  return (args) => contractError(revert, args);
}

function contractError(revert: Revert, args: Record<string, unknown>): Error {
  const data = encodeErrorResult({ abi: revert.abi, errorName: revert.errorName, args: revert.args });
  return getContractError(new RawContractError({ data }), {
    abi: args.abi as Abi,
    address: args.address as Address | undefined,
    args: args.args,
    functionName: String(args.functionName),
  });
}

/** A node's JSON-RPC error answer (refusing a transaction, or reverting one it mined at once). */
function nodeAnswer(message: string): Error {
  return new RpcRequestError({ body: {}, error: { code: -32000, message }, url: NODE_URL });
}

// ── the node ──────────────────────────────────────────────────────────────────────────────────────────────

/** A transaction the node was handed (or was seeded with: sent before the test's restart). */
export interface NodeTransaction {
  hash: Hex;
  nonce: number;
  gas: bigint;
  /** Undefined for a legacy transaction (gasPrice only). */
  maxFeePerGas: bigint | undefined;
  maxPriorityFeePerGas: bigint | undefined;
  gasPrice: bigint | undefined;
  to: Address | undefined;
  data: Hex | undefined;
  /** Virtual time at which the node took it. */
  sentAt: number;
  blockNumber: bigint;
  fate: Fate;
}

type Method =
  | "getTransactionCount"
  | "estimateContractGas"
  | "estimateFeesPerGas"
  | "simulateContract"
  | "getTransaction"
  | "getTransactionReceipt"
  | "waitForTransactionReceipt"
  | "signTransaction"
  | "sendRawTransaction";

const WALLET_METHODS: readonly Method[] = ["signTransaction", "sendRawTransaction"];

/** Hardhat's first account: the relayer's key in these tests (no secret: a well-known development key). */
export const RELAYER_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export const FAKE_CHAIN: Chain = {
  id: 31337,
  name: "fake",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [NODE_URL] } },
};

export interface FakeChainOptions {
  log?: CallLog;
  /** The gas estimateContractGas answers (default 100,000). */
  gasEstimate?: bigint;
  /** What estimateFeesPerGas answers (default 2 gwei and 1 gwei: divisible by 4, so "a quarter" is exact). */
  fees?: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
  /** The node's pending transaction count before any transaction of the test (default 0). */
  transactionCount?: number;
}

export class FakeChain {
  readonly log: CallLog;
  readonly account = privateKeyToAccount(RELAYER_KEY);
  gasEstimate: bigint;
  fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
  /** The count of the account's transactions sent elsewhere (not through this node's sendRawTransaction). */
  transactionCount: number;
  /** Virtual milliseconds: moved by receipt waits (to the mining, or to the timeout); a test may move it too. */
  now = 0;
  readonly transactions: NodeTransaction[] = [];

  private readonly fates: Fate[] = [];
  private readonly failures = new Map<Method, Failure[]>();
  private readonly crashes = new Set<Method>();
  private readonly holds = new Map<Method, Promise<void>>();
  private down = false;
  private blocks = 1000n;

  /** The fake PublicClient: only the transaction surface. */
  readonly client: PublicClient;
  /** The fake wallet: the relayer's account, signing for real. */
  readonly wallet: RelayerWallet;

  constructor(options: FakeChainOptions = {}) {
    this.log = options.log ?? new CallLog();
    this.gasEstimate = options.gasEstimate ?? 100_000n;
    this.fees = options.fees ?? { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
    this.transactionCount = options.transactionCount ?? 0;
    const client = {
      chain: FAKE_CHAIN,
      getTransactionCount: (args: { address: Address; blockTag?: string }) =>
        this.call("getTransactionCount", args, () => this.pendingCount()),
      estimateContractGas: (args: Record<string, unknown>) =>
        this.call("estimateContractGas", args, () => this.gasEstimate),
      estimateFeesPerGas: () => this.call("estimateFeesPerGas", {}, () => ({ ...this.fees })),
      simulateContract: (args: Record<string, unknown>) => this.call("simulateContract", args, () => this.replay(args)),
      getTransaction: (args: { hash: Hex }) => this.call("getTransaction", args, () => this.transactionOf(args.hash)),
      getTransactionReceipt: (args: { hash: Hex }) =>
        this.call("getTransactionReceipt", args, () => {
          const tx = this.find(args.hash);
          if (!tx || !this.minedBy(tx, this.now)) throw new TransactionReceiptNotFoundError({ hash: args.hash });
          return this.receiptOf(tx);
        }),
      waitForTransactionReceipt: (args: { hash: Hex; timeout?: number }) =>
        this.call("waitForTransactionReceipt", args, (startedAt) => this.waitForReceipt(args, startedAt)),
    };
    this.client = client as unknown as PublicClient;
    const wallet = {
      account: this.account,
      chain: FAKE_CHAIN,
      signTransaction: (args: Record<string, unknown>) => this.call("signTransaction", args, () => this.sign(args)),
      sendRawTransaction: (args: { serializedTransaction: Hex }) =>
        this.call("sendRawTransaction", args, () => this.take(args.serializedTransaction)),
    };
    this.wallet = wallet as unknown as RelayerWallet;
  }

  // ── telling the node what to do ─────────────────────────────────────────────────────────────────────────

  /** The fates of the next transactions the node takes, in order; after them, each mines at once. */
  willTreat(...fates: Fate[]): this {
    this.fates.push(...fates);
    return this;
  }

  /** The next `times` calls of `method` fail with `failure` (recorded, with nothing done). */
  failNext(method: Method, failure: Failure, times = 1): this {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(failure);
    this.failures.set(method, queue);
    return this;
  }

  /** The node goes away: every call fails as an unreachable RPC until `comeBack`. */
  goAway(): void {
    this.down = true;
  }

  comeBack(): void {
    this.down = false;
  }

  /**
   * Calls of `method` are recorded but not answered until the returned function is called (e.g. receipts held
   * back, to see what else the relayer does meanwhile).
   */
  hold(method: Method): () => void {
    let release = () => {};
    this.holds.set(method, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.holds.delete(method);
      release();
    };
  }

  /** The process dies at the next call of `method`: that call is recorded and never returns. */
  crashAt(method: Method): void {
    this.crashes.add(method);
  }

  /** A transaction the node holds from before the test (a previous process sent it). */
  seed(tx: Partial<NodeTransaction> & { hash: Hex; nonce: number; fate: Fate }): NodeTransaction {
    const seeded: NodeTransaction = {
      gas: 120_000n,
      maxFeePerGas: undefined,
      maxPriorityFeePerGas: undefined,
      gasPrice: undefined,
      to: undefined,
      data: undefined,
      sentAt: this.now,
      blockNumber: this.blocks++,
      ...tx,
    };
    this.transactions.push(seeded);
    return seeded;
  }

  // ── reading what happened ───────────────────────────────────────────────────────────────────────────────

  /** Transactions the node took, in order. */
  get sent(): readonly NodeTransaction[] {
    return this.transactions;
  }

  find(hash: Hex): NodeTransaction | undefined {
    return this.transactions.find((tx) => tx.hash === hash);
  }

  // ── the node's rules ────────────────────────────────────────────────────────────────────────────────────

  /** Records the call, then (one step later, as a network answer comes) fails as told or answers. */
  private async call<T>(method: Method, args: object, answer: (startedAt: number) => T | Promise<T>): Promise<T> {
    const where = WALLET_METHODS.includes(method) ? "wallet" : "client";
    this.log.record(`${where}.${method}`, { ...args });
    if (this.crashes.delete(method)) return new Promise<T>(() => undefined);
    // Calls made together (Promise.any over several receipts) start at the same virtual time.
    const startedAt = this.now;
    await (this.holds.get(method) ?? Promise.resolve());
    if (this.down) throw rpcFailure()({ ...args });
    const failure = this.failures.get(method)?.shift();
    if (failure) throw failure({ ...args });
    return answer(startedAt);
  }

  /** When the transaction mines; Infinity if never (pending, dropped, refused). */
  private minesAt(tx: NodeTransaction): number {
    return tx.fate.kind === "mines" || tx.fate.kind === "reverts" ? tx.sentAt + tx.fate.afterMs : Infinity;
  }

  /** Whether `tx` mined by `at`: of the transactions with one nonce, only the first to mine does. */
  private minedBy(tx: NodeTransaction, at: number): boolean {
    const when = this.minesAt(tx);
    if (when > at) return false;
    return !this.transactions.some(
      (other) =>
        other !== tx &&
        other.nonce === tx.nonce &&
        (this.minesAt(other) < when ||
          (this.minesAt(other) === when && this.transactions.indexOf(other) < this.transactions.indexOf(tx))),
    );
  }

  /** Whether the node knows `tx` at `at`: not dropped, and not pushed out by another of its nonce that mined. */
  private knows(tx: NodeTransaction, at: number): boolean {
    if (tx.fate.kind === "dropped" || tx.fate.kind === "refused") return false;
    if (this.minedBy(tx, at)) return true;
    return !this.transactions.some((other) => other !== tx && other.nonce === tx.nonce && this.minedBy(other, at));
  }

  private pendingCount(): number {
    const taken = this.transactions.filter((tx) => this.knows(tx, this.now)).map((tx) => tx.nonce + 1);
    return Math.max(this.transactionCount, ...taken);
  }

  private sign(args: Record<string, unknown>): Promise<Hex> {
    return this.account.signTransaction({
      chainId: FAKE_CHAIN.id,
      type: "eip1559",
      to: args.to as Address,
      data: args.data as Hex,
      gas: args.gas as bigint,
      nonce: args.nonce as number,
      maxFeePerGas: args.maxFeePerGas as bigint,
      maxPriorityFeePerGas: args.maxPriorityFeePerGas as bigint,
    });
  }

  /** sendRawTransaction: geth's rules (a replacement pays 10% more of both fees), then the transaction's fate. */
  private take(serialized: Hex): Hex {
    const parsed = parseTransaction(serialized);
    const hash = keccak256(serialized);
    const nonce = parsed.nonce ?? 0;
    const maxFeePerGas = parsed.maxFeePerGas ?? 0n;
    const maxPriorityFeePerGas = parsed.maxPriorityFeePerGas ?? 0n;
    if (this.find(hash)) throw nodeAnswer("already known");
    const rival = this.transactions.find((tx) => tx.nonce === nonce && this.knows(tx, this.now));
    if (rival && this.minedBy(rival, this.now)) throw nodeAnswer("nonce too low");
    if (
      rival &&
      (maxFeePerGas * 100n < (rival.maxFeePerGas ?? 0n) * 110n ||
        maxPriorityFeePerGas * 100n < (rival.maxPriorityFeePerGas ?? 0n) * 110n)
    ) {
      throw nodeAnswer("replacement transaction underpriced");
    }
    const next = this.fates.shift() ?? fate.mines();
    if (next.kind === "refused") throw nodeAnswer(next.message);
    this.transactions.push({
      hash,
      nonce,
      gas: parsed.gas ?? 0n,
      maxFeePerGas,
      maxPriorityFeePerGas,
      gasPrice: undefined,
      to: parsed.to ?? undefined,
      data: parsed.data,
      sentAt: this.now,
      blockNumber: this.blocks++,
      fate: next,
    });
    if (next.kind === "reverts" && next.nodeAnswersWithError) throw nodeAnswer("execution reverted");
    return hash;
  }

  private transactionOf(hash: Hex) {
    const tx = this.find(hash);
    if (!tx || !this.knows(tx, this.now)) throw new TransactionNotFoundError({ hash });
    return {
      hash: tx.hash,
      nonce: tx.nonce,
      from: this.account.address,
      to: tx.to ?? null,
      input: tx.data ?? "0x",
      gas: tx.gas,
      maxFeePerGas: tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
      gasPrice: tx.gasPrice,
      blockNumber: this.minedBy(tx, this.now) ? tx.blockNumber : null,
    };
  }

  private receiptOf(tx: NodeTransaction): TransactionReceipt {
    const receipt = {
      transactionHash: tx.hash,
      blockNumber: tx.blockNumber,
      blockHash: keccak256(`0x${tx.blockNumber.toString(16).padStart(64, "0")}`),
      transactionIndex: 0,
      from: this.account.address,
      to: tx.to ?? null,
      status: tx.fate.kind === "reverts" ? "reverted" : "success",
      gasUsed: tx.gas,
      cumulativeGasUsed: tx.gas,
      effectiveGasPrice: tx.maxFeePerGas ?? tx.gasPrice ?? 0n,
      contractAddress: null,
      logs: [],
      logsBloom: "0x",
      type: "eip1559",
    };
    return receipt as unknown as TransactionReceipt;
  }

  /**
   * Resolves with the receipt if the transaction mines within `timeout` of the call (moving the clock to then),
   * else fails as viem does after the timeout (moving the clock to its end). With no timeout, a transaction that
   * never mines would be waited for forever: that fails at once, saying so.
   */
  private waitForReceipt(args: { hash: Hex; timeout?: number }, startedAt: number): TransactionReceipt {
    const tx = this.find(args.hash);
    const minedAt = tx ? this.firstMinedAt(tx) : Infinity;
    const deadline = startedAt + (args.timeout ?? Infinity);
    if (tx && minedAt <= deadline) {
      this.now = Math.max(this.now, minedAt);
      return this.receiptOf(tx);
    }
    if (args.timeout === undefined) throw new Error(`waited with no timeout for ${args.hash}, which never mines`);
    this.now = Math.max(this.now, deadline);
    throw new WaitForTransactionReceiptTimeoutError({ hash: args.hash });
  }

  /** The time `tx` mines, if it is the one of its nonce that does (Infinity otherwise). */
  private firstMinedAt(tx: NodeTransaction): number {
    const at = this.minesAt(tx);
    return at !== Infinity && this.minedBy(tx, at) ? at : Infinity;
  }

  /** simulateContract at a block: reverts like the reverted transaction mined in it, else passes. */
  private replay(args: Record<string, unknown>) {
    const mined = this.transactions.find((tx) => tx.blockNumber === args.blockNumber && tx.fate.kind === "reverts");
    if (mined?.fate.kind === "reverts" && mined.fate.revert) throw contractError(mined.fate.revert, args);
    return { result: undefined, request: args };
  }
}

// ── the store's nonce table ───────────────────────────────────────────────────────────────────────────────

export interface FakeNonceStore extends Store {
  /** The next nonce the store would hand out to `address` (undefined before any). */
  next(address: Address): number | undefined;
  /**
   * The same nonce table seen by a new process: a lock the old one died holding is free, as PostgreSQL frees a
   * session's advisory locks when it ends.
   */
  reopen(): FakeNonceStore;
}

/**
 * The Store's nonce methods, as the SQL store does them (reserve: max(stored, chain's count), stored + 1; release
 * only the last one reserved), each recorded in `log` as `store.<method>`; the lock records `store.lock` and
 * `store.unlock` and is a real mutex, as PostgreSQL's advisory lock is. Other methods are not there.
 */
export function fakeNonceStore(log: CallLog, nonces = new Map<string, number>()): FakeNonceStore {
  let lock: Promise<unknown> = Promise.resolve();
  const key = (address: Address) => address.toLowerCase();
  const store: Partial<FakeNonceStore> = {
    next: (address) => nonces.get(key(address)),
    reopen: () => fakeNonceStore(log, nonces),
    reserveNonce: async (address, chainNonce) => {
      const nonce = Math.max(nonces.get(key(address)) ?? 0, chainNonce);
      nonces.set(key(address), nonce + 1);
      log.record("store.reserveNonce", { address, chainNonce, nonce });
      return nonce;
    },
    resetNonce: async (address, next) => {
      nonces.set(key(address), next);
      log.record("store.resetNonce", { address, next });
    },
    releaseNonce: async (address, nonce) => {
      const released = nonces.get(key(address)) === nonce + 1;
      if (released) nonces.set(key(address), nonce);
      log.record("store.releaseNonce", { address, nonce, released });
      return released;
    },
    withNonceLock: <T>(address: Address, fn: () => Promise<T>): Promise<T> => {
      const run = lock.then(async () => {
        log.record("store.lock", { address });
        try {
          return await fn();
        } finally {
          log.record("store.unlock", { address });
        }
      });
      lock = run.catch(() => undefined);
      return run;
    },
  };
  return store as FakeNonceStore;
}
