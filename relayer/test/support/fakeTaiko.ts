/**
 * A fake Ethereum node holding TaikoL1 and ZKPool, for the relayer's reads of the chain (the Taiko adapter's
 * events and views). `client` is a real viem PublicClient over a custom transport: whichever viem action the
 * adapter uses (getContractEvents or getLogs, readContract or multicall, getBlock, getBlockNumber) ends in the
 * JSON-RPC requests this fake answers (eth_getLogs, eth_call, eth_getBlockByNumber, eth_blockNumber).
 *
 * Everything is encoded with viem from @zkpool/common's ABIs and filled in by field name: a log's topics and data
 * from the event's inputs, a call's result from the function's outputs, a revert from the custom error. A field
 * the test does not give is zero. So when the contracts change (another block layout, a struct instead of a
 * list of outputs, a renamed view) the fake encodes what the new ABI says, and only a view it has no answer for
 * fails, by name.
 *
 * Each call that puts an event on-chain (propose, prove, authorizeAgent…) mines a new block holding it, one
 * blockTime after the last. The chain's clock is the latest block's timestamp.
 *
 * TaikoL1's views answer as eldfell's TaikoL1 does, with the local network's deployment by default (LOCAL_PROTOCOL,
 * LOCAL_INSTANCE_CONTEXT): getConfig() its 23-field Config, the public `state()` getter (avgProofDelay its last
 * output), resolve(name) and resolve(chainId, name) from a name book (RESOLVER_ZERO_ADDR for a name pointing
 * nowhere), getBlock (L1_BLOCK_ID past the last proposed block) and getForkChoice (L1_BLOCK_ID likewise,
 * L1_FORK_CHOICE_NOT_FOUND for a parent the block has no proof from).
 */
