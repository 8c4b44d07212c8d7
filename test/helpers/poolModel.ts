// A TypeScript model of ZKPool's rules, written from the design (not from the contract), for the property test:
// each operation returns what the pool must do, the revert (error and arguments) or the events in order, and the
// model's state tells what every view must return, to the wei.

/** A revert the pool must give: the custom error's name and arguments, and the contract that defines it. */
export interface Revert {
  revert: string;
  args: readonly unknown[];
  by?: "pool" | "proverPool" | "taikoL1";
}

/** The pool events a transaction must emit, in order: [name, ...args]. */
export type Events = readonly (readonly [string, ...unknown[]])[];

export type Outcome = Revert | { events: Events };

interface Settlement {
  proverReward: bigint;
  totalShares: bigint;
}

const BPS = 10_000n;
const INITIAL_FEE_BPS = 2_000n;
const MAX_FEE_BPS = 3_000n;
const MAX_LABEL_LENGTH = 64;

const revert = (name: string, ...args: unknown[]): Revert => ({ revert: name, args });

export class PoolModel {
  readonly agents = new Map<string, { prover: string; revoked: boolean }>();
  paused = false;

  readonly shares = new Map<bigint, Map<string, bigint>>();
  readonly totalShares = new Map<bigint, bigint>();
  readonly epochRewards = new Map<bigint, bigint>();
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
  /** What the pool's TaikoL1 balance must be: BlockVerified rewards to the pool not harvested yet. */
  taikoBalance = 0n;
  /** Tokens paid to each prover by claims. */
  readonly paid = new Map<string, bigint>();

  constructor(
    readonly genesis: bigint,
    readonly epochLength: bigint,
    readonly feeChangeDelay: bigint,
  ) {}

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

  /** A proof Taiko accepted, signed by `agent` (authorized), credited at `timestamp`. */
  credit(blockId: bigint, agent: string, shares: bigint, timestamp: bigint): Outcome {
    const prover = this.agentOwner(agent);
    if (!prover) return revert("NotAuthorizedAgent", agent);
    const epoch = this.epochAt(timestamp);
    const byProver = this.shares.get(epoch) ?? new Map<string, bigint>();
    const before = byProver.get(prover) ?? 0n;
    if (before === 0n) this.epochsOf.set(prover, [...(this.epochsOf.get(prover) ?? []), epoch]);
    byProver.set(prover, before + shares);
    this.shares.set(epoch, byProver);
    this.totalShares.set(epoch, (this.totalShares.get(epoch) ?? 0n) + shares);
    return { events: [["ProofCredited", blockId, prover, agent, epoch, shares]] };
  }

  sharesOf(prover: string, epoch: bigint): bigint {
    return this.shares.get(epoch)?.get(prover) ?? 0n;
  }

  // ───────────────────────────── rewards ─────────────────────────────

  harvest(timestamp: bigint): Outcome {
    const amount = this.taikoBalance;
    if (amount === 0n) return { events: [] };
    const epoch = this.epochAt(timestamp);
    this.taikoBalance = 0n;
    this.epochRewards.set(epoch, (this.epochRewards.get(epoch) ?? 0n) + amount);
    this.harvested += amount;
    this.unsettled += amount;
    return { events: [["Harvested", epoch, amount]] };
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

  settle(epoch: bigint, timestamp: bigint): Outcome {
    if (epoch !== this.nextToSettle) return revert("EpochNotNext", epoch, this.nextToSettle);
    if (timestamp < this.endsAt(epoch)) return revert("EpochNotEnded", epoch, this.endsAt(epoch));
    this.nextToSettle = epoch + 1n;
    const reward = this.epochRewards.get(epoch) ?? 0n;
    this.epochRewards.delete(epoch);
    const totalShares = this.totalShares.get(epoch) ?? 0n;
    if (totalShares === 0n) {
      if (reward === 0n) return { events: [["EpochSettled", epoch, 0n, 0n, 0n, 0n]] };
      this.epochRewards.set(epoch + 1n, (this.epochRewards.get(epoch + 1n) ?? 0n) + reward);
      return {
        events: [
          ["RewardRolledOver", epoch, epoch + 1n, reward],
          ["EpochSettled", epoch, 0n, 0n, 0n, 0n],
        ],
      };
    }
    const fee = (reward * this.feeBps(epoch)) / BPS;
    const proverReward = reward - fee;
    this.settlements.set(epoch, { proverReward, totalShares });
    this.owed.set(epoch, { unclaimed: proverReward, proversLeft: this.shares.get(epoch)?.size ?? 0 });
    this.unsettled -= reward;
    this.feeTotal += fee;
    this.claimable += proverReward;
    return { events: [["EpochSettled", epoch, reward, fee, proverReward, totalShares]] };
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
    }
    this.claimedUpTo.set(prover, (this.claimedUpTo.get(prover) ?? 0) + epochs.length);
    this.claimed += amount;
    this.claimable -= amount;
    this.paid.set(prover, (this.paid.get(prover) ?? 0n) + amount);
    return { events };
  }

  withdrawFees(treasury: string): Outcome {
    const amount = this.feeTotal - this.feesWithdrawn;
    if (amount === 0n) return { events: [] };
    this.feesWithdrawn += amount;
    return { events: [["FeesWithdrawn", treasury, amount]] };
  }

  // ───────────────────────────── stake funds ─────────────────────────────

  fundStake(from: string, amount: bigint): Outcome {
    this.stakeFunds += amount;
    return { events: [["StakeFunded", from, amount]] };
  }

  withdrawStakeFunds(amount: bigint, to: string): Outcome {
    if (amount > this.stakeFunds) return revert("InsufficientStakeFunds", amount, this.stakeFunds);
    this.stakeFunds -= amount;
    return { events: [["StakeFundsWithdrawn", to, amount]] };
  }

  // ───────────────────────────── pause ─────────────────────────────

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
