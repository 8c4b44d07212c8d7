// What must hold of ZKPool's reward ledger after every test and, in the property test, after every command,
// whatever happened (Rocket Pool's afterEach(checkInvariants)):
//
//   totalClaimed + totalClaimable + totalFees + unsettled == totalHarvested                   (nothing is stuck)
//   token balance == totalClaimable + (totalFees - feesWithdrawn) + unsettled + stakeFunds    (nothing is missing)
//   Σ claimable(prover) <= totalClaimable <= Σ claimable(prover) + provers of unswept settled epochs
//   each block credited once, with what TaikoL1's BlockVerified paid the pool for it; an epoch's shares are
//   the sum of its credits; the credits of the epochs still to settle are backed by unsettled TTKOe plus the
//   pool's Taiko balance
//
// The totals are also recomputed from the pool's own events (what the indexer sees), and the unsettled rewards
// from the per-epoch view, so that a total the contract forgets to update does not hide behind another.

import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { PoolFixture } from "../fixtures/zkpool";
import { checkTaikoInvariants } from "./invariants";
import { rebuildChain } from "./pool";

/** The pool's ledger as its events tell it. */
export interface EventLedger {
  harvested: bigint;
  claimed: bigint;
  /** Fees of settled epochs plus swept dust. */
  fees: bigint;
  feesWithdrawn: bigint;
  /** Every prover that ever authorized an agent. */
  provers: Set<string>;
  /** epoch → provers with shares in it. */
  proversOf: Map<bigint, Set<string>>;
  /** epoch → Σ BlockCredited.reward in it. */
  creditsOf: Map<bigint, bigint>;
  /** block → what BlockCredited credited for it. */
  credited: Map<bigint, bigint>;
  /** epoch → totalShares, for the epochs settled with shares. */
  settled: Map<bigint, bigint>;
  /** epoch → provers that claimed it. */
  claimedBy: Map<bigint, Set<string>>;
  swept: Set<bigint>;
}

function emptyLedger(): EventLedger {
  return {
    harvested: 0n,
    claimed: 0n,
    fees: 0n,
    feesWithdrawn: 0n,
    provers: new Set(),
    proversOf: new Map(),
    creditsOf: new Map(),
    credited: new Map(),
    settled: new Map(),
    claimedBy: new Map(),
    swept: new Set(),
  };
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key) ?? new Set<V>();
  set.add(value);
  map.set(key, set);
}

/**
 * The scan is incremental: a fixture reloaded by loadFixture (a snapshot revert) changes the hash of the last
 * scanned block, and the ledger is then read again from the start.
 */
const scans = new Map<string, { ledger: EventLedger; block: number; hash: string }>();

/** The pool's events up to the latest block, folded into an EventLedger. */
export async function eventLedger(f: PoolFixture): Promise<EventLedger> {
  const latest = await ethers.provider.getBlock("latest");
  if (!latest?.hash) throw new Error("no latest block");
  let scan = scans.get(f.poolAddress);
  if (scan) {
    const scanned = await ethers.provider.getBlock(scan.block);
    if (scan.block > latest.number || scanned?.hash !== scan.hash) scan = undefined;
  }
  const ledger = scan?.ledger ?? emptyLedger();
  const fromBlock = scan ? scan.block + 1 : 0;
  if (fromBlock <= latest.number) {
    const logs = await ethers.provider.getLogs({ address: f.poolAddress, fromBlock, toBlock: latest.number });
    for (const log of logs) {
      const parsed = f.pool.interface.parseLog(log);
      if (!parsed) continue;
      const a = parsed.args;
      switch (parsed.name) {
        case "AgentAuthorized":
          ledger.provers.add(a.prover as string);
          break;
        case "BlockCredited": {
          const blockId = a.blockId as bigint;
          if (ledger.credited.has(blockId)) throw new Error(`block ${blockId} credited twice`);
          ledger.credited.set(blockId, a.reward as bigint);
          addTo(ledger.proversOf, a.epoch as bigint, a.prover as string);
          ledger.creditsOf.set(
            a.epoch as bigint,
            (ledger.creditsOf.get(a.epoch as bigint) ?? 0n) + (a.reward as bigint),
          );
          break;
        }
        case "Harvested":
          ledger.harvested += a.amount as bigint;
          break;
        case "EpochSettled":
          ledger.fees += a.fee as bigint;
          if ((a.totalShares as bigint) !== 0n) ledger.settled.set(a.epoch as bigint, a.totalShares as bigint);
          break;
        case "Claimed":
          ledger.claimed += a.amount as bigint;
          addTo(ledger.claimedBy, a.epoch as bigint, a.prover as string);
          break;
        case "DustSwept":
          ledger.fees += a.amount as bigint;
          ledger.swept.add(a.epoch as bigint);
          break;
        case "FeesWithdrawn":
          ledger.feesWithdrawn += a.amount as bigint;
          break;
      }
    }
  }
  scans.set(f.poolAddress, { ledger, block: latest.number, hash: latest.hash });
  return ledger;
}

