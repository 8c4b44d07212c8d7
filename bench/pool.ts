/**
 * `npx hardhat run bench/pool.ts`: the gas of ZKPool's own work, measured from receipts on Hardhat's in-process
 * chain (one transaction per block), printed as a table and written to build/bench/pool.json:
 *
 * 1. the pool's overhead per proof, in its two steps: recording (ZKPool.proveBlock minus TaikoL1.proveBlock sent
 *    directly by a solo staker, for the same kind of proof, in the same run) and crediting (ZKPool.confirm once
 *    Taiko verified the block, alone and per block of a batch; for a prover with credits in the epoch already,
 *    a prover's first in an epoch, the epoch's first); and the recording of a copy that reached TaikoL1 first;
 * 2. settle of an epoch with 1 prover and with 1,000 provers (BENCH_POOL_PROVERS), every one of them credited for
 *    a real proof of a real block: settle has no loop over provers, and this shows it;
 * 3. claim of 1 epoch and of 30 epochs.
 *
 * Every credit comes from a real Groth16 proof accepted by TaikoL1 and TaikoL1's verification: nothing is written
 * into storage by hand. The 1,000 provers take about 1,000 proofs (a few minutes); proofs are made a batch at a
 * time, a few in parallel.
 */
import { ethers } from "hardhat";
import type { ContractTransactionReceipt, HDNodeWallet, Wallet } from "ethers";
import { agentGraffiti, encodeEvidence, LOCAL_INSTANCE_CONTEXT, instanceHash, proveInstance } from "@zkpool/common";
import { proposeBlock, proveEvidence, stake, type ProposedBlock } from "../test/fixtures/taiko";
import {
  POOL_CAPACITY,
  POOL_STAKE,
  authorizeAgent,
  deployPoolFixture,
  proposeAndProve,
  type PoolFixture,
} from "../test/fixtures/zkpool";
import { agentKey, creditProof, freeSigners, keyOf, startEpoch, verifyAll, type ProofKey } from "../test/helpers/pool";
import { slotOf, writeSlot } from "../test/helpers/storage";
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

/** ZKPool's reused record slots (_FIRST_PROOF_SLOTS): a pool older than this many blocks reuses every one. */
const FIRST_PROOF_SLOTS = 8_192n;

/**
 * Puts the pool's record slots of the next `count` blocks where they are in a pool that has run for more than
 * 8,192 blocks: each holds a confirmed (forgotten) record of an earlier block, so recording a proof rewrites a
 * slot instead of filling a new one. The only storage this benchmark writes by hand, and only in the "reused
 * slot" rows; the "new slot" rows are a young pool's.
 */
async function asOlderPool(f: PoolFixture, count: number): Promise<void> {
  const base = await slotOf("contracts/ZKPool.sol:ZKPool", "_firstProofs");
  const next = (await f.taikoL1.getStateVariables()).numBlocks;
  for (let id = next; id < next + BigInt(count); id++) {
    const slot = BigInt(
      ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [id % FIRST_PROOF_SLOTS, base]),
      ),
    );
    // agent 0 (forgotten), fork choice 1, block id − 8,192 would be; any block id but this one will do.
    await writeSlot(f.poolAddress, slot, (1n << 160n) | ((id + FIRST_PROOF_SLOTS) << 184n));
  }
}

/** The gas of ZKPool.confirm of `keys`, in one transaction. */
async function confirmGas(f: PoolFixture, keys: readonly ProofKey[]): Promise<bigint> {
  const receipt = await mined(f.pool.connect(f.relayer).confirm([...keys]));
  const credited = receipt.logs.filter((l) => f.pool.interface.parseLog(l)?.name === "BlockCredited").length;
  if (credited !== keys.length) throw new Error(`confirm credited ${credited} blocks, not ${keys.length}`);
  return receipt.gasUsed;
}

/**
 * The pool and a solo staker (proverA) with the same stake, ask and capacity share the blocks; each block is proven
 * at once by its assigned prover: the pool's through ZKPool.proveBlock (Alice's machine, one of them Bob's),
 * proverA's straight to TaikoL1.proveBlock. Same gasLimit, same verifier, same epoch. Then Taiko verifies them all
 * and the pool's are confirmed: the epoch's first credit (Alice), a prover's first in the epoch (Bob), then Alice's
 * one at a time and the rest in one batch.
 */
