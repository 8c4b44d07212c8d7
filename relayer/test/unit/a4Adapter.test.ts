/**
 * The Taiko A4 adapter against a fake node (test/support/fakeTaiko.ts) that encodes TaikoL1's and ZKPool's logs
 * and views from their ABIs: which proposals become jobs and when, the events the relayer gets, the cursor that
 * lets a restart neither lose nor repeat an event, which of Taiko's reverts are final, and the reads of the
 * chain's clock, of the pool's own proofs, of the instance context (eldfell's TaikoL1 hashes it into every proof)
 * and of the proof window. The relayer's clock and its waits are fakes the test moves.
 */
import { expect } from "chai";
import {
  decodeErrorResult,
  encodeErrorResult,
  encodeEventTopics,
  getAddress,
  keccak256,
  stringToHex,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import {
  L2Chain,
  LOCAL_GENESIS_BLOCK_HASH,
  LOCAL_INSTANCE_CONTEXT,
  LOCAL_PROTOCOL,
  agentGraffiti,
  instanceHash,
  proverPoolAbi,
  taikoL1Abi,
  zkPoolAbi,
  type InstanceContext,
  type JobEvidence,
} from "@zkpool/common";
import type { NetworkEvent, NetworkJob } from "../../src/network";
import type { Store } from "../../src/store/types";
import { revertNameOf } from "../../src/sender";
import { TaikoA4Adapter } from "../../src/taiko/a4Adapter";
import { FakeTaiko, nameOf, zeroValues, type Proposed } from "../support/fakeTaiko";
import { jobFor } from "../support/memoryStore";
import { recordingLog, type RecordingLog } from "../support/recordingLog";

const TAIKO_L1: Address = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
/** As the relayer's config may spell it: the adapter compares addresses whatever their case. */
const POOL = "0x5fbdb2315678afecb367f032d93f642f64180aa3" as Address;
const OTHER_PROVER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const PROVER_OF_AGENT: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const AGENT: Address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
/** TaikoL1's deployment block: the adapter reads nothing before it. */
const START = 100n;
/** The adapter's block range per eth_getLogs. */
const RANGE = 2_000n;

/** The store as the adapter uses it: its cursor, each write kept. */
class CursorStore {
  readonly cursors = new Map<string, bigint>();
  readonly writes: bigint[] = [];
  readonly store = {
    getCursor: async (name: string) => this.cursors.get(name),
    setCursor: async (name: string, block: bigint) => {
      this.cursors.set(name, block);
      this.writes.push(block);
    },
  } as Partial<Store> as Store;
}

/** whenProvable's waits, ended by the test: nothing waits on a real timer. */
class ManualSleep {
  /** The length of each wait asked for (ms). */
  readonly waits: number[] = [];
  private pending: Array<() => void> = [];
  private onWait: (() => void) | undefined;

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
      this.waits.push(ms);
      this.pending.push(resolve);
      this.onWait?.();
    });

  /** Resolves once a wait is under way. */
  waiting(): Promise<void> {
    if (this.pending.length > 0) return Promise.resolve();
    return new Promise((resolve) => (this.onWait = resolve));
  }

  /** Ends the waits under way. */
  release(): void {
    const ending = this.pending;
    this.pending = [];
    for (const resolve of ending) resolve();
  }
}

interface World {
  chain: FakeTaiko;
  cursor: CursorStore;
  sleeper: ManualSleep;
  logged: RecordingLog;
  /** The relayer's clock (ms), which stamps seenAt. */
  clock: { ms: number };
  /** A relayer process's adapter over this chain and store: call again for a restart. */
  adapter(options?: { takeOpenBlocks?: boolean }): TaikoA4Adapter;
}

function world(options: { takeOpenBlocks?: boolean; headBlock?: bigint } = {}): World {
  const chain = new FakeTaiko(TAIKO_L1, POOL, { headBlock: options.headBlock ?? START, pollingInterval: 250 });
  const cursor = new CursorStore();
  const sleeper = new ManualSleep();
  const logged = recordingLog();
  const clock = { ms: 1_000_000 };
  return {
    chain,
    cursor,
    sleeper,
    logged,
    clock,
    adapter: (overrides = {}) =>
      new TaikoA4Adapter({
        client: chain.client,
        taikoL1: TAIKO_L1,
        taikoL1StartBlock: START,
        pool: POOL,
        takeOpenBlocks: overrides.takeOpenBlocks ?? options.takeOpenBlocks ?? true,
        store: cursor.store,
        log: logged.log,
        now: () => clock.ms,
        sleep: sleeper.sleep,
      }),
  };
}

/** An adapter started on `w`, as the relayer runs one. */
async function started(w: World, options?: { takeOpenBlocks?: boolean }): Promise<TaikoA4Adapter> {
  const adapter = w.adapter(options);
  await adapter.start();
  return adapter;
}

/** One pass of the relayer's follow loop: poll, handle, commit. */
async function follow(adapter: TaikoA4Adapter): Promise<NetworkEvent[]> {
  const events = await adapter.poll();
  await adapter.commit();
  return events;
}

/** Events in words, to compare lists: "job 3", "proven 2 by 0x…", "agent 0x…". */
function summary(events: readonly NetworkEvent[]): string[] {
  return events.map((event) => {
    switch (event.kind) {
      case "job":
        return `job ${event.job.blockId}${event.job.opportunistic ? " (opportunistic)" : ""}`;
      case "proven":
        return `proven ${event.blockId} by ${event.prover}`;
      case "agentChanged":
        return `agent ${event.agent}`;
    }
  });
}

/** Mines a log with `eventName`'s topics but no data: its signature, another encoding (the ABI cannot decode it). */
function undecodable(chain: FakeTaiko, address: Address, abi: Abi, eventName: string, args: Record<string, unknown>) {
  const topics = encodeEventTopics({ abi, eventName, args } as Parameters<typeof encodeEventTopics>[0]);
  return chain.emitLog(address, topics as Hex[], "0x");
}

function jobs(events: readonly NetworkEvent[]): NetworkJob[] {
  return events.flatMap((event) => (event.kind === "job" ? [event.job] : []));
}

function only<T>(items: readonly T[]): T {
  expect(items).to.have.length(1);
  return items[0]!;
}

/**
 * The job the pool must prove for these proposals' last block: evidence built on L2 from genesis, its instance
 * hashed with TaikoL1's instance context (the local network's unless the test gave TaikoL1 another).
 */
