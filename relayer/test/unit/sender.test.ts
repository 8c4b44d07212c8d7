/**
 * The relayer's transaction sender on a fake chain (test/support/fakeChain.ts): which nonce and fees each
 * transaction is signed with, what the store records and when (before the node sees anything), how a transaction
 * that does not mine is replaced, how reverts and RPC failures come back, and what a restarted relayer finds of
 * the transactions sent before it. Receipt timeouts run on the fake chain's virtual clock: no test waits.
 */
import { expect } from "chai";
import { encodeFunctionData, keccak256, type Abi, type Address, type Hex } from "viem";
import { taikoL1Abi, zkPoolAbi } from "@zkpool/common";
import { FinalError, RetryableError } from "../../src/errors";
import { createMetrics, type Metrics } from "../../src/metrics";
import {
  CallRevertedError,
  TransactionRevertedError,
  TxSender,
  revertNameOf,
  type ContractCall,
  type SendOptions,
} from "../../src/sender";
import {
  CallLog,
  FakeChain,
  fakeNonceStore,
  fate,
  reverting,
  rpcFailure,
  type FakeChainOptions,
  type FakeNonceStore,
  type Revert,
} from "../support/fakeChain";
import { recordingLog, type RecordingLog } from "../support/recordingLog";

const POOL: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const RECEIPT_TIMEOUT_MS = 10_000;
/** Taiko's errors, which reach the relayer through ZKPool's proveBlock (the adapter's `errors`). */
const taikoErrors: Abi = taikoL1Abi.filter((item) => item.type === "error");

const alreadyProven: Revert = { abi: taikoL1Abi, errorName: "L1_ALREADY_PROVEN" };
const notRelayer: Revert = { abi: zkPoolAbi, errorName: "NotRelayer", args: [POOL] };

function proveBlock(blockId = 7n): ContractCall {
  return { address: POOL, abi: zkPoolAbi, functionName: "proveBlock", args: [blockId, "0x1234"] };
}

interface Setup {
  chain: FakeChain;
  log: CallLog;
  store: FakeNonceStore;
  logged: RecordingLog;
  metrics: Metrics;
  sender: TxSender;
  /** SendOptions whose onSent records `onSent` {hash, nonce} in the shared log, as the submitter's store would. */
  options: SendOptions;
  /** The hashes onSent was given, in order: what the store knows. */
  recorded: Array<{ hash: Hex; nonce: number }>;
  /** A new sender on the same chain and nonce table (any lock of the old one released): a restarted relayer. */
  restart(): TxSender;
}

function setup(
  o: { chain?: FakeChainOptions; maxReplacements?: number; errors?: Abi; receiptTimeoutMs?: number } = {},
): Setup {
  const log = new CallLog();
  const chain = new FakeChain({ log, ...o.chain });
  const store = fakeNonceStore(log);
  const logged = recordingLog();
  const metrics = createMetrics();
  const make = (onStore: FakeNonceStore = store) =>
    new TxSender({
      client: chain.client,
      wallet: chain.wallet,
      store: onStore,
      log: logged.log,
      metrics,
      receiptTimeoutMs: o.receiptTimeoutMs ?? RECEIPT_TIMEOUT_MS,
      maxReplacements: o.maxReplacements,
      errors: "errors" in o ? o.errors : taikoErrors,
    });
  const recorded: Array<{ hash: Hex; nonce: number }> = [];
  const options: SendOptions = {
    purpose: "submit",
    onSent: async (hash, nonce) => {
      log.record("onSent", { hash, nonce });
      recorded.push({ hash, nonce });
    },
  };
  return { chain, log, store, logged, metrics, sender: make(), options, recorded, restart: () => make(store.reopen()) };
}

/** What the wallet signed: nonce and fees of each transaction, in order. */
function signed(
  log: CallLog,
): Array<{ nonce: number; gas: bigint; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
  return log.of("wallet.signTransaction").map((a) => ({
    nonce: a.nonce as number,
    gas: a.gas as bigint,
    maxFeePerGas: a.maxFeePerGas as bigint,
    maxPriorityFeePerGas: a.maxPriorityFeePerGas as bigint,
  }));
}

/** The hashes of the transactions handed to the node (sendRawTransaction), in order. */
function broadcast(log: CallLog): Hex[] {
  return log.of("wallet.sendRawTransaction").map((a) => keccak256(a.serializedTransaction as Hex));
}

