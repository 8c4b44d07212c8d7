// A TypeScript model of ZKPool's rules, written from the design (IZKPool's NatSpec, not the contract), for the
// property test: each operation returns what the pool must do, the revert (error and arguments) or the events in
// order, and the model's state tells what every view must return, to the wei.
//
// The model knows nothing of TaikoL1's internals: what Taiko did is handed to it by the test, from TaikoL1's
// events and the test's own record of the proofs it sent (TaikoVerdict for a proof the pool submits, Verified for
// a block's BlockVerified). Crediting is the model's: a recorded proof earns what BlockVerified paid the pool for
// its block, if and only if its fork choice is the verified one, in the epoch in which it is confirmed.

/** A revert the pool must give: the custom error's name and arguments, and the contract that defines it. */
export interface Revert {
  revert: string;
  args: readonly unknown[];
  by?: "pool" | "proverPool" | "taikoL1" | "token";
}

/** The pool events a transaction must emit, in order: [name, ...args]. */
export type Events = readonly (readonly [string, ...unknown[]])[];

export type Outcome = Revert | { events: Events };

/** A fork choice of a block, as TaikoL1 keys it and ZKPool.confirm takes it. */
export interface ProofKey {
  blockId: bigint;
  parentHash: string;
  parentGasUsed: number;
}

export const keyString = (k: ProofKey): string => `${k.blockId}/${k.parentHash.toLowerCase()}/${k.parentGasUsed}`;

/** The evidence fields ZKPool reads before it hands the proof to TaikoL1. */
export interface EvidenceHead extends ProofKey {
  prover: string;
  graffiti: string;
}

/**
 * What TaikoL1 does with a proof the pool passes on: a revert of its own, acceptance as the block's next fork
 * choice, or L1_ALREADY_PROVEN with what the pool then finds (whether the fork choice on this parent is the
 * block's first, whether it is this proof's — the pool as prover, same block hash, signal root, gas used — and
 * whether the proof verifies).
 */
export type TaikoVerdict =
  Revert | { accepted: number } | { alreadyProven: { first: boolean; matches: boolean; verifies: boolean } };

/** A block TaikoL1 verified (its BlockVerified event, with the fork choice the test knows it verified). */
export interface Verified {
  forkChoiceId: number;
  prover: string;
  proofReward: bigint;
}

interface Settlement {
  proverReward: bigint;
  totalShares: bigint;
}

interface ProofRecord {
  key: ProofKey;
  agent: string;
  forkChoiceId: number;
}

const BPS = 10_000n;
const INITIAL_FEE_BPS = 2_000n;
const MAX_FEE_BPS = 3_000n;
const MAX_LABEL_LENGTH = 64;

const revert = (name: string, ...args: unknown[]): Revert => ({ revert: name, args });

export class PoolModel {
  readonly agents = new Map<string, { prover: string; revoked: boolean }>();
  paused = false;
  relayer: string;

  /** Proofs recorded and not yet confirmed, by keyString, in the order they were recorded. */
  readonly records = new Map<string, ProofRecord>();

  readonly shares = new Map<bigint, Map<string, bigint>>();
  readonly totalShares = new Map<bigint, bigint>();
  nextToSettle = 0n;
  readonly settlements = new Map<bigint, Settlement>();
  /** Per settled epoch: still owed to its provers, and how many have not claimed it. */
  readonly owed = new Map<bigint, { unclaimed: bigint; proversLeft: number }>();
  /** Per prover: the epochs it has shares in, ascending, and how many it has claimed. */
  readonly epochsOf = new Map<string, bigint[]>();
  readonly claimedUpTo = new Map<string, number>();
  /** Fee changes: from an epoch on, in basis points; a later change with the same start replaces the earlier. */
  readonly fees: { from: bigint; bps: bigint }[] = [{ from: 0n, bps: INITIAL_FEE_BPS }];

