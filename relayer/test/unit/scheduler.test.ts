/**
 * The scheduler on its own, with agents played by in-memory sessions and a clock the test moves: which agent gets
 * a job, and which proofs it takes (a real proof, checked off-chain; the agent's signature over it).
 */
import { expect } from "chai";
import { keccak256, stringToHex, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import {
  RpcErrorCode,
  encodeEvidence,
  LOCAL_INSTANCE_CONTEXT,
  instanceHash,
  proofTypedData,
  proveInstance,
  shutdownProver,
  type CancelParams,
  type JobEvidence,
  type NotifyParams,
} from "@zkpool/common";
import { createLogger } from "@zkpool/common/node";
import type { AgentSession } from "../../src/gateway/server";
import { RpcFailure } from "../../src/gateway/rpc";
import { createMetrics } from "../../src/metrics";
import { Scheduler } from "../../src/scheduler";
import type { Job, Store } from "../../src/store/types";

const CHAIN_ID = 31337;
const POOL: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

/** An agent's connection as the scheduler sees it: what it was told is recorded. */
class FakeSession implements AgentSession {
  readonly account: PrivateKeyAccount;
  readonly agent: Address;
  readonly prover: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  readonly deviceId: string;
  readonly remote = "test";
  readonly connectedAt = 0;
  concurrency = 1;
  busy = 0;
  lastHeartbeat = 0;
  readonly notified: NotifyParams[] = [];
  readonly cancelled: CancelParams[] = [];

  constructor(
    readonly name: string,
    public msPerProof: number,
  ) {
    this.account = privateKeyToAccount(generatePrivateKey());
    this.agent = this.account.address;
    this.deviceId = name;
  }

  get id(): string {
    return `${this.agent}/${this.deviceId}`;
  }
  notify(params: NotifyParams): void {
    this.notified.push(params);
  }
  cancel(params: CancelParams): void {
    this.cancelled.push(params);
  }
  close(): void {}
}

/** What the scheduler writes to the store; nothing here reads it back. */
function memoryStore(): Store {
  let attempts = 0;
  const store: Partial<Store> = {
    openJobs: async () => [],
    startAttempt: async () => ++attempts,
    finishAttempt: async () => undefined,
    countMachineJob: async () => undefined,
  };
  return store as Store;
}

function jobFor(blockId: bigint, deadline: number): Job {
  const word = (what: string) => keccak256(stringToHex(`${what} ${blockId}`));
  const evidence: JobEvidence = {
    metaHash: word("meta"),
    parentHash: word("parent"),
    blockHash: word("block"),
    signalRoot: word("signal"),
    graffiti: word("graffiti"),
    prover: POOL,
    parentGasUsed: 21_000,
    gasUsed: 1_000_000,
    verifierId: 0,
  };
  return {
    blockId,
    proposedAt: deadline - 60,
    deadline,
    opportunistic: false,
    rewardPerGas: 1_000,
    evidence,
    instance: instanceHash(evidence, LOCAL_INSTANCE_CONTEXT),
    status: "open",
    detail: null,
    createdAt: 0,
    updatedAt: 0,
  };
}

interface Submitted {
  blockId: bigint;
  agent: Address;
  input: Hex;
  signature: Hex;
}

function schedulerAt(clock: { now: number }) {
  const submitted: Submitted[] = [];
  const scheduler = new Scheduler({
    store: memoryStore(),
    chainId: CHAIN_ID,
    pool: POOL,
    difficulty: 1,
    redundancyMarginS: 6,
    log: createLogger("scheduler", { level: "silent" }),
    metrics: createMetrics(),
    submit: (job, agent, input, signature) => submitted.push({ blockId: job.blockId, agent, input, signature }),
    now: () => clock.now,
  });
  return { scheduler, submitted };
}

describe("scheduler", function () {
  this.timeout(60_000);
  after(shutdownProver);

  describe("who gets a job", () => {
    it("gives each job to the idle agent, among those that finish in time, that has waited longest for one", () => {
      const clock = { now: 1_000 };
      const { scheduler } = schedulerAt(clock);
      // Three machines that all finish a job well inside its window, each a little faster than the next; and a
      // machine that has never had a job, too slow for any of them.
      const fast = new FakeSession("fast", 1_000);
      const middle = new FakeSession("middle", 1_500);
      const slow = new FakeSession("slow", 2_000);
      const late = new FakeSession("late", 600_000);
      for (const session of [fast, middle, slow, late]) scheduler.onAuthorized(session);
      const given: string[] = [];
      for (let blockId = 1n; blockId <= 7n; blockId++) {
        scheduler.addJob(jobFor(blockId, clock.now + 60));
        const holder = [fast, middle, slow, late].filter((s) => s.notified.at(-1)?.blockId === blockId.toString());
        given.push(holder.map((s) => s.name).join(" and "));
        // Proven at once (by anyone): every machine is idle again for the next job, a second later.
        scheduler.finishJob(blockId, "proven");
        clock.now += 1;
      }
      // Never given a job, the three tie and the fastest goes first; from then on the one whose last job is
      // oldest. A faster machine does not take every job, and the slow one never gets one it cannot finish.
      expect(given).to.deep.equal(["fast", "middle", "slow", "fast", "middle", "slow", "fast"]);
      expect(late.notified).to.deep.equal([]);
    });

    it("still prefers an idle agent to one with a job running, however long each has waited", () => {
      const clock = { now: 1_000 };
      const { scheduler } = schedulerAt(clock);
      const twin = new FakeSession("twin", 1_000);
      twin.concurrency = 2;
      const single = new FakeSession("single", 1_000);
      for (const session of [twin, single]) scheduler.onAuthorized(session);
      scheduler.addJob(jobFor(1n, clock.now + 60));
      expect(twin.notified.map((n) => n.blockId)).to.deep.equal(["1"]);
      clock.now += 1;
      // twin runs block 1 and has room for another; single, idle, has waited longer still.
      scheduler.addJob(jobFor(2n, clock.now + 60));
      expect(single.notified.map((n) => n.blockId)).to.deep.equal(["2"]);
      clock.now += 1;
      scheduler.finishJob(2n, "proven");
      // Now single is idle and twin half busy: single, although its last job is the newer.
      scheduler.addJob(jobFor(3n, clock.now + 60));
      expect(single.notified.map((n) => n.blockId)).to.deep.equal(["2", "3"]);
      expect(twin.notified.map((n) => n.blockId)).to.deep.equal(["1"]);
    });
  });

  describe("proof signatures", () => {
    const clock = { now: 1_000 };
    const job = jobFor(7n, 1_000 + 600);
    let proof: Hex;
    let input: Hex;
    before(async () => {
      ({ proof } = await proveInstance(job.instance, { difficulty: 1 }));
      input = encodeEvidence({ ...job.evidence, proof });
    });

    /** A scheduler with one agent that holds `job`. */
    function withJob() {
      const { scheduler, submitted } = schedulerAt(clock);
      const session = new FakeSession("rig", 500);
      scheduler.onAuthorized(session);
      scheduler.addJob(job);
      const [notified] = session.notified;
      expect(notified?.blockId).to.equal(job.blockId.toString());
      const submit = (signature: Hex) => scheduler.onSubmit(session, { jobId: notified!.jobId, proof, signature });
      return { session, submitted, submit };
    }

    async function refusal(submitting: Promise<unknown>): Promise<RpcErrorCode | undefined> {
      return submitting.then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof RpcFailure) return error.code;
          throw error;
        },
      );
    }

    it("takes a proof signed by the agent's key over this block and evidence, and hands it on", async () => {
      const { session, submitted, submit } = withJob();
      const signature = await session.account.signTypedData(proofTypedData(CHAIN_ID, POOL, job.blockId, input));
      expect(await submit(signature)).to.deep.equal({ accepted: true });
      expect(submitted).to.deep.equal([{ blockId: job.blockId, agent: session.agent, input, signature }]);
    });

    it("refuses a signature by another key, for another pool, chain or block, or that is not one", async () => {
      const { session, submitted, submit } = withJob();
      const other = privateKeyToAccount(generatePrivateKey());
      const foreign = [
        await other.signTypedData(proofTypedData(CHAIN_ID, POOL, job.blockId, input)),
        await session.account.signTypedData(proofTypedData(CHAIN_ID, other.address, job.blockId, input)),
        await session.account.signTypedData(proofTypedData(1, POOL, job.blockId, input)),
        await session.account.signTypedData(proofTypedData(CHAIN_ID, POOL, job.blockId + 1n, input)),
        await session.account.signTypedData(
          proofTypedData(CHAIN_ID, POOL, job.blockId, encodeEvidence({ ...job.evidence, gasUsed: 1, proof })),
        ),
        "0x00",
        `0x${"11".repeat(65)}`,
      ] as Hex[];
      for (const signature of foreign) {
        expect(await refusal(submit(signature)), signature).to.equal(RpcErrorCode.BadSignature);
      }
      expect(submitted, "nothing handed on").to.deep.equal([]);
      // The attempt is still the agent's: the same proof, signed right, is taken.
      const signature = await session.account.signTypedData(proofTypedData(CHAIN_ID, POOL, job.blockId, input));
      expect(await submit(signature)).to.deep.equal({ accepted: true });
      expect(submitted.map((s) => s.signature)).to.deep.equal([signature]);
    });
  });
});
