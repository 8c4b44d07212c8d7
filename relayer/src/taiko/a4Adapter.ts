import { stringToHex, zeroAddress, type Abi, type Address, type Hex, type PublicClient } from "viem";
import {
  L2Chain,
  instanceHash,
  metaHashOf,
  proverPoolAbi,
  sleep,
  taikoL1Abi,
  zkPoolAbi,
  type InstanceContext,
  type JobEvidence,
} from "@zkpool/common";
import { type Logger } from "@zkpool/common/node";
import type { Store } from "../store/types";
import type { NetworkAdapter, NetworkEvent, NetworkJob, PoolProof, Rejection } from "../network";
import { revertNameOf } from "../sender";

const CURSOR = "taiko-a4";
/** Largest block range per eth_getLogs. */
const MAX_RANGE = 2_000n;

/**
 * Taiko's errors that say a proof got there first: the block has a proof from this parent already, or it is
 * verified (its id is no longer provable). Usually another prover's; poolProof tells when it is the pool's own.
 */
const LOST_ERRORS = new Set(["L1_ALREADY_PROVEN", "L1_BLOCK_ID"]);

/** Taiko's errors after which the same proof will never be accepted (ZKPool's own are the submitter's to read). */
const REFUSED_ERRORS = new Set(["L1_EVIDENCE_MISMATCH", "L1_INVALID_EVIDENCE", "L1_NOT_PROVEABLE", "L1_INVALID_PROOF"]);

/**
 * Taiko's error for a proof of another prover's block inside its proof window: final for the pool's own jobs
 * (the block is someone else's), but only early for a block the pool took because its window had passed (the
 * chain it was simulated on had not got there yet).
 */
const NOT_PROVEABLE = "L1_NOT_PROVEABLE";

export interface TaikoA4AdapterOptions {
  client: PublicClient;
  taikoL1: Address;
  taikoL1StartBlock: bigint;
  pool: Address;
  takeOpenBlocks: boolean;
  store: Store;
  log: Logger;
  /** The relayer's clock in ms, which stamps seenAt: Date.now by default (tests pass a fake one). */
  now?: () => number;
  /** How whenProvable waits between reads of the chain's clock: common's sleep by default. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** getBlock reads in flight at once when a poll finds many proposals (a replay of history). */
const READ_AHEAD = 32;

interface BlockTiming {
  proposedAt: bigint;
  proofWindow: bigint;
}

interface Watched {
  deadline: number;
  job: NetworkJob;
}

/**
 * Taiko A4 through TaikoL1's events: each BlockProposed assigned to the pool becomes a job whose deadline is
 * proposedAt + proofWindow; open blocks, and other provers' blocks still unproven when their window closes
 * (on the chain's clock), become opportunistic jobs when TAKE_OPEN_BLOCKS is on. The L2 chain each proof
 * builds on is replayed from TaikoL1's first block, so a restart needs nothing but the chain and the cursor.
 */
export class TaikoA4Adapter implements NetworkAdapter {
  readonly name = "taiko-a4";
  /** TaikoL1's errors (L1_ALREADY_PROVEN…) and ProverPool's (CHANGE_TOO_FREQUENT…), which ZKPool lets through. */
  readonly errors: Abi = [...taikoL1Abi, ...proverPoolAbi].filter((item) => item.type === "error");
  private readonly l2 = new L2Chain();
  private next = 0n;
  private pending: bigint | undefined;
  /** Other provers' blocks, until proven or taken when their window closes. */
  private readonly watched = new Map<bigint, Watched>();
  /** The watched blocks the last poll took (their window passed): forgotten at commit, offered again until then. */
  private taken: bigint[] = [];
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** What TaikoL1 hashes into every proof's instance besides the evidence: read once, at start. */
  private context: InstanceContext | undefined;

  constructor(private readonly o: TaikoA4AdapterOptions) {
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? sleep;
  }

