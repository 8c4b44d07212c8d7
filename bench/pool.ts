/**
 * `npx hardhat run bench/pool.ts`: the gas of ZKPool's own work, measured from receipts on Hardhat's in-process
 * chain (one transaction per block), printed as a table and written to build/bench/pool.json:
 *
 * 1. the pool's overhead per proof: ZKPool.proveBlock minus TaikoL1.proveBlock sent directly by a solo staker, for
 *    the same kind of proof (same gasLimit, same verifier), in the same run; for a prover that already has shares
 *    in the epoch, and separately for a prover's first proof in an epoch;
 * 2. settle of an epoch with 1 prover and with 1,000 provers (BENCH_POOL_PROVERS), every one of them credited for
 *    a real proof of a real block: settle has no loop over provers, and this shows it;
 * 3. claim of 1 epoch and of 30 epochs.
 *
 * Every share comes from a real Groth16 proof accepted by TaikoL1 and every reward from TaikoL1's verification:
 * nothing is written into storage by hand. The 1,000 provers take about 1,000 proofs (a few minutes); proofs are
 * made a batch at a time, a few in parallel.
 */
import { ethers } from "hardhat";
import type { ContractTransactionReceipt, HDNodeWallet, Wallet } from "ethers";
import { encodeEvidence, LOCAL_INSTANCE_CONTEXT, instanceHash, proveInstance } from "@zkpool/common";
import { proposeBlock, proveEvidence, stake, type ProposedBlock } from "../test/fixtures/taiko";
import {
  POOL_CAPACITY,
  POOL_STAKE,
  authorizeAgent,
  deployPoolFixture,
  signProof,
  type PoolFixture,
} from "../test/fixtures/zkpool";
import { agentKey, creditProof, freeSigners, startEpoch, verifyAll } from "../test/helpers/pool";
import { mined } from "../test/helpers/taiko";
import { median, runBenchmark, writeReport } from "./report";

interface Row {
  operation: string;
  gas: bigint;
  target?: bigint;
  note: string;
}

const GAS_LIMIT = 1_000_000;
const PROVERS = Number(process.env.BENCH_POOL_PROVERS ?? 1_000);
/** Proofs made at once: snarkjs is mostly single-threaded per proof, so a few overlap well. */
const PARALLEL_PROOFS = 4;

function log(message: string): void {
  console.log(`  ${new Date().toISOString().slice(11, 19)} ${message}`);
}

/** Runs `fn` over `items`, at most `limit` at a time, results in order. */
async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

// ───────────────────────────── 1. overhead per proof ─────────────────────────────

/**
 * The pool and a solo staker (proverA) with the same stake, ask and capacity share the blocks; each block is proven
 * at once by its assigned prover: the pool's through ZKPool.proveBlock (Alice's agent, or Bob's for his first
 * proof), proverA's straight to TaikoL1.proveBlock. Same gasLimit, same verifier, same epoch.
 */
async function overheadPerProof(rows: Row[]): Promise<void> {
  const f = await deployPoolFixture();
  await stake(f, f.proverA, POOL_STAKE, 1_000, POOL_CAPACITY);
  const direct: bigint[] = [];
  const steady: bigint[] = [];
  let firstOfEpoch: bigint | undefined;
  let firstOfProver: bigint | undefined;
  const samples = 9;
  while (direct.length < samples || steady.length < samples || firstOfProver === undefined) {
    const block = await proposeBlock(f, GAS_LIMIT);
    f.chain.add(block);
    if (block.assignedProver === f.proverA.address) {
      const { input } = await proveEvidence(f.chain, block, f.proverA.address);
      const receipt = await mined(f.taikoL1.connect(f.proverA).proveBlock(block.id, input));
      direct.push(receipt.gasUsed);
    } else if (block.assignedProver === f.poolAddress) {
      const { input } = await proveEvidence(f.chain, block, f.poolAddress);
      // Alice's first proof is the epoch's first; Bob's first comes once Alice has shares; then Alice's.
      const agent = firstOfEpoch !== undefined && firstOfProver === undefined ? f.agentOfBob : f.agentOfAlice;
      const signature = await signProof(f, agent, block.id, input);
      const receipt = await mined(f.pool.connect(f.relayer).proveBlock(block.id, input, signature));
      if (firstOfEpoch === undefined) firstOfEpoch = receipt.gasUsed;
      else if (firstOfProver === undefined) firstOfProver = receipt.gasUsed;
      else steady.push(receipt.gasUsed);
    } else {
      throw new Error(`block ${block.id} was open`);
    }
  }
  if ((await f.pool.currentEpoch()) !== 0n) throw new Error("the overhead samples crossed an epoch");
  if (firstOfEpoch === undefined) throw new Error("no pool proof was measured");
  const taiko = median(direct);
  rows.push({
    operation: "TaikoL1.proveBlock (direct)",
    gas: taiko,
    note: `median of ${direct.length}, solo staker, gasLimit ${GAS_LIMIT.toLocaleString("en-US")}, Groth16 verifier`,
  });
  rows.push({
    operation: "ZKPool.proveBlock",
    gas: median(steady),
    note: `median of ${steady.length}, a prover with shares in the epoch already`,
  });
  rows.push({
    operation: "  pool overhead per proof",
    gas: median(steady) - taiko,
    target: 30_000n,
    note: "ZKPool.proveBlock − TaikoL1.proveBlock: gate, EIP-712 recovery, agent, getBlock, shares, event",
  });
  rows.push({
    operation: "  overhead, prover's 1st in epoch",
    gas: firstOfProver - taiko,
    note: "the prover's previous epoch entry closed, one more prover in the epoch",
  });
  rows.push({
    operation: "  overhead, epoch's 1st proof",
    gas: firstOfEpoch - taiko,
    note: "as above, and the epoch's ledger slot from zero",
  });
}

