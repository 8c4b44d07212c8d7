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
  instanceHash,
  proofTypedData,
  proveInstance,
  shutdownProver,
  type CancelParams,
  type JobEvidence,
  type NotifyParams,
} from "@zkpool/common";
import { createLogger } from "@zkpool/common/node";
import type { AgentSession } from "../src/gateway/server";
import { RpcFailure } from "../src/gateway/rpc";
import { createMetrics } from "../src/metrics";
import { Scheduler } from "../src/scheduler";
import type { Job, Store } from "../src/store/types";

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
    instance: instanceHash(evidence),
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
