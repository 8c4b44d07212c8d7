/**
 * The confirmer on its own: a fake chain holding ZKPool's ProofRecorded logs and TaikoL1's lastVerifiedBlockId
 * (what the confirmer reads), a fake sender whose confirm transactions the test scripts, and a memory store that
 * keeps the cursor across a restart. What it sends, in which batches, what it logs, and where it starts again.
 */
import { expect } from "chai";
import { encodeEventTopics, keccak256, stringToHex, type Address } from "viem";
import { zkPoolAbi } from "@zkpool/common";
import { CONFIRM_CURSOR, Confirmer, type ProofKey } from "../../src/confirmer";
import { RetryableError } from "../../src/errors";
import {
  FakeSender,
  fails,
  held,
  mines,
  minesReverted,
  poolLog,
  simulationReverts,
  txHash,
} from "../support/fakeSender";
import { FakeTaiko } from "../support/fakeTaiko";
import { POOL, memoryStore, type MemoryStore } from "../support/memoryStore";
import { recordingLog, type Logged } from "../support/recordingLog";

const TAIKO_L1: Address = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
const AGENT: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const PROVER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/** The block ZKPool was deployed in (the fake chain's head is 10 at first). */
const POOL_START = 5n;

/** Block `blockId`'s fork choice on its parent (one parent per block unless `parent` says which). */
const keyOf = (blockId: bigint, parent = 0): ProofKey => ({
  blockId,
  parentHash: keccak256(stringToHex(`parent ${parent} of ${blockId}`)),
  parentGasUsed: 21_000 + parent,
});

interface World {
  chain: FakeTaiko;
  sender: FakeSender;
  store: MemoryStore;
  lines: Logged[];
  confirmer(batchSize?: number): Confirmer;
  /** A ProofRecorded of ZKPool for `key` in a new block (whoever sent the proveBlock: the log does not say). */
  record(key: ProofKey): bigint;
  verified(blockId: bigint): void;
  /** The keys of each confirm sent, as "blockId/parentGasUsed". */
  confirmed(): string[][];
}

function world(): World {
  const chain = new FakeTaiko(TAIKO_L1, POOL);
  chain.state = { ...chain.state, lastVerifiedBlockId: 0n };
  const sender = new FakeSender();
  const store = memoryStore();
  const { log, lines } = recordingLog();
  return {
    chain,
    sender,
    store,
    lines,
    confirmer: (batchSize = 50) =>
      new Confirmer({
        client: chain.client,
        sender,
        store,
        pool: POOL,
        poolStartBlock: POOL_START,
        taikoL1: TAIKO_L1,
        batchSize,
        log,
      }),
    record(key) {
      chain.emit(POOL, zkPoolAbi, "ProofRecorded", { ...key, agent: AGENT, prover: PROVER, forkChoiceId: 1 });
      return chain.head;
    },
    verified(blockId) {
      chain.state = { ...chain.state, lastVerifiedBlockId: blockId };
    },
    confirmed: () =>
      sender.calls.map((c) => (c.call.args[0] as ProofKey[]).map((k) => `${k.blockId}/${k.parentGasUsed}`)),
  };
}

async function started(w: World, batchSize?: number): Promise<Confirmer> {
  const confirmer = w.confirmer(batchSize);
  await confirmer.start();
  return confirmer;
}