async function transactionsCounted(metrics: Metrics): Promise<Record<string, number>> {
  const counted: Record<string, number> = {};
  for (const v of (await metrics.transactions.get()).values)
    counted[`${v.labels.purpose}/${v.labels.result}`] = v.value;
  return counted;
}

/** `after` is at least `before` + 25%, and above it (a fee of a few wei goes up too). */
function expectRaisedByAQuarter(before: bigint | undefined, after: bigint | undefined): void {
  expect(before, "fee before").to.be.a("bigint");
  expect(after, "fee after").to.be.a("bigint");
  const [b, a] = [before ?? 0n, after ?? 0n];
  expect(a * 4n >= b * 5n && a > b, `${a} is not ${b} raised by a quarter`).to.equal(true);
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** Lets the event loop turn `n` times: whatever the fakes can answer meanwhile is answered. */
async function turns(n: number): Promise<void> {
  for (let turn = 0; turn < n; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** Lets every pending callback run until `done` holds (the fake chain answers within a few turns). */
async function until(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 100 && !done(); turn++) await new Promise((resolve) => setImmediate(resolve));
  expect(done(), "never happened").to.equal(true);
}

describe("TxSender", () => {
  describe("nonces", () => {
    it("signs with the nonce the store reserves, not the node's count", async () => {
      const { chain, store, sender, log, options } = setup({ chain: { transactionCount: 3 } });
      await store.resetNonce(chain.account.address, 7);

      await sender.send(proveBlock(), options);

      expect(signed(log).map((t) => t.nonce)).to.deep.equal([7]);
      expect(log.of("store.reserveNonce")).to.deep.include({ address: chain.account.address, chainNonce: 3, nonce: 7 });
      expect(store.next(chain.account.address)).to.equal(8);
    });

    it("reserves from the node's pending count when the store is behind it", async () => {
      const { chain, store, sender, log, options } = setup({ chain: { transactionCount: 5 } });
      await store.resetNonce(chain.account.address, 2);

      await sender.send(proveBlock(), options);

      expect(log.of("client.getTransactionCount")).to.deep.equal([
        { address: chain.account.address, blockTag: "pending" },
      ]);
      expect(signed(log).map((t) => t.nonce)).to.deep.equal([5]);
    });

    it("gives the nonce back when the node refuses the broadcast, and the next transaction takes it", async () => {
      const { chain, store, sender, log, options } = setup();
      chain.willTreat(fate.refused("insufficient funds for gas * price + value"));

      const error = await rejectionOf(sender.send(proveBlock(1n), options));
      expect(error).to.be.instanceOf(RetryableError);
      expect(error.message).to.match(/^the node refused the submit transaction: /);
      expect(error.message).to.include("insufficient funds for gas * price + value");
      expect(log.of("store.releaseNonce")).to.deep.equal([
        { address: chain.account.address, nonce: 0, released: true },
      ]);
      expect(store.next(chain.account.address)).to.equal(0);

      await sender.send(proveBlock(2n), options);
      expect(signed(log).map((t) => t.nonce)).to.deep.equal([0, 0]);
      expect(chain.sent.map((t) => t.nonce)).to.deep.equal([0]);
    });

    it("reserves, records and broadcasts under the nonce lock, and waits for the receipt outside it", async () => {
      const { sender, log, options } = setup();

      await sender.send(proveBlock(), options);

      expect(log.names((w) => !["client.estimateContractGas", "client.estimateFeesPerGas"].includes(w))).to.deep.equal([
        "store.lock",
        "client.getTransactionCount",
        "store.reserveNonce",
        "wallet.signTransaction",
        "onSent",
        "wallet.sendRawTransaction",
        "store.unlock",
        "client.waitForTransactionReceipt",
      ]);
    });

    it("syncNonce sets the store's next nonce to the node's pending count, reading it under the lock", async () => {
      const { chain, store, sender, log } = setup({ chain: { transactionCount: 4 } });
      await store.resetNonce(chain.account.address, 9);
      log.entries.length = 0;

      await sender.syncNonce();

      expect(log.entries).to.deep.equal([
        { what: "store.lock", args: { address: chain.account.address } },
        { what: "client.getTransactionCount", args: { address: chain.account.address, blockTag: "pending" } },
        { what: "store.resetNonce", args: { address: chain.account.address, next: 4 } },
        { what: "store.unlock", args: { address: chain.account.address } },
      ]);
      expect(store.next(chain.account.address)).to.equal(4);
    });
  });

  describe("record before broadcast", () => {
    it("records each transaction's hash and nonce (replacements too) before the node is handed it", async () => {
      const { chain, sender, log, options, recorded } = setup();
      chain.willTreat(fate.pending(), fate.mines());

      const receipt = await sender.send(proveBlock(), options);

      const hashes = broadcast(log);
      expect(recorded).to.deep.equal(hashes.map((hash) => ({ hash, nonce: 0 })));
      expect(receipt.transactionHash).to.equal(hashes[1]);
      for (const hash of hashes) {
        expect(log.indexOf("onSent", (a) => a.hash === hash)).to.be.lessThan(
          log.indexOf("wallet.sendRawTransaction", (a) => keccak256(a.serializedTransaction as Hex) === hash),
        );
      }
    });

    it("a crash between the record and the broadcast leaves a hash the store knows, and nothing on the node", async () => {
      const { chain, store, sender, log, options, recorded, restart } = setup();
      chain.crashAt("sendRawTransaction");

      void sender.send(proveBlock(), options);
      await until(() => log.of("wallet.sendRawTransaction").length === 1);

      expect(recorded.map((r) => r.hash)).to.deep.equal(broadcast(log));
      expect(chain.sent).to.deep.equal([]);
      // The restarted relayer finds it never reached the node, and takes its nonce back.
      const after = restart();
      expect(await after.lookup(recorded.map((r) => r.hash))).to.deep.equal({ state: "gone" });
      await after.syncNonce();
      expect(store.next(chain.account.address)).to.equal(0);
    });

    it("a transaction whose record fails is never broadcast, and its nonce is given back", async () => {
      const { chain, store, sender, log } = setup();
      const failure = new FinalError("the store refused the write");

      const error = await rejectionOf(
        sender.send(proveBlock(), {
          purpose: "submit",
          onSent: async () => {
            throw failure;
          },
        }),
      );

      expect(error).to.equal(failure);
      expect(log.of("wallet.sendRawTransaction")).to.deep.equal([]);
      expect(store.next(chain.account.address)).to.equal(0);
    });
  });

  describe("receipts and replacements", () => {
    it("resolves with the receipt of a transaction that mines, sent with 20% more gas than estimated", async () => {
      const { chain, sender, log, logged, metrics, options } = setup({ chain: { gasEstimate: 150_000n } });

      const receipt = await sender.send(proveBlock(), options);

      const [hash] = broadcast(log);
      expect(receipt.transactionHash).to.equal(hash);
      expect(receipt.status).to.equal("success");
      expect(signed(log)).to.deep.equal([
        { nonce: 0, gas: 180_000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n },
      ]);
      const [sent] = log.of("wallet.signTransaction");
      expect(sent).to.deep.include({ account: chain.wallet.account, chain: chain.wallet.chain, to: POOL });
      expect(sent?.data).to.equal(
        encodeFunctionData({ abi: zkPoolAbi, functionName: "proveBlock", args: [7n, "0x1234"] }),
      );
      expect(log.of("client.waitForTransactionReceipt")).to.deep.equal([{ hash, timeout: RECEIPT_TIMEOUT_MS }]);
      expect(log.of("client.estimateContractGas")).to.deep.equal([
        { ...proveBlock(), abi: [...zkPoolAbi, ...taikoErrors], account: chain.account },
      ]);
      expect(await transactionsCounted(metrics)).to.deep.equal({ "submit/success": 1 });
      expect(logged.lines.filter((l) => l.msg === "transaction sent").map((l) => l.fields)).to.deep.equal([
        { purpose: "submit", hash, nonce: 0, attempt: 0, maxFeePerGas: "2000000000" },
      ]);
    });

    it("a transaction not mined within receiptTimeoutMs is replaced at the same nonce, both fees up by a quarter", async () => {
      const { chain, sender, log, logged, options } = setup();
      chain.willTreat(fate.pending(), fate.mines());

      const receipt = await sender.send(proveBlock(), options);

      const [first, second] = signed(log);
      expect(second?.nonce).to.equal(first?.nonce);
      expect(second?.gas).to.equal(first?.gas);
      expectRaisedByAQuarter(first?.maxFeePerGas, second?.maxFeePerGas);
      expectRaisedByAQuarter(first?.maxPriorityFeePerGas, second?.maxPriorityFeePerGas);
      expect(receipt.transactionHash).to.equal(broadcast(log)[1]);
      // Replaced once the wait ran out, not before.
      expect(chain.sent[1]?.sentAt).to.equal(RECEIPT_TIMEOUT_MS);
      expect(logged.lines.filter((l) => l.level === "warn").map((l) => [l.msg, l.fields])).to.deep.equal([
        [
          "transaction not mined in time: replacing it with higher fees",
          { purpose: "submit", nonce: 0, hash: broadcast(log)[0], attempt: 1 },
        ],
      ]);
      expect(logged.lines.filter((l) => l.msg === "transaction sent").map((l) => l.fields.attempt)).to.deep.equal([
        0, 1,
      ]);
    });

    it("a transaction sent with no onSent (a housekeeping chore) goes out all the same", async () => {
      const { sender, log } = setup();

      const receipt = await sender.send(proveBlock(), { purpose: "harvest" });

      expect(receipt.transactionHash).to.equal(broadcast(log)[0]);
    });

    it("a transaction that mines within receiptTimeoutMs is not replaced", async () => {
      const { chain, sender, log, options } = setup();
      chain.willTreat(fate.mines(RECEIPT_TIMEOUT_MS));

      await sender.send(proveBlock(), options);

      expect(signed(log)).to.have.length(1);
    });

    it("a transaction the node dropped is replaced at its nonce", async () => {
      const { chain, sender, log, options } = setup();
      chain.willTreat(fate.dropped(), fate.mines());

      const receipt = await sender.send(proveBlock(), options);

      expect(signed(log).map((t) => t.nonce)).to.deep.equal([0, 0]);
      expect(receipt.transactionHash).to.equal(broadcast(log)[1]);
    });

    it("fees of a few wei still go up at each replacement", async () => {
      const { chain, sender, log, options } = setup({
        chain: { fees: { maxFeePerGas: 3n, maxPriorityFeePerGas: 1n } },
      });
      chain.willTreat(fate.pending(), fate.pending(), fate.mines());

      await sender.send(proveBlock(), options);

      const fees = signed(log).map((t) => [t.maxFeePerGas, t.maxPriorityFeePerGas]);
      expect(fees).to.have.length(3);
      for (let i = 1; i < fees.length; i++) {
        expectRaisedByAQuarter(fees[i - 1]?.[0], fees[i]?.[0]);
        expectRaisedByAQuarter(fees[i - 1]?.[1], fees[i]?.[1]);
      }
    });

    it("a transaction that never mines is replaced maxReplacements times, then comes back as a RetryableError", async () => {
      const { chain, sender, log, metrics, options } = setup({ maxReplacements: 2 });
      chain.willTreat(fate.pending(), fate.pending(), fate.pending());

      const error = await rejectionOf(sender.send(proveBlock(), options));

      expect(error).to.be.instanceOf(RetryableError);
      expect(error.message).to.equal("submit transaction with nonce 0 did not mine after 2 replacements");
      expect(signed(log).map((t) => t.nonce)).to.deep.equal([0, 0, 0]);
      expect(chain.now).to.equal(3 * RECEIPT_TIMEOUT_MS);
      expect(await transactionsCounted(metrics)).to.deep.equal({ "submit/stuck": 1 });
    });

    it("replaces three times by default", async () => {
      const { chain, sender, log, options } = setup();
      chain.willTreat(fate.pending(), fate.pending(), fate.pending(), fate.pending());

      const error = await rejectionOf(sender.send(proveBlock(), options));

      expect(error.message).to.equal("submit transaction with nonce 0 did not mine after 3 replacements");
      expect(signed(log)).to.have.length(4);
    });

    it("waits for every transaction of the nonce: the first one mining after a replacement counts", async () => {
      const { chain, sender, log, options } = setup();
      chain.willTreat(fate.mines(1.5 * RECEIPT_TIMEOUT_MS), fate.pending());

      const receipt = await sender.send(proveBlock(), options);

      const [first] = broadcast(log);
      expect(receipt.transactionHash).to.equal(first);
      expect(log.of("client.waitForTransactionReceipt").map((a) => a.hash)).to.deep.equal([
        first,
        first,
        broadcast(log)[1],
      ]);
    });

    it("a replacement the node refuses leaves the earlier transaction to mine", async () => {
      const { chain, store, sender, log, logged, options } = setup();
      chain.willTreat(fate.mines(1.5 * RECEIPT_TIMEOUT_MS), fate.refused("replacement transaction underpriced"));

      const receipt = await sender.send(proveBlock(), options);

      expect(receipt.transactionHash).to.equal(broadcast(log)[0]);
      const refused = logged.lines.find((l) => l.msg === "replacement refused by the node");
      expect(refused?.level).to.equal("warn");
      expect(refused?.fields).to.include({ purpose: "submit", nonce: 0 });
      expect(refused?.fields.err).to.be.instanceOf(RetryableError);
      expect(log.of("store.releaseNonce")).to.deep.equal([]);
      expect(store.next(chain.account.address)).to.equal(1);
    });

    it("a replacement whose record fails ends the send with that error, unbroadcast", async () => {
      const { chain, sender, log } = setup();
      chain.willTreat(fate.pending());
      const failure = new FinalError("the store refused the write");
      let records = 0;

      const error = await rejectionOf(
        sender.send(proveBlock(), {
          purpose: "submit",
          onSent: async () => {
            if (++records === 2) throw failure;
          },
        }),
      );

      expect(error).to.equal(failure);
      expect(broadcast(log)).to.have.length(1);
    });

    it("stops instead of replacing once its signal is aborted", async () => {
      const { chain, sender, log, options } = setup();
      chain.willTreat(fate.pending());
      const stop = new AbortController();
      const reason = new Error("shutting down");
      stop.abort(reason);

      const error = await rejectionOf(sender.send(proveBlock(), { ...options, signal: stop.signal }));

      expect(error).to.equal(reason);
      expect(signed(log)).to.have.length(1);
    });
  });

  describe("reverts", () => {
    it("a simulation that reverts comes back as a CallRevertedError naming the custom error, and nothing is sent", async () => {
      const { chain, sender, log, options } = setup();
      chain.failNext("estimateContractGas", reverting(notRelayer));

      const error = await rejectionOf(sender.send(proveBlock(), options));

      expect(error).to.be.instanceOf(CallRevertedError).and.not.instanceOf(TransactionRevertedError);
      expect(error.name).to.equal("CallRevertedError");
      expect((error as CallRevertedError).errorName).to.equal("NotRelayer");
      expect((error as CallRevertedError).errorArgs, "the custom error's arguments").to.deep.equal([POOL]);
      expect((error as CallRevertedError).retryable).to.equal(false);
      expect(error.message).to.equal("proveBlock would revert with NotRelayer");
      expect(log.names()).to.deep.equal(["client.estimateContractGas"]);
    });

    it("a revert of a contract behind the called one is named through the sender's `errors`", async () => {
      const { chain, sender } = setup();
      chain.failNext("estimateContractGas", reverting(alreadyProven));

      const error = await rejectionOf(sender.simulate(proveBlock()));

      expect(error).to.be.instanceOf(CallRevertedError);
      expect((error as CallRevertedError).errorName).to.equal("L1_ALREADY_PROVEN");
      expect(error.message).to.equal("proveBlock would revert with L1_ALREADY_PROVEN");
    });

    it("a revert no ABI of the sender knows is a CallRevertedError with no name", async () => {
      const { chain, sender } = setup({ errors: undefined });
      chain.failNext("estimateContractGas", reverting(alreadyProven));

      const error = await rejectionOf(sender.simulate(proveBlock()));

      expect(error).to.be.instanceOf(CallRevertedError);
      expect((error as CallRevertedError).errorName).to.equal(undefined);
      expect((error as CallRevertedError).errorArgs).to.deep.equal([]);
      expect(error.message).to.equal("proveBlock would revert");
    });

    it("a transaction that mines and reverts comes back as a TransactionRevertedError with its custom error", async () => {
      const { chain, store, sender, log, metrics, options } = setup();
      chain.willTreat(fate.reverts(alreadyProven));

      const error = await rejectionOf(sender.send(proveBlock(), options));

      expect(error).to.be.instanceOf(TransactionRevertedError);
      expect(error.name).to.equal("TransactionRevertedError");
      const reverted = error as TransactionRevertedError;
      const [hash] = broadcast(log);
      expect(reverted.errorName).to.equal("L1_ALREADY_PROVEN");
      expect(reverted.receipt.transactionHash).to.equal(hash);
      expect(reverted.receipt.status).to.equal("reverted");
      expect(error.message).to.equal(`proveBlock transaction ${hash} reverted on-chain with L1_ALREADY_PROVEN`);
      // Read by replaying the call on the state of the block it mined in.
      expect(log.of("client.simulateContract")).to.deep.equal([
        {
          ...proveBlock(),
          abi: [...zkPoolAbi, ...taikoErrors],
          account: chain.account,
          blockNumber: reverted.receipt.blockNumber,
        },
      ]);
      expect(await transactionsCounted(metrics)).to.deep.equal({ "submit/reverted": 1 });
      expect(signed(log)).to.have.length(1);
      expect(store.next(chain.account.address)).to.equal(1);
    });

    it("a mined revert whose replay passes is a TransactionRevertedError with an unknown reason", async () => {
      const { chain, sender, log, options } = setup();
      chain.willTreat(fate.reverts());

      const error = await rejectionOf(sender.send(proveBlock(), options));

      expect(error).to.be.instanceOf(TransactionRevertedError);
      expect((error as TransactionRevertedError).errorName).to.equal(undefined);
      expect((error as TransactionRevertedError).errorArgs).to.deep.equal([]);
      expect(error.message).to.equal(
        `proveBlock transaction ${broadcast(log)[0]} reverted on-chain (its replay passes: reason unknown)`,
      );
    });

    it("a mined revert carries its custom error's arguments, read from the replay", async () => {
      const { chain, sender, options } = setup();
      const parentHash = `0x${"ab".repeat(32)}` as const;
      chain.willTreat(fate.reverts({ abi: zkPoolAbi, errorName: "ProofNotRecorded", args: [9n, parentHash, 21_000] }));

      const error = await rejectionOf(sender.send(proveBlock(), options));

      expect(error).to.be.instanceOf(TransactionRevertedError);
      expect((error as TransactionRevertedError).errorName).to.equal("ProofNotRecorded");
      expect((error as TransactionRevertedError).errorArgs).to.deep.equal([9n, parentHash, 21_000]);
    });

    it("a send the node answers with an error although it mined the reverting transaction (automine) is a revert, not a refusal", async () => {
      const { chain, store, sender, log, options } = setup();
      chain.willTreat(fate.reverts(alreadyProven, { nodeAnswersWithError: true }));

      const error = await rejectionOf(sender.send(proveBlock(), options));

      expect(error).to.be.instanceOf(TransactionRevertedError);
      expect((error as TransactionRevertedError).errorName).to.equal("L1_ALREADY_PROVEN");
      expect(log.of("store.releaseNonce")).to.deep.equal([]);
      expect(store.next(chain.account.address)).to.equal(1);
    });

    it("revertNameOf reads no name from an error that is not viem's", () => {
      expect(revertNameOf(new Error("L1_ALREADY_PROVEN"))).to.equal(undefined);
    });
  });

  describe("RPC failures are retryable", () => {
    it("a simulation the node does not answer is a RetryableError", async () => {
      const { chain, sender, log, options } = setup();
      chain.failNext("estimateContractGas", rpcFailure("socket hang up"));

      const error = await rejectionOf(sender.send(proveBlock(), options));

      expect(error).to.be.instanceOf(RetryableError);
      expect(error.message).to.match(/^could not simulate proveBlock: HTTP request failed\./);
      expect(log.names()).to.deep.equal(["client.estimateContractGas"]);
    });

    it("a broadcast to a node that went away is a RetryableError, and the nonce is given back", async () => {
      const { chain, store, sender, options } = setup();
      chain.failNext("sendRawTransaction", rpcFailure());

      const error = await rejectionOf(sender.send(proveBlock(), options));

      expect(error).to.be.instanceOf(RetryableError);
      expect(store.next(chain.account.address)).to.equal(0);
    });
    for (const [method, what] of [
      ["estimateFeesPerGas", "estimate fees"],
      ["getTransactionCount", "read the pending nonce"],
    ] as const) {
      it(`a send whose ${method} the node does not answer is a RetryableError, with nothing signed or reserved`, async () => {
        const { chain, store, sender, log, options } = setup();
        chain.failNext(method, rpcFailure());

        const error = await rejectionOf(sender.send(proveBlock(), options));

        expect(error).to.be.instanceOf(RetryableError);
        expect(error.message).to.match(new RegExp(`^could not ${what}: HTTP request failed\\.`));
        expect(log.of("wallet.signTransaction")).to.deep.equal([]);
        expect(store.next(chain.account.address)).to.equal(undefined);
        // The lock is free again: the next send goes out.
        await sender.send(proveBlock(), options);
        expect(signed(log).map((t) => t.nonce)).to.deep.equal([0]);
      });
    }

    it("syncNonce with the node away is a RetryableError and leaves the store's nonce as it was", async () => {
      const { chain, store, sender } = setup();
      await store.resetNonce(chain.account.address, 3);
      chain.goAway();

      const error = await rejectionOf(sender.syncNonce());

      expect(error).to.be.instanceOf(RetryableError);
      expect(store.next(chain.account.address)).to.equal(3);
      chain.comeBack();
      await sender.syncNonce();
      expect(store.next(chain.account.address)).to.equal(0);
    });

    it("receipts the node does not answer are waited for again, then the send is a RetryableError", async () => {
      const { chain, sender, log, options } = setup({ maxReplacements: 1 });
      chain.willTreat(fate.pending(), fate.pending());
      chain.failNext("waitForTransactionReceipt", rpcFailure(), 3);

      const error = await rejectionOf(sender.send(proveBlock(), options));

      expect(error).to.be.instanceOf(RetryableError);
      expect(signed(log).map((t) => t.nonce)).to.deep.equal([0, 0]);
    });

    it("a lookup the node does not answer is a RetryableError, not a transaction gone", async () => {
      const { chain, sender } = setup();
      const pending = chain.seed({ hash: keccak256("0x01"), nonce: 2, fate: fate.pending() });
      chain.failNext("getTransaction", rpcFailure());

      const error = await rejectionOf(sender.lookup([pending.hash]));

      expect(error).to.be.instanceOf(RetryableError);
      expect(error.message).to.match(
        new RegExp(`^could not look up transaction ${pending.hash}: HTTP request failed\\.`),
      );
    });

    it("a lookup whose receipt the node does not answer is a RetryableError", async () => {
      const { chain, sender } = setup();
      const mined = chain.seed({ hash: keccak256("0x01"), nonce: 2, fate: fate.mines() });
      chain.failNext("getTransactionReceipt", rpcFailure());

      const error = await rejectionOf(sender.lookup([mined.hash]));

      expect(error).to.be.instanceOf(RetryableError);
      expect(error.message).to.match(
        new RegExp(`^could not read the receipt of ${mined.hash}: HTTP request failed\\.`),
      );
    });
  });

  describe("the lane", () => {
    it("sends go out one at a time, in the order they were made: the next is signed once the one before mined", async () => {
      const { chain, sender, log, options } = setup();
      const release = chain.hold("waitForTransactionReceipt");

      const sends = [1n, 2n, 3n].map((id) => sender.send(proveBlock(id), options));
      await until(() => log.of("client.waitForTransactionReceipt").length === 1);
      await turns(10);

      // The first waits for its receipt; the others have not even reserved a nonce.
      expect(log.of("store.reserveNonce").map((a) => a.nonce)).to.deep.equal([0]);
      expect(signed(log)).to.have.length(1);
      release();
      const receipts = await Promise.all(sends);
      expect(chain.sent.map((t) => [t.nonce, t.data])).to.deep.equal(
        [1n, 2n, 3n].map((id, nonce) => [
          nonce,
          encodeFunctionData({ abi: zkPoolAbi, functionName: "proveBlock", args: [id, "0x1234"] }),
        ]),
      );
      expect(receipts.map((r) => r.transactionHash)).to.deep.equal(chain.sent.map((t) => t.hash));
    });

    it("a send that fails does not hold up the next one", async () => {
      const { chain, sender, log, options } = setup();
      chain.willTreat(fate.reverts(alreadyProven));

      const [first, second] = await Promise.allSettled([
        sender.send(proveBlock(1n), options),
        sender.send(proveBlock(2n), options),
      ]);

      expect(first.status).to.equal("rejected");
      expect(second.status).to.equal("fulfilled");
      expect(signed(log).map((t) => t.nonce)).to.deep.equal([0, 1]);
    });
  });

  describe("after a restart", () => {
    it("lookup finds a mined transaction, with its receipt and nonce", async () => {
      const { chain, sender, log, options, recorded, restart } = setup();
      await sender.send(proveBlock(), options);
      log.entries.length = 0;

      const found = await restart().lookup(recorded.map((r) => r.hash));

      expect(found.state).to.equal("mined");
      if (found.state !== "mined") return;
      expect(found.receipt.transactionHash).to.equal(recorded[0]?.hash);
      expect(found.nonce).to.equal(0);
      expect(log.names()).to.deep.equal(["client.getTransaction", "client.getTransactionReceipt"]);
      expect(chain.sent).to.have.length(1);
    });

    it("lookup asks the newest hash first and stops at the first the node knows", async () => {
      const { chain, sender, log } = setup();
      const older = chain.seed({
        hash: keccak256("0x01"),
        nonce: 4,
        gas: 90_000n,
        maxFeePerGas: 10n,
        maxPriorityFeePerGas: 2n,
        fate: fate.pending(),
      });
      const newer = chain.seed({
        hash: keccak256("0x02"),
        nonce: 4,
        gas: 90_000n,
        maxFeePerGas: 13n,
        maxPriorityFeePerGas: 3n,
        fate: fate.pending(),
      });

      const found = await sender.lookup([older.hash, newer.hash]);

      expect(found).to.deep.equal({
        state: "pending",
        pending: {
          nonce: 4,
          hashes: [older.hash, newer.hash],
          gas: 90_000n,
          maxFeePerGas: 13n,
          maxPriorityFeePerGas: 3n,
        },
      });
      expect(log.of("client.getTransaction")).to.deep.equal([{ hash: newer.hash }]);
    });

    it("lookup goes on to an older hash when the node dropped the newer one", async () => {
      const { chain, sender, log } = setup();
      const older = chain.seed({
        hash: keccak256("0x01"),
        nonce: 4,
        maxFeePerGas: 10n,
        maxPriorityFeePerGas: 2n,
        fate: fate.pending(),
      });
      const dropped = chain.seed({ hash: keccak256("0x02"), nonce: 4, fate: fate.dropped() });

      const found = await sender.lookup([older.hash, dropped.hash]);

      expect(found.state === "pending" && found.pending.maxFeePerGas).to.equal(10n);
      expect(log.of("client.getTransaction")).to.deep.equal([{ hash: dropped.hash }, { hash: older.hash }]);
    });

    it("lookup of a legacy transaction takes its gas price for both fees", async () => {
      const { chain, sender } = setup();
      const legacy = chain.seed({ hash: keccak256("0x01"), nonce: 2, gasPrice: 7n, fate: fate.pending() });

      const found = await sender.lookup([legacy.hash]);

      expect(
        found.state === "pending" && [found.pending.maxFeePerGas, found.pending.maxPriorityFeePerGas],
      ).to.deep.equal([7n, 7n]);
    });

    it("lookup of hashes the node does not know is gone", async () => {
      const { chain, sender, log } = setup();
      const dropped = chain.seed({ hash: keccak256("0x01"), nonce: 2, fate: fate.dropped() });

      expect(await sender.lookup([keccak256("0x02"), dropped.hash])).to.deep.equal({ state: "gone" });
      expect(log.of("client.getTransaction")).to.have.length(2);
      expect(await sender.lookup([])).to.deep.equal({ state: "gone" });
    });

    it("resume waits for a transaction sent before the restart and replaces it at its nonce with higher fees", async () => {
      const { chain, store, sender, log, logged, options } = setup();
      const before = chain.seed({
        hash: keccak256("0x01"),
        nonce: 5,
        gas: 90_000n,
        maxFeePerGas: 2_000n,
        maxPriorityFeePerGas: 400n,
        fate: fate.pending(),
      });
      const found = await sender.lookup([before.hash]);
      if (found.state !== "pending") throw new Error(`expected pending, got ${found.state}`);

      const receipt = await sender.resume(proveBlock(), found.pending, options);

      expect(signed(log)).to.deep.equal([{ nonce: 5, gas: 90_000n, maxFeePerGas: 2_501n, maxPriorityFeePerGas: 501n }]);
      expect(receipt.transactionHash).to.equal(broadcast(log)[0]);
      expect(log.of("store.reserveNonce")).to.deep.equal([]);
      expect(store.next(chain.account.address)).to.equal(undefined);
      expect(logged.lines[0]).to.deep.equal({
        level: "info",
        fields: { purpose: "submit", hash: before.hash, nonce: 5 },
        msg: "waiting for a transaction sent before the restart",
      });
    });

    it("resume of a transaction that mines in time sends nothing", async () => {
      const { chain, sender, log, options } = setup();
      const before = chain.seed({
        hash: keccak256("0x01"),
        nonce: 5,
        maxFeePerGas: 2_000n,
        maxPriorityFeePerGas: 400n,
        fate: fate.mines(1_000),
      });
      const found = await sender.lookup([before.hash]);
      if (found.state !== "pending") throw new Error(`expected pending, got ${found.state}`);

      const receipt = await sender.resume(proveBlock(), found.pending, options);

      expect(receipt.transactionHash).to.equal(before.hash);
      expect(signed(log)).to.deep.equal([]);
    });
  });
});
