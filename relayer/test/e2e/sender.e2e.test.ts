/**
 * The relayer's transactions in-process against a real Hardhat node (automine, as `npm start` runs it): a
 * transaction whose simulation passed but that another account's transaction beat to the block reverts on-chain;
 * Hardhat mines it and answers the send with an error. The sender must tell that as a reverted transaction with
 * its custom error, not as a send the node refused (which would be retried, and logged as an error), and
 * housekeeping logs such a chore as a failure with its reason. After a restart, the sender finds out what became
 * of a transaction sent before it with one lookup per hash.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  http,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { zkPoolAbi } from "@zkpool/common";
import { createLogger } from "@zkpool/common/node";
import { localPrivateKey } from "../../../scripts/local/accounts";
import { RetryableError } from "../../src/errors";
import { Housekeeping } from "../../src/housekeeping";
import { createMetrics, type Metrics } from "../../src/metrics";
import type { NetworkAdapter } from "../../src/network";
import { TransactionRevertedError, TxSender } from "../../src/sender";
import { openStore } from "../../src/store";
import type { Store } from "../../src/store/types";
import { recordingLog } from "../support/recordingLog";
import { E2E_POOL, startLocalPool, type LocalPool } from "./harness";

describe("relayer transactions on Hardhat's automine", function () {
  this.timeout(60_000);

  let local: LocalPool;
  let store: Store;
  let chain: Chain;
  before(async () => {
    local = await startLocalPool();
    store = await openStore({ dataDir: mkdtempSync(path.join(tmpdir(), "zkpool-sender-")) });
    chain = { ...hardhat, rpcUrls: { default: { http: [local.rpcUrl] } } };
  });
  after(async () => {
    await store?.close();
    await local?.stop();
  });

  const client = (transport?: Transport) =>
    createPublicClient({ chain, transport: transport ?? http(local.rpcUrl), pollingInterval: 100 }) as PublicClient;

  /**
   * The relayer's sender, on a client that lets `race` (another account's transaction) mine between the first
   * simulation and the transaction it was for: the race a relayer loses now and then.
   */
  async function racingSender(race: () => Promise<void>): Promise<{ sender: TxSender; metrics: Metrics }> {
    const real = client();
    let raced = false;
    const racing: PublicClient = {
      ...real,
      estimateContractGas: (async (args: Parameters<PublicClient["estimateContractGas"]>[0]) => {
        const gas = await real.estimateContractGas(args);
        if (!raced) {
          raced = true;
          await race();
        }
        return gas;
      }) as PublicClient["estimateContractGas"],
    };
    const wallet = createWalletClient({
      chain,
      transport: http(local.rpcUrl),
      account: privateKeyToAccount(local.relayerKey),
    });
    const metrics = createMetrics();
    const sender = new TxSender({
      client: racing,
      wallet,
      store,
      log: createLogger("sender", { level: "silent" }),
      metrics,
      receiptTimeoutMs: 10_000,
    });
    await sender.syncNonce();
    return { sender, metrics };
  }

  /** Someone other than the relayer settles the pool's next epoch (settling is anyone's to do). */
  const rivalSettles = async () => {
    const rival = await local.prover(9);
    const epoch = await local.pool.nextEpochToSettle();
    await (await local.pool.connect(rival.signer).settle(epoch)).wait();
  };

  it("reports a transaction beaten between its simulation and its block as reverted, with its custom error", async () => {
    await local.increaseTime(E2E_POOL.epochLength);
    const { sender, metrics } = await racingSender(rivalSettles);
    const pool = local.deployment.contracts.ZKPool.address;
    const epoch = await local.pool.nextEpochToSettle();
    const nonceBefore = await local.relayerNonce();

    const settle = { address: pool, abi: zkPoolAbi, functionName: "settle", args: [epoch] };
    const error = await sender.send(settle, { purpose: "settle" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, String(error)).to.be.instanceOf(TransactionRevertedError);
    expect(error).to.not.be.instanceOf(RetryableError);
    const reverted = error as TransactionRevertedError;
    expect(reverted.errorName).to.equal("EpochNotNext");
    expect(reverted.retryable).to.equal(false);
    expect(reverted.receipt.status).to.equal("reverted");
    const mined = (await local.relayerTransactions()).filter((tx) => tx.nonce >= nonceBefore);
    expect(
      mined.map((tx) => [tx.hash, tx.functionName, tx.status]),
      "the reverted transaction is reported",
    ).to.deep.equal([[reverted.receipt.transactionHash, "settle", "reverted"]]);
    const { values } = await metrics.transactions.get();
    expect(values.map((v) => [v.labels.purpose, v.labels.result, v.value])).to.deep.equal([["settle", "reverted", 1]]);

    // Its nonce was used: the next transaction takes the one after it, and mines.
    const harvest = { address: pool, abi: zkPoolAbi, functionName: "harvest", args: [] };
    expect((await sender.send(harvest, { purpose: "harvest" })).status).to.equal("success");
    expect(await local.relayerNonce()).to.equal(nonceBefore + 2);
  });

  it("housekeeping logs a chore beaten on-chain as a failed transaction with its reason, and goes on", async () => {
    await local.increaseTime(E2E_POOL.epochLength);
    const epoch = await local.pool.nextEpochToSettle();
    const { sender } = await racingSender(rivalSettles);
    const { log, lines } = recordingLog();
    const housekeeping = new Housekeeping({
      client: client(),
      sender,
      adapter: {} as NetworkAdapter,
      pool: local.deployment.contracts.ZKPool.address,
      taikoL1: local.deployment.contracts.TaikoL1.address,
      connectedMachines: () => [],
      log,
    });

    await housekeeping.harvestAndSettle();
    const [failure, ...others] = lines;
    expect(others).to.deep.equal([]);
    expect([failure?.level, failure?.msg]).to.deep.equal(["error", "settle transaction reverted on-chain"]);
    expect(failure?.fields).to.include({ purpose: "settle", epoch: epoch.toString(), reason: "EpochNotNext" });
    const [mined] = (await local.relayerTransactions()).slice(-1);
    expect([failure?.fields.tx, mined?.functionName, mined?.status]).to.deep.equal([mined?.hash, "settle", "reverted"]);

    // The next round settles the epoch that has ended since, and says so.
    await local.increaseTime(E2E_POOL.epochLength);
    await housekeeping.harvestAndSettle();
    expect(lines.slice(1).map((l) => [l.level, l.msg, l.fields.epoch])).to.deep.equal([
      ["info", "settled an ended epoch", (epoch + 1n).toString()],
    ]);
  });

  it("finds what became of a transaction sent before a restart with one lookup per hash", async () => {
    const methods: string[] = [];
    const counting = http(local.rpcUrl, {
      onFetchRequest: (_request, init) => {
        for (const call of [JSON.parse(String(init.body)) as { method: string } | Array<{ method: string }>].flat()) {
          methods.push(call.method);
        }
      },
    });
    const sender = new TxSender({
      client: client(counting),
      wallet: createWalletClient({
        chain,
        transport: http(local.rpcUrl),
        account: privateKeyToAccount(local.relayerKey),
      }),
      store,
      log: createLogger("sender", { level: "silent" }),
      metrics: createMetrics(),
      receiptTimeoutMs: 10_000,
    });
    const lookup = async (hashes: Hex[]) => {
      methods.length = 0;
      return sender.lookup(hashes);
    };
    // Another account's transaction, then its replacement at the same nonce with higher fees, left pending.
    const wallet = createWalletClient({
      chain,
      transport: http(local.rpcUrl),
      account: privateKeyToAccount(localPrivateKey(41)),
    });
    const fees = await client().estimateFeesPerGas();
    const nonce = await client().getTransactionCount({ address: wallet.account.address });
    const harvest = {
      to: local.deployment.contracts.ZKPool.address,
      data: encodeFunctionData({ abi: zkPoolAbi, functionName: "harvest", args: [] }),
      gas: 200_000n,
      nonce,
    };
    await local.setAutomine(false);
    let first: Hex, replacement: Hex;
    try {
      first = await wallet.sendTransaction({ ...harvest, ...fees });
      replacement = await wallet.sendTransaction({
        ...harvest,
        maxFeePerGas: 2n * fees.maxFeePerGas,
        maxPriorityFeePerGas: 2n * fees.maxPriorityFeePerGas,
      });

      const pending = await lookup([first, replacement]);
      expect(pending.state).to.equal("pending");
      expect(pending.state === "pending" && [pending.pending.nonce, pending.pending.hashes]).to.deep.equal([
        nonce,
        [first, replacement],
      ]);
      expect(methods, "the newest hash, once").to.deep.equal(["eth_getTransactionByHash"]);
      await local.mine();
    } finally {
      await local.setAutomine(true);
    }

    const mined = await lookup([first, replacement]);
    expect(mined.state === "mined" && [mined.receipt.transactionHash, mined.receipt.status]).to.deep.equal([
      replacement,
      "success",
    ]);
    expect(methods, "and the mined one's receipt").to.deep.equal([
      "eth_getTransactionByHash",
      "eth_getTransactionReceipt",
    ]);

    // The replaced transaction left the node: alone, it is gone.
    expect((await lookup([first])).state).to.equal("gone");
    expect(methods).to.deep.equal(["eth_getTransactionByHash"]);
  });
});