function expectedJob(
  proposals: readonly Proposed[],
  opportunistic: boolean,
  rewardPerGas = 7,
  context: InstanceContext = LOCAL_INSTANCE_CONTEXT,
): NetworkJob {
  const l2 = new L2Chain();
  for (const p of proposals) l2.add({ id: p.blockId, meta: p.meta, metaHash: p.metaHash });
  const last = proposals[proposals.length - 1]!;
  const evidence: JobEvidence = { ...l2.evidence(last.blockId, last.metaHash, POOL), verifierId: 0 };
  return {
    blockId: last.blockId,
    proposedAt: Number(last.proposedAt),
    deadline: Number(last.deadline),
    opportunistic,
    rewardPerGas,
    evidence,
    instance: instanceHash(evidence, context),
  };
}

/** The contract calls received, in words: "getBlock(1)", "resolve(0x…,false)". */
function callsOf(chain: FakeTaiko): string[] {
  return chain.calls().map((call) => `${call.functionName}(${call.args.join()})`);
}

describe("TaikoA4Adapter", () => {
  describe("which proposals become jobs", () => {
    it("a block assigned to the pool is the pool's job, due proposedAt + proofWindow (TaikoL1.getBlock)", async () => {
      const w = world();
      const adapter = await started(w);
      const proposed = w.chain.propose({ assignedProver: getAddress(POOL), proofWindow: 300n, rewardPerGas: 9 });
      w.clock.ms = 1_234_567;

      const events = await follow(adapter);

      expect(events).to.deep.equal([{ kind: "job", job: expectedJob([proposed], false, 9), seenAt: 1_234_567 }]);
      expect(only(jobs(events)).deadline).to.equal(Number(proposed.proposedAt) + 300);
    });

    it("each job's evidence builds on the block before it, from L2 genesis, for the pool as prover, verifier 0", async () => {
      const w = world();
      const adapter = await started(w);
      const first = w.chain.propose({ assignedProver: OTHER_PROVER, proofWindow: 60n });
      const second = w.chain.propose({ assignedProver: POOL, proofWindow: 60n });
      const third = w.chain.propose({ assignedProver: POOL, proofWindow: 60n });

      const [job2, job3] = jobs(await follow(adapter));

      expect(job2).to.deep.equal(expectedJob([first, second], false));
      expect(job3).to.deep.equal(expectedJob([first, second, third], false));
      expect(job3!.evidence.parentHash).to.equal(job2!.evidence.blockHash);
      expect(job3!.evidence.parentGasUsed).to.equal(job2!.evidence.gasUsed);
      expect(expectedJob([first], false).evidence.parentHash).to.equal(LOCAL_GENESIS_BLOCK_HASH);
      expect(job3!.evidence.metaHash).to.equal(third.metaHash);
      expect(job3!.evidence.prover).to.equal(POOL);
      expect(job3!.instance).to.equal(instanceHash(job3!.evidence, LOCAL_INSTANCE_CONTEXT));
    });

    it("an open block is an opportunistic job when TAKE_OPEN_BLOCKS is on", async () => {
      const w = world({ takeOpenBlocks: true });
      const adapter = await started(w);
      const open = w.chain.propose({ assignedProver: zeroAddress, proofWindow: 60n });

      const events = await follow(adapter);

      expect(events).to.deep.equal([{ kind: "job", job: expectedJob([open], true), seenAt: w.clock.ms }]);
    });

    it("an open block is no job when TAKE_OPEN_BLOCKS is off, even once its window passed", async () => {
      const w = world({ takeOpenBlocks: false });
      const adapter = await started(w);
      const open = w.chain.propose({ assignedProver: zeroAddress, proofWindow: 60n });
      w.chain.propose({ assignedProver: POOL, proofWindow: 60n });

      expect(summary(await follow(adapter))).to.deep.equal(["job 2"]);
      w.chain.mineAt(open.deadline + 1n);
      expect(await follow(adapter)).to.deep.equal([]);
    });

    it("another prover's block becomes an opportunistic job at the first poll whose chain time is past its window", async () => {
      const w = world();
      const adapter = await started(w);
      const theirs = w.chain.propose({ assignedProver: OTHER_PROVER, proofWindow: 60n });
      // The relayer's clock runs hours ahead of the chain's: only the chain's says when the window has passed.
      w.clock.ms = Number(theirs.deadline) * 1000 + 3_600_000;

      expect(await follow(adapter)).to.deep.equal([]);
      w.chain.mineAt(theirs.deadline);
      expect(await follow(adapter), "chain time = deadline: still inside the window").to.deep.equal([]);

      w.chain.mine(1, 1n);
      w.clock.ms += 5_000;
      const events = await follow(adapter);

      expect(events).to.deep.equal([{ kind: "job", job: expectedJob([theirs], true), seenAt: w.clock.ms }]);
      w.chain.mine();
      expect(await follow(adapter), "taken once").to.deep.equal([]);
    });

    it("another prover's block is taken late even when no new block arrived since its last poll", async () => {
      const w = world();
      const adapter = await started(w);
      const theirs = w.chain.propose({ assignedProver: OTHER_PROVER, proofWindow: 60n });
      w.chain.mineAt(theirs.deadline + 1n);

      expect(summary(await follow(adapter))).to.deep.equal(["job 1 (opportunistic)"]);
      expect(await follow(adapter), "taken once, though no block came since").to.deep.equal([]);
    });

    it("a block taken late by a poll that is not committed is offered again by the next poll, until one is", async () => {
      const w = world();
      const adapter = await started(w);
      const theirs = w.chain.propose({ assignedProver: OTHER_PROVER, proofWindow: 60n });
      expect(await follow(adapter)).to.deep.equal([]);
      w.chain.mineAt(theirs.deadline + 1n);

      // The relayer failed to handle the first poll's events (the store was down): it polls again, no commit.
      expect(summary(await adapter.poll())).to.deep.equal(["job 1 (opportunistic)"]);
      expect(summary(await adapter.poll())).to.deep.equal(["job 1 (opportunistic)"]);
      await adapter.commit();
      w.chain.mine();
      expect(await follow(adapter), "taken once committed").to.deep.equal([]);
    });

    it("another prover's block proven inside its window is never taken", async () => {
      const w = world();
      const adapter = await started(w);
      const theirs = w.chain.propose({ assignedProver: OTHER_PROVER, proofWindow: 60n });
      expect(await follow(adapter)).to.deep.equal([]);
      const parent = expectedJob([theirs], true).evidence;
      w.chain.prove({
        blockId: 1n,
        parentHash: parent.parentHash,
        parentGasUsed: parent.parentGasUsed,
        prover: OTHER_PROVER,
      });
      w.chain.mineAt(theirs.deadline + 100n);

      expect(summary(await follow(adapter))).to.deep.equal([`proven 1 by ${OTHER_PROVER}`]);
      w.chain.mine();
      expect(await follow(adapter)).to.deep.equal([]);
    });

    it("another prover's block is no job when TAKE_OPEN_BLOCKS is off, even once its window passed unproven", async () => {
      const w = world({ takeOpenBlocks: false });
      const adapter = await started(w);
      const theirs = w.chain.propose({ assignedProver: OTHER_PROVER, proofWindow: 60n });
      w.chain.mineAt(theirs.deadline + 1n);

      expect(await follow(adapter)).to.deep.equal([]);
      w.chain.mine();
      expect(await follow(adapter)).to.deep.equal([]);
    });

    it("a poll that finds many proposals reads their TaikoL1 blocks 32 at a time, each job with its own deadline", async () => {
      const w = world();
      const adapter = await started(w);
      const proposals = Array.from({ length: 40 }, (_, i) =>
        w.chain.propose({ assignedProver: POOL, proofWindow: 100n + BigInt(i) }),
      );

      const found = jobs(await follow(adapter));

      expect(found.map((job) => [job.blockId, job.deadline])).to.deep.equal(
        proposals.map((p) => [p.blockId, Number(p.deadline)]),
      );
      expect(w.chain.maxInFlight.get("eth_call")).to.equal(32);
    });
  });

  describe("the events the relayer gets", () => {
    it("a BlockProven is a proven event with its block and prover, in chain order with the jobs", async () => {
      const w = world();
      const adapter = await started(w);
      const atStart = w.chain.calls().length;
      const mine = w.chain.propose({ assignedProver: POOL, proofWindow: 60n });
      const { parentHash, parentGasUsed } = expectedJob([mine], false).evidence;
      w.chain.prove({ blockId: 1n, parentHash, parentGasUsed, prover: OTHER_PROVER });
      w.chain.propose({ assignedProver: POOL, proofWindow: 60n });

      const events = await follow(adapter);

      expect(summary(events)).to.deep.equal(["job 1", `proven 1 by ${OTHER_PROVER}`, "job 2"]);
      expect(events[1]).to.deep.equal({ kind: "proven", blockId: 1n, prover: OTHER_PROVER, parentHash, parentGasUsed });
      // After start (the instance context), TaikoL1.getBlock is read for each proposal, and for nothing else.
      expect(callsOf(w.chain).slice(atStart)).to.deep.equal(["getBlock(1)", "getBlock(2)"]);
    });

    it("a BlockVerified is no event: only a BlockProven says a block was proven", async () => {
      const w = world();
      const adapter = await started(w);
      const mine = w.chain.propose({ assignedProver: POOL, proofWindow: 60n });
      const { parentHash, parentGasUsed } = expectedJob([mine], false).evidence;
      w.chain.prove({ blockId: 1n, parentHash, parentGasUsed, prover: OTHER_PROVER });
      w.chain.emit(TAIKO_L1, taikoL1Abi, "BlockVerified", { blockId: 1n, prover: OTHER_PROVER });

      expect(summary(await follow(adapter))).to.deep.equal(["job 1", `proven 1 by ${OTHER_PROVER}`]);
    });

    it("a log of TaikoL1 or the pool that their ABIs do not decode is skipped: no job, no event, no failure", async () => {
      const w = world();
      const adapter = await started(w);
      undecodable(w.chain, TAIKO_L1, taikoL1Abi, "BlockProposed", { blockId: 1n, assignedProver: getAddress(POOL) });
      undecodable(w.chain, TAIKO_L1, taikoL1Abi, "BlockProven", { blockId: 1n });
      undecodable(w.chain, POOL, zkPoolAbi, "AgentAuthorized", { prover: PROVER_OF_AGENT, agent: OTHER_PROVER });
      w.chain.propose({ blockId: 1n, assignedProver: POOL, proofWindow: 60n });
      w.chain.authorizeAgent(PROVER_OF_AGENT, AGENT);

      expect(summary(await follow(adapter))).to.deep.equal(["job 1", `agent ${AGENT}`]);
    });

    it("AgentAuthorized and AgentRevoked are agentChanged for the agent; the pool's other events are none", async () => {
      const w = world();
      const adapter = await started(w);
      w.chain.authorizeAgent(PROVER_OF_AGENT, AGENT);
      w.chain.emit(POOL, zkPoolAbi, "Paused", { account: PROVER_OF_AGENT });
      w.chain.revokeAgent(PROVER_OF_AGENT, AGENT);
      // The same event from another contract is not the pool's.
      w.chain.emit(OTHER_PROVER, zkPoolAbi, "AgentRevoked", { prover: PROVER_OF_AGENT, agent: OTHER_PROVER });

      const events = await follow(adapter);

      expect(events).to.deep.equal([
        { kind: "agentChanged", agent: AGENT },
        { kind: "agentChanged", agent: AGENT },
      ]);
    });
  });

  describe("the cursor: a restart loses and repeats nothing", () => {
    it("the adapter is named taiko-a4, and so is its cursor in the store", async () => {
      const w = world();
      const adapter = await started(w);
      await follow(adapter);

      expect(adapter.name).to.equal("taiko-a4");
      expect([...w.cursor.cursors.keys()]).to.deep.equal(["taiko-a4"]);
    });

    it("a first start reads from TaikoL1's deployment block and replays nothing", async () => {
      const w = world({ headBlock: START + 50n });
      const adapter = await started(w);

      expect(w.chain.logQueries()).to.deep.equal([]);
      expect(w.logged.lines.filter((line) => line.msg === "replayed Taiko history")).to.deep.equal([]);
      await follow(adapter);
      expect(w.chain.logQueries().map((q) => [q.fromBlock, q.toBlock])).to.deep.equal([
        [START, START + 50n],
        [START, START + 50n],
      ]);
    });

    it("a poll reads from the cursor to the head, for TaikoL1 and the pool; commit saves head + 1", async () => {
      const w = world();
      const adapter = await started(w);
      w.chain.propose({ assignedProver: POOL, proofWindow: 60n });
      await follow(adapter);
      expect(w.cursor.writes).to.deep.equal([START + 2n]);

      w.chain.mine(3);
      await follow(adapter);

      const queries = w.chain.logQueries();
      expect(queries.map((q) => [q.address.map((a) => a.toLowerCase()), q.fromBlock, q.toBlock])).to.deep.equal([
        [[TAIKO_L1.toLowerCase()], START, START + 1n],
        [[POOL], START, START + 1n],
        [[TAIKO_L1.toLowerCase()], START + 2n, START + 4n],
        [[POOL], START + 2n, START + 4n],
      ]);
      expect(w.cursor.writes).to.deep.equal([START + 2n, START + 5n]);
    });

    it("a poll reads the head block when it is the cursor's block", async () => {
      const w = world();
      const adapter = await started(w);
      await follow(adapter);
      w.chain.propose({ assignedProver: POOL, proofWindow: 60n });

      expect(summary(await follow(adapter))).to.deep.equal(["job 1"]);
    });

    it("a poll that is not committed is read again: its events come again, nothing is saved", async () => {
      const w = world();
      const adapter = await started(w);
      w.chain.propose({ assignedProver: POOL, proofWindow: 60n });

      expect(summary(await adapter.poll())).to.deep.equal(["job 1"]);
      expect(summary(await adapter.poll())).to.deep.equal(["job 1"]);
      expect(w.cursor.writes).to.deep.equal([]);
      await adapter.commit();
      expect(w.cursor.writes).to.deep.equal([START + 2n]);
    });

    it("a commit with no poll since, or after a poll that found no new block, saves nothing", async () => {
      const w = world();
      const adapter = await started(w);
      await adapter.commit();
      expect(w.cursor.writes).to.deep.equal([]);

      await follow(adapter);
      await adapter.commit();
      expect(w.cursor.writes).to.deep.equal([START + 1n]);

      const queries = w.chain.logQueries().length;
      expect(await follow(adapter)).to.deep.equal([]);
      expect(w.chain.logQueries(), "no block past the cursor: no read").to.have.length(queries);
      expect(w.cursor.writes).to.deep.equal([START + 1n]);
    });

    it("a restart delivers what came after the saved cursor once, and nothing from before it again", async () => {
      const w = world();
      const before = await started(w);
      const p1 = w.chain.propose({ assignedProver: POOL, proofWindow: 60n });
      const p2 = w.chain.propose({ assignedProver: zeroAddress, proofWindow: 60n });
      const e1 = expectedJob([p1], false).evidence;
      w.chain.prove({ blockId: 1n, parentHash: e1.parentHash, parentGasUsed: e1.parentGasUsed, prover: POOL });
      w.chain.authorizeAgent(PROVER_OF_AGENT, AGENT);
      expect(summary(await follow(before))).to.deep.equal([
        "job 1",
        "job 2 (opportunistic)",
        `proven 1 by ${getAddress(POOL)}`,
        `agent ${AGENT}`,
      ]);
      const saved = w.cursor.cursors.get("taiko-a4");
      // Handled but not committed: these come again after the restart.
      const p3 = w.chain.propose({ assignedProver: POOL, proofWindow: 60n });
      w.chain.revokeAgent(PROVER_OF_AGENT, AGENT);
      await before.poll();

      const after = await started(w);
      expect(w.logged.lines.find((line) => line.msg === "replayed Taiko history")?.fields).to.deep.equal({
        from: START.toString(),
        to: (saved! - 1n).toString(),
      });
      const p4 = w.chain.propose({ assignedProver: POOL, proofWindow: 60n });
      const events = await follow(after);

      expect(summary(events)).to.deep.equal(["job 3", "job 4", `agent ${AGENT}`]);
      // The L2 chain was replayed: evidence after the restart builds on the blocks before it.
      expect(jobs(events)).to.deep.equal([expectedJob([p1, p2, p3], false), expectedJob([p1, p2, p3, p4], false)]);
    });

    it("a restart remembers other provers' blocks still owed: the unproven one is taken when its window passes", async () => {
      const w = world();
      const before = await started(w);
      const owed = w.chain.propose({ assignedProver: OTHER_PROVER, proofWindow: 60n });
      const provenOne = w.chain.propose({ assignedProver: OTHER_PROVER, proofWindow: 60n });
      const e2 = expectedJob([owed, provenOne], true).evidence;
      w.chain.prove({ blockId: 2n, parentHash: e2.parentHash, parentGasUsed: e2.parentGasUsed, prover: OTHER_PROVER });
      await follow(before);

      const after = await started(w);
      w.chain.mineAt(provenOne.deadline + 1n);

      expect(await follow(after)).to.deep.equal([{ kind: "job", job: expectedJob([owed], true), seenAt: w.clock.ms }]);
    });

    it("ranges longer than 2,000 blocks are read 2,000 at a time, with no gap and no overlap, at start and at poll", async () => {
      const w = world();
      const before = await started(w);
      w.chain.propose({ assignedProver: OTHER_PROVER, proofWindow: 100_000n });
      w.chain.mine(Number(RANGE) * 2);
      await follow(before); // 1 + 4,000 blocks: up to START + 4,001
      const end = w.chain.head;

      const after = await started(w);
      w.chain.mine(Number(RANGE));
      w.chain.propose({ assignedProver: POOL, proofWindow: 60n });
      w.chain.mine(9);
      const events = await follow(after);

      const queries = w.chain.logQueries();
      const ranges = queries.map((q) => [q.fromBlock, q.toBlock]);
      const replayed = queries.slice(6, 9).map((q) => q.address.map((a) => a.toLowerCase()));
      expect(replayed, "the replay reads TaikoL1 alone").to.deep.equal([1, 2, 3].map(() => [TAIKO_L1.toLowerCase()]));
      const poll = (from: bigint, to: bigint) => [
        [from, to],
        [from, to],
      ];
      expect(ranges).to.deep.equal([
        // The first poll: START .. START + 4,001.
        ...poll(START, START + RANGE - 1n),
        ...poll(START + RANGE, START + 2n * RANGE - 1n),
        ...poll(START + 2n * RANGE, end),
        // The restart's replay: START .. end, TaikoL1's logs only (ZKPool's agent changes are not replayed).
        [START, START + RANGE - 1n],
        [START + RANGE, START + 2n * RANGE - 1n],
        [START + 2n * RANGE, end],
        // The restart's poll: end + 1 .. end + 2,010.
        ...poll(end + 1n, end + RANGE),
        ...poll(end + RANGE + 1n, end + RANGE + 10n),
      ]);
      expect(summary(events)).to.deep.equal(["job 2"]);
    });

    it("a range of exactly 2,000 blocks is one read", async () => {
      const w = world();
      const adapter = await started(w);
      w.chain.mine(Number(RANGE) - 1);
      await follow(adapter);

      expect(w.chain.logQueries().map((q) => [q.fromBlock, q.toBlock])).to.deep.equal([
        [START, START + RANGE - 1n],
        [START, START + RANGE - 1n],
      ]);
    });
  });

  describe("which of Taiko's reverts are final (rejectionOf)", () => {
    const assigned = { opportunistic: false };
    const late = { opportunistic: true };

    it("L1_ALREADY_PROVEN and L1_BLOCK_ID mean lost (proven or verified first), for any job", () => {
      const adapter = world().adapter();
      for (const name of ["L1_ALREADY_PROVEN", "L1_BLOCK_ID"]) {
        expect(adapter.rejectionOf(name, assigned), name).to.equal("lost");
        expect(adapter.rejectionOf(name, late), name).to.equal("lost");
      }
    });

    it("L1_NOT_PROVEABLE refuses the pool's own job for good, but only means early for a block taken late", () => {
      const adapter = world().adapter();
      expect(adapter.rejectionOf("L1_NOT_PROVEABLE", assigned)).to.equal("refused");
      expect(adapter.rejectionOf("L1_NOT_PROVEABLE", late)).to.equal("early");
    });

    it("a proof Taiko will never take is refused: evidence and proof errors", () => {
      const adapter = world().adapter();
      const refused = ["L1_EVIDENCE_MISMATCH", "L1_INVALID_EVIDENCE", "L1_INVALID_PROOF"];
      for (const name of refused) {
        expect(adapter.rejectionOf(name, assigned), name).to.equal("refused");
        expect(adapter.rejectionOf(name, late), name).to.equal("refused");
      }
    });

    it("any other revert is not final: the proof may pass later", () => {
      const adapter = world().adapter();
      const others = [
        "L1_INSUFFICIENT_TOKEN",
        "L1_TOO_MANY_BLOCKS",
        "CHANGE_TOO_FREQUENT",
        "EnforcedPause",
        // ZKPool's own errors are the submitter's to read.
        "EvidenceProverNotPool",
        "ForkChoiceMismatch",
        "ProofAlreadyRecorded",
        "NotRelayer",
        "l1_already_proven",
        "",
      ];
      for (const name of others) {
        expect(adapter.rejectionOf(name, assigned), name).to.equal(undefined);
        expect(adapter.rejectionOf(name, late), name).to.equal(undefined);
      }
    });

    it("errors are TaikoL1's and ProverPool's custom errors, every one and nothing else", () => {
      const adapter = world().adapter();
      const errorsOf = (abi: Abi) => abi.filter((item) => item.type === "error");
      expect(adapter.errors).to.deep.equal([...errorsOf(taikoL1Abi), ...errorsOf(proverPoolAbi)]);
      expect(adapter.errors.length).to.be.greaterThan(0);
    });

    it("every revert rejectionOf classifies is one the sender can name, with the pool's ABI and the adapter's errors", () => {
      const adapter = world().adapter();
      const senderAbi: Abi = [...zkPoolAbi, ...adapter.errors];
      const classified = [...adapter.errors, ...zkPoolAbi]
        .flatMap((item) => (item.type === "error" ? [item] : []))
        .filter((error) => adapter.rejectionOf(error.name, assigned) ?? adapter.rejectionOf(error.name, late));
      expect(classified.map((error) => error.name)).to.have.members([
        "L1_ALREADY_PROVEN",
        "L1_BLOCK_ID",
        "L1_EVIDENCE_MISMATCH",
        "L1_INVALID_EVIDENCE",
        "L1_NOT_PROVEABLE",
        "L1_INVALID_PROOF",
      ]);
      for (const error of classified) {
        const args = zeroValues(error.inputs);
        const data = encodeErrorResult({ abi: [error], errorName: error.name, args } as Parameters<
          typeof encodeErrorResult
        >[0]);
        expect(decodeErrorResult({ abi: senderAbi, data }).errorName).to.equal(error.name);
      }
    });
  });

  describe("whenProvable: the chain's clock decides when an early proof is sent again", () => {
    /** What whenProvable does next: wait again, or settle (resolve or reject). Never hangs on a broken rule. */
    const next = (sleeper: ManualSleep, provable: Promise<void>): Promise<"waiting" | "settled"> =>
      Promise.race([
        sleeper.waiting().then(() => "waiting" as const),
        provable.then(
          () => "settled" as const,
          () => "settled" as const,
        ),
      ]);
    const latestReads = (chain: FakeTaiko) =>
      chain.requests.filter((r) => r.method === "eth_getBlockByNumber" && r.params[0] === "latest").length;

    it("waits a polling interval before reading the chain's clock, even when the window has passed already", async () => {
      const w = world();
      const adapter = w.adapter();
      const provable = adapter.whenProvable({ deadline: Number(w.chain.now) - 100 });

      expect(await next(w.sleeper, provable)).to.equal("waiting");
      expect(latestReads(w.chain)).to.equal(0);
      expect(w.sleeper.waits).to.deep.equal([250]);
      w.sleeper.release();
      expect(await next(w.sleeper, provable)).to.equal("settled");
      await provable;
      expect(latestReads(w.chain)).to.equal(1);
    });

    it("resolves once the chain's latest block is past the deadline, not at it, whatever the relayer's clock", async () => {
      const w = world();
      const adapter = w.adapter();
      w.clock.ms = Number(w.chain.now + 10_000n) * 1000;
      const deadline = w.chain.now + 20n;
      const provable = adapter.whenProvable({ deadline: Number(deadline) });
      expect(await next(w.sleeper, provable)).to.equal("waiting");

      w.chain.mineAt(deadline);
      w.sleeper.release();
      expect(await next(w.sleeper, provable), "chain time = deadline").to.equal("waiting");
      expect(latestReads(w.chain)).to.equal(1);

      w.chain.mine(1, 1n);
      w.sleeper.release();
      expect(await next(w.sleeper, provable), "chain time past the deadline").to.equal("settled");
      await provable;
      expect(latestReads(w.chain)).to.equal(2);
      expect(w.sleeper.waits).to.deep.equal([250, 250]);
    });

    it("a failed read of the chain's clock is one more wait, not a failure", async () => {
      const w = world();
      const adapter = w.adapter();
      w.chain.failNext((r) => r.method === "eth_getBlockByNumber");
      const provable = adapter.whenProvable({ deadline: Number(w.chain.now) - 1 });
      expect(await next(w.sleeper, provable)).to.equal("waiting");

      w.sleeper.release();
      expect(await next(w.sleeper, provable), "after the failed read").to.equal("waiting");
      w.sleeper.release();
      expect(await next(w.sleeper, provable)).to.equal("settled");
      await provable;
      expect(w.sleeper.waits).to.deep.equal([250, 250]);
      expect(latestReads(w.chain)).to.equal(2);
    });

    it("rejects with the signal's reason when it aborts", async () => {
      const w = world();
      const adapter = w.adapter();
      const abort = new AbortController();
      const provable = adapter.whenProvable({ deadline: Number(w.chain.now) + 1_000 }, abort.signal);
      await w.sleeper.waiting();

      abort.abort(new Error("shutting down"));
      await provable.then(
        () => expect.fail("whenProvable resolved after the abort"),
        (error: Error) => expect(error.message).to.equal("shutting down"),
      );
    });
  });

  describe("poolProof: the pool's own proof on-chain, and the transaction that put it there", () => {
    /** Block 1 proposed for the pool, and its job's evidence. */
    async function poolBlock(w: World) {
      const adapter = await started(w);
      w.chain.propose({ assignedProver: POOL, proofWindow: 60n });
      const job = only(jobs(await follow(adapter)));
      return { adapter, job };
    }

    it("no proof from the job's parent yet (TaikoL1 reverts L1_FORK_CHOICE_NOT_FOUND): none", async () => {
      const w = world();
      const { adapter, job } = await poolBlock(w);
      w.chain.prove({
        blockId: 1n,
        parentHash: keccak256(stringToHex("another parent")),
        parentGasUsed: 1,
        prover: POOL,
      });
      const read = { address: TAIKO_L1, abi: taikoL1Abi, functionName: "getForkChoice" } as const;
      const args = [1n, job.evidence.parentHash, job.evidence.parentGasUsed] as const;
      const reverted = await w.chain.client.readContract({ ...read, args }).catch((error: unknown) => error);
      expect(revertNameOf(reverted), "what TaikoL1 says of that parent").to.equal("L1_FORK_CHOICE_NOT_FOUND");

      expect(await adapter.poolProof(job)).to.equal(undefined);
      expect(
        callsOf(w.chain)
          .filter((call) => call.startsWith("getForkChoice"))
          .slice(-1),
      ).to.deep.equal([`getForkChoice(1,${job.evidence.parentHash},${job.evidence.parentGasUsed})`]);
    });

    it("any other revert of the fork choice's read (L1_BLOCK_ID: TaikoL1 has no such block) is an error, not 'no proof'", async () => {
      const w = world();
      const { adapter, job } = await poolBlock(w);

      await adapter.poolProof({ ...job, blockId: 7n }).then(
        () => expect.fail("poolProof resolved"),
        (error: unknown) => expect(revertNameOf(error)).to.equal("L1_BLOCK_ID"),
      );
    });

    it("a proof from the job's parent by another prover: none", async () => {
      const w = world();
      const { adapter, job } = await poolBlock(w);
      const { parentHash, parentGasUsed } = job.evidence;
      w.chain.prove({ blockId: 1n, parentHash, parentGasUsed, prover: OTHER_PROVER });

      expect(await adapter.poolProof(job)).to.equal(undefined);
    });

    it("the pool's proof: the transaction of the BlockProven by the pool from the job's parent, not another", async () => {
      const w = world();
      const { adapter, job } = await poolBlock(w);
      const { parentHash, parentGasUsed } = job.evidence;
      const otherParent = keccak256(stringToHex("another parent"));
      w.chain.prove({ blockId: 1n, parentHash: otherParent, parentGasUsed, prover: POOL });
      w.chain.prove({ blockId: 1n, parentHash, parentGasUsed: parentGasUsed + 1, prover: POOL });
      w.chain.prove({ blockId: 2n, parentHash, parentGasUsed, prover: POOL });
      w.chain.prove({ blockId: 1n, parentHash, parentGasUsed, prover: OTHER_PROVER });
      undecodable(w.chain, TAIKO_L1, taikoL1Abi, "BlockProven", { blockId: 1n });
      const ours = w.chain.prove({ blockId: 1n, parentHash, parentGasUsed, prover: getAddress(POOL) });
      w.chain.prove({ blockId: 1n, parentHash: otherParent, parentGasUsed: 5, prover: OTHER_PROVER });

      expect(await adapter.poolProof(job)).to.deep.equal({ tx: ours.transactionHash });
      const queries = w.chain.logQueries().slice(2);
      expect(queries, "a recent proof costs one read").to.have.length(1);
      expect(queries[0]).to.deep.include({ fromBlock: START, toBlock: w.chain.head });
    });

    it("an older proof is found reading back 2,000 blocks at a time, down to TaikoL1's first block", async () => {
      const w = world({ headBlock: START - 2n });
      const adapter = w.adapter();
      // Block 1 proposed before TaikoL1's first block the relayer reads, and proven in it.
      const job = expectedJob([w.chain.propose({ assignedProver: POOL, proofWindow: 60n })], false);
      const { parentHash, parentGasUsed } = job.evidence;
      const ours = w.chain.prove({ blockId: 1n, parentHash, parentGasUsed, prover: POOL });
      expect(ours.blockNumber).to.equal(START);
      w.chain.mine(Number(RANGE) * 2);
      const head = w.chain.head;

      expect(await adapter.poolProof(job)).to.deep.equal({ tx: ours.transactionHash });
      expect(w.chain.logQueries().map((q) => [q.fromBlock, q.toBlock])).to.deep.equal([
        [head - RANGE + 1n, head],
        [head - 2n * RANGE + 1n, head - RANGE],
        [START, START],
      ]);
    });

    it("the pool's fork choice with no BlockProven in the logs: a proof with no transaction, read back no further than the proof", async () => {
      const w = world();
      const { adapter, job } = await poolBlock(w);
      const { parentHash, parentGasUsed } = job.evidence;
      w.chain.mine(Number(RANGE) * 2);
      const proof = w.chain.prove({ blockId: 1n, parentHash, parentGasUsed, prover: POOL, logged: false });
      w.chain.mine(Number(RANGE) * 2);

      expect(await adapter.poolProof(job)).to.deep.equal({ tx: undefined });
      const ranges = w.chain.logQueries().slice(2);
      expect(ranges).to.have.length(3);
      const last = ranges[ranges.length - 1]!;
      expect(
        last.fromBlock <= proof.blockNumber && proof.blockNumber <= last.toBlock,
        "the proof's range was read",
      ).to.equal(true);
    });

    it("a failed read of the fork choice is an error, not 'no proof'", async () => {
      const w = world();
      const { adapter, job } = await poolBlock(w);
      w.chain.failNext((r) => r.method === "eth_call");

      await adapter.poolProof(job).then(
        () => expect.fail("poolProof resolved"),
        (error: Error) => expect(error.message).to.contain("connection refused"),
      );
    });
  });

  describe("proofWindowSeconds: TaikoL1's proof window now, eldfell's clamp(3 × avgProofDelay, proofMinWindow, proofMaxWindow)", () => {
    const window = async (avgProofDelay: number) => {
      const w = world();
      w.chain.state = { ...w.chain.state, avgProofDelay };
      w.chain.config = { ...w.chain.config, proofMinWindow: 120, proofMaxWindow: 3_600 };
      return w.adapter().proofWindowSeconds();
    };

    it("is 3 × avgProofDelay (the last output of TaikoL1's state()) between the bounds", async () => {
      expect(await window(100)).to.equal(300);
      expect(await window(40)).to.equal(120);
      expect(await window(1_200)).to.equal(3_600);
    });

    it("is proofMinWindow when that product is below it", async () => {
      expect(await window(39)).to.equal(120);
      expect(await window(0)).to.equal(120);
    });

    it("is proofMaxWindow when that product is above it", async () => {
      expect(await window(1_201)).to.equal(3_600);
      expect(await window(65_535)).to.equal(3_600);
    });

    it("is the local network's 3 × 5 s by default, read afresh at each call, not once at start", async () => {
      const w = world();
      const adapter = await started(w);
      expect(await adapter.proofWindowSeconds()).to.equal(3 * LOCAL_PROTOCOL.taikoL1.initAvgProofDelay);

      w.chain.state = { ...w.chain.state, avgProofDelay: 20 };
      expect(await adapter.proofWindowSeconds()).to.equal(60);
      w.chain.config = { ...w.chain.config, proofMaxWindow: 45 };
      expect(await adapter.proofWindowSeconds()).to.equal(45);
    });

    it("reads avgProofDelay from state() only: the other outputs of state() and getStateVariables() change nothing", async () => {
      const w = world();
      w.chain.state = {
        genesisHeight: 7n,
        genesisTimestamp: 9n,
        numOpenBlocks: 1_000n,
        numBlocks: 2_000n,
        lastVerifiedAt: 1_700_000_000n,
        lastVerifiedBlockId: 1_999n,
        feePerGas: 4_000,
        avgProofDelay: 25,
      };
      w.chain.config = { ...w.chain.config, proofMinWindow: 10, proofMaxWindow: 1_000 };

      expect(await w.adapter().proofWindowSeconds()).to.equal(75);
    });
  });

  describe("the instance context: what eldfell's TaikoL1 hashes into every proof besides the evidence", () => {
    const L1_SIGNAL_SERVICE: Address = "0x00000000000000000000000000000000000005e1";
    const L2_SIGNAL_SERVICE: Address = "0x00000000000000000000000000000000000005e2";
    const L2_TAIKO: Address = "0x00000000000000000000000000000000000007a1";
    const L2_CHAIN_ID = 4_242n;
    /** A TaikoL1 whose context is none of the local network's values; the local ones remain, as decoys. */
    const otherContext = (w: World): InstanceContext => {
      w.chain.config = {
        ...w.chain.config,
        chainId: L2_CHAIN_ID,
        blockMaxGasLimit: 7_000_000,
        blockMaxTransactions: 150n,
        blockMaxTxListBytes: 64_000n,
      };
      w.chain.setAddress(w.chain.chainId, "signal_service", L1_SIGNAL_SERVICE);
      w.chain.setAddress(L2_CHAIN_ID, "signal_service", L2_SIGNAL_SERVICE);
      w.chain.setAddress(L2_CHAIN_ID, "taiko", L2_TAIKO);
      // What a mix-up of the chains or names would read instead.
      w.chain.setAddress(w.chain.chainId, "taiko", TAIKO_L1);
      w.chain.setAddress(LOCAL_PROTOCOL.taiko.chainId, "signal_service", OTHER_PROVER);
      return {
        signalService: L1_SIGNAL_SERVICE,
        l2SignalService: L2_SIGNAL_SERVICE,
        l2Taiko: L2_TAIKO,
        blockMaxGasLimit: 7_000_000,
        blockMaxTransactions: 150n,
        blockMaxTxListBytes: 64_000n,
      };
    };

    it("by default it is the local network's: LOCAL_INSTANCE_CONTEXT", async () => {
      const w = world();
      const adapter = await started(w);
      const mine = w.chain.propose({ assignedProver: POOL, proofWindow: 60n });

      const job = only(jobs(await follow(adapter)));

      expect(job.instance).to.equal(instanceHash(job.evidence, LOCAL_INSTANCE_CONTEXT));
      expect(job).to.deep.equal(expectedJob([mine], false));
    });

    it("instanceOf hashes any evidence with that context: an agent's graffiti makes its own instance", async () => {
      const w = world();
      const context = otherContext(w);
      const adapter = await started(w);
      const mine = w.chain.propose({ assignedProver: POOL, proofWindow: 60n });
      const job = only(jobs(await follow(adapter)));
      const agents: Address[] = [OTHER_PROVER, POOL];
      const instances = agents.map((agent) => adapter.instanceOf({ ...job.evidence, graffiti: agentGraffiti(agent) }));

      expect(adapter.instanceOf(job.evidence)).to.equal(expectedJob([mine], false, 7, context).instance);
      expect(instances).to.deep.equal(
        agents.map((agent) => instanceHash({ ...job.evidence, graffiti: agentGraffiti(agent) }, context)),
      );
      expect(new Set([job.instance, ...instances]).size, "one instance per graffiti").to.equal(3);
      expect(adapter.instanceContext(), "what the agents get to check their instances").to.deep.equal(context);
    });

    it("instanceOf and instanceContext before start have no context, and say so", () => {
      const adapter = world().adapter();
      const evidence = jobFor(7n).evidence;
      expect(() => adapter.instanceOf(evidence)).to.throw("TaikoA4Adapter used before start()");
      expect(() => adapter.instanceContext()).to.throw("TaikoA4Adapter used before start()");
    });

    it("start reads it from TaikoL1 as eldfell resolves it: getConfig, resolve(signal_service), and on config.chainId resolve(signal_service) and resolve(taiko), none allowed to be zero", async () => {
      const w = world();
      otherContext(w);
      await started(w);

      const calls = callsOf(w.chain);
      expect(calls[0], "the config first: the L2's chain id is in it").to.equal("getConfig()");
      expect(calls.slice(1)).to.have.members([
        `resolve(${nameOf("signal_service")},false)`,
        `resolve(${L2_CHAIN_ID},${nameOf("signal_service")},false)`,
        `resolve(${L2_CHAIN_ID},${nameOf("taiko")},false)`,
      ]);
    });

    it("every job's instance hashes the context TaikoL1 gave, its own and other provers' blocks, and after a restart's replay", async () => {
      const w = world();
      const context = otherContext(w);
      const before = await started(w);
      const mine = w.chain.propose({ assignedProver: POOL, proofWindow: 60n });
      const open = w.chain.propose({ assignedProver: zeroAddress, proofWindow: 60n });
      const theirs = w.chain.propose({ assignedProver: OTHER_PROVER, proofWindow: 60n });

      expect(jobs(await follow(before))).to.deep.equal([
        expectedJob([mine], false, 7, context),
        expectedJob([mine, open], true, 7, context),
      ]);
      const local = expectedJob([mine], false);
      expect(local.instance, "the context changes the instance").to.not.equal(
        expectedJob([mine], false, 7, context).instance,
      );

      const after = await started(w);
      w.chain.mineAt(theirs.deadline + 1n);
      expect(jobs(await follow(after))).to.deep.equal([expectedJob([mine, open, theirs], true, 7, context)]);
    });

    it("a name TaikoL1 resolves to nothing fails start (RESOLVER_ZERO_ADDR), rather than hashing a zero address", async () => {
      const w = world();
      w.chain.setAddress(LOCAL_PROTOCOL.taiko.chainId, "taiko", zeroAddress);

      await w
        .adapter()
        .start()
        .then(
          () => expect.fail("start resolved"),
          (error: unknown) => expect(revertNameOf(error)).to.equal("RESOLVER_ZERO_ADDR"),
        );
    });

    it("a failed read of the context fails start: no job is hashed without it", async () => {
      const w = world();
      w.chain.failNext((r) => r.method === "eth_call");

      await w
        .adapter()
        .start()
        .then(
          () => expect.fail("start resolved"),
          (error: Error) => expect(error.message).to.contain("connection refused"),
        );
    });
  });
});

