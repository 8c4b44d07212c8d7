/**
 * The relayer's submitter and follower in-process against a real Hardhat node, with the Taiko A4 adapter, the
 * sender and a store of their own: what the submitter records when ZKPool turns a proof down because its fork
 * choice is recorded already, by the pool's own earlier transaction; and another prover's block whose window passed,
 * taken on the chain's clock (not the relayer's), its proof sent again when a chain behind that clock turns
 * it down as not provable yet.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { createPublicClient, createWalletClient, http, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import {
  TTKO,
  agentGraffiti,
  encodeEvidence,
  proveInstance,
  proverPoolAbi,
  zkPoolAbi,
  type ProtocolParams,
} from "@zkpool/common";
import { localPrivateKey } from "../../../scripts/local/accounts";
import { Jobs } from "../../src/jobs";
import { createMetrics } from "../../src/metrics";
import { TxSender, type RelayerWallet } from "../../src/sender";
import { openStore } from "../../src/store";
import type { Job, Store } from "../../src/store/types";
import { Submitter } from "../../src/submitter";
import { TaikoA4Adapter } from "../../src/taiko/a4Adapter";
import { recordingLog, type RecordingLog } from "../support/recordingLog";
import { E2E_PROTOCOL, freshPoolPerTest, proofsOnChain, type LocalPool } from "./harness";

/** One relayer's parts, as startRelayer wires them, on the local pool. */
interface Relayer {
  client: PublicClient;
  wallet: RelayerWallet;
  store: Store;
  adapter: TaikoA4Adapter;
  submitter: Submitter;
  recorded: RecordingLog;
  /** The jobs the submitter finished, as it told the jobs' lifecycle. */
  finished: Array<[bigint, string, string | null]>;
  /** The jobs it gave back to be proven again. */
  retried: Job[];
}

const chainOf = (local: LocalPool) => ({
  ...hardhat,
  id: local.node.chainId,
  rpcUrls: { default: { http: [local.rpcUrl] } },
});

/** Proof windows of 2 s: a relayer's clock passes one while the chain mines no block. */
const SHORT_WINDOWS: ProtocolParams = {
  ...E2E_PROTOCOL,
  taiko: { ...E2E_PROTOCOL.taiko, proofMinWindow: 2, proofMaxWindow: 2 },
};