  harvested = 0n;
  claimed = 0n;
  claimable = 0n;
  feeTotal = 0n;
  unsettled = 0n;
  feesWithdrawn = 0n;
  stakeFunds = 0n;
  /** The pool's TTKOe balance, moved by each transfer in and out (not derived from the totals). */
  tokenBalance = 0n;
  /** What the pool's TaikoL1 balance must be: BlockVerified rewards to the pool not harvested yet. */
  taikoBalance = 0n;
  /** Tokens paid to each prover by claims. */
  readonly paid = new Map<string, bigint>();
  /** Epochs whose views an operation changed, for the checks after it. */
  readonly touched = new Set<bigint>();

  constructor(
    readonly pool: string,
    readonly genesis: bigint,
    readonly epochLength: bigint,
    readonly feeChangeDelay: bigint,
    relayer: string,
  ) {
    this.relayer = relayer;
  }

  // ───────────────────────────── clock ─────────────────────────────

  epochAt(timestamp: bigint): bigint {
    return (timestamp - this.genesis) / this.epochLength;
  }

  endsAt(epoch: bigint): bigint {
    return this.genesis + (epoch + 1n) * this.epochLength;
  }

  // ───────────────────────────── agents ─────────────────────────────

  agentOwner(agent: string): string | undefined {
    const a = this.agents.get(agent);
    return a && !a.revoked ? a.prover : undefined;
  }

  authorize(prover: string, agent: string, label: string): Outcome {
    if (this.paused) return revert("EnforcedPause");
    const length = new TextEncoder().encode(label).length;
    if (length > MAX_LABEL_LENGTH) return revert("LabelTooLong", length, MAX_LABEL_LENGTH);
    const a = this.agents.get(agent);
    if (a && a.prover !== prover) return revert("AgentOfAnotherProver", agent, a.prover);
    if (a && !a.revoked) return revert("AgentAlreadyAuthorized", agent);
    this.agents.set(agent, { prover, revoked: false });
    return { events: [["AgentAuthorized", prover, agent, label]] };
  }

  revoke(prover: string, agent: string): Outcome {
    const a = this.agents.get(agent);
    if (!a || a.prover !== prover || a.revoked) return revert("NotAuthorizedAgent", agent);
    a.revoked = true;
    return { events: [["AgentRevoked", prover, agent]] };
  }

  // ───────────────────────────── proofs ─────────────────────────────

  /**
   * proveBlock by anyone: the pool's own checks, then TaikoL1's verdict (asked only when the pool gets that far),
   * and the record of the graffiti's agent for the proof's fork choice.
   */
  prove(e: EvidenceHead, taiko: () => TaikoVerdict): Outcome {
    if (this.paused) return revert("EnforcedPause");
    if (e.prover.toLowerCase() !== this.pool.toLowerCase()) return revert("EvidenceProverNotPool", e.prover);
    if (!/^0x0{24}[0-9a-fA-F]{40}$/.test(e.graffiti)) return revert("GraffitiNotAnAgent", e.graffiti);
    const agent = this.agentNamed(e.graffiti);
    const prover = this.agentOwner(agent);
    if (!prover) return revert("NotAuthorizedAgent", agent);
    // A recorded fork choice is on TaikoL1 already: TaikoL1 says so (L1_ALREADY_PROVEN) after its own checks, and
    // the pool refuses a second record once it knows which fork choice the proof is (a first one after checking
    // the proof against it).
    const recorded = this.records.get(keyString(e));
    const verdict = taiko();
    let forkChoiceId: number;
    if ("revert" in verdict) return verdict;
    if ("accepted" in verdict) forkChoiceId = verdict.accepted;
    else {
      if (recorded && recorded.forkChoiceId !== 1) return revert("ProofAlreadyRecorded", e.blockId, recorded.agent);
      const { first, matches, verifies } = verdict.alreadyProven;
      if (!first) return revert("ForkChoiceNotIdentifiable", e.blockId);
      if (!matches) return revert("ForkChoiceMismatch", e.blockId);
      if (!verifies) return revert("InvalidProof", e.blockId);
      if (recorded) return revert("ProofAlreadyRecorded", e.blockId, recorded.agent);
      forkChoiceId = 1;
    }
    const key = { blockId: e.blockId, parentHash: e.parentHash, parentGasUsed: e.parentGasUsed };
    this.records.set(keyString(key), { key, agent, forkChoiceId });
    return { events: [["ProofRecorded", e.blockId, e.parentHash, e.parentGasUsed, agent, prover, forkChoiceId]] };
  }