  async start(): Promise<void> {
    this.context = await this.readInstanceContext();
    const saved = await this.o.store.getCursor(CURSOR);
    const from = this.o.taikoL1StartBlock;
    this.next = saved ?? from;
    // Rebuild the L2 chain (and what others still owe) from history, without re-creating handled jobs.
    if (this.next > from) {
      await this.read(from, this.next - 1n, true);
      this.o.log.info({ from: from.toString(), to: (this.next - 1n).toString() }, "replayed Taiko history");
    }
  }

  async poll(): Promise<NetworkEvent[]> {
    const { number: head, timestamp: chainTime } = await this.o.client.getBlock({ blockTag: "latest" });
    const events = head >= this.next ? await this.read(this.next, head, false) : [];
    this.pending = head + 1n;
    // A window has passed when TaikoL1 says so: on the chain's clock (its latest block), not the relayer's, which
    // may run ahead of it; taken earlier, the proof would be refused (L1_NOT_PROVEABLE).
    const due = [...this.watched.values()].filter((watched) => chainTime > BigInt(watched.deadline));
    this.taken = due.map(({ job }) => job.blockId);
    if (this.o.takeOpenBlocks) {
      const seenAt = this.now();
      for (const { job } of due) events.push({ kind: "job", job, seenAt });
    }
    return events;
  }

  async commit(): Promise<void> {
    // The blocks the last poll took late are handled: a poll whose events were not (no commit) offers them again.
    for (const blockId of this.taken) this.watched.delete(blockId);
    if (this.pending === undefined || this.pending <= this.next) return;
    this.next = this.pending;
    await this.o.store.setCursor(CURSOR, this.next);
  }

  rejectionOf(errorName: string, job: { opportunistic: boolean }): Rejection | undefined {
    if (LOST_ERRORS.has(errorName)) return "lost";
    if (errorName === NOT_PROVEABLE && job.opportunistic) return "early";
    return REFUSED_ERRORS.has(errorName) ? "refused" : undefined;
  }

  /**
   * Once the chain's clock (its latest block's timestamp) is past the job's proof window, read at the client's
   * polling interval (a failed read is another wait): never at once, so that a proof turned down as early is
   * not sent again on the same block.
   */
  async whenProvable(job: { deadline: number }, signal?: AbortSignal): Promise<void> {
    const passed = () =>
      this.o.client.getBlock({ blockTag: "latest" }).then(
        (latest) => latest.timestamp > BigInt(job.deadline),
        () => false,
      );
    do {
      await this.sleep(this.o.client.pollingInterval, signal);
    } while (!(await passed()));
  }

  async poolProof(job: { blockId: bigint; evidence: JobEvidence }): Promise<PoolProof | undefined> {
    const forkChoice = await this.forkChoiceOf(job);
    if (forkChoice?.prover.toLowerCase() !== this.o.pool.toLowerCase()) return undefined;
    return { tx: await this.provingTransaction(job, forkChoice.provenAt) };
  }

  /** The fork choice of the job's block from the job's parent, undefined while it has none. */
  private async forkChoiceOf(job: { blockId: bigint; evidence: JobEvidence }) {
    try {
      return await this.o.client.readContract({
        address: this.o.taikoL1,
        abi: taikoL1Abi,
        functionName: "getForkChoice",
        args: [job.blockId, job.evidence.parentHash, job.evidence.parentGasUsed],
      });
    } catch (error) {
      if (revertNameOf(error) === "L1_FORK_CHOICE_NOT_FOUND") return undefined; // no proof from this parent (yet)
      throw error;
    }
  }