import {
  createPublicClient,
  custom,
  decodeEventLog,
  decodeFunctionData,
  encodeAbiParameters,
  encodeErrorResult,
  encodeEventTopics,
  encodeFunctionResult,
  keccak256,
  multicall3Abi,
  numberToHex,
  stringToHex,
  zeroAddress,
  type Abi,
  type AbiEvent,
  type AbiFunction,
  type AbiParameter,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { hardhat } from "viem/chains";
import {
  LOCAL_INSTANCE_CONTEXT,
  LOCAL_PROTOCOL,
  metaHashOf,
  taikoL1Abi,
  zkPoolAbi,
  type BlockMetadata,
} from "@zkpool/common";

/** Field values by name, for an event's inputs or a function's outputs; what is missing is zero. */
export type Fields = Record<string, unknown>;

/** A view's answer: the value of its single output, or its outputs (a struct's fields) by name. */
type View = (args: readonly unknown[]) => unknown;

/** Thrown by a view to make the eth_call revert with the contract's custom error. */
export class Revert extends Error {
  constructor(
    readonly errorName: string,
    readonly args: readonly unknown[] = [],
  ) {
    super(`reverted with ${errorName}`);
  }
}

/** A JSON-RPC request as the fake received it. */
export interface Request {
  method: string;
  params: readonly unknown[];
}

/** One eth_getLogs, its filter decoded. */
export interface LogQuery {
  address: Address[];
  fromBlock: bigint;
  toBlock: bigint;
  topics: readonly (Hex | Hex[] | null)[];
}

/** One eth_call (or one call inside a multicall), decoded with the contract's ABI. */
export interface Call {
  to: Address;
  functionName: string;
  args: readonly unknown[];
}

interface StoredLog {
  address: Address;
  topics: Hex[];
  data: Hex;
  blockNumber: bigint;
  transactionHash: Hex;
  logIndex: number;
}

/** What a BlockProposed put on-chain, as the test needs it to check the job made of it. */
export interface Proposed {
  blockId: bigint;
  /** The metadata as viem decodes it from the log (what the adapter sees). */
  meta: BlockMetadata;
  metaHash: Hex;
  proposedAt: bigint;
  proofWindow: bigint;
  deadline: bigint;
  blockNumber: bigint;
}

/** What a BlockProven put on-chain. */
export interface Proven {
  transactionHash: Hex;
  blockNumber: bigint;
  provenAt: bigint;
}

export interface ProposeOptions {
  blockId?: bigint;
  assignedProver: Address;
  proofWindow: bigint;
  rewardPerGas?: number;
  feePerGas?: bigint;
  /** Metadata fields over the defaults (id, timestamp, l1Height, txListHash, gasLimit…). */
  meta?: Fields;
}

export interface ProveOptions {
  blockId: bigint;
  parentHash: Hex;
  parentGasUsed: number;
  prover: Address;
  blockHash?: Hex;
  signalRoot?: Hex;
  gasUsed?: number;
  /** False: the fork choice is stored but no BlockProven log is to be found (a node that pruned its logs). */
  logged?: boolean;
}

const MULTICALL3: Address = "0xcA11bde05977b3631167028862bE2a173976CA11";

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A name as eldfell's AddressResolver takes it: the label's bytes, left-aligned in a bytes32. */
export const nameOf = (label: string): Hex => stringToHex(label, { size: 32 });

/** The zero value of an ABI type, as viem's encoders take it. */
function zeroOf(param: AbiParameter): unknown {
  const { type } = param;
  if (type.endsWith("]")) return [];
  if (type === "tuple") return fieldsOf(param, {});
  if (type === "address") return zeroAddress;
  if (type === "bool") return false;
  if (type === "string") return "";
  if (type === "bytes") return "0x";
  if (type.startsWith("bytes")) return `0x${"00".repeat(Number(type.slice(5)))}`;
  return 0n; // uint*, int*
}

/** A value for `param` taken from `value` by name, the tuple's components (recursively) likewise. */
function fieldsOf(param: AbiParameter, value: unknown): unknown {
  if (param.type !== "tuple" || !("components" in param)) return value ?? zeroOf(param);
  const given = (value ?? {}) as Fields;
  return Object.fromEntries(
    param.components.map((component, i) => {
      const name = component.name ?? String(i);
      return [name, name in given ? fieldsOf(component, given[name]) : zeroOf(component)];
    }),
  );
}

/** Values for a list of parameters (an event's inputs, a function's outputs) taken from `fields` by name. */
function valuesOf(params: readonly AbiParameter[], fields: Fields): unknown[] {
  return params.map((param, i) => {
    const name = param.name ?? String(i);
    return name in fields ? fieldsOf(param, fields[name]) : zeroOf(param);
  });
}

/** Zero values for a list of parameters (a custom error's arguments…). */
export function zeroValues(params: readonly AbiParameter[]): unknown[] {
  return valuesOf(params, {});
}

function eventOf(abi: Abi, name: string): AbiEvent {
  const item = abi.find((i): i is AbiEvent => i.type === "event" && i.name === name);
  if (!item) throw new Error(`FakeTaiko: the ABI has no event ${name}`);
  return item;
}

function functionOf(abi: Abi, name: string): AbiFunction {
  const item = abi.find((i): i is AbiFunction => i.type === "function" && i.name === name);
  if (!item) throw new Error(`FakeTaiko: the ABI has no function ${name}`);
  return item;
}

/** A JSON-RPC error as a node sends it for a reverted eth_call (viem finds the custom error in `data`). */
function revertError(data: Hex): Error {
  return Object.assign(new Error("execution reverted"), { code: 3, data });
}

export class FakeTaiko {
  readonly client: PublicClient;
  /** Every JSON-RPC request, in the order received. */
  readonly requests: Request[] = [];
  /** Requests being answered at most at once, by method (reads the adapter makes together). */
  readonly maxInFlight = new Map<string, number>();
  /** Each block's timestamp, by number. */
  private readonly timestamps: bigint[];
  private readonly logs: StoredLog[] = [];
  private readonly contracts = new Map<string, { abi: Abi; views: Map<string, View> }>();
  private readonly taikoBlocks = new Map<bigint, Fields>();
  private readonly forkChoices = new Map<string, Fields>();
  private readonly failures: Array<{ matches: (request: Request) => boolean; error: Error }> = [];
  private readonly inFlight = new Map<string, number>();
  private transactions = 0;
  private nextBlockId = 1n;
  /**
   * TaikoL1's public `state()` getter by output name (avgProofDelay, feePerGas…): the local network's starting
   * values by default; numBlocks is the fake's own unless given. getStateVariables() answers its fields from here.
   */
  state: Fields = {
    avgProofDelay: LOCAL_PROTOCOL.taikoL1.initAvgProofDelay,
    feePerGas: LOCAL_PROTOCOL.taikoL1.initFeePerGas,
  };
  /** TaikoL1.getConfig() by field name (chainId, proofMinWindow, proofMaxWindow…): the local network's by default. */
  config: Fields = { ...LOCAL_PROTOCOL.taiko };
  /**
   * The name book TaikoL1.resolve reads, by `${chainId}/${name}`: the local network's signal service on this
   * chain (the fake's chain id, hardhat's), the L2's signal service and TaikoL2 on the L2 (config.chainId).
   * Set entries with setAddress.
   */
  private readonly addresses = new Map<string, Address>();
  /** Seconds between blocks. */
  readonly blockTime: bigint;

  constructor(
    readonly taikoL1: Address,
    readonly pool: Address,
    options: { headBlock?: bigint; headTimestamp?: bigint; blockTime?: bigint; pollingInterval?: number } = {},
  ) {
    this.blockTime = options.blockTime ?? 12n;
    const head = options.headBlock ?? 10n;
    const headTime = options.headTimestamp ?? 1_700_000_000n;
    this.timestamps = Array.from(
      { length: Number(head) + 1 },
      (_, n) => headTime - (head - BigInt(n)) * this.blockTime,
    );
    this.client = createPublicClient({
      chain: { ...hardhat, contracts: { multicall3: { address: MULTICALL3 } } },
      transport: custom({ request: (request: Request) => this.request(request) }, { retryCount: 0 }),
      pollingInterval: options.pollingInterval ?? 250,
      cacheTime: 0,
    }) as PublicClient;
    this.contract(taikoL1, taikoL1Abi, {
      getBlock: ([blockId]) => {
        const block = this.taikoBlocks.get(blockId as bigint);
        if (!block) throw new Revert("L1_BLOCK_ID");
        return block;
      },
      getForkChoice: ([blockId, parentHash, parentGasUsed]) => {
        if ((blockId as bigint) >= this.nextBlockId) throw new Revert("L1_BLOCK_ID");
        const forkChoice = this.forkChoices.get(
          this.forkChoiceKey(blockId as bigint, parentHash as Hex, Number(parentGasUsed)),
        );
        if (!forkChoice) throw new Revert("L1_FORK_CHOICE_NOT_FOUND");
        return forkChoice;
      },
      state: () => this.stateNow(),
      getStateVariables: () => this.stateNow(),
      getConfig: () => this.config,
      // resolve(bytes32 name, bool allowZeroAddress) on this chain, resolve(uint256 chainId, bytes32 name, bool …).
      resolve: (args) => {
        const [chainId, name, allowZeroAddress] =
          args.length === 2 ? [BigInt(hardhat.id), args[0], args[1]] : [args[0] as bigint, args[1], args[2]];
        const address = this.addresses.get(this.addressKey(chainId, name as Hex)) ?? zeroAddress;
        if (address === zeroAddress && !allowZeroAddress) throw new Revert("RESOLVER_ZERO_ADDR", [chainId, name]);
        return address;
      },
    });
    const l2 = LOCAL_PROTOCOL.taiko.chainId;
    this.setAddress(BigInt(hardhat.id), "signal_service", LOCAL_INSTANCE_CONTEXT.signalService);
    this.setAddress(l2, "signal_service", LOCAL_INSTANCE_CONTEXT.l2SignalService);
    this.setAddress(l2, "taiko", LOCAL_INSTANCE_CONTEXT.l2Taiko);
    this.contract(pool, zkPoolAbi, {});
  }

  /** The chain id of this fake L1 (eth_chainId, and the chain resolve(name) reads): hardhat's. */
  get chainId(): bigint {
    return BigInt(hardhat.id);
  }

  /** Points `label` on `chainId` at `address` in the name book TaikoL1.resolve reads (zero removes it). */
  setAddress(chainId: bigint, label: string, address: Address): void {
    this.addresses.set(this.addressKey(chainId, nameOf(label)), address);
  }

  /** The latest block's number. */
  get head(): bigint {
    return BigInt(this.timestamps.length - 1);
  }

  /** The chain's clock: the latest block's timestamp. */
  get now(): bigint {
    return this.timestamps[this.timestamps.length - 1]!;
  }

  /** Mines `count` empty blocks, blockTime apart (or `seconds` after the last for the first one). */
  mine(count = 1, seconds = this.blockTime): bigint {
    for (let i = 0; i < count; i++) this.timestamps.push(this.now + (i === 0 ? seconds : this.blockTime));
    return this.head;
  }

  /** Mines one block whose timestamp is `timestamp`. */
  mineAt(timestamp: bigint): bigint {
    if (timestamp <= this.now) throw new Error(`FakeTaiko: block time ${timestamp} is not after ${this.now}`);
    return this.mine(1, timestamp - this.now);
  }

  /** Answers eth_call to `address` with `views` (by function name), decoding and encoding with `abi`. */
  contract(address: Address, abi: Abi, views: Record<string, View>): void {
    const known = this.contracts.get(address.toLowerCase());
    this.contracts.set(address.toLowerCase(), {
      abi,
      views: new Map([...(known?.views ?? []), ...Object.entries(views)]),
    });
  }

  /** Mines a block holding `eventName` emitted by `address`, its inputs taken from `fields` by name. */
  emit(address: Address, abi: Abi, eventName: string, fields: Fields, options: { logged?: boolean } = {}): Hex {
    const event = eventOf(abi, eventName);
    const values = valuesOf(event.inputs, fields);
    const indexed = Object.fromEntries(
      event.inputs.flatMap((input, i) => (input.indexed ? [[input.name ?? String(i), values[i]]] : [])),
    );
    const topics = encodeEventTopics({ abi, eventName, args: indexed } as Parameters<typeof encodeEventTopics>[0]);
    const data = encodeAbiParameters(
      event.inputs.filter((input) => !input.indexed),
      values.filter((_, i) => !event.inputs[i]!.indexed),
    );
    const logged = options.logged === false ? undefined : topics.filter((topic): topic is Hex => topic !== null);
    return this.emitLog(address, logged, data);
  }

  /**
   * Mines a block holding a log of `address` with these topics and data, as they are (a log the ABI may not
   * decode); none when topics is undefined. Returns its transaction hash.
   */
  emitLog(address: Address, topics: Hex[] | undefined, data: Hex): Hex {
    const blockNumber = this.mine();
    const transactionHash = keccak256(stringToHex(`fake transaction ${++this.transactions}`));
    if (topics) this.logs.push({ address, topics, data, blockNumber, transactionHash, logIndex: this.logs.length });
    return transactionHash;
  }

  /** A BlockProposed (and the block TaikoL1.getBlock returns), proposed at the new block's timestamp. */
  propose(options: ProposeOptions): Proposed {
    const blockId = options.blockId ?? this.nextBlockId;
    this.nextBlockId = blockId + 1n;
    const meta: Fields = {
      id: blockId,
      timestamp: this.now + this.blockTime,
      l1Height: this.head,
      l1Hash: keccak256(numberToHex(this.head)),
      mixHash: keccak256(stringToHex(`mix ${blockId}`)),
      txListHash: keccak256(stringToHex(`txList ${blockId}`)),
      txListByteEnd: 100,
      gasLimit: 1_000_000 + Number(blockId) * 1_000,
      beneficiary: "0x00000000000000000000000000000000000000be",
      ...options.meta,
    };
    const fields: Fields = {
      blockId,
      assignedProver: options.assignedProver,
      rewardPerGas: options.rewardPerGas ?? 7,
      feePerGas: options.feePerGas ?? 5n,
      meta,
    };
    this.emit(this.taikoL1, taikoL1Abi, "BlockProposed", fields);
    const log = this.logs[this.logs.length - 1]!;
    const decoded = decodeEventLog({
      abi: taikoL1Abi,
      eventName: "BlockProposed",
      topics: log.topics as [signature: Hex, ...args: Hex[]],
      data: log.data,
    });
    const decodedMeta = decoded.args.meta;
    const proposedAt = this.now;
    this.taikoBlocks.set(blockId, {
      ...fields,
      metaHash: metaHashOf(decodedMeta),
      gasLimit: decodedMeta.gasLimit,
      proposer: "0x00000000000000000000000000000000000000b0",
      proposedAt,
      proofWindow: options.proofWindow,
    });
    return {
      blockId,
      meta: decodedMeta,
      metaHash: metaHashOf(decodedMeta),
      proposedAt,
      proofWindow: options.proofWindow,
      deadline: proposedAt + options.proofWindow,
      blockNumber: this.head,
    };
  }

  /** A BlockProven, and the fork choice TaikoL1.getForkChoice returns for that parent. */
  prove(options: ProveOptions): Proven {
    const fields: Fields = {
      ...options,
      blockHash: options.blockHash ?? keccak256(stringToHex(`block ${options.blockId}`)),
      signalRoot: options.signalRoot ?? keccak256(stringToHex(`signal ${options.blockId}`)),
    };
    const transactionHash = this.emit(this.taikoL1, taikoL1Abi, "BlockProven", fields, { logged: options.logged });
    this.forkChoices.set(this.forkChoiceKey(options.blockId, options.parentHash, options.parentGasUsed), {
      ...fields,
      key: keccak256(
        encodeAbiParameters([{ type: "bytes32" }, { type: "uint32" }], [options.parentHash, options.parentGasUsed]),
      ),
      provenAt: this.now,
      gasUsed: options.gasUsed ?? 0,
    });
    return { transactionHash, blockNumber: this.head, provenAt: this.now };
  }

  authorizeAgent(prover: Address, agent: Address, label = "rig"): Hex {
    return this.emit(this.pool, zkPoolAbi, "AgentAuthorized", { prover, agent, label });
  }

  revokeAgent(prover: Address, agent: Address): Hex {
    return this.emit(this.pool, zkPoolAbi, "AgentRevoked", { prover, agent });
  }

  /** The next request that `matches` fails with `error` (once). */
  failNext(matches: (request: Request) => boolean, error: Error = new Error("connection refused")): void {
    this.failures.push({ matches, error });
  }

  /** The eth_getLogs received, decoded. */
  logQueries(): LogQuery[] {
    return this.requests
      .filter((r) => r.method === "eth_getLogs")
      .map((r) => {
        const filter = r.params[0] as {
          address?: Address | Address[];
          fromBlock: Hex;
          toBlock: Hex;
          topics?: (Hex | Hex[] | null)[];
        };
        return {
          address: filter.address === undefined ? [] : ([] as Address[]).concat(filter.address),
          fromBlock: BigInt(filter.fromBlock),
          toBlock: BigInt(filter.toBlock),
          topics: filter.topics ?? [],
        };
      });
  }

  /** The contract calls received (each call of a multicall on its own), decoded. */
  calls(): Call[] {
    return this.requests
      .filter((r) => r.method === "eth_call")
      .flatMap((r) => {
        const { to, data } = r.params[0] as { to: Address; data: Hex };
        return this.decodeCalls(to, data);
      });
  }

  private decodeCalls(to: Address, data: Hex): Call[] {
    if (same(to, MULTICALL3)) {
      const { args } = decodeFunctionData({ abi: multicall3Abi, data });
      const inner = args[0] as readonly { target: Address; callData: Hex }[];
      return inner.flatMap(({ target, callData }) => this.decodeCalls(target, callData));
    }
    const contract = this.contracts.get(to.toLowerCase());
    if (!contract) return [{ to, functionName: "?", args: [] }];
    const { functionName, args } = decodeFunctionData({ abi: contract.abi, data });
    return [{ to, functionName, args: args ?? [] }];
  }

  private stateNow(): Fields {
    return { numBlocks: this.nextBlockId, ...this.state };
  }

  private addressKey(chainId: bigint, name: Hex): string {
    return `${chainId}/${name.toLowerCase()}`;
  }

  private forkChoiceKey(blockId: bigint, parentHash: Hex, parentGasUsed: number): string {
    return `${blockId}/${parentHash.toLowerCase()}/${parentGasUsed}`;
  }

  private async request(request: Request): Promise<unknown> {
    const entry: Request = { method: request.method, params: request.params ?? [] };
    this.requests.push(entry);
    const inFlight = (this.inFlight.get(entry.method) ?? 0) + 1;
    this.inFlight.set(entry.method, inFlight);
    this.maxInFlight.set(entry.method, Math.max(inFlight, this.maxInFlight.get(entry.method) ?? 0));
    try {
      // Answered on a later turn of the event loop, as a node would: reads made together overlap.
      await new Promise((resolve) => setImmediate(resolve));
      const failure = this.failures.findIndex((f) => f.matches(entry));
      if (failure >= 0) throw this.failures.splice(failure, 1)[0]!.error;
      return this.answer(entry);
    } finally {
      this.inFlight.set(entry.method, (this.inFlight.get(entry.method) ?? 1) - 1);
    }
  }

  private answer({ method, params }: Request): unknown {
    switch (method) {
      case "eth_chainId":
        return numberToHex(hardhat.id);
      case "eth_blockNumber":
        return numberToHex(this.head);
      case "eth_getBlockByNumber": {
        const tag = params[0] as Hex | "latest";
        const number = tag === "latest" ? this.head : BigInt(tag);
        return number <= this.head ? this.rpcBlock(number) : null;
      }
      case "eth_getLogs":
        return this.getLogs(params[0] as Parameters<FakeTaiko["getLogs"]>[0]);
      case "eth_call": {
        const { to, data } = params[0] as { to: Address; data: Hex };
        return this.call(to, data);
      }
      default:
        throw new Error(`FakeTaiko does not answer ${method}`);
    }
  }

  private rpcBlock(number: bigint) {
    return {
      number: numberToHex(number),
      hash: keccak256(numberToHex(number)),
      parentHash: number === 0n ? `0x${"00".repeat(32)}` : keccak256(numberToHex(number - 1n)),
      timestamp: numberToHex(this.timestamps[Number(number)]!),
      gasLimit: numberToHex(30_000_000),
      gasUsed: "0x0",
      baseFeePerGas: numberToHex(1_000_000_000),
      transactions: [],
    };
  }

  private getLogs(filter: {
    address?: Address | Address[];
    fromBlock?: Hex;
    toBlock?: Hex;
    topics?: (Hex | Hex[] | null)[];
  }) {
    const addresses = filter.address === undefined ? undefined : ([] as Address[]).concat(filter.address);
    const block = (tag: Hex | undefined, fallback: bigint) =>
      tag === undefined || tag === ("latest" as Hex) ? fallback : BigInt(tag);
    const from = block(filter.fromBlock, this.head);
    const to = block(filter.toBlock, this.head);
    const topicMatches = (log: StoredLog) =>
      (filter.topics ?? []).every((wanted, i) => {
        if (wanted === null) return true;
        const topic = log.topics[i];
        return topic !== undefined && ([] as Hex[]).concat(wanted).some((w) => same(w, topic));
      });
    return this.logs
      .filter(
        (log) =>
          log.blockNumber >= from &&
          log.blockNumber <= to &&
          (addresses === undefined || addresses.some((a) => same(a, log.address))) &&
          topicMatches(log),
      )
      .map((log) => ({
        address: log.address,
        topics: log.topics,
        data: log.data,
        blockNumber: numberToHex(log.blockNumber),
        blockHash: keccak256(numberToHex(log.blockNumber)),
        transactionHash: log.transactionHash,
        transactionIndex: "0x0",
        logIndex: numberToHex(log.logIndex),
        removed: false,
      }));
  }

  private call(to: Address, data: Hex): Hex {
    if (same(to, MULTICALL3)) {
      const { args } = decodeFunctionData({ abi: multicall3Abi, data });
      const calls = args[0] as readonly { target: Address; allowFailure: boolean; callData: Hex }[];
      const results = calls.map(({ target, allowFailure, callData }) => {
        try {
          return { success: true, returnData: this.call(target, callData) };
        } catch (error) {
          const returnData = (error as { data?: Hex }).data;
          if (!allowFailure || returnData === undefined) throw error;
          return { success: false, returnData };
        }
      });
      return encodeFunctionResult({ abi: multicall3Abi, functionName: "aggregate3", result: results });
    }
    const contract = this.contracts.get(to.toLowerCase());
    if (!contract) return "0x"; // no code there
    const { functionName, args } = decodeFunctionData({ abi: contract.abi, data });
    const view = contract.views.get(functionName);
    if (!view) throw new Error(`FakeTaiko has no answer for ${functionName} of ${to}`);
    const fn = functionOf(contract.abi, functionName);
    let value: unknown;
    try {
      value = view(args ?? []);
    } catch (error) {
      if (!(error instanceof Revert)) throw error;
      throw revertError(
        encodeErrorResult({ abi: contract.abi, errorName: error.errorName, args: error.args } as Parameters<
          typeof encodeErrorResult
        >[0]),
      );
    }
    // One output (a struct's fields by name, or a plain value), or several by name.
    const [only] = fn.outputs;
    const result = fn.outputs.length === 1 && only ? fieldsOf(only, value) : valuesOf(fn.outputs, value as Fields);
    return encodeFunctionResult({ abi: contract.abi, functionName, result } as Parameters<
      typeof encodeFunctionResult
    >[0]);
  }
}