// ───────────────────────────── 2. settle, 1 and 1,000 provers ─────────────────────────────

interface Prover {
  wallet: Wallet;
  agent: HDNodeWallet;
}

/** `count` fresh provers, funded with gas money by a transfer, each with an agent key authorized. */
async function registerProvers(f: PoolFixture, count: number): Promise<Prover[]> {
  const provers: Prover[] = [];
  const [funder] = freeSigners(f, 1);
  for (let i = 0; i < count; i++) {
    const wallet = new ethers.Wallet(ethers.id(`zkpool.bench.prover.${i}`), ethers.provider);
    await (await funder!.sendTransaction({ to: wallet.address, value: ethers.parseEther("1") })).wait();
    const agent = agentKey(`bench.${i}`);
    await mined(authorizeAgent(f, wallet, agent, `bench rig ${i}`));
    provers.push({ wallet, agent });
  }
  return provers;
}

/** Every prover gets one proof credited: blocks proposed a batch at a time, proven in parallel, submitted in order. */
async function creditEach(f: PoolFixture, provers: readonly Prover[]): Promise<void> {
  const batch = 32; // below the pool's capacity, so every block is assigned to the pool
  for (let start = 0; start < provers.length; start += batch) {
    const group = provers.slice(start, start + batch);
    const blocks: ProposedBlock[] = [];
    for (let i = 0; i < group.length; i++) {
      const block = await proposeBlock(f, GAS_LIMIT);
      if (block.assignedProver !== f.poolAddress) throw new Error(`block ${block.id} was not assigned to the pool`);
      f.chain.add(block);
      blocks.push(block);
    }
    const inputs = await inParallel(blocks, PARALLEL_PROOFS, async (block) => {
      const fields = f.chain.evidence(block.id, block.metaHash, f.poolAddress);
      const { proof } = await proveInstance(instanceHash(fields, LOCAL_INSTANCE_CONTEXT));
      return encodeEvidence({ ...fields, verifierId: 0, proof });
    });
    for (const [i, prover] of group.entries()) {
      const block = blocks[i]!;
      const signature = await signProof(f, prover.agent, block.id, inputs[i]!);
      await mined(f.pool.connect(f.relayer).proveBlock(block.id, inputs[i]!, signature));
    }
    if ((start / batch) % 4 === 3 || start + batch >= provers.length) {
      log(`${Math.min(start + batch, provers.length)} of ${provers.length} provers credited`);
    }
  }
}

/** Verifies what was proven and harvests it into the current epoch; throws if nothing came in. */
async function harvestNow(f: PoolFixture): Promise<void> {
  await verifyAll(f);
  const receipt = await mined(f.pool.harvest());
  if (receipt.logs.length === 0) throw new Error("the harvest found no rewards");
}

async function settleEpochs(rows: Row[]): Promise<void> {
  const f = await deployPoolFixture();

  // Epoch 0: one prover; its settlement is the pool's first (its totals go from zero).
  await creditProof(f, f.agentOfAlice, { gasLimit: GAS_LIMIT });
  await harvestNow(f);
  await startEpoch(f, 1n);
  const first = await mined(f.pool.settle(0n));

  // Epoch 1: one prover.
  await creditProof(f, f.agentOfAlice, { gasLimit: GAS_LIMIT });
  await harvestNow(f);
  await startEpoch(f, 2n);
  const one = await mined(f.pool.settle(1n));

  // Epoch 2: PROVERS provers, each credited for a real proof.
  log(`registering ${PROVERS} provers`);
  const provers = await registerProvers(f, PROVERS);
  await creditEach(f, provers);
  await harvestNow(f);
  if ((await f.pool.currentEpoch()) !== 2n) throw new Error("crediting the provers outlasted epoch 2");
  await startEpoch(f, 3n);
  const many = await mined(f.pool.settle(2n));
  const { provers: counted } = await f.pool.epochOf(2n);
  if (counted !== BigInt(PROVERS)) throw new Error(`epoch 2 has ${counted} provers`);

  rows.push({
    operation: "settle, the pool's first",
    gas: first.gasUsed,
    note: "1 prover; the ledger's totals and the first claim-records word from zero (a new word: 1 settle in 5)",
  });
  rows.push({
    operation: "settle, 1 prover",
    gas: one.gasUsed,
    target: 100_000n,
    note: "epoch with rewards and shares",
  });
  const spread = Number(((many.gasUsed - one.gasUsed) * 10_000n) / one.gasUsed) / 100;
  rows.push({
    operation: `settle, ${PROVERS.toLocaleString("en-US")} provers`,
    gas: many.gasUsed,
    target: 100_000n,
    note: `${PROVERS} provers each credited a real proof; ${spread >= 0 ? "+" : ""}${spread}% of 1 prover (target within 5%)`,
  });
}