describe("the submitter and the follower on a local chain", function () {
  this.timeout(60_000);

  let local: LocalPool;
  /** Each describe below: a fresh pool per test, on its rules. */
  const freshPools = (protocol?: ProtocolParams) => {
    const fresh = freshPoolPerTest(protocol);
    beforeEach(() => {
      local = fresh.local;
    });
  };
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  async function relayer(): Promise<Relayer> {
    const chain = chainOf(local);
    const client = createPublicClient({ chain, transport: http(local.rpcUrl), pollingInterval: 100 }) as PublicClient;
    const wallet: RelayerWallet = createWalletClient({
      chain,
      transport: http(local.rpcUrl),
      account: privateKeyToAccount(local.relayerKey),
    });
    const store = await openStore({ dataDir: mkdtempSync(path.join(tmpdir(), "zkpool-submitter-")) });
    stores.push(store);
    const recorded = recordingLog();
    const { TaikoL1, ZKPool } = local.deployment.contracts;
    const adapter = new TaikoA4Adapter({
      client,
      taikoL1: TaikoL1.address,
      taikoL1StartBlock: BigInt(TaikoL1.startBlock),
      pool: ZKPool.address,
      takeOpenBlocks: true,
      store,
      log: recorded.log,
    });
    const metrics = createMetrics();
    const sender = new TxSender({
      client,
      wallet,
      store,
      log: recorded.log,
      metrics,
      receiptTimeoutMs: 10_000,
      errors: adapter.errors,
    });
    await sender.syncNonce();
    await adapter.start();
    const finished: Relayer["finished"] = [];
    const retried: Job[] = [];
    // The jobs' lifecycle records in the store; no scheduler here: what it would be told is kept.
    const scheduler = {
      addJob: () => undefined,
      finishJob: () => undefined,
      reopen: (job: Job) => void retried.push(job),
    };
    const jobs = new Jobs({ store, scheduler, pool: ZKPool.address, metrics, log: recorded.log });
    const submitter = new Submitter({
      store,
      sender,
      adapter,
      pool: ZKPool.address,
      log: recorded.log,
      metrics,
      jobs: {
        submissionEnded: (job, outcome, detail) => {
          finished.push([job.blockId, outcome, detail]);
          return jobs.submissionEnded(job, outcome, detail);
        },
        submissionFailed: (job, error) => jobs.submissionFailed(job, error),
      },
    });
    return { client, wallet, store, adapter, submitter, recorded, finished, retried };
  }

  /** The relayer's job for `blockId`, as its follower finds it on the chain and stores it. */
  async function jobFor(r: Relayer, blockId: bigint): Promise<Job> {
    const found = (await r.adapter.poll()).find((e) => e.kind === "job" && e.job.blockId === blockId);
    if (found?.kind !== "job") throw new Error(`the relayer found no job for block ${blockId}`);
    await r.adapter.commit();
    const job = await r.store.addJob(found.job, Math.floor(Date.now() / 1000));
    if (!job) throw new Error(`block ${blockId} already had a job`);
    return job;
  }

  /** A member's machine proves the job under its own name (its address in the graffiti), as an agent does. */
  async function agentProof(r: Relayer, job: Job, agentKey: Hex): Promise<{ agent: Address; input: Hex }> {
    const agent = privateKeyToAccount(agentKey).address;
    const evidence = { ...job.evidence, graffiti: agentGraffiti(agent) };
    const { proof } = await proveInstance(r.adapter.instanceOf(evidence));
    return { agent, input: encodeEvidence({ ...evidence, proof }) };
  }

  /** The window's end (unix seconds) of `blockId`, from TaikoL1. */
  async function deadlineOf(blockId: bigint): Promise<bigint> {
    const [, , , , , , , proposedAt, , , proofWindow] = await local.taikoL1.getBlock(blockId);
    return proposedAt + proofWindow;
  }

  /**
   * A solo prover stakes far more than the pool in ProverPool, and blocks are proposed until one is assigned
   * to it: its id.
   */
  async function rivalsBlock(): Promise<bigint> {
    const rival = privateKeyToAccount(localPrivateKey(40));
    const stake = 10_000_000n * TTKO;
    await (await local.token.mint(rival.address, stake)).wait();
    const wallet = createWalletClient({ chain: chainOf(local), transport: http(local.rpcUrl), account: rival });
    const staked = await wallet.writeContract({
      address: local.deployment.contracts.ProverPool.address,
      abi: proverPoolAbi,
      functionName: "stake",
      args: [stake, 1_000, 5],
    });
    await createPublicClient({ transport: http(local.rpcUrl) }).waitForTransactionReceipt({ hash: staked });
    for (let i = 0; i < 10; i++) {
      const blockId = await local.propose();
      const [, , , , , , , , assigned] = await local.taikoL1.getBlock(blockId);
      if (assigned === rival.address) return blockId;
    }
    throw new Error("no block was assigned to the rival");
  }

  describe("a block proven already", () => {
    freshPools();

    it("records a block whose fork choice its own earlier transaction recorded in ZKPool as proven, not lost", async () => {
      const r = await relayer();
      const alice = await local.prover(0);
      const blockId = await local.propose();
      const job = await jobFor(r, blockId);
      const { agent, input } = await agentProof(r, job, await local.newAgentKey(alice, "alice-1"));

      // The pool's proof is already on-chain, from a transaction with the relayer's key that this relayer's store
      // does not know of (sent before a restart, or by a second relayer with the same key).
      const earlier = await r.wallet.writeContract({
        address: local.deployment.contracts.ZKPool.address,
        abi: zkPoolAbi,
        functionName: "proveBlock",
        args: [blockId, input],
      });
      expect((await r.client.waitForTransactionReceipt({ hash: earlier })).status).to.equal("success");

      r.submitter.submit(job, agent, input);
      await r.submitter.drain();

      expect(r.finished, "the job is over, proven").to.deep.equal([[blockId, "proven", null]]);
      expect(r.retried, "nothing to prove again").to.deep.equal([]);
      const [told, ...others] = r.recorded.lines.filter((l) => l.fields.blockId === blockId.toString());
      expect([told?.level, told?.msg, told?.fields.agent]).to.deep.equal([
        "info",
        "this fork choice is recorded in ZKPool already: its agent's prover is credited once Taiko verifies the block",
        agent,
      ]);
      expect(others.map((l) => l.msg)).to.deep.equal([]);
      expect((await r.store.getJob(blockId))?.status).to.equal("proven");
      const submission = await r.store.getSubmission(blockId);
      expect([submission?.status, submission?.txHashes], "done in its simulation: nothing sent").to.deep.equal([
        "confirmed",
        [],
      ]);

      // On the chain: the block proven once, by the pool, recorded once for the member; no second proveBlock.
      expect(await proofsOnChain(local, blockId)).to.deep.equal({
        proven: [[local.deployment.contracts.ZKPool.address, earlier]],
        recorded: [[alice.address, agent]],
        proveBlocks: [[earlier, "success"]],
      });
    });
  });

  describe("another prover's block whose window passed, on a chain behind the relayer's clock", () => {
    freshPools(SHORT_WINDOWS);

    it("is taken when the chain's clock has passed its window, not the relayer's", async () => {
      const r = await relayer();
      const blockId = await rivalsBlock();
      const taken = async () =>
        (await r.adapter.poll()).some((e) => e.kind === "job" && e.job.blockId === blockId && e.job.opportunistic);
      expect(await taken(), "inside its window").to.equal(false);

      // No block is mined meanwhile: the chain's latest block stays where the proposal left it.
      const deadline = await deadlineOf(blockId);
      const wall = () => BigInt(Math.floor(Date.now() / 1000));
      // Nothing to await: the relayer's clock passing the window is the event.
      while (wall() <= deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      expect((await r.client.getBlock()).timestamp <= deadline, "the chain is still inside the window").to.equal(true);
      expect(await taken(), "past the window on the relayer's clock only").to.equal(false);

      await local.increaseTime(deadline - (await r.client.getBlock()).timestamp + 1n);
      expect((await r.client.getBlock()).timestamp > deadline).to.equal(true);
      expect(await taken(), "past the window on the chain's clock").to.equal(true);
    });
  });

  describe("another prover's block taken as late, on a chain that falls back inside its window", () => {
    freshPools();

    it("sends its proof, turned down as not provable yet, again once the chain passes the window", async () => {
      const r = await relayer();
      const alice = await local.prover(0);
      const agentKey = await local.newAgentKey(alice, "alice-1");
      const blockId = await rivalsBlock();
      const deadline = await deadlineOf(blockId);
      expect((await r.adapter.poll()).some((e) => e.kind === "job" && e.job.blockId === blockId)).to.equal(false);

      // The relayer takes the block once the chain has passed its window; then a reorganisation takes that
      // block away, and the chain's clock is back inside the window.
      const inside = await local.snapshot();
      await local.increaseTime(deadline - (await r.client.getBlock()).timestamp + 1n);
      const job = await jobFor(r, blockId);
      expect(job.opportunistic).to.equal(true);
      await local.revert(inside);
      expect((await r.client.getBlock()).timestamp <= deadline, "the chain is back inside the window").to.equal(true);

      const { agent, input } = await agentProof(r, job, agentKey);
      r.submitter.submit(job, agent, input);
      const notYet = (l: { msg: string }) => l.msg.startsWith("Taiko does not take this proof yet");
      await Promise.race([r.recorded.next(notYet), r.submitter.drain()]);
      const told = r.recorded.lines.find(notYet);
      expect([told?.level, told?.fields.reason], "turned down as early").to.deep.equal(["info", "L1_NOT_PROVEABLE"]);
      expect(r.finished, "the job goes on").to.deep.equal([]);
      expect((await r.store.getSubmission(blockId))?.status).to.equal("pending");

      await local.increaseTime(deadline - (await r.client.getBlock()).timestamp + 1n);
      await r.submitter.drain();
      expect(r.finished).to.deep.equal([[blockId, "proven", null]]);
      expect(r.retried, "not proven again by an agent").to.deep.equal([]);
      expect((await r.store.getJob(blockId))?.status).to.equal("proven");
      const submission = await r.store.getSubmission(blockId);
      expect(submission?.status).to.equal("confirmed");
      // Proven once, by the pool, recorded once, with one proveBlock: the early one was turned down in its
      // simulation, nothing sent.
      const sent = submission?.txHashes.at(-1);
      expect(await proofsOnChain(local, blockId)).to.deep.equal({
        proven: [[local.deployment.contracts.ZKPool.address, sent]],
        recorded: [[alice.address, agent]],
        proveBlocks: [[sent, "success"]],
      });
      // Not provable stays final for a block the pool did not take as late (assigned to someone else, inside
      // its window): only a late or open block is worth the wait.
      expect(r.adapter.rejectionOf("L1_NOT_PROVEABLE", { opportunistic: false })).to.equal("refused");
    });
  });
});
