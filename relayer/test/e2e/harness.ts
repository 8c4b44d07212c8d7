/**
 * A whole local pool for end-to-end tests: a real Hardhat node, Taiko A4 and ZKPool deployed, the pool staked
 * as the only ProverPool staker (so every block is assigned to it), provers with agent keys, and a proposer.
 */
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, NonceManager, Wallet, type Signer } from "ethers";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { toHex, type Address, type Hash, type Hex } from "viem";
import {
  agentConsentTypedData,
  LOCAL_GENESIS_BLOCK_HASH,
  LOCAL_PROTOCOL,
  TTKO,
  PROPOSE_BLOCK_GAS,
  proposeInputFor,
  shutdownProver,
  type PoolParams,
  type ProtocolParams,
} from "@zkpool/common";
import { createLogger, writeDeployment, type Deployment } from "@zkpool/common/node";
import { deployTaiko, deployZKPool } from "../../../scripts/lib/deploy";
import { startHardhatNode, type LocalNode } from "../../../scripts/local/node";
import { localAccount, localPrivateKey } from "../../../scripts/local/accounts";
import { localRelayerEnv, type ServiceProcess } from "../../../scripts/lib/processes";
import { startRelayerProcess } from "./processes";
import type { TaikoL1, TaikoToken, ZKPool } from "../../../typechain-types";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Taiko on a clock fast enough for tests: 30–90 s proof windows, 5 s cooldown. */
export const E2E_PROTOCOL: ProtocolParams = {
  taiko: {
    ...LOCAL_PROTOCOL.taiko,
    proofMinWindow: 30,
    proofMaxWindow: 90,
    proofRegularCooldown: 5n,
    proofOracleCooldown: 5n,
  },
  taikoL1: { ...LOCAL_PROTOCOL.taikoL1, initAvgProofDelay: 10 },
  proverPool: LOCAL_PROTOCOL.proverPool,
};

export const E2E_POOL: PoolParams = { epochLength: 3_600n, feeChangeDelay: 7_200n, minCapacity: 5, maxCapacity: 64 };

export interface Prover {
  signer: Signer;
  address: Address;
}