// ───────────────────────────── 3. claims ─────────────────────────────

async function claims(rows: Row[]): Promise<void> {
  const f = await deployPoolFixture();
  const [carol, dave, erin] = freeSigners(f, 3) as [typeof f.alice, typeof f.alice, typeof f.alice];
  const agents = { carol: agentKey("claim.carol"), dave: agentKey("claim.dave"), erin: agentKey("claim.erin") };
  await authorizeAgent(f, carol, agents.carol, "carol");
  await authorizeAgent(f, dave, agents.dave, "dave");
  await authorizeAgent(f, erin, agents.erin, "erin");

  // Dave and Erin prove in each of epochs 0–30; Carol in epochs 0 and 30. Each epoch harvests its own rewards.
  const last = 30n;
  for (let epoch = 0n; epoch <= last; epoch++) {
    if (epoch > 0n) await startEpoch(f, epoch);
    if (epoch === 0n || epoch === last) await creditProof(f, agents.carol, { gasLimit: GAS_LIMIT });
    await creditProof(f, agents.dave, { gasLimit: GAS_LIMIT });
    await creditProof(f, agents.erin, { gasLimit: GAS_LIMIT });
    await harvestNow(f);
  }
  await startEpoch(f, last + 1n);
  for (let epoch = 0n; epoch <= last; epoch++) await mined(f.pool.settle(epoch));

  const claim = async (who: typeof carol, epochs: number): Promise<ContractTransactionReceipt> => {
    const receipt = await mined(f.pool.connect(who).claim(epochs));
    const claimed = receipt.logs.filter((l) => f.pool.interface.parseLog(l)?.name === "Claimed").length;
    if (claimed !== epochs) throw new Error(`claimed ${claimed} epochs, not ${epochs}`);
    return receipt;
  };
  // Epoch 0: each prover's first claim ever; Erin claims last.
  const carolFirst = await claim(carol, 1);
  await claim(dave, 1);
  const erinFirst = await claim(erin, 1);
  // Then, as provers that have claimed before.
  const carolOne = await claim(carol, 1); // epoch 30, not the last of it
  const daveThirty = await claim(dave, 30); // epochs 1–30, never the last
  const erinThirty = await claim(erin, 30); // epochs 1–30, always the last

  rows.push({
    operation: "claim, 1 epoch",
    gas: carolOne.gasUsed,
    target: 70_000n,
    note: "a prover that claimed before",
  });
  rows.push({
    operation: "claim, 1 epoch, first claim",
    gas: carolFirst.gasUsed,
    note: "the prover's first claim ever: its claim cursor and token balance from zero",
  });
  rows.push({
    operation: "claim, 1 epoch, last claimer",
    gas: erinFirst.gasUsed,
    note: "first claim ever, and the epoch's last prover (sweeps any dust)",
  });
  rows.push({
    operation: "claim, 30 epochs",
    gas: daveThirty.gasUsed,
    target: 300_000n,
    note: "a prover that claimed before",
  });
  rows.push({
    operation: "claim, 30 epochs, last claimer",
    gas: erinThirty.gasUsed,
    note: "the last prover of each of the 30 epochs",
  });
}

// ───────────────────────────── main ─────────────────────────────

async function main(): Promise<void> {
  const rows: Row[] = [];
  const started = performance.now();
  log("overhead per proof");
  await overheadPerProof(rows);
  log("claims over 31 epochs");
  await claims(rows);
  log(`settle with 1 and ${PROVERS} provers`);
  await settleEpochs(rows);

  const width = Math.max(...rows.map((r) => r.operation.length));
  console.log(
    `\nZKPool gas (solc 0.8.28, optimizer on, circuit difficulty ${process.env.ZKPOOL_DIFFICULTY ?? 1}, ` +
      `${((performance.now() - started) / 60_000).toFixed(1)} min)\n`,
  );
  for (const r of rows) {
    const target = r.target === undefined ? "" : `${r.gas <= r.target ? "≤" : ">"} ${r.target.toLocaleString("en-US")}`;
    console.log(
      `${r.operation.padEnd(width)}  ${r.gas.toLocaleString("en-US").padStart(9)}  ${target.padEnd(10)}  ${r.note}`,
    );
  }
  writeReport("pool", {
    provers: PROVERS,
    rows: rows.map((r) => ({ ...r, met: r.target === undefined ? undefined : r.gas <= r.target })),
  });
}

runBenchmark(main);