/**
 * What ProverPool paid the pool (Withdrawn) in transactions that did not call the pool, since the pool last
 * collected such payouts (its latest StakeFundsMoved or StakeFunded/StakeFundsWithdrawn): an upper bound of what
 * the pool may hold unaccounted.
 */
async function returnedOutsideThePool(f: PoolFixture): Promise<bigint> {
  const stakeEvents = await Promise.all(
    [f.pool.filters.StakeFundsMoved(), f.pool.filters.StakeFunded(), f.pool.filters.StakeFundsWithdrawn()].map((e) =>
      f.pool.queryFilter(e, 0),
    ),
  );
  const since = Math.max(-1, ...stakeEvents.flat().map((e) => e.blockNumber));
  let total = 0n;
  for (const e of await f.proverPool.queryFilter(f.proverPool.filters.Withdrawn(f.poolAddress), since + 1)) {
    const tx = await e.getTransaction();
    if (tx.to?.toLowerCase() !== f.poolAddress.toLowerCase()) total += e.args.amount;
  }
  return total;
}

/** block → TaikoL1's BlockVerified proofReward, for the blocks it verified with the pool as prover. */
async function poolPayouts(f: PoolFixture): Promise<Map<bigint, bigint>> {
  const paid = new Map<bigint, bigint>();
  const filter = f.taikoL1.filters.BlockVerified();
  for (const e of await f.taikoL1.queryFilter(filter, 0)) {
    if (e.args.prover === f.poolAddress) paid.set(e.args.blockId, e.args.proofReward);
  }
  return paid;
}

/** What checkPoolInvariants read, for a caller that compares it with a model. */
export interface PoolSnapshot {
  harvested: bigint;
  claimed: bigint;
  claimable: bigint;
  fees: bigint;
  unsettled: bigint;
  feesWithdrawn: bigint;
  stakeFunds: bigint;
  next: bigint;
  current: bigint;
  /** claimable(prover) of every prover that ever authorized an agent. */
  claimableOf: Map<string, bigint>;
}

/**
 * Checks every ledger invariant of the pool now; throws an AssertionError naming the one that broke. Returns what
 * it read.
 */