  /** The checksummed address in a graffiti's low 20 bytes, as the test's agent keys spell it. */
  private agentNamed(graffiti: string): string {
    const low = `0x${graffiti.slice(26)}`.toLowerCase();
    for (const agent of this.agents.keys()) if (agent.toLowerCase() === low) return agent;
    return low;
  }

  /**
   * confirm by anyone: each record in turn is credited what TaikoL1 paid the pool for its block, if Taiko verified
   * the block with the recorded fork choice and the pool as prover, else dropped. All or nothing.
   */
  confirm(keys: readonly ProofKey[], timestamp: bigint, verified: (blockId: bigint) => Verified | undefined): Outcome {
    if (this.paused) return revert("EnforcedPause");
    const gone = new Set<string>();
    for (const k of keys) {
      const s = keyString(k);
      if (gone.has(s) || !this.records.has(s))
        return revert("ProofNotRecorded", k.blockId, k.parentHash, k.parentGasUsed);
      if (!verified(k.blockId)) return revert("BlockNotVerified", k.blockId);
      gone.add(s);
    }
    const epoch = this.epochAt(timestamp);
    const events: (readonly [string, ...unknown[]])[] = [];
    for (const k of keys) {
      const s = keyString(k);
      const record = this.records.get(s)!;
      this.records.delete(s);
      const v = verified(k.blockId)!;
      // An agent's prover is for good, revoked or not.
      const prover = this.agents.get(record.agent)!.prover;
      const paidThePool = v.forkChoiceId === record.forkChoiceId && v.prover === this.pool;
      const reward = paidThePool ? v.proofReward : 0n;
      if (reward === 0n) {
        events.push(["ProofNotCredited", k.blockId, prover, record.agent, record.forkChoiceId, v.forkChoiceId]);
        continue;
      }
      this.credit(prover, epoch, reward);
      events.push(["BlockCredited", k.blockId, prover, record.agent, epoch, reward]);
    }
    return { events };
  }

  private credit(prover: string, epoch: bigint, shares: bigint): void {
    const byProver = this.shares.get(epoch) ?? new Map<string, bigint>();
    const before = byProver.get(prover) ?? 0n;
    if (before === 0n) this.epochsOf.set(prover, [...(this.epochsOf.get(prover) ?? []), epoch]);
    byProver.set(prover, before + shares);
    this.shares.set(epoch, byProver);
    this.totalShares.set(epoch, (this.totalShares.get(epoch) ?? 0n) + shares);
    this.touched.add(epoch);
  }

  sharesOf(prover: string, epoch: bigint): bigint {
    return this.shares.get(epoch)?.get(prover) ?? 0n;
  }

  /** ZKPool.epochOf: shares, provers, settled, proverReward, proversClaimed. */
  epochOf(epoch: bigint): [bigint, bigint, boolean, bigint, bigint] {
    const provers = this.shares.get(epoch)?.size ?? 0;
    const left = this.owed.get(epoch)?.proversLeft ?? provers;
    return [
      this.totalShares.get(epoch) ?? 0n,
      BigInt(provers),
      epoch < this.nextToSettle,
      this.settlements.get(epoch)?.proverReward ?? 0n,
      BigInt(provers - left),
    ];
  }

  // ───────────────────────────── rewards ─────────────────────────────

  /** TaikoL1 paid the pool for a verified block (a BlockVerified event naming it). */
  paidByTaiko(proofReward: bigint): void {
    this.taikoBalance += proofReward;
  }

  harvest(): Outcome {
    return { events: this.harvestEvents() };
  }

  private harvestEvents(): Events {
    const amount = this.taikoBalance;
    if (amount === 0n) return [];
    this.taikoBalance = 0n;
    this.harvested += amount;
    this.unsettled += amount;
    this.tokenBalance += amount;
    return [["Harvested", amount]];
  }

