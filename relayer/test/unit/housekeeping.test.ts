/**
 * Housekeeping on its own: the pool's and Taiko's state read from a fake client the test sets, transactions sent
 * through a fake sender: which chores it sends (harvest, settle, adjustCapacity), with which arguments, and
 * what it logs when one reverts.
 */
import { expect } from "chai";
import type { Address, PublicClient } from "viem";
import { RetryableError } from "../../src/errors";
import { Housekeeping, type MachineSpeed } from "../../src/housekeeping";
import type { NetworkAdapter } from "../../src/network";
import { CallRevertedError } from "../../src/sender";
import { FakeSender, fails, mines, minesReverted, poolLog, txHash } from "../support/fakeSender";
import { POOL } from "../support/memoryStore";
import { recordingLog, type Logged } from "../support/recordingLog";

const TAIKO_L1: Address = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

/** The chain state housekeeping reads. */
interface ChainState {
  /** The pool's Taiko token balance held in TaikoL1 (rewards to harvest). */
  taikoBalance: bigint;
  currentEpoch: bigint;
  nextEpochToSettle: bigint;
  maxCapacity: number;
  stakedAmount: bigint;
  minCapacity: number;
  maxCapacityBound: number;
  proofWindowSeconds: number;
}

function fakeClient(state: ChainState, reads: string[]): PublicClient {
  const answers: Record<string, (args: readonly unknown[] | undefined, address: Address) => unknown> = {
    getTaikoTokenBalance: (args, address) => {
      expect(address).to.equal(TAIKO_L1);
      expect(args).to.deep.equal([POOL]);
      return state.taikoBalance;
    },
    currentEpoch: () => state.currentEpoch,
    nextEpochToSettle: () => state.nextEpochToSettle,
    stakeInfo: () => [{ maxCapacity: state.maxCapacity }, { stakedAmount: state.stakedAmount }, 3n],
    capacityBounds: () => [state.minCapacity, state.maxCapacityBound],
  };
  const client = {
    readContract: async ({
      functionName,
      args,
      address,
    }: {
      functionName: string;
      args?: unknown[];
      address: Address;
    }) => {
      reads.push(functionName);
      if (functionName !== "getTaikoTokenBalance") expect(address).to.equal(POOL);
      const answer = answers[functionName];
      if (!answer) throw new Error(`no fake answer for ${functionName}`);
      return answer(args, address);
    },
  };
  return client as unknown as PublicClient;
}

function housekeeping(chain: Partial<ChainState> = {}, machines: MachineSpeed[] = []) {
  const state: ChainState = {
    taikoBalance: 0n,
    currentEpoch: 5n,
    nextEpochToSettle: 5n,
    maxCapacity: 1,
    stakedAmount: 1_000n,
    minCapacity: 1,
    maxCapacityBound: 100,
    proofWindowSeconds: 60,
    ...chain,
  };
  const reads: string[] = [];
  const sender = new FakeSender();
  const { log, lines } = recordingLog();
  const adapter = {
    proofWindowSeconds: async () => state.proofWindowSeconds,
  } as Partial<NetworkAdapter> as NetworkAdapter;
  const chores = new Housekeeping({
    client: fakeClient(state, reads),
    sender,
    adapter,
    pool: POOL,
    taikoL1: TAIKO_L1,
    connectedMachines: () => machines,
    log,
  });
  return { chores, sender, lines, reads, state };
}

const logged = (lines: Logged[], msg: string) => lines.filter((l) => l.msg === msg);

