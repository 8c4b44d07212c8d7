/**
 * `npm run bench:gas`: the gas of Taiko A4's operations on the local implementation, measured from receipts
 * on Hardhat's in-process chain (one transaction per block), printed as a table and written to
 * build/bench/gas.json.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { TTKO } from "@zkpool/common";
import { median, runBenchmark, writeReport } from "./report";
import {
  L2Chain,
  deployTaikoFixture,
  proposeBlock,
  proveEvidence,
  stake,
  type ProposedBlock,
  type TaikoFixture,
} from "../test/fixtures/taiko";

interface Row {
  operation: string;
  gas: bigint;
  note: string;
}

/** The gas of the latest block's transaction: Hardhat automines one transaction per block. */
async function lastGas(): Promise<bigint> {
  const block = await ethers.provider.getBlock("latest");
  if (!block) throw new Error("no latest block");
  return block.gasUsed;
}

async function stakeProvers(f: TaikoFixture, count: number) {
  const stakers = [f.proverA, f.proverB, f.proverC, ...f.others].slice(0, count);
  for (const [i, staker] of stakers.entries()) {
    await stake(f, staker, (1_000_000n + BigInt(i) * 1_000n) * TTKO, 1_000, 64);
  }
  return stakers;
}

async function proposeMany(f: TaikoFixture, count: number): Promise<{ blocks: ProposedBlock[]; gas: bigint[] }> {
  const blocks: ProposedBlock[] = [];
  const gas: bigint[] = [];
  for (let i = 0; i < count; i++) {
    blocks.push(await proposeBlock(f, 1_000_000 + i * 250_000));
    gas.push(await lastGas());
  }
  return { blocks, gas };
}

async function main(): Promise<void> {
  const rows: Row[] = [];

  for (const provers of [4, 32]) {
    const f = await deployTaikoFixture();
    const stakers = await stakeProvers(f, provers);
    if (stakers.length < provers) throw new Error(`only ${stakers.length} signers for ${provers} provers`);
    const { blocks, gas } = await proposeMany(f, 10);
    rows.push({
      operation: "proposeBlock",
      gas: median(gas),
      note: `median of ${gas.length}, ${provers} staked provers (assignment reads all 32 slots)`,
    });
    if (provers !== 4) continue;

    // proveBlock by the assigned prover: evidence decode, Groth16 verifyProof on-chain, fork choice, release.
    const chain = new L2Chain();
    const byAddress = new Map(stakers.map((s) => [s.address, s] as const));
    const proveGas: bigint[] = [];
    for (const block of blocks) {
      const prover = byAddress.get(block.assignedProver);
      if (!prover) throw new Error(`block ${block.id} was not assigned to a staked prover`);
      const { input } = await proveEvidence(chain, block, prover.address);
      await f.taikoL1.connect(prover).proveBlock(block.id, input);
      proveGas.push(await lastGas());
    }
    rows.push({
      operation: "proveBlock",
      gas: median(proveGas),
      note: `median of ${proveGas.length}, the assigned prover, with on-chain Groth16 verification`,
    });

    await time.increase(f.params.taiko.proofRegularCooldown + 1n);
    await f.taikoL1.verifyBlocks(1);
    rows.push({ operation: "verifyBlocks(1)", gas: await lastGas(), note: "one block: reward, averages, release" });
    await f.taikoL1.verifyBlocks(9);
    const nine = await lastGas();
    rows.push({ operation: "verifyBlocks(9) / 9", gas: nine / 9n, note: "per block, nine in one transaction" });
  }

  const width = Math.max(...rows.map((r) => r.operation.length));
  console.log(`\nTaiko A4 gas (solc 0.8.28, optimizer on, circuit difficulty ${process.env.ZKPOOL_DIFFICULTY ?? 1})\n`);
  for (const r of rows) {
    console.log(`${r.operation.padEnd(width)}  ${r.gas.toLocaleString("en-US").padStart(9)}  ${r.note}`);
  }
  writeReport("gas", { rows });
}

runBenchmark(main);