  feeBps(epoch: bigint): bigint {
    let bps = INITIAL_FEE_BPS;
    for (const change of this.fees) if (change.from <= epoch) bps = change.bps;
    return bps;
  }

  scheduleFee(bps: bigint, timestamp: bigint): Outcome {
    if (bps > MAX_FEE_BPS) return revert("FeeAboveCap", bps, MAX_FEE_BPS);
    // The first epoch that starts strictly after the delay.
    const from = this.epochAt(timestamp + this.feeChangeDelay) + 1n;
    const last = this.fees.at(-1);
    if (last && last.from === from) last.bps = bps;
    else this.fees.push({ from, bps });
    return { events: [["FeeChangeScheduled", bps, from]] };
  }

  /** An ended epoch's credits split into the fee and its provers' reward, harvesting first if they are not in. */
  settle(epoch: bigint, timestamp: bigint): Outcome {
    if (epoch !== this.nextToSettle) return revert("EpochNotNext", epoch, this.nextToSettle);
    if (timestamp < this.endsAt(epoch)) return revert("EpochNotEnded", epoch, this.endsAt(epoch));
    const reward = this.totalShares.get(epoch) ?? 0n;
    if (reward === 0n) {
      this.nextToSettle = epoch + 1n;
      this.touched.add(epoch);
      return { events: [["EpochSettled", epoch, 0n, 0n, 0n, 0n]] };
    }
    if (this.unsettled < reward && this.unsettled + this.taikoBalance < reward) {
      return revert("RewardsNotArrived", reward, this.unsettled + this.taikoBalance);
    }
    const events: (readonly [string, ...unknown[]])[] = [];
    if (this.unsettled < reward) events.push(...this.harvestEvents());
    this.nextToSettle = epoch + 1n;
    const fee = (reward * this.feeBps(epoch)) / BPS;
    const proverReward = reward - fee;
    this.settlements.set(epoch, { proverReward, totalShares: reward });
    this.owed.set(epoch, { unclaimed: proverReward, proversLeft: this.shares.get(epoch)?.size ?? 0 });
    this.unsettled -= reward;
    this.feeTotal += fee;
    this.claimable += proverReward;
    this.touched.add(epoch);
    events.push(["EpochSettled", epoch, reward, fee, proverReward, reward]);
    return { events };
  }

  /** A prover's part of a settled epoch: proverReward × shares / totalShares, rounded down. */
  partOf(prover: string, epoch: bigint): bigint {
    const s = this.settlements.get(epoch);
    if (!s) throw new Error(`epoch ${epoch} has no settlement`);
    return (s.proverReward * this.sharesOf(prover, epoch)) / s.totalShares;
  }

  /**
   * The settled epochs `prover` has not claimed, oldest first. A prover's epochs are ascending and the settled
   * ones come first, so they are the unclaimed epochs before the first unsettled one.
   */
  private settledUnclaimed(prover: string): bigint[] {
    const epochs = (this.epochsOf.get(prover) ?? []).slice(this.claimedUpTo.get(prover) ?? 0);
    const unsettled = epochs.findIndex((e) => e >= this.nextToSettle);
    return unsettled === -1 ? epochs : epochs.slice(0, unsettled);
  }

  claimableOf(prover: string): bigint {
    return this.settledUnclaimed(prover).reduce((sum, e) => sum + this.partOf(prover, e), 0n);
  }

  claim(prover: string, maxEpochs: number): Outcome {
    const epochs = this.settledUnclaimed(prover).slice(0, maxEpochs);
    if (epochs.length === 0) return revert("NothingToClaim", prover);
    const events: (readonly [string, ...unknown[]])[] = [];
    let amount = 0n;
    for (const epoch of epochs) {
      const part = this.partOf(prover, epoch);
      const owed = this.owed.get(epoch);
      if (!owed) throw new Error(`epoch ${epoch} owes nothing`);
      owed.unclaimed -= part;
      owed.proversLeft -= 1;
      if (owed.proversLeft === 0 && owed.unclaimed !== 0n) {
        // The last prover of the epoch claimed: what rounding left goes to the operator.
        this.claimable -= owed.unclaimed;
        this.feeTotal += owed.unclaimed;
        events.push(["DustSwept", epoch, owed.unclaimed]);
        owed.unclaimed = 0n;
      }
      events.push(["Claimed", prover, epoch, part]);
      amount += part;
      this.touched.add(epoch);
    }
    this.claimedUpTo.set(prover, (this.claimedUpTo.get(prover) ?? 0) + epochs.length);
    this.claimed += amount;
    this.claimable -= amount;
    this.tokenBalance -= amount;
    this.paid.set(prover, (this.paid.get(prover) ?? 0n) + amount);
    return { events };
  }