describe("housekeeping", () => {
  describe("harvest and settle", () => {
    it("harvests the pool's Taiko rewards when TaikoL1 holds some for it", async () => {
      const { chores, sender, lines } = housekeeping({ taikoBalance: 250n });
      await chores.harvestAndSettle();
      expect(sender.called).to.deep.equal(["send harvest()"]);
      expect(sender.calls[0]!.call.address).to.equal(POOL);
      expect(sender.calls[0]!.options).to.deep.equal({ purpose: "harvest" });
      expect(logged(lines, "harvested the pool's Taiko rewards")[0]!.fields).to.deep.equal({ amount: "250" });
    });

    it("sends nothing when there is nothing to harvest and no ended epoch", async () => {
      const { chores, sender, lines, reads } = housekeeping({
        taikoBalance: 0n,
        currentEpoch: 5n,
        nextEpochToSettle: 5n,
      });
      await chores.harvestAndSettle();
      expect(sender.calls).to.deep.equal([]);
      expect(reads).to.have.members(["getTaikoTokenBalance", "currentEpoch", "nextEpochToSettle"]);
      expect(lines).to.deep.equal([]);
    });

    it("settles every ended epoch, oldest first, and logs each split", async () => {
      const { chores, sender, lines } = housekeeping({ currentEpoch: 5n, nextEpochToSettle: 2n });
      const split = (epoch: bigint) =>
        poolLog(POOL, "EpochSettled", {
          epoch,
          reward: 100n * epoch,
          fee: epoch,
          proverReward: 99n * epoch,
          totalShares: 7n,
        });
      // An epoch without credits settles with nothing to split.
      const empty = poolLog(POOL, "EpochSettled", {
        epoch: 3n,
        reward: 0n,
        fee: 0n,
        proverReward: 0n,
        totalShares: 0n,
      });
      sender.outcomes.push(mines([split(2n)]), mines([empty]), mines([]));
      await chores.harvestAndSettle();
      expect(sender.called).to.deep.equal(["send settle(2)", "send settle(3)", "send settle(4)"]);
      expect(sender.calls.map((c) => c.options)).to.deep.equal([
        { purpose: "settle" },
        { purpose: "settle" },
        { purpose: "settle" },
      ]);
      expect(logged(lines, "settled an ended epoch").map((l) => l.fields)).to.deep.equal([
        { epoch: "2", reward: "200", fee: "2", proverReward: "198", totalShares: "7" },
        { epoch: "3", reward: "0", fee: "0", proverReward: "0", totalShares: "0" },
        { epoch: "4" },
      ]);
    });

    it("logs a settle that reverted on-chain as an error with its reason, and settles no later epoch this round", async () => {
      const { chores, sender, lines } = housekeeping({ currentEpoch: 5n, nextEpochToSettle: 2n });
      sender.outcomes.push(minesReverted("EpochNotEnded"));
      await chores.harvestAndSettle();
      expect(sender.called).to.deep.equal(["send settle(2)"]);
      const [line] = logged(lines, "settle transaction reverted on-chain");
      expect(line).to.include({ level: "error" });
      expect(line!.fields).to.deep.equal({ purpose: "settle", epoch: "2", tx: txHash(1), reason: "EpochNotEnded" });
      expect(logged(lines, "settled an ended epoch")).to.deep.equal([]);
    });

    it("logs a harvest that reverted on-chain with its reason (unknown when it has none), and still settles", async () => {
      const { chores, sender, lines } = housekeeping({ taikoBalance: 9n, currentEpoch: 3n, nextEpochToSettle: 2n });
      sender.outcomes.push(minesReverted(undefined));
      await chores.harvestAndSettle();
      expect(sender.called).to.deep.equal(["send harvest()", "send settle(2)"]);
      const [line] = logged(lines, "harvest transaction reverted on-chain");
      expect(line).to.include({ level: "error" });
      expect(line!.fields).to.deep.equal({ purpose: "harvest", tx: txHash(1), reason: "unknown" });
      expect(logged(lines, "harvested the pool's Taiko rewards")).to.deep.equal([]);
    });

    it("hands a chore that was not mined (nothing sent, a node gone, a simulation revert) to the loop to retry", async () => {
      for (const error of [
        new RetryableError("fetch failed"),
        new CallRevertedError("NothingToHarvest", "harvest would revert with NothingToHarvest"),
      ]) {
        const { chores, sender, lines } = housekeeping({ taikoBalance: 9n, currentEpoch: 3n, nextEpochToSettle: 2n });
        sender.outcomes.push(fails(error));
        let thrown: unknown;
        await chores.harvestAndSettle().catch((failure: unknown) => (thrown = failure));
        expect(thrown).to.equal(error);
        expect(sender.called).to.deep.equal(["send harvest()"]);
        expect(lines).to.deep.equal([]);
      }
    });
  });

  describe("capacity follows the connected machines' speed", () => {
    it("asks for what the machines prove in one proof window at half their speed, each at its own speed", async () => {
      // 60 s window: a 1 s machine doing 2 at once proves 120, a 10 s one 6: 126, half of it 63. Averaged
      // (5.5 s per proof, 3 at once) they would ask for 16.
      const { chores, sender, lines } = housekeeping({ proofWindowSeconds: 60, maxCapacity: 10 }, [
        { msPerProof: 1_000, concurrency: 2 },
        { msPerProof: 10_000, concurrency: 1 },
      ]);
      await chores.syncCapacity();
      expect(sender.called).to.deep.equal(["send adjustCapacity(63)"]);
      expect(sender.calls[0]!.call.address).to.equal(POOL);
      expect(sender.calls[0]!.options).to.deep.equal({ purpose: "capacity" });
      const [line] = logged(lines, "pool capacity follows the connected machines");
      expect(line!.fields).to.deep.equal({ from: 10, to: 63 });
    });

    it("rounds what the machines can prove down", async () => {
      // 30 s at 4 s per proof: 7.5 proofs, half of it 3.75.
      const { chores, sender } = housekeeping({ proofWindowSeconds: 30 }, [{ msPerProof: 4_000, concurrency: 1 }]);
      await chores.syncCapacity();
      expect(sender.called).to.deep.equal(["send adjustCapacity(3)"]);
    });

    it("keeps the capacity within the owner's bounds: the minimum with no machine, the maximum with many", async () => {
      const none = housekeeping({ minCapacity: 2, maxCapacityBound: 50, maxCapacity: 20 }, []);
      await none.chores.syncCapacity();
      expect(none.sender.called).to.deep.equal(["send adjustCapacity(2)"]);
      const many = housekeeping({ minCapacity: 2, maxCapacityBound: 50, maxCapacity: 20 }, [
        { msPerProof: 100, concurrency: 8 },
      ]);
      await many.chores.syncCapacity();
      expect(many.sender.called).to.deep.equal(["send adjustCapacity(50)"]);
    });

    it("sends nothing when the capacity is already right", async () => {
      const { chores, sender, lines } = housekeeping({ proofWindowSeconds: 60, maxCapacity: 30 }, [
        { msPerProof: 1_000, concurrency: 1 },
      ]);
      await chores.syncCapacity();
      expect(sender.calls).to.deep.equal([]);
      expect(lines).to.deep.equal([]);
    });

    it("leaves the capacity of a pool with nothing staked alone", async () => {
      const { chores, sender, reads } = housekeeping({ stakedAmount: 0n, maxCapacity: 1 }, [
        { msPerProof: 1_000, concurrency: 4 },
      ]);
      await chores.syncCapacity();
      expect(sender.calls).to.deep.equal([]);
      expect(reads).to.deep.equal(["stakeInfo"]);
    });

    it("warns with the reason, and does not throw, when ProverPool refuses the change for now", async () => {
      const { chores, sender, lines } = housekeeping({ maxCapacity: 10 }, [{ msPerProof: 1_000, concurrency: 1 }]);
      sender.outcomes.push(async () => {
        throw new CallRevertedError("CHANGE_TOO_FREQUENT", "adjustCapacity would revert with CHANGE_TOO_FREQUENT");
      });
      await chores.syncCapacity();
      const [line] = logged(lines, "could not adjust the pool's capacity yet; will retry");
      expect(line).to.include({ level: "warn" });
      expect(line!.fields).to.deep.equal({ reason: "CHANGE_TOO_FREQUENT", target: 30 });
    });

    it("warns with the error's message when the node cannot be reached", async () => {
      const { chores, sender, lines } = housekeeping({ maxCapacity: 10 }, [{ msPerProof: 1_000, concurrency: 1 }]);
      sender.outcomes.push(fails(new RetryableError("fetch failed")));
      await chores.syncCapacity();
      const [line] = logged(lines, "could not adjust the pool's capacity yet; will retry");
      expect(line!.fields).to.deep.equal({ reason: "fetch failed", target: 30 });
      expect(logged(lines, "pool capacity follows the connected machines")).to.deep.equal([]);
    });
  });
});
