/**
 * The relayer's submitter in-process against a real Hardhat node, with the Taiko A4 adapter, the sender and a
 * store of its own: what it records when Taiko turns a proof down because the block is proven already, by the
 * pool's own earlier transaction.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { createPublicClient, createWalletClient, http, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { encodeEvidence, proofTypedData, proveInstance, zkPoolAbi } from "@zkpool/common";
import { createMetrics } from "../../src/metrics";
import { TxSender, type RelayerWallet } from "../../src/sender";
import { openStore } from "../../src/store";
import type { Job, Store } from "../../src/store/types";
import { Submitter } from "../../src/submitter";
import { TaikoA4Adapter } from "../../src/taiko/a4Adapter";
import { recordingLog, type RecordingLog } from "../support/recordingLog";
import { freshPoolPerTest, type LocalPool } from "./harness";

/** One relayer's parts, as startRelayer wires them, on the local pool. */
interface Relayer {
  client: PublicClient;
  wallet: RelayerWallet;
  store: Store;
  adapter: TaikoA4Adapter;
  submitter: Submitter;
  recorded: RecordingLog;
  /** The jobs the submitter finished, as it told the relayer. */
  finished: Array<[bigint, string, string | null]>;
  /** The jobs it gave back to be proven again. */
  retried: Job[];
}

describe("the submitter on a local chain", function () {
  this.timeout(60_000);

  const fresh = freshPoolPerTest();
  let local: LocalPool;
  const stores: Store[] = [];
  beforeEach(() => {
    local = fresh.local;
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  async function relayer(): Promise<Relayer> {
    const chain = { ...hardhat, id: local.node.chainId, rpcUrls: { default: { http: [local.rpcUrl] } } };
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
    const submitter = new Submitter({
      store,
      sender,
      adapter,
      pool: ZKPool.address,
      log: recorded.log,
      metrics,
      onFinished: (blockId, outcome, detail) => finished.push([blockId, outcome, detail]),
      onRetry: (job) => retried.push(job),
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

  /** A member's machine proves the job and signs it with its access key, as an agent does. */
  async function agentProof(job: Job, agentKey: Hex): Promise<{ agent: Address; input: Hex; signature: Hex }> {
    const { proof } = await proveInstance(job.instance);
    const input = encodeEvidence({ ...job.evidence, proof });
    const account = privateKeyToAccount(agentKey);
    const pool = local.deployment.contracts.ZKPool.address;
    const signature = await account.signTypedData(proofTypedData(local.node.chainId, pool, job.blockId, input));
    return { agent: account.address, input, signature };
  }

  it("records a block its own earlier transaction proved as proven by that transaction, not lost", async () => {
    const r = await relayer();
    const alice = await local.prover(0);
    const blockId = await local.propose();
    const job = await jobFor(r, blockId);
    const { agent, input, signature } = await agentProof(job, await local.newAgentKey(alice, "alice-1"));

    // The pool's proof is already on-chain, from a transaction with the relayer's key that this relayer's store
    // does not know of (sent before a restart, or by a second relayer with the same key).
    const earlier = await r.wallet.writeContract({
      address: local.deployment.contracts.ZKPool.address,
      abi: zkPoolAbi,
      functionName: "proveBlock",
      args: [blockId, input, signature],
    });
    expect((await r.client.waitForTransactionReceipt({ hash: earlier })).status).to.equal("success");

    r.submitter.submit(job, agent, input, signature);
    await r.submitter.drain();

    expect(r.finished, "the job is over, proven").to.deep.equal([[blockId, "proven", null]]);
    expect(r.retried, "nothing to prove again").to.deep.equal([]);
    const [told, ...others] = r.recorded.lines.filter((l) => l.fields.blockId === blockId.toString());
    expect([told?.level, told?.msg, told?.fields.provenBy]).to.deep.equal([
      "info",
      "block already proven by an earlier transaction of the pool's: recorded as proven, not lost",
      earlier,
    ]);
    expect(others.map((l) => l.msg)).to.deep.equal([]);
    expect((await r.store.getJob(blockId))?.status).to.equal("proven");
    const submission = await r.store.getSubmission(blockId);
    expect(submission?.status).to.equal("confirmed");
    expect(submission?.txHashes.at(-1), "the transaction that proved it").to.equal(earlier);

    // On the chain: the block proven once, by the pool, credited once to the member; no second proveBlock.
    const proven = await local.taikoL1.queryFilter(local.taikoL1.filters.BlockProven(blockId), 0);
    expect(proven.map((e) => [e.args.prover, e.transactionHash])).to.deep.equal([
      [local.deployment.contracts.ZKPool.address, earlier],
    ]);
    const credits = await local.pool.queryFilter(local.pool.filters.ProofCredited(blockId), 0);
    expect(credits.map((e) => [e.args.prover, e.args.agent])).to.deep.equal([[alice.address, agent]]);
    const proofs = (await local.relayerTransactions()).filter(
      (tx) => tx.functionName === "proveBlock" && tx.args[0] === blockId,
    );
    expect(proofs.map((tx) => [tx.hash, tx.status])).to.deep.equal([[earlier, "success"]]);
  });
});