/** A transaction the relayer account got mined, with the ZKPool call it made (when it called the pool). */
export interface RelayerTransaction {
  hash: Hash;
  nonce: number;
  blockNumber: number;
  /** ZKPool's function (proveBlock, harvest, adjustCapacity…), undefined for a call to anything else. */
  functionName: string | undefined;
  args: readonly unknown[];
  status: "success" | "reverted";
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** A transaction as the node holds it: mined (blockNumber) or still pending (null). */
export interface NodeTransaction {
  blockNumber: number | null;
  nonce: number;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface LocalPool {
  node: LocalNode;
  rpcUrl: string;
  deployment: Deployment;
  deploymentsDir: string;
  pool: ZKPool;
  taikoL1: TaikoL1;
  token: TaikoToken;
  relayerKey: Hex;
  relayerAddress: Address;
  /** Proposes a block (assigned to the pool) and returns its id. */
  propose(gasLimit?: number): Promise<bigint>;
  /** A prover (a funded local account) authorizes a fresh access key; returns the key. */
  newAgentKey(prover: Prover, label?: string): Promise<Hex>;
  revokeAgent(prover: Prover, agentKey: Hex): Promise<void>;
  prover(index: number): Promise<Prover>;
  /**
   * Lets Taiko verify every proven block it can: moves the clock past the proof cooldown and calls
   * TaikoL1.verifyBlocks (anyone may). Resolves with the BlockVerified logs' args of that transaction.
   */
  verify(): Promise<Array<{ blockId: bigint; prover: string; proofReward: bigint }>>;
  /** When the block's first proof was accepted (unix seconds), from its BlockProven log's block. */
  provenAt(blockId: bigint): Promise<bigint>;
  /** The relayer account's transaction count (at `blockNumber`, default latest): how many it has sent. */
  relayerNonce(blockNumber?: number): Promise<number>;
  /** Every transaction of the relayer account on the chain up to `blockNumber` (default latest), by nonce. */
  relayerTransactions(blockNumber?: number): Promise<RelayerTransaction[]>;
  blockNumber(): Promise<number>;
  /** The relayer's settings (the environment `loadConfig` and `npm run relayer` read) for this chain. */
  relayerEnv(gatewayPort: number, httpPort: number): Record<string, string>;
  /**
   * Hardhat's automine. Off, transactions wait in the mempool until `mine()` (which mines them all); propose()
   * and verify() mine their own block then, unless `mineOwn` is false: then they wait for whoever mines (a test's
   * own miner), so that nothing is mined behind its back.
   */
  setAutomine(on: boolean, options?: { mineOwn?: boolean }): Promise<void>;
  /** The transactions in the node's mempool (its pending block), in the order the next block would mine them. */
  pendingTransactions(): Promise<Array<{ hash: Hash; from: Address; to: Address | null; data: Hex }>>;
  mine(): Promise<void>;
  /** Hardhat drops a pending transaction from its mempool, as a node restart or eviction would. */
  dropTransaction(hash: Hash): Promise<void>;
  /** The transaction if the node knows it (pending or mined), else null. */
  transaction(hash: Hash): Promise<NodeTransaction | null>;
  /** Moves the chain's clock `seconds` ahead and mines a block at the new time. */
  increaseTime(seconds: number | bigint): Promise<void>;
  /**
   * Hardhat's snapshot of the chain; `revert` takes the chain, and its clock, back to it (as a reorganisation
   * would take away the blocks mined since).
   */
  snapshot(): Promise<string>;
  revert(snapshot: string): Promise<void>;
  /** Resolves with the args of the first log matching `filter` (already mined or yet to come). */
  nextEvent<T extends { getTopicFilter(): Promise<unknown> }>(filter: T): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** A local pool on `protocol`'s rules (E2E_PROTOCOL's by default). */
export async function startLocalPool(protocol: ProtocolParams = E2E_PROTOCOL): Promise<LocalPool> {
  const log = createLogger("e2e", { level: "warn" });
  const node = await startHardhatNode("127.0.0.1", await freePort(), log);
  const provider = new JsonRpcProvider(node.url, undefined, { pollingInterval: 100 });
  const deployer = await provider.getSigner(0);
  const operator = await provider.getSigner(3);
  const proposer = await provider.getSigner(1);
  const taiko = await deployTaiko(deployer, protocol, { genesisBlockHash: LOCAL_GENESIS_BLOCK_HASH });
  const { pool, deployment } = await deployZKPool(operator, taiko, E2E_POOL);
  const deploymentsDir = mkdtempSync(path.join(tmpdir(), "zkpool-e2e-"));
  writeDeployment(deployment, deploymentsDir);

  const relayerAccount = localAccount(4);
  const relayerKey = localPrivateKey(4);
  await (await pool.setRelayer(relayerAccount.address)).wait();

  const stake = 100_000n * TTKO;
  await (await taiko.token.mint(await operator.getAddress(), stake)).wait();
  await (await taiko.token.connect(operator).approve(await pool.getAddress(), stake)).wait();
  await (await pool.fundStake(stake)).wait();
  await (await pool.stake(stake, 1_000, 32)).wait();

  await (await taiko.token.mint(await proposer.getAddress(), 10_000_000n * TTKO)).wait();
  await (await taiko.taikoL1.connect(proposer).depositTaikoToken(10_000_000n * TTKO)).wait();

  let nonce = 0;
  /** Whether propose() and verify() mine their own transaction (automine off and nobody else mining). */
  let mineOwn = false;
  const mine = async () => void (await provider.send("evm_mine", []));
  const signers: NonceManager[] = [];
  return {
    node,
    rpcUrl: node.url,
    deployment,
    deploymentsDir,
    pool,
    taikoL1: taiko.taikoL1,
    token: taiko.token,
    relayerKey,
    relayerAddress: relayerAccount.address,
    async propose(gasLimit = 1_000_000) {
      const txList = toHex(`e2e txList ${nonce++}`);
      const input = proposeInputFor(txList, (await proposer.getAddress()) as Address, gasLimit);
      const sent = await taiko.taikoL1.connect(proposer).proposeBlock(input, txList, { gasLimit: PROPOSE_BLOCK_GAS });
      if (mineOwn) await mine();
      const receipt = await sent.wait();
      const event = receipt?.logs
        .map((l) => taiko.taikoL1.interface.parseLog(l))
        .find((parsed) => parsed?.name === "BlockProposed");
      if (!event) throw new Error("no BlockProposed event");
      return event.args[0] as bigint;
    },
    async newAgentKey(prover, label = "e2e machine") {
      const key = generatePrivateKey();
      const agent = privateKeyToAccount(key);
      const consent = await agent.signTypedData(
        agentConsentTypedData(node.chainId, (await pool.getAddress()) as Address, prover.address),
      );
      await (await pool.connect(prover.signer).authorizeAgent(agent.address, label, consent)).wait();
      return key;
    },
    async revokeAgent(prover, agentKey) {
      await (await pool.connect(prover.signer).revokeAgent(privateKeyToAccount(agentKey).address)).wait();
    },
    async prover(index) {
      const wallet = new Wallet(localPrivateKey(20 + index), provider);
      // One NonceManager per prover: its transactions follow each other without asking the node for nonces.
      const signer = (signers[index] ??= new NonceManager(wallet));
      return { signer, address: wallet.address as Address };
    },
    async nextEvent(filter) {
      // Polls the logs block range by block range: a query followed by a subscription would miss a log mined
      // between the two (the subscription starts at the block current when it starts).
      const contract = pool as unknown as {
        queryFilter(
          f: unknown,
          from: number,
          to: number,
        ): Promise<Array<{ args: { toObject(): Record<string, unknown> } }>>;
      };
      const deadline = Date.now() + 120_000;
      for (let from = 0; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
        const latest = await provider.getBlockNumber();
        if (latest < from) continue;
        const [found] = await contract.queryFilter(filter, from, latest);
        if (found) return found.args.toObject();
        from = latest + 1;
      }
      throw new Error("no matching pool event within 120 s");
    },
    async verify() {
      await provider.send("evm_increaseTime", [Number(protocol.taiko.proofRegularCooldown) + 1]);
      const sent = await taiko.taikoL1.connect(proposer).verifyBlocks(32);
      if (mineOwn) await mine();
      const receipt = await sent.wait();
      return (receipt?.logs ?? []).flatMap((l) => {
        const parsed = taiko.taikoL1.interface.parseLog(l);
        return parsed?.name === "BlockVerified"
          ? [
              {
                blockId: parsed.args[0] as bigint,
                prover: parsed.args[2] as string,
                proofReward: parsed.args[4] as bigint,
              },
            ]
          : [];
      });
    },
    async provenAt(blockId) {
      const [log] = await taiko.taikoL1.queryFilter(taiko.taikoL1.filters.BlockProven(blockId), 0);
      if (!log) throw new Error(`block ${blockId} is not proven`);
      const block = await provider.getBlock(log.blockNumber);
      return BigInt(block?.timestamp ?? 0);
    },
    async relayerNonce(blockNumber) {
      return provider.getTransactionCount(relayerAccount.address, blockNumber ?? "latest");
    },
    async blockNumber() {
      return provider.getBlockNumber();
    },
    async relayerTransactions(head?: number) {
      head ??= await provider.getBlockNumber();
      const found: RelayerTransaction[] = [];
      for (let n = 0; n <= head; n++) {
        const block = await provider.getBlock(n, true);
        for (const tx of block?.prefetchedTransactions ?? []) {
          if (tx.from.toLowerCase() !== relayerAccount.address.toLowerCase()) continue;
          const receipt = await provider.getTransactionReceipt(tx.hash);
          const call =
            tx.to?.toLowerCase() === deployment.contracts.ZKPool.address.toLowerCase()
              ? pool.interface.parseTransaction({ data: tx.data, value: tx.value })
              : null;
          found.push({
            hash: tx.hash as Hash,
            nonce: tx.nonce,
            blockNumber: n,
            functionName: call?.name,
            args: call ? [...call.args] : [],
            status: receipt?.status === 1 ? "success" : "reverted",
            maxFeePerGas: tx.maxFeePerGas ?? tx.gasPrice,
            maxPriorityFeePerGas: tx.maxPriorityFeePerGas ?? tx.gasPrice,
          });
        }
      }
      return found.sort((a, b) => a.nonce - b.nonce);
    },
    relayerEnv(gatewayPort, httpPort) {
      return localRelayerEnv(
        {
          rpcUrl: node.url,
          chainId: node.chainId,
          deploymentsDir,
          relayerKey,
          gatewayPort,
          httpPort,
          pollIntervalMs: 250,
          harvestIntervalMs: 2_000,
          capacityIntervalMs: 600_000,
          confirmIntervalMs: 250,
          logLevel: process.env.E2E_LOG_LEVEL ?? "warn",
        },
        { AUTH_TIMEOUT_S: "2" },
      );
    },
    async setAutomine(on, options) {
      await provider.send("evm_setAutomine", [on]);
      mineOwn = !on && (options?.mineOwn ?? true);
    },
    async pendingTransactions() {
      const block = (await provider.send("eth_getBlockByNumber", ["pending", true])) as {
        transactions: Array<{ hash: Hash; from: Address; to: Address | null; input: Hex }>;
      };
      return block.transactions.map((tx) => ({ hash: tx.hash, from: tx.from, to: tx.to, data: tx.input }));
    },
    mine,
    async dropTransaction(hash) {
      if (!(await provider.send("hardhat_dropTransaction", [hash]))) throw new Error(`the node does not hold ${hash}`);
    },
    async transaction(hash) {
      const tx = await provider.getTransaction(hash);
      return (
        tx && {
          blockNumber: tx.blockNumber,
          nonce: tx.nonce,
          maxFeePerGas: tx.maxFeePerGas ?? tx.gasPrice,
          maxPriorityFeePerGas: tx.maxPriorityFeePerGas ?? tx.gasPrice,
        }
      );
    },
    async increaseTime(seconds) {
      await provider.send("evm_increaseTime", [Number(seconds)]);
      await mine();
    },
    async snapshot() {
      return (await provider.send("evm_snapshot", [])) as string;
    },
    async revert(snapshot) {
      if (!(await provider.send("evm_revert", [snapshot]))) throw new Error(`no chain snapshot ${snapshot}`);
    },
    async stop() {
      provider.destroy();
      await node.stop();
    },
  };
}

/** The relayer's proveBlock transactions for `blockId` on the chain, by nonce. */
export async function proveBlockTransactions(local: LocalPool, blockId: bigint): Promise<RelayerTransaction[]> {
  return (await local.relayerTransactions()).filter((tx) => tx.functionName === "proveBlock" && tx.args[0] === blockId);
}

/**
 * What the chain shows of a block's proofs: each BlockProven (prover, transaction), each ProofRecorded of the
 * pool's (member, agent), and the relayer's proveBlock transactions for it (hash, status).
 */
export async function proofsOnChain(local: LocalPool, blockId: bigint) {
  const proven = await local.taikoL1.queryFilter(local.taikoL1.filters.BlockProven(blockId), 0);
  const recorded = await local.pool.queryFilter(local.pool.filters.ProofRecorded(blockId), 0);
  const sent = await proveBlockTransactions(local, blockId);
  return {
    proven: proven.map((e) => [e.args.prover, e.transactionHash]),
    recorded: recorded.map((e) => [e.args.prover, e.args.agent]),
    proveBlocks: sent.map((tx) => [tx.hash, tx.status]),
  };
}

/**
 * Mocha hooks for a suite whose tests each get a fresh local pool (on `protocol`'s rules, E2E_PROTOCOL's by
 * default): processes a test pushes onto `processes` are killed after it (with the tail of their output when
 * it failed), then the chain stops.
 */
export function freshPoolPerTest(protocol?: ProtocolParams): {
  readonly local: LocalPool;
  readonly processes: ServiceProcess[];
  /** startRelayerProcess(env), killed after the test like every process in `processes`. */
  startRelayer(env: Record<string, string>): Promise<ServiceProcess>;
} {
  let local: LocalPool | undefined;
  const processes: ServiceProcess[] = [];
  beforeEach(async () => {
    local = await startLocalPool(protocol);
  });
  afterEach(async function () {
    for (const p of processes.splice(0)) {
      if (this.currentTest?.state === "failed") process.stderr.write(`${p.name}, ${p.tail(40)}\n`);
      p.kill("SIGKILL");
    }
    await local?.stop();
  });
  after(shutdownProver);
  return {
    get local(): LocalPool {
      if (!local) throw new Error("the local pool starts before each test");
      return local;
    },
    processes,
    async startRelayer(env) {
      const relayer = await startRelayerProcess(env);
      processes.push(relayer);
      return relayer;
    },
  };
}
