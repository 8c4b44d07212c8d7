/**
 * The relayer's TxSender against a real Hardhat node (automine, as `npm start` runs it): a transaction whose
 * simulation passed but that another account's transaction beat to the block reverts on-chain; Hardhat mines it
 * and answers the send with an error. The sender must tell that as a reverted transaction with its custom error,
 * not as a send the node refused (which would be retried, and logged as an error).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { createPublicClient, createWalletClient, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { zkPoolAbi } from "@zkpool/common";
import { createLogger } from "@zkpool/common/node";
import { createMetrics } from "../../src/metrics";
import { RetryableError } from "../../src/errors";
import { TransactionRevertedError, TxSender } from "../../src/sender";
import { openStore } from "../../src/store";
import type { Store } from "../../src/store/types";
import { E2E_POOL, startLocalPool, type LocalPool } from "./harness";

describe("TxSender on Hardhat's automine", function () {
  this.timeout(60_000);

  let local: LocalPool;
  let store: Store;
  before(async () => {
    local = await startLocalPool();
    store = await openStore({ dataDir: mkdtempSync(path.join(tmpdir(), "zkpool-sender-")) });
  });
  after(async () => {
    await store?.close();
    await local?.stop();
  });

  it("reports a transaction beaten between its simulation and its block as reverted, with its custom error", async () => {
    const chain = { ...hardhat, rpcUrls: { default: { http: [local.rpcUrl] } } };
    const client = createPublicClient({ chain, transport: http(local.rpcUrl), pollingInterval: 100 }) as PublicClient;
    const wallet = createWalletClient({
      chain,
      transport: http(local.rpcUrl),
      account: privateKeyToAccount(local.relayerKey),
    });
    const pool = local.deployment.contracts.ZKPool.address;
    await local.increaseTime(E2E_POOL.epochLength);
    // Settling is anyone's to do: between the relayer's simulation of settle(0) and its transaction, a rival does it.
    const rival = await local.prover(9);
    let raced = false;
    const racingClient: PublicClient = {
      ...client,
      estimateContractGas: (async (args: Parameters<PublicClient["estimateContractGas"]>[0]) => {
        const gas = await client.estimateContractGas(args);
        if (!raced) {
          raced = true;
          await (await local.pool.connect(rival.signer).settle(0)).wait();
        }
        return gas;
      }) as PublicClient["estimateContractGas"],
    };
    const metrics = createMetrics();
    const sender = new TxSender({
      client: racingClient,
      wallet,
      store,
      log: createLogger("sender", { level: "silent" }),
      metrics,
      receiptTimeoutMs: 10_000,
    });
    await sender.syncNonce();

    const settle = { address: pool, abi: zkPoolAbi, functionName: "settle", args: [0n] };
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
    const [mined] = (await local.relayerTransactions()).filter((tx) => tx.functionName === "settle");
    expect(mined?.hash, "the reverted transaction is the one reported").to.equal(reverted.receipt.transactionHash);
    expect(mined?.status).to.equal("reverted");
    const { values } = await metrics.transactions.get();
    expect(values.map((v) => [v.labels.purpose, v.labels.result, v.value])).to.deep.equal([["settle", "reverted", 1]]);

    // Its nonce was used: the next transaction takes the one after it, and mines.
    const next = await sender.send(
      { address: pool, abi: zkPoolAbi, functionName: "harvest", args: [] },
      { purpose: "harvest" },
    );
    expect(next.status).to.equal("success");
    expect(await local.relayerNonce()).to.equal(mined!.nonce + 2);
  });
});