export async function checkPoolInvariants(f: PoolFixture): Promise<PoolSnapshot> {
  const { pool, token, poolAddress } = f;
  // One call at a time: Hardhat's in-process provider answers them one by one anyway, and faster so.
  const [harvested, claimed, claimable, fees, unsettled] = await pool.totals();
  const feesWithdrawn = await pool.feesWithdrawn();
  const stakeFunds = await pool.stakeFunds();
  const balance = await token.balanceOf(poolAddress);
  const next = await pool.nextEpochToSettle();
  const current = await pool.currentEpoch();
  const ledger = await eventLedger(f);

  expect(claimed + claimable + fees + unsettled, "claimed + claimable + fees + unsettled == harvested").to.equal(
    harvested,
  );
  expect(feesWithdrawn, "fees withdrawn above fees").to.be.at.most(fees);
  // ProverPool may pay the pool a matured exit outside the pool's calls (an eviction): that TTKOe joins the stake
  // funds at the owner's next stake operation, so until then the pool holds more than it accounts for.
  const accounted = claimable + (fees - feesWithdrawn) + unsettled + stakeFunds;
  expect(balance, "token balance >= claimable + fees not withdrawn + unsettled + stake funds").to.be.at.least(
    accounted,
  );
  expect(balance - accounted, "TTKOe the pool holds beyond its accounts: ProverPool's payouts").to.be.at.most(
    await returnedOutsideThePool(f),
  );

  // The same totals, from the events.
  expect(harvested, "totalHarvested == Σ Harvested").to.equal(ledger.harvested);
  expect(claimed, "totalClaimed == Σ Claimed").to.equal(ledger.claimed);
  expect(fees, "totalFees == Σ EpochSettled.fee + Σ DustSwept").to.equal(ledger.fees);
  expect(feesWithdrawn, "feesWithdrawn == Σ FeesWithdrawn").to.equal(ledger.feesWithdrawn);

  // Each credit is what Taiko paid the pool for that block, and an epoch's shares are its credits.
  const paid = await poolPayouts(f);
  for (const [blockId, reward] of ledger.credited) {
    expect(reward, `credit of block ${blockId} == TaikoL1's BlockVerified proofReward to the pool`).to.equal(
      paid.get(blockId),
    );
  }
  for (const [epoch, credits] of ledger.creditsOf) {
    expect(await pool.totalSharesOf(epoch), `totalShares of epoch ${epoch} == Σ BlockCredited`).to.equal(credits);
  }
  // The credits of the epochs not settled yet are backed by what the pool holds for them or Taiko owes it.
  expect(next, "settled an epoch that has not ended").to.be.at.most(current);
  let waiting = 0n;
  for (let epoch = next; epoch <= current; epoch++) waiting += await pool.totalSharesOf(epoch);
  const owedByTaiko = await f.taikoL1.getTaikoTokenBalance(poolAddress);
  expect(waiting, "credits still to settle <= unsettled + the pool's Taiko balance").to.be.at.most(
    unsettled + owedByTaiko,
  );
  expect(await pool.totalSharesOf(current + 1n), "credits in an epoch not started").to.equal(0n);

  // What the provers can claim, and the rounding dust of the settled epochs that are not swept yet.
  const claimableOf = new Map<string, bigint>();
  let owed = 0n;
  for (const prover of ledger.provers) {
    const amount = await pool.claimable(prover);
    claimableOf.set(prover, amount);
    owed += amount;
  }
  const unswept = [...ledger.settled].flatMap(([epoch, totalShares]) => {
    const provers = ledger.proversOf.get(epoch) ?? new Set<string>();
    const claimedBy = ledger.claimedBy.get(epoch) ?? new Set<string>();
    const left = [...provers].filter((p) => !claimedBy.has(p)).length;
    // Every prover claimed: swept (or there was no dust).
    return left === 0 ? [] : [{ epoch, totalShares, provers: provers.size, left }];
  });
  let dustBound = 0n;
  for (const { epoch, totalShares, provers, left } of unswept) {
    const info = await pool.epochOf(epoch);
    expect(ledger.swept.has(epoch), `epoch ${epoch} swept before its last claim`).to.equal(false);
    expect(info.totalShares, `totalShares of epoch ${epoch}`).to.equal(totalShares);
    expect([info.provers, info.proversClaimed], `provers and claims of epoch ${epoch}`).to.deep.equal([
      BigInt(provers),
      BigInt(provers - left),
    ]);
    dustBound += BigInt(provers);
  }
  expect(owed, "Σ claimable(prover) <= totalClaimable").to.be.at.most(claimable);
  expect(claimable, "totalClaimable <= Σ claimable(prover) + provers of unswept settled epochs").to.be.at.most(
    owed + dustBound,
  );
  return { harvested, claimed, claimable, fees, unsettled, feesWithdrawn, stakeFunds, next, current, claimableOf };
}

/**
 * `loadFixture` for ZKPool tests that also registers, in the calling `describe`, an afterEach that checks the
 * pool's ledger invariants and Taiko's on the fixture the test loaded (skipped when the test itself failed, so
 * its own error is the one reported). Each load gets its own L2 chain rebuilt from the blocks proposed so far:
 * loadFixture hands every test the same fixture object, whose chain would remember the blocks of earlier tests.
 */
export function loadPoolWithInvariants(): <T extends PoolFixture>(fixture: () => Promise<T>) => Promise<T> {
  let current: PoolFixture | undefined;
  afterEach(async function () {
    const f = current;
    current = undefined;
    if (!f || this.currentTest?.state === "failed") return;
    await checkPoolInvariants(f);
    await checkTaikoInvariants(f);
  });
  return async (fixture) => {
    const loaded = await loadFixture(fixture);
    const f = { ...loaded, chain: await rebuildChain(loaded) };
    current = f;
    return f;
  };
}
