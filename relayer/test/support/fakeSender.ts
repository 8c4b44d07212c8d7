/**
 * The TxSender as the parts above it see it (send, resume, lookup), with what each transaction comes to
 * scripted by the test: mined, turned down by the simulation, mined and reverted, not sent at all. Every call
 * is recorded, and written to a journal that a memory store may share (see memoryStore.ts).
 */
import {
  RawContractError,
  encodeAbiParameters,
  encodeErrorResult,
  encodeEventTopics,
  getContractError,
  keccak256,
  numberToHex,
  zeroHash,
  type Abi,
  type AbiEvent,
  type Address,
  type Hex,
  type Log,
  type TransactionReceipt,
} from "viem";
import { taikoL1Abi, zkPoolAbi } from "@zkpool/common";
import {
  CallRevertedError,
  TransactionRevertedError,
  type ContractCall,
  type PendingTransaction,
  type SendOptions,
  type SentTransaction,
  type TxSender,
} from "../../src/sender";

export const RELAYER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/** A transaction's hash, made up from a number. */
export const txHash = (n: number): Hex => keccak256(numberToHex(n));

export function receipt(hash: Hex, status: "success" | "reverted" = "success", logs: Log[] = []): TransactionReceipt {
  return {
    blockHash: zeroHash,
    blockNumber: 100n,
    contractAddress: null,
    cumulativeGasUsed: 100_000n,
    effectiveGasPrice: 1_000_000_000n,
    from: RELAYER,
    gasUsed: 100_000n,
    logs: logs as TransactionReceipt["logs"],
    logsBloom: "0x",
    status,
    to: null,
    transactionHash: hash,
    transactionIndex: 0,
    type: "eip1559",
  };
}

/** A log of ZKPool's event `eventName` emitted by `address`, its inputs taken from `args` by name. */
export function poolLog(address: Address, eventName: string, args: Record<string, unknown>): Log {
  const event = zkPoolAbi.find(
    (item): item is AbiEvent & typeof item => item.type === "event" && item.name === eventName,
  );
  if (!event) throw new Error(`poolLog: ZKPool has no event ${eventName}`);
  const valueOf = (input: { name?: string }) => args[input.name ?? ""];
  const indexed = Object.fromEntries(event.inputs.flatMap((i) => (i.indexed ? [[i.name, valueOf(i)]] : [])));
  const topics = encodeEventTopics({ abi: zkPoolAbi, eventName, args: indexed } as Parameters<
    typeof encodeEventTopics
  >[0]);
  const data = encodeAbiParameters(
    event.inputs.filter((i) => !i.indexed),
    event.inputs.filter((i) => !i.indexed).map(valueOf),
  );
  return {
    address,
    topics: topics as [Hex, ...Hex[]],
    data,
    blockHash: zeroHash,
    blockNumber: 100n,
    logIndex: 0,
    transactionHash: zeroHash,
    transactionIndex: 0,
    removed: false,
  };
}

/** ZKPool's and TaikoL1's custom errors: what a revert's `args` are encoded with. */
const ERRORS: Abi = [...zkPoolAbi, ...taikoL1Abi].filter((item) => item.type === "error");

/**
 * The error viem throws for a call that reverted with `errorName(...args)`, as the sender's cause: its
 * CallRevertedError reads the arguments from it.
 */
function revertCause(call: ContractCall, errorName: string, args: readonly unknown[]): Error {
  const data = encodeErrorResult({ abi: ERRORS, errorName, args } as Parameters<typeof encodeErrorResult>[0]);
  return getContractError(new RawContractError({ data }), {
    abi: ERRORS,
    address: call.address,
    args: call.args,
    functionName: call.functionName,
  });
}

/** What one send (or resume) comes to. */
export type Outcome = (
  call: ContractCall,
  options: SendOptions,
  hash: Hex,
  nonce: number,
) => Promise<TransactionReceipt>;

/** Signed, recorded (onSent), mined, succeeded; with `logs` in its receipt. */
export const mines =
  (logs: Log[] = []): Outcome =>
  async (_call, options, hash, nonce) => {
    await options.onSent?.(hash, nonce);
    return receipt(hash, "success", logs);
  };

/**
 * The simulation reverts with Taiko's or ZKPool's `errorName`: nothing is sent. With `args`, the revert carries
 * them (errorArgs), as a node's revert data would.
 */
export const simulationReverts =
  (errorName: string | undefined, args?: readonly unknown[]): Outcome =>
  async (call) => {
    throw new CallRevertedError(
      errorName,
      `${call.functionName} would revert${errorName ? ` with ${errorName}` : ""}`,
      errorName && args ? revertCause(call, errorName, args) : undefined,
    );
  };

/** Sent, recorded, mined, and reverted on-chain with `errorName(...args)` (another transaction got there first). */
export const minesReverted =
  (errorName: string | undefined, args?: readonly unknown[]): Outcome =>
  async (call, options, hash, nonce) => {
    await options.onSent?.(hash, nonce);
    throw new TransactionRevertedError(
      errorName,
      `${call.functionName} transaction ${hash} reverted on-chain`,
      receipt(hash, "reverted"),
      errorName && args ? revertCause(call, errorName, args) : undefined,
    );
  };

/** Fails with `error` (an RPC gone, a transaction that did not mine). */
export const fails =
  (error: Error): Outcome =>
  async () => {
    throw error;
  };

/** Waits for `release` before coming to `then`. */
export function held(then: Outcome): { outcome: Outcome; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    outcome: async (...args) => {
      await released;
      return then(...args);
    },
    release,
  };
}

export interface SentCall {
  kind: "send" | "resume";
  call: ContractCall;
  options: SendOptions;
  pending?: PendingTransaction;
}

export class FakeSender implements Pick<TxSender, "send" | "resume" | "lookup"> {
  readonly calls: SentCall[] = [];
  /** What the next sends come to, in order; once used up, each send mines. */
  readonly outcomes: Outcome[] = [];
  /** What lookup answers for a transaction, by its hash; unknown hashes are gone. */
  readonly known = new Map<Hex, SentTransaction>();
  readonly lookedUp: Hex[][] = [];
  private nonce = 0;
  private sent = 0;

  constructor(private readonly journal: string[] = []) {}

  /** The calls' function names and arguments, as "proveBlock(7)". */
  get called(): string[] {
    return this.calls.map((c) => `${c.kind} ${c.call.functionName}(${c.call.args.map(String).join(", ")})`);
  }

  send(call: ContractCall, options: SendOptions): Promise<TransactionReceipt> {
    return this.run({ kind: "send", call, options });
  }

  resume(call: ContractCall, pending: PendingTransaction, options: SendOptions): Promise<TransactionReceipt> {
    return this.run({ kind: "resume", call, options, pending });
  }

  async lookup(hashes: readonly Hex[]): Promise<SentTransaction> {
    this.lookedUp.push([...hashes]);
    for (const hash of [...hashes].reverse()) {
      const known = this.known.get(hash);
      if (known) return known;
    }
    return { state: "gone" };
  }

  private async run(sent: SentCall): Promise<TransactionReceipt> {
    this.calls.push(sent);
    this.journal.push(`${sent.kind} ${sent.call.functionName}(${sent.call.args.map(String).join(", ")})`);
    const outcome = this.outcomes.shift() ?? mines();
    const nonce = sent.pending?.nonce ?? this.nonce++;
    return outcome(sent.call, sent.options, txHash(++this.sent), nonce);
  }
}