async function overheadPerProof(rows: Row[], olderPool: boolean): Promise<void> {
  const f = await deployPoolFixture();
  await stake(f, f.proverA, POOL_STAKE, 1_000, POOL_CAPACITY);
  if (olderPool) await asOlderPool(f, 200);
  const direct: bigint[] = [];
  const recorded: bigint[] = [];
  const alice: ProofKey[] = [];
  let bob: ProofKey | undefined;
  const samples = 9;
  const batch = 10;
  while (direct.length < samples || alice.length < samples + 1 + batch || bob === undefined) {
    const block = await proposeBlock(f, GAS_LIMIT);
    f.chain.add(block);
    if (block.assignedProver === f.proverA.address) {
      const { input } = await proveEvidence(f.chain, block, f.proverA.address);
      const receipt = await mined(f.taikoL1.connect(f.proverA).proveBlock(block.id, input));
      direct.push(receipt.gasUsed);
    } else if (block.assignedProver === f.poolAddress) {
      const agent = alice.length === 1 && bob === undefined ? f.agentOfBob : f.agentOfAlice;
      const graffiti = agentGraffiti(agent.address as `0x${string}`);
      const { input, evidence } = await proveEvidence(f.chain, block, f.poolAddress, undefined, graffiti);
      const receipt = await mined(f.pool.connect(f.relayer).proveBlock(block.id, input));
      recorded.push(receipt.gasUsed);
      if (agent === f.agentOfBob) bob = keyOf(block.id, evidence);
      else alice.push(keyOf(block.id, evidence));
    } else {
      throw new Error(`block ${block.id} was open`);
    }
  }
  await verifyAll(f);
  const firstOfEpoch = await confirmGas(f, alice.slice(0, 1));
  const firstOfProver = await confirmGas(f, [bob]);
  const single: bigint[] = [];
  for (const key of alice.slice(1, 1 + samples)) single.push(await confirmGas(f, [key]));
  const batched = (await confirmGas(f, alice.slice(1 + samples))) / BigInt(batch);
  if ((await f.pool.currentEpoch()) !== 0n) throw new Error("the overhead samples crossed an epoch");

  // A copy of the pool's proof landed on TaikoL1 first: the pool checks the proof itself and records it.
  let copied = await proposeAndProve(f, f.agentOfAlice, { gasLimit: GAS_LIMIT });
  while (copied.block.assignedProver !== f.poolAddress) {
    const { input } = await proveEvidence(f.chain, copied.block, f.proverA.address);
    await mined(f.taikoL1.connect(f.proverA).proveBlock(copied.block.id, input));
    copied = await proposeAndProve(f, f.agentOfAlice, { gasLimit: GAS_LIMIT });
  }
  await mined(f.taikoL1.connect(f.mallory).proveBlock(copied.block.id, copied.input));
  const afterCopy = await mined(f.pool.connect(f.relayer).proveBlock(copied.block.id, copied.input));

  const taiko = median(direct);
  const record = median(recorded) - taiko;
  if (!olderPool) {
    rows.push({
      operation: "  record overhead, young pool",
      gas: record,
      note: "in a pool's first 8,192 blocks each record fills a new slot (20,000 gas more, once per slot)",
    });
    rows.push({
      operation: "  confirm per block, young pool",
      gas: batched,
      note: `batch of ${batch}: the record is forgotten, its slot kept for the block 8,192 later`,
    });
    return;
  }
  rows.push({
    operation: "TaikoL1.proveBlock (direct)",
    gas: taiko,
    note: `median of ${direct.length}, solo staker, gasLimit ${GAS_LIMIT.toLocaleString("en-US")}, Groth16 verifier`,
  });
  rows.push({
    operation: "ZKPool.proveBlock",
    gas: median(recorded),
    note: `median of ${recorded.length}: forwards to TaikoL1, records the graffiti's agent for the fork choice`,
  });
  rows.push({
    operation: "  record overhead per proof",
    gas: record,
    target: 30_000n,
    note: "ZKPool.proveBlock − TaikoL1.proveBlock, a pool past 8,192 blocks: fields, agent, getBlock, slot, event",
  });
  rows.push({
    operation: "ZKPool.confirm, 1 block",
    gas: median(single),
    note: `median of ${single.length}, a prover with credits in the epoch already`,
  });
  rows.push({
    operation: `  confirm per block, batch of ${batch}`,
    gas: batched,
    note: "what the relayer pays per block: it confirms verified blocks in batches (getBlock, getForkChoice, credit)",
  });
  rows.push({
    operation: "  overhead per proof, in all",
    gas: record + batched,
    note: "record overhead + confirm per block in a batch (no signature: the graffiti names the machine)",
  });
  rows.push({
    operation: "  confirm, prover's 1st in epoch",
    gas: firstOfProver,
    note: "1 block: the prover's previous epoch entry closed, one more prover in the epoch",
  });
  rows.push({
    operation: "  confirm, epoch's 1st credit",
    gas: firstOfEpoch,
    note: "1 block: as above, and the epoch's ledger slot from zero",
  });
  rows.push({
    operation: "ZKPool.proveBlock after a copy",
    gas: afterCopy.gasUsed,
    note: "a copy reached TaikoL1 first (L1_ALREADY_PROVEN): the pool verifies the proof itself and records it",
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

/**
 * Every prover gets one block credited: blocks proposed a batch at a time, proven in parallel with the prover's
 * graffiti, recorded in order, verified by Taiko and confirmed in one batch.
 */
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
    const proven = await inParallel(blocks, PARALLEL_PROOFS, async (block) => {
      const graffiti = agentGraffiti(group[blocks.indexOf(block)]!.agent.address as `0x${string}`);
      const fields = f.chain.evidence(block.id, block.metaHash, f.poolAddress, graffiti);
      const { proof } = await proveInstance(instanceHash(fields, LOCAL_INSTANCE_CONTEXT));
      return { input: encodeEvidence({ ...fields, verifierId: 0, proof }), key: keyOf(block.id, fields) };
    });
    for (const [i, block] of blocks.entries()) {
      await mined(f.pool.connect(f.relayer).proveBlock(block.id, proven[i]!.input));
    }
    await verifyAll(f);
    await mined(f.pool.connect(f.relayer).confirm(proven.map((p) => p.key)));
    if ((start / batch) % 4 === 3 || start + batch >= provers.length) {
      log(`${Math.min(start + batch, provers.length)} of ${provers.length} provers credited`);
    }
  }
}

/** Harvests what Taiko paid for the credited blocks, so that settle's gas is the settlement's alone. */
async function harvestNow(f: PoolFixture): Promise<void> {
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
  await overheadPerProof(rows, true);
  await overheadPerProof(rows, false);
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