  /**
   * The transaction whose BlockProven made the pool's fork choice for the job. The logs are read newest first,
   * back to a block older than the proof (provenAt): a recent proof costs one query.
   */
  private async provingTransaction(
    job: { blockId: bigint; evidence: JobEvidence },
    provenAt: bigint,
  ): Promise<Hex | undefined> {
    const first = this.o.taikoL1StartBlock;
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    for (let to = await this.o.client.getBlockNumber(); to >= first; to -= MAX_RANGE) {
      const from = to - MAX_RANGE + 1n > first ? to - MAX_RANGE + 1n : first;
      const proofs = await this.o.client.getContractEvents({
        address: this.o.taikoL1,
        abi: taikoL1Abi,
        eventName: "BlockProven",
        args: { blockId: job.blockId },
        fromBlock: from,
        toBlock: to,
        strict: true,
      });
      const proof = proofs.find(
        ({ args }) =>
          same(args.prover, this.o.pool) &&
          same(args.parentHash, job.evidence.parentHash) &&
          args.parentGasUsed === job.evidence.parentGasUsed,
      );
      if (proof) return proof.transactionHash;
      if ((await this.o.client.getBlock({ blockNumber: from })).timestamp < provenAt) return undefined;
    }
    return undefined;
  }

  /** Taiko's instance hash of `evidence`, with the instance context read at start. */
  instanceOf(evidence: JobEvidence): Hex {
    return instanceHash(evidence, this.instanceContext());
  }

  /** The window a block proposed now gets: eldfell's clamp(3 × avgProofDelay, proofMinWindow, proofMaxWindow). */
  async proofWindowSeconds(): Promise<number> {
    const [state, config] = await Promise.all([
      // eldfell's public `state` getter: avgProofDelay is its last field (getStateVariables has none)
      this.o.client.readContract({ address: this.o.taikoL1, abi: taikoL1Abi, functionName: "state" }),
      this.o.client.readContract({ address: this.o.taikoL1, abi: taikoL1Abi, functionName: "getConfig" }),
    ]);
    const window = Number(state[12]) * 3;
    return Math.min(config.proofMaxWindow, Math.max(config.proofMinWindow, window));
  }

  /**
   * The addresses and config values eldfell's TaikoL1 hashes into every proof's instance, read the way eldfell's
   * own contract resolves them: resolve("signal_service"), and for the L2 (config.chainId) "signal_service" and
   * "taiko".
   */
  private async readInstanceContext(): Promise<InstanceContext> {
    const { client, taikoL1 } = this.o;
    const config = await client.readContract({ address: taikoL1, abi: taikoL1Abi, functionName: "getConfig" });
    const name = (label: string) => stringToHex(label, { size: 32 });
    const [signalService, l2SignalService, l2Taiko] = await Promise.all([
      client.readContract({
        address: taikoL1,
        abi: taikoL1Abi,
        functionName: "resolve",
        args: [name("signal_service"), false],
      }),
      client.readContract({
        address: taikoL1,
        abi: taikoL1Abi,
        functionName: "resolve",
        args: [config.chainId, name("signal_service"), false],
      }),
      client.readContract({
        address: taikoL1,
        abi: taikoL1Abi,
        functionName: "resolve",
        args: [config.chainId, name("taiko"), false],
      }),
    ]);
    return {
      signalService,
      l2SignalService,
      l2Taiko,
      blockMaxGasLimit: config.blockMaxGasLimit,
      blockMaxTransactions: config.blockMaxTransactions,
      blockMaxTxListBytes: config.blockMaxTxListBytes,
    };
  }