/** Lets `n` turns of the event loop pass (the fake chain answers each request on a later turn). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

const logged = (w: World, msg: string) => w.lines.filter((l) => l.msg === msg).map((l) => l.fields);

describe("confirmer", () => {
  describe("what it confirms", () => {
    it("confirms the recorded proofs of verified blocks in batches of at most batchSize, lowest block first; the rest wait", async () => {
      const w = world();
      const confirmer = await started(w, 2);
      for (const blockId of [4n, 1n, 3n, 5n, 2n]) w.record(keyOf(blockId));
      w.verified(3n);

      await confirmer.confirmVerified();

      expect(w.confirmed()).to.deep.equal([["1/21000", "2/21000"], ["3/21000"]]);
      const [first] = w.sender.calls;
      expect(first!.call).to.include({ address: POOL, functionName: "confirm" });
      expect(first!.call.args).to.deep.equal([[keyOf(1n), keyOf(2n)]]);
      expect(first!.options).to.deep.equal({ purpose: "confirm" });
      expect(confirmer.pending).to.equal(2);

      // Taiko verifies the rest: they go, and nothing confirmed is sent again.
      w.verified(5n);
      await confirmer.confirmVerified();
      expect(w.confirmed().slice(2)).to.deep.equal([["4/21000", "5/21000"]]);
      expect(confirmer.pending).to.equal(0);
      await confirmer.confirmVerified();
      expect(w.sender.calls).to.have.length(3);
    });

    it("confirms every ProofRecorded of the pool, whoever sent it: an outsider's copy of a proof counts the same", async () => {
      const w = world();
      const confirmer = await started(w);
      // Two parents of one block (a reorganised L2), both recorded; and the same key logged twice is one key.
      w.record(keyOf(7n, 0));
      w.record(keyOf(7n, 1));
      w.record(keyOf(7n, 0));
      w.verified(7n);

      await confirmer.confirmVerified();

      expect(w.confirmed()).to.deep.equal([["7/21000", "7/21001"]]);
      // The query names the pool and the event only: no sender, no agent, no prover.
      const [query] = w.chain.logQueries();
      const [topic] = encodeEventTopics({ abi: zkPoolAbi, eventName: "ProofRecorded" });
      expect(query).to.deep.include({ address: [POOL], topics: [topic] });
    });

    it("logs each block credited (BlockCredited) and each record dropped (ProofNotCredited), from the pool's own logs", async () => {
      const w = world();
      const confirmer = await started(w);
      w.record(keyOf(1n));
      w.record(keyOf(2n));
      w.verified(2n);
      const credited = poolLog(POOL, "BlockCredited", {
        blockId: 1n,
        prover: PROVER,
        agent: AGENT,
        epoch: 3n,
        reward: 1_234_567n,
      });
      const dropped = poolLog(POOL, "ProofNotCredited", {
        blockId: 2n,
        prover: PROVER,
        agent: AGENT,
        forkChoiceId: 1,
        verifiedForkChoiceId: 2,
      });
      const elsewhere = { ...credited, address: TAIKO_L1 };
      const harvested = poolLog(POOL, "Harvested", { amount: 5n });
      w.sender.outcomes.push(
        mines([credited, { ...dropped, address: POOL.toLowerCase() as Address }, elsewhere, harvested]),
      );

      await confirmer.confirmVerified();

      expect(
        logged(w, "block verified by Taiko: its reward credited to the prover of the agent that proved it"),
      ).to.deep.equal([{ blockId: "1", prover: PROVER, agent: AGENT, epoch: "3", reward: "1234567" }]);
      expect(
        logged(
          w,
          "recorded proof earns nothing: Taiko verified the block with another fork choice, or paid nothing for it",
        ),
      ).to.deep.equal([{ blockId: "2", prover: PROVER, agent: AGENT, forkChoiceId: 1, verifiedForkChoiceId: 2 }]);
      expect(logged(w, "confirmed recorded proofs")).to.deep.equal([{ confirmed: 2, tx: txHash(1) }]);
    });

    it("sends nothing, and reads nothing of TaikoL1, while nothing is recorded", async () => {
      const w = world();
      const confirmer = await started(w);
      w.verified(9n);

      await confirmer.confirmVerified();

      expect(w.sender.calls).to.deep.equal([]);
      expect(w.chain.calls()).to.deep.equal([]);
    });
  });

  describe("what the pool says back", () => {
    it("a fork choice someone else confirmed first (ProofNotRecorded) is done: the rest of its batch is confirmed at once", async () => {
      const w = world();
      const confirmer = await started(w, 3);
      for (const blockId of [1n, 2n, 3n]) w.record(keyOf(blockId));
      w.verified(3n);
      const done = keyOf(2n);
      w.sender.outcomes.push(
        simulationReverts("ProofNotRecorded", [done.blockId, done.parentHash, done.parentGasUsed]),
      );

      await confirmer.confirmVerified();

      expect(w.confirmed()).to.deep.equal([
        ["1/21000", "2/21000", "3/21000"],
        ["1/21000", "3/21000"],
      ]);
      expect(confirmer.pending).to.equal(0);
      expect(
        logged(w, "fork choice confirmed already (by someone else) or never recorded: nothing to confirm"),
      ).to.deep.equal([{ blockId: "2", parentHash: done.parentHash, parentGasUsed: done.parentGasUsed }]);
      await confirmer.confirmVerified();
      expect(w.sender.calls, "never sent again").to.have.length(2);
    });

    it("a batch whose every key was confirmed by someone else sends nothing more", async () => {
      const w = world();
      const confirmer = await started(w);
      const only = keyOf(1n);
      w.record(only);
      w.verified(1n);
      w.sender.outcomes.push(
        simulationReverts("ProofNotRecorded", [only.blockId, only.parentHash, only.parentGasUsed]),
      );

      await confirmer.confirmVerified();

      expect(w.confirmed()).to.deep.equal([["1/21000"]]);
      expect(confirmer.pending).to.equal(0);
    });

    it("a confirm mined and reverted with ProofNotRecorded (a race lost on-chain) is read the same way", async () => {
      const w = world();
      const confirmer = await started(w);
      w.record(keyOf(1n));
      w.record(keyOf(2n));
      w.verified(2n);
      const done = keyOf(1n);
      w.sender.outcomes.push(minesReverted("ProofNotRecorded", [done.blockId, done.parentHash, done.parentGasUsed]));

      await confirmer.confirmVerified();

      expect(w.confirmed()).to.deep.equal([["1/21000", "2/21000"], ["2/21000"]]);
      expect(confirmer.pending).to.equal(0);
    });

    it("a block Taiko has not verified after all (BlockNotVerified) waits for a later round; the rest goes now", async () => {
      const w = world();
      const confirmer = await started(w);
      w.record(keyOf(1n));
      w.record(keyOf(2n, 0));
      w.record(keyOf(2n, 1));
      w.verified(2n);
      w.sender.outcomes.push(simulationReverts("BlockNotVerified", [2n]));

      await confirmer.confirmVerified();

      expect(w.confirmed()).to.deep.equal([["1/21000", "2/21000", "2/21001"], ["1/21000"]]);
      expect(confirmer.pending).to.equal(2);
      expect(logged(w, "Taiko has not verified this block yet: confirming it later")).to.deep.equal([{ blockId: "2" }]);
      await confirmer.confirmVerified();
      expect(w.confirmed().slice(2)).to.deep.equal([["2/21000", "2/21001"]]);
      expect(confirmer.pending).to.equal(0);
    });

    it("a revert that names nothing in the batch, another revert, or a node gone is thrown: the keys wait for the next round", async () => {
      const w = world();
      const confirmer = await started(w);
      w.record(keyOf(1n));
      w.verified(1n);
      const elsewhere = keyOf(9n);
      const failures = [
        simulationReverts("ProofNotRecorded", [elsewhere.blockId, elsewhere.parentHash, elsewhere.parentGasUsed]),
        simulationReverts("BlockNotVerified", [9n]),
        simulationReverts("EnforcedPause", []),
        // Another error whose first argument is the block: not a reason to wait, nor to drop it.
        simulationReverts("InvalidProof", [1n]),
        simulationReverts(undefined),
        fails(new RetryableError("could not simulate confirm: fetch failed")),
      ];
      for (const failure of failures) {
        w.sender.outcomes.push(failure);
        const error = await confirmer.confirmVerified().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as Error).name, "the sender's own error").to.be.oneOf(["CallRevertedError", "RetryableError"]);
        expect(confirmer.pending).to.equal(1);
      }
      await confirmer.confirmVerified();
      expect(w.confirmed()).to.deep.equal(Array.from({ length: failures.length + 1 }, () => ["1/21000"]));
      expect(confirmer.pending).to.equal(0);
    });
  });

  describe("across restarts", () => {
    it("keeps its cursor at the oldest waiting key's log: a restart reads the waiting keys again, and not those confirmed before", async () => {
      const w = world();
      const before = await started(w);
      w.record(keyOf(1n));
      const waitingIn = w.record(keyOf(3n));
      w.record(keyOf(2n));
      w.record(keyOf(5n));
      w.verified(2n);
      await before.confirmVerified();
      expect(w.confirmed()).to.deep.equal([["1/21000", "2/21000"]]);
      expect(w.store.cursors.get(CONFIRM_CURSOR), "the oldest of the waiting keys' logs").to.equal(waitingIn);

      // The relayer stops; block 4 is recorded and blocks 3 to 5 verified meanwhile.
      w.record(keyOf(4n));
      w.verified(5n);
      const after = await started(w);
      await after.confirmVerified();

      expect(w.confirmed().slice(1)).to.deep.equal([["2/21000", "3/21000", "4/21000", "5/21000"]]);
      const queries = w.chain.logQueries();
      expect(queries.at(-1)).to.deep.include({ fromBlock: waitingIn, toBlock: w.chain.head });
      expect(w.store.cursors.get(CONFIRM_CURSOR), "nothing waits: past the head").to.equal(w.chain.head + 1n);
    });

    it("a re-read key confirmed meanwhile (by itself before the restart, or anyone) costs a refused simulation, nothing else", async () => {
      const w = world();
      const before = await started(w);
      w.record(keyOf(3n));
      w.record(keyOf(2n));
      w.verified(2n);
      await before.confirmVerified();
      w.verified(3n);
      const after = await started(w);
      const two = keyOf(2n);
      w.sender.outcomes.push(simulationReverts("ProofNotRecorded", [two.blockId, two.parentHash, two.parentGasUsed]));

      await after.confirmVerified();

      expect(w.confirmed()).to.deep.equal([["2/21000"], ["2/21000", "3/21000"], ["3/21000"]]);
      expect(after.pending).to.equal(0);
    });

    it("the first start reads from the pool's deployment block, in ranges of at most 2,000 blocks", async () => {
      const w = world();
      w.chain.mine(4_490);
      const confirmer = await started(w);
      w.record(keyOf(1n));
      w.verified(1n);

      await confirmer.confirmVerified();

      expect(w.chain.logQueries().map((q) => [q.fromBlock, q.toBlock])).to.deep.equal([
        [POOL_START, POOL_START + 1_999n],
        [POOL_START + 2_000n, POOL_START + 3_999n],
        [POOL_START + 4_000n, w.chain.head],
      ]);
      expect(w.confirmed()).to.deep.equal([["1/21000"]]);
    });

    it("the cursor is not saved by a round that failed: the next round, or a restart, reads from where the last one saved", async () => {
      const w = world();
      const confirmer = await started(w);
      w.record(keyOf(1n));
      w.verified(1n);
      w.sender.outcomes.push(fails(new RetryableError("fetch failed")));
      await confirmer.confirmVerified().catch(() => undefined);
      expect(w.store.cursors.has(CONFIRM_CURSOR)).to.equal(false);
      await started(w).then((again) => again.confirmVerified());
      expect(w.confirmed()).to.deep.equal([["1/21000"], ["1/21000"]]);
    });
  });

  describe("one round at a time", () => {
    it("a round asked for while one runs is that round: no key is in two transactions at once", async () => {
      const w = world();
      const confirmer = await started(w);
      w.record(keyOf(1n));
      w.verified(1n);
      const first = held(mines());
      w.sender.outcomes.push(first.outcome);

      const rounds = [confirmer.confirmVerified()];
      while (w.sender.calls.length === 0) await turns(1);
      rounds.push(confirmer.confirmVerified());
      await turns(20);
      expect(w.sender.calls).to.have.length(1);
      first.release();
      await Promise.all(rounds);
      expect(w.confirmed()).to.deep.equal([["1/21000"]]);

      // Once it is over, the next call is a new round.
      w.record(keyOf(2n));
      w.verified(2n);
      await confirmer.confirmVerified();
      expect(w.confirmed()).to.deep.equal([["1/21000"], ["2/21000"]]);
    });

    it("refuses to run before start, and a batch size that is not a whole number of at least one", async () => {
      const w = world();
      const error = await w
        .confirmer()
        .confirmVerified()
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(Error).with.property("message", "Confirmer used before start()");
      expect(() => w.confirmer(1), "one at a time is a batch").to.not.throw();
      for (const batchSize of [0, 1.5, -1]) {
        expect(() => w.confirmer(batchSize), String(batchSize)).to.throw(
          RangeError,
          `Confirmer: batchSize must be a whole number of fork choices, at least 1 (${batchSize})`,
        );
      }
    });
  });
});