  withdrawFees(treasury: string): Outcome {
    const amount = this.feeTotal - this.feesWithdrawn;
    if (amount === 0n) return { events: [] };
    this.feesWithdrawn += amount;
    this.tokenBalance -= amount;
    return { events: [["FeesWithdrawn", treasury, amount]] };
  }

  // ───────────────────────────── stake funds ─────────────────────────────

  fundStake(from: string, amount: bigint): Outcome {
    this.stakeFunds += amount;
    this.tokenBalance += amount;
    return { events: [["StakeFunded", from, amount]] };
  }

  withdrawStakeFunds(amount: bigint, to: string): Outcome {
    if (to === "0x0000000000000000000000000000000000000000") return revert("ZeroAddress");
    if (amount > this.stakeFunds) return revert("InsufficientStakeFunds", amount, this.stakeFunds);
    this.stakeFunds -= amount;
    this.tokenBalance -= amount;
    return { events: [["StakeFundsWithdrawn", to, amount]] };
  }

  /**
   * A ProverPool call that paid the pool `returned` (a matured exit) and burnt `burnt` of its tokens as stake:
   * the net moves the stake funds, never the rewards. `balance` is what the pool held before the call.
   */
  stakeMove(returned: bigint, burnt: bigint): Outcome {
    // The burn comes after the payout, from everything the pool holds: TTKOe's own error when that falls short.
    if (burnt > this.tokenBalance + returned) {
      return {
        revert: "ERC20InsufficientBalance",
        args: [this.pool, this.tokenBalance + returned, burnt],
        by: "token",
      };
    }
    if (returned > burnt) {
      const net = returned - burnt;
      this.stakeFunds += net;
      this.tokenBalance += net;
      return { events: [["StakeFundsMoved", 0n, net, this.stakeFunds]] };
    }
    if (burnt > returned) {
      const net = burnt - returned;
      if (net > this.stakeFunds) return revert("InsufficientStakeFunds", net, this.stakeFunds);
      this.stakeFunds -= net;
      this.tokenBalance -= net;
      return { events: [["StakeFundsMoved", net, 0n, this.stakeFunds]] };
    }
    return { events: [] };
  }

  /** Every figure of the model in one string: equal before and after an operation that changed nothing. */
  fingerprint(): string {
    const show = (v: unknown) =>
      JSON.stringify(v, (_, x: unknown) =>
        typeof x === "bigint" ? x.toString() : x instanceof Map ? [...x] : x instanceof Set ? [...x] : x,
      );
    return show([
      [this.harvested, this.claimed, this.claimable, this.feeTotal, this.unsettled, this.feesWithdrawn],
      [this.stakeFunds, this.tokenBalance, this.taikoBalance, this.nextToSettle, this.paused, this.relayer],
      this.agents,
      this.records,
      this.shares,
      this.owed,
      this.claimedUpTo,
      this.fees,
      this.paid,
    ]);
  }

  // ───────────────────────────── roles ─────────────────────────────

  setRelayer(relayer: string): Outcome {
    this.relayer = relayer;
    return { events: [["RelayerSet", relayer]] };
  }

  pause(account: string): Outcome {
    if (this.paused) return revert("EnforcedPause");
    this.paused = true;
    return { events: [["Paused", account]] };
  }

  unpause(account: string): Outcome {
    if (!this.paused) return revert("ExpectedPause");
    this.paused = false;
    return { events: [["Unpaused", account]] };
  }
}