describe("FakeTaiko, the node these tests run on", () => {
  it("answers a multicall of TaikoL1's views as it answers each call, reverts by custom error", async () => {
    const chain = new FakeTaiko(TAIKO_L1, POOL);
    const proposed = chain.propose({ assignedProver: POOL, proofWindow: 90n });
    const getBlock = (blockId: bigint) =>
      ({ address: TAIKO_L1, abi: taikoL1Abi, functionName: "getBlock", args: [blockId] }) as const;

    const [known, unknown] = await chain.client.multicall({ contracts: [getBlock(1n), getBlock(9n)] });

    expect(known).to.deep.equal({ status: "success", result: await chain.client.readContract(getBlock(1n)) });
    expect(known.result?.[7]).to.equal(proposed.proposedAt);
    expect(known.result?.[10]).to.equal(90n);
    expect(unknown?.status).to.equal("failure");
    expect(revertNameOf(unknown?.error)).to.equal("L1_BLOCK_ID");
    expect(callsOf(chain)).to.deep.equal(["getBlock(1)", "getBlock(9)", "getBlock(1)"]);
  });

  it("answers eldfell's TaikoL1 views with the local network's deployment: getConfig, state, both resolves", async () => {
    const chain = new FakeTaiko(TAIKO_L1, POOL);
    const read = { address: TAIKO_L1, abi: taikoL1Abi } as const;
    const l2 = LOCAL_PROTOCOL.taiko.chainId;

    expect(await chain.client.readContract({ ...read, functionName: "getConfig" })).to.deep.equal(LOCAL_PROTOCOL.taiko);
    const state = await chain.client.readContract({ ...read, functionName: "state" });
    expect(state).to.have.length(13);
    expect(state[12]).to.equal(LOCAL_PROTOCOL.taikoL1.initAvgProofDelay);
    expect(state[11]).to.equal(LOCAL_PROTOCOL.taikoL1.initFeePerGas);
    const resolve = (args: readonly [Hex, boolean] | readonly [bigint, Hex, boolean]) =>
      chain.client.readContract({ ...read, functionName: "resolve", args } as Parameters<
        typeof chain.client.readContract
      >[0]);
    expect(await resolve([nameOf("signal_service"), false])).to.equal(LOCAL_INSTANCE_CONTEXT.signalService);
    expect(await resolve([chain.chainId, nameOf("signal_service"), false])).to.equal(
      LOCAL_INSTANCE_CONTEXT.signalService,
    );
    expect(await resolve([l2, nameOf("signal_service"), false])).to.equal(LOCAL_INSTANCE_CONTEXT.l2SignalService);
    expect(await resolve([l2, nameOf("taiko"), false])).to.equal(LOCAL_INSTANCE_CONTEXT.l2Taiko);
    expect(await resolve([nameOf("taiko"), true])).to.equal(zeroAddress);
    const unnamed = await resolve([nameOf("taiko"), false]).catch((error: unknown) => error);
    expect(revertNameOf(unnamed)).to.equal("RESOLVER_ZERO_ADDR");
  });
});