  /**
   * TaikoL1's and ZKPool's logs of [from, to], as events. `replay`: a restart rebuilding the L2 chain and the blocks
   * other provers still owe from history already handled, so nothing comes out, and ZKPool's logs (agent keys
   * authorized or revoked, which nothing remembers across a restart) are not read at all.
   */
  private async read(from: bigint, to: bigint, replay: boolean): Promise<NetworkEvent[]> {
    const events: NetworkEvent[] = [];
    for (let start = from; start <= to; start += MAX_RANGE) {
      const end = start + MAX_RANGE - 1n < to ? start + MAX_RANGE - 1n : to;
      const range = { fromBlock: start, toBlock: end, strict: true } as const;
      const [taiko, pool] = await Promise.all([
        this.o.client.getContractEvents({ address: this.o.taikoL1, abi: taikoL1Abi, ...range }),
        replay ? [] : this.o.client.getContractEvents({ address: this.o.pool, abi: zkPoolAbi, ...range }),
      ]);
      // The moment the relayer sees these blocks proposed: a job's dispatch latency runs from here.
      const seenAt = this.now();
      const timings = await this.blockTimings(
        taiko.flatMap((log) => (log.eventName === "BlockProposed" ? [log.args.blockId] : [])),
      );
      for (const log of taiko) {
        if (log.eventName === "BlockProposed") {
          const event = this.onProposed(log.args, timings.get(log.args.blockId)!, replay, seenAt);
          if (event) events.push(event);
        } else if (log.eventName === "BlockProven") {
          this.watched.delete(log.args.blockId);
          if (!replay) {
            const { blockId, prover, parentHash, parentGasUsed } = log.args;
            events.push({ kind: "proven", blockId, prover, parentHash, parentGasUsed });
          }
        }
      }
      for (const log of pool) {
        if (log.eventName === "AgentRevoked" || log.eventName === "AgentAuthorized") {
          events.push({ kind: "agentChanged", agent: log.args.agent });
        }
      }
    }
    return events;
  }

  /**
   * Each block's proposal time and proof window, from TaikoL1.getBlock: read together (READ_AHEAD at a time),
   * not one after another, so that a poll that finds several proposals dispatches them as fast as one.
   */
  private async blockTimings(blockIds: readonly bigint[]): Promise<Map<bigint, BlockTiming>> {
    const timings = new Map<bigint, BlockTiming>();
    for (let i = 0; i < blockIds.length; i += READ_AHEAD) {
      const chunk = blockIds.slice(i, i + READ_AHEAD);
      const blocks = await Promise.all(
        chunk.map((blockId) =>
          this.o.client.readContract({
            address: this.o.taikoL1,
            abi: taikoL1Abi,
            functionName: "getBlock",
            args: [blockId],
          }),
        ),
      );
      for (const [j, [, , , , , , , proposedAt, , , proofWindow]] of blocks.entries()) {
        timings.set(chunk[j]!, { proposedAt, proofWindow });
      }
    }
    return timings;
  }

  /** The instance context read at start. */
  instanceContext(): InstanceContext {
    if (!this.context) throw new Error("TaikoA4Adapter used before start()");
    return this.context;
  }

  private onProposed(
    args: {
      blockId: bigint;
      assignedProver: Address;
      rewardPerGas: number;
      meta: Parameters<typeof metaHashOf>[0];
    },
    { proposedAt, proofWindow }: BlockTiming,
    replay: boolean,
    seenAt: number,
  ): NetworkEvent | undefined {
    const { blockId, assignedProver, rewardPerGas, meta } = args;
    const metaHash = metaHashOf(meta);
    this.l2.add({ id: blockId, meta, metaHash });
    const evidence: JobEvidence = { ...this.l2.evidence(blockId, metaHash, this.o.pool), verifierId: 0 };
    const job: NetworkJob = {
      blockId,
      proposedAt: Number(proposedAt),
      deadline: Number(proposedAt + proofWindow),
      opportunistic: assignedProver.toLowerCase() !== this.o.pool.toLowerCase(),
      rewardPerGas,
      evidence,
      instance: this.instanceOf(evidence),
    };
    if (!job.opportunistic) return replay ? undefined : { kind: "job", job, seenAt };
    if (assignedProver === zeroAddress) {
      return this.o.takeOpenBlocks && !replay ? { kind: "job", job, seenAt } : undefined;
    }
    this.watched.set(blockId, { deadline: job.deadline, job });
    return undefined;
  }
}
