// Model-based property test of ZKPool: random sequences of operations by eight provers (some with several agent
// keys), anyone who relays or confirms, outsiders proving straight on TaikoL1, rival stakers in ProverPool and the
// pool's owner, against a TypeScript model of the pool's rules (test/helpers/poolModel.ts). After every operation
// the pool's ledger invariants hold and every ledger figure equals the model's, to the wei.
//
// Rewards are real: the proofs are real Groth16 proofs, and what the model credits is what TaikoL1's BlockVerified
// events paid the pool, read after every operation (proposals verify too). The actors:
//  - provers' machines prove the pool's blocks (graffiti = their agent); the relayer or anyone records the proof
//    through proveBlock, and anyone confirms batches of records once Taiko has verified, or not, their blocks;
//  - an outsider lands a copy of a pending pool proof on TaikoL1 first (the pool's transaction records it all the
//    same), proves blocks for the pool from made-up parents under a member's graffiti (recorded through the pool
//    or not) before the real proof, or after a made-up parent lands the copy (ForkChoiceNotIdentifiable); it also
//    proves the pool's own blocks for itself once their window is over (the pool is slashed);
//  - a relayer re-attributes a member's proof to another agent's graffiti (the instance binds it: L1_INVALID_PROOF,
//    or InvalidProof once the fork choice is on TaikoL1);
//  - rival stakers take blocks from ProverPool; the pool proves those they leave past their window (1.5x the
//    reward, the rival slashed), or they prove them themselves;
//  - the owner funds, stakes, exits and withdraws; the relayer adjusts the capacity; the owner sets the relayer.
// To keep the run short, few blocks wait for a proof at a time and a proof is made once per instance: doomed
// submissions that fail before TaikoL1 checks the proof carry no proof at all.
//
// ZKPOOL_PROPERTY_SEED, ZKPOOL_PROPERTY_RUNS and ZKPOOL_PROPERTY_COMMANDS replay or resize a run;
// ZKPOOL_PROPERTY_SHRINK=1 shrinks a failure (slow: every attempt replays on the chain).

import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { BaseContract, ContractTransactionResponse, HDNodeWallet } from "ethers";
import fc from "fast-check";
import {
  TTKO,
  agentGraffiti,
  encodeEvidence,
  LOCAL_INSTANCE_CONTEXT,
  instanceHash,
  proveInstance,
  shutdownProver,
  type BlockEvidence,
  type BlockInstance,
} from "@zkpool/common";
import { proposeBlock, type ProposedBlock } from "../../fixtures/taiko";
import { authorizeAgent, deployPoolFixture, type PoolFixture } from "../../fixtures/zkpool";
import { agentKey, freeSigners } from "../../helpers/pool";
import { checkPoolInvariants, loadPoolWithInvariants } from "../../helpers/poolInvariants";
import {
  PoolModel,
  keyString,
  type Events,
  type Outcome,
  type ProofKey,
  type Revert,
  type TaikoVerdict,
  type Verified,
} from "../../helpers/poolModel";
import { checkTaikoInvariants } from "../../helpers/invariants";
import { gasCost, hex, mined, openReward } from "../../helpers/taiko";

const RUNS = Number(process.env.ZKPOOL_PROPERTY_RUNS ?? 5);
const COMMANDS = Number(process.env.ZKPOOL_PROPERTY_COMMANDS ?? 220);
const SEED = Number(process.env.ZKPOOL_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SHRINK = process.env.ZKPOOL_PROPERTY_SHRINK === "1";

const PROVERS = 8; // actors 0–7; actor 8 is mallory, 9 is eve
const ACTORS = 10;
const KEYS = 20; // agentOfAlice, agentOfBob, then 18 derived keys
const ZERO = ethers.ZeroAddress;

// ───────────────────────────── the fixture ─────────────────────────────

interface PropertyFixture extends PoolFixture {
  /** alice, bob, carol, dave, erin, frank, grace, heidi, mallory, eve */
  actors: HardhatEthersSigner[];
  eve: HardhatEthersSigner;
  keys: HDNodeWallet[];
  /** Stakers in ProverPool besides the pool: proverA and proverB. */
  rivals: HardhatEthersSigner[];
}

/** Eight provers: each with one agent, Alice and Bob with two; mallory and eve hold nothing. */
async function propertyFixture(): Promise<PropertyFixture> {
  const f = await deployPoolFixture();
  const [carol, dave, erin, frank, grace, heidi, eve] = freeSigners(f, 7) as [
    HardhatEthersSigner,
    ...HardhatEthersSigner[],
  ];
  const actors = [f.alice, f.bob, carol, dave!, erin!, frank!, grace!, heidi!, f.mallory, eve!];
  const keys = [f.agentOfAlice, f.agentOfBob, ...Array.from({ length: KEYS - 2 }, (_, i) => agentKey(`k${i}`))];
  // carol..heidi take k0..k5; alice k6, bob k7.
  for (let i = 2; i < PROVERS; i++) await authorizeAgent(f, actors[i]!, keys[i]!, `rig ${i}`);
  await authorizeAgent(f, f.alice, keys[8]!, "alice's second rig");
  await authorizeAgent(f, f.bob, keys[9]!, "bob's second rig");
  return { ...f, actors, eve: eve!, keys, rivals: [f.proverA, f.proverB] };
}

// ───────────────────────────── operations ─────────────────────────────

type Pick = "active" | "revoked" | "any";
type Hostile = "notPool" | "dirtyGraffiti" | "malformed" | "stranger";
type Confirm = "ready" | "any" | "unrecorded" | "duplicate";
type MadeUp = "taiko" | "taikoThenPool" | "taikoThenCopy" | "pool";
type OwnerStake = "fund" | "withdrawFunds" | "stake" | "restake" | "leave" | "exit" | "withdraw";

type Op =
  | { kind: "authorize"; actor: number; key: number; byOwner: boolean; longLabel: boolean }
  | { kind: "revoke"; actor: number; key: number; byOwner: boolean }
  | { kind: "prove"; key: number; pick: Pick; sender: number; byRelayer: boolean; anyBlock: boolean; gasLimit: number }
  | { kind: "copy"; key: number }
  | { kind: "madeUp"; key: number; how: MadeUp; sender: number }
  | { kind: "reattribute"; key: number; anyBlock: boolean }
  | { kind: "hostileProof"; how: Hostile; key: number; variant: number }
  | { kind: "outsiderLate"; key: number }
  | { kind: "rivalProves" }
  | { kind: "rival"; who: number; amount: bigint; rewardPerGas: number }
  | { kind: "confirm"; how: Confirm; max: number; picks: number[]; sender: number }
  | { kind: "verify"; cooldown: boolean; maxBlocks: number }
  | { kind: "harvest"; actor: number }
  | { kind: "settle"; offset: number }
  | { kind: "settleAll" }
  | { kind: "claim"; actor: number; owed: boolean; maxEpochs: number }
  | { kind: "wait"; seconds: bigint }
  | { kind: "toEpochEnd"; lastSecond: boolean }
  | { kind: "idleEpoch"; maxBlocks: number }
  | { kind: "scheduleFee"; bps: number; hostile: boolean }
  | { kind: "pause"; hostile: boolean }
  | { kind: "unpause"; hostile: boolean }
  | { kind: "withdrawFees"; actor: number }
  | { kind: "adjustCapacity"; capacity: number; byRelayer: boolean }
  | { kind: "setRelayer"; to: number; hostile: boolean }
  | { kind: "ownerStake"; what: OwnerStake; amount: bigint; capacity: number; rewardPerGas: number; hostile: boolean };

const DAY = 24n * 3600n;
const actor = fc.nat({ max: ACTORS - 1 });
/** Mostly a prover, sometimes mallory or eve. */
const claimant = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: PROVERS - 1 }) }, { weight: 1, arbitrary: actor });
const key = fc.nat({ max: KEYS - 1 });
const rarely = fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const often = fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) });

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 16,
    arbitrary: fc.record({
      kind: fc.constant("prove" as const),
      key,
      pick: fc.oneof(
        { weight: 8, arbitrary: fc.constant("active" as const) },
        { weight: 1, arbitrary: fc.constant("revoked" as const) },
        { weight: 1, arbitrary: fc.constant("any" as const) },
      ),
      sender: actor,
      byRelayer: often,
      anyBlock: rarely,
      gasLimit: fc.constantFrom(300_000, 1_000_000, 3_000_000),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("copy" as const), key }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("madeUp" as const),
      key,
      how: fc.constantFrom<MadeUp>("taiko", "taikoThenPool", "taikoThenCopy", "pool"),
      sender: actor,
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("reattribute" as const), key, anyBlock: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("hostileProof" as const),
      how: fc.constantFrom<Hostile>("notPool", "dirtyGraffiti", "malformed", "stranger"),
      key,
      variant: fc.nat({ max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("outsiderLate" as const), key }) },
  { weight: 3, arbitrary: fc.constant({ kind: "rivalProves" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("rival" as const),
      who: fc.nat({ max: 1 }),
      amount: fc.constantFrom(300_000n * TTKO, 1_000_000n * TTKO, 2_000_000n * TTKO),
      rewardPerGas: fc.constantFrom(800, 1_000, 1_200),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("confirm" as const),
      how: fc.oneof(
        { weight: 6, arbitrary: fc.constant("ready" as const) },
        { weight: 2, arbitrary: fc.constant("any" as const) },
        { weight: 1, arbitrary: fc.constant("unrecorded" as const) },
        { weight: 1, arbitrary: fc.constant("duplicate" as const) },
      ),
      max: fc.integer({ min: 1, max: 6 }),
      picks: fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 4 }),
      sender: actor,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("verify" as const),
      cooldown: often,
      maxBlocks: fc.integer({ min: 1, max: 20 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("harvest" as const), actor }) },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("settle" as const), offset: fc.constantFrom(0, 0, 0, 1, -1) }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: "settleAll" as const }) },
  {
    weight: 9,
    arbitrary: fc.record({
      kind: fc.constant("claim" as const),
      actor: claimant,
      owed: fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      maxEpochs: fc.constantFrom(0, 1, 2, 3, 5, 1_000),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      seconds: fc.oneof(
        { weight: 8, arbitrary: fc.bigInt(1n, 600n) },
        { weight: 8, arbitrary: fc.bigInt(1_800n, 10_800n) },
        { weight: 4, arbitrary: fc.bigInt(DAY / 2n, 2n * DAY) },
        { weight: 1, arbitrary: fc.bigInt(2n * DAY, 8n * DAY) },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("toEpochEnd" as const), lastSecond: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("idleEpoch" as const), maxBlocks: fc.integer({ min: 1, max: 20 }) }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("authorize" as const),
      actor,
      key,
      byOwner: fc.boolean(),
      longLabel: rarely,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("revoke" as const), actor, key, byOwner: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("scheduleFee" as const), bps: fc.nat({ max: 3_500 }), hostile: rarely }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("pause" as const), hostile: rarely }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("unpause" as const), hostile: rarely }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("withdrawFees" as const), actor }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("adjustCapacity" as const),
      capacity: fc.integer({ min: 10, max: 300 }),
      byRelayer: often,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("setRelayer" as const), to: fc.nat({ max: 5 }), hostile: rarely }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("ownerStake" as const),
      what: fc.constantFrom<OwnerStake>("fund", "withdrawFunds", "stake", "restake", "leave", "exit", "withdraw"),
      amount: fc.bigInt(0n, 2_000_000n * TTKO),
      capacity: fc.constantFrom(4, 5, 16, 16, 64, 64),
      rewardPerGas: fc.constantFrom(0, 900, 1_000, 1_000, 1_100),
      hostile: rarely,
    }),
  },
);

// ───────────────────────────── proofs ─────────────────────────────

/** How often each event, each revert and each actor's path happened, over all runs: what the runs covered. */
const seen = new Map<string, number>();
const saw = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);

/** Real proofs, by instance: a replay of the same blocks (shrinking) proves nothing twice. */
const proofs = new Map<string, string>();
let realProofs = 0;

async function proven(fields: BlockInstance): Promise<{ evidence: BlockEvidence; input: string }> {
  const instance = instanceHash(fields, LOCAL_INSTANCE_CONTEXT);
  let proof = proofs.get(instance);
  if (!proof) {
    proof = (await proveInstance(instance)).proof;
    proofs.set(instance, proof);
    realProofs++;
  }
  const evidence: BlockEvidence = { ...fields, verifierId: 0, proof: hex(proof) };
  return { evidence, input: encodeEvidence(evidence) };
}

/** Evidence without a proof: for submissions that fail before TaikoL1 checks the proof. */
function unproven(fields: BlockInstance): { evidence: BlockEvidence; input: string } {
  const evidence: BlockEvidence = { ...fields, verifierId: 0, proof: "0x" };
  return { evidence, input: encodeEvidence(evidence) };
}

/** A fork choice TaikoL1 holds, as the test made it. */
interface ForkChoice {
  parentHash: string;
  parentGasUsed: number;
  blockHash: string;
  signalRoot: string;
  gasUsed: number;
  prover: string;
  provenAt: bigint;
}

/** A member's proof of a block on its real parent: the machine, and the input it proved. */
interface Submission {
  agent: string;
  evidence: BlockEvidence;
  input: string;
}

/** A proposed block as the test follows it. */
interface Block {
  block: ProposedBlock;
  proposedAt: bigint;
  proofWindow: bigint;
  /** TaikoL1's fork choices of the block, in the order they were proven (id = index + 1). */
  forkChoices: ForkChoice[];
  member?: Submission;
  /** The pool's submission of its real proof is over: recorded, or refused for good. */
  done: boolean;
  madeUp: number;
}

const sameKey = (a: ProofKey | ForkChoice, b: { parentHash: string; parentGasUsed: number }) =>
  a.parentHash.toLowerCase() === b.parentHash.toLowerCase() && a.parentGasUsed === b.parentGasUsed;

const normalize = (v: unknown): unknown =>
  typeof v === "bigint" || typeof v === "number"
    ? BigInt(v).toString()
    : typeof v === "string" && ethers.isAddress(v)
      ? ethers.getAddress(v)
      : Array.isArray(v)
        ? v.map(normalize)
        : v;

// ───────────────────────────── ProverPool's rules, for the pool's stake ─────────────────────────────

interface StakerView {
  exitRequestedAt: bigint;
  exitAmount: bigint;
  maxCapacity: bigint;
  proverId: bigint;
}

/**
 * ProverPool.stake (and exit, with amount 0 and no parameter check) by the pool, from its staker record now: the
 * matured exit it pays first, what it burns, or its revert.
 */
function proverPoolStake(
  f: PropertyFixture,
  s: StakerView,
  stakedAmount: bigint,
  now: bigint,
  call: { amount: bigint; rewardPerGas: number; capacity: number } | "exit",
): Revert | { returned: bigint; burnt: bigint } {
  const pp = (name: string): Revert => ({ revert: name, args: [], by: "proverPool" });
  let exitAmount = s.exitAmount;
  let requestedAt = s.exitRequestedAt;
  let returned = 0n;
  if (exitAmount !== 0n && requestedAt !== 0n && now > requestedAt + f.params.proverPool.exitPeriod) {
    returned = exitAmount;
    exitAmount = 0n;
    requestedAt = 0n;
  }
  if (s.proverId !== 0n) {
    if (now <= requestedAt + f.params.proverPool.changeDelay) return pp("CHANGE_TOO_FREQUENT");
    exitAmount += stakedAmount;
  }
  if (call === "exit") return { returned, burnt: 0n };
  const { amount, rewardPerGas, capacity } = call;
  if (amount === 0n) return rewardPerGas !== 0 || capacity !== 0 ? pp("INVALID_PARAMS") : { returned, burnt: 0n };
  if (capacity < 5 || amount / BigInt(capacity) < 10_000n || rewardPerGas === 0) return pp("INVALID_PARAMS");
  return { returned, burnt: exitAmount >= amount ? 0n : amount - exitAmount };
}

// ───────────────────────────── one run ─────────────────────────────

/** One sequence of operations on a fresh pool, checked against the model after each. */
class Run {
  readonly model: PoolModel;
  now: bigint;
  readonly blocks: Block[] = [];
  readonly verified = new Map<bigint, Verified>();
  lastVerified = 0n;
  scannedBlock: number;
  madeUps = 0;
  /** A transaction of the operation succeeded: the chain's state changed. */
  changed = true;
  /** The model's figures after the last operation that changed the chain. */
  fingerprint = "";

  constructor(
    readonly f: PropertyFixture,
    genesis: bigint,
    now: bigint,
    scannedBlock: number,
    stakeFunds: bigint,
    tokenBalance: bigint,
  ) {
    this.model = new PoolModel(
      f.poolAddress,
      genesis,
      f.poolParams.epochLength,
      f.poolParams.feeChangeDelay,
      f.relayer.address,
    );
    // The fixture funded and staked before the run: what it left.
    this.model.stakeFunds = stakeFunds;
    this.model.tokenBalance = tokenBalance;
    this.now = now;
    this.scannedBlock = scannedBlock;
    for (const [i, k] of f.keys.entries()) {
      if (i < PROVERS) this.model.authorize(f.actors[i]!.address, k.address, "");
    }
    this.model.authorize(f.alice.address, f.keys[8]!.address, "");
    this.model.authorize(f.bob.address, f.keys[9]!.address, "");
  }

  static async start(f: PropertyFixture): Promise<Run> {
    const latest = await ethers.provider.getBlock("latest");
    if (!latest) throw new Error("no latest block");
    // The fixture's own stake operations are not the run's: what they left is the starting point.
    const stakeFunds = await f.pool.stakeFunds();
    const tokenBalance = await f.token.balanceOf(f.poolAddress);
    expect(tokenBalance, "the fixture's pool holds its stake funds only").to.equal(stakeFunds);
    return new Run(
      f,
      await f.pool.GENESIS_TIMESTAMP(),
      BigInt(latest.timestamp),
      latest.number,
      stakeFunds,
      tokenBalance,
    );
  }

  /** The timestamp of the next transaction: one second after the last, or later after a wait. */
  async nextTimestamp(): Promise<bigint> {
    this.now += 1n;
    await time.setNextBlockTimestamp(this.now);
    return this.now;
  }

  /** Sends a transaction and checks it reverts or emits exactly what the model says. */
  async expectOutcome(
    outcome: Outcome,
    send: () => Promise<ContractTransactionResponse>,
    by: BaseContract = this.f.pool,
  ): Promise<void> {
    const { f } = this;
    if ("revert" in outcome) {
      saw(outcome.revert);
      const contract =
        outcome.by === "proverPool"
          ? f.proverPool
          : outcome.by === "taikoL1"
            ? f.taikoL1
            : outcome.by === "token"
              ? f.token
              : by;
      const assertion = expect(send()).to.be.revertedWithCustomError(contract, outcome.revert);
      const args = outcome.args.map((a) => (typeof a === "string" && ethers.isAddress(a) ? ethers.getAddress(a) : a));
      await (args.length > 0 ? assertion.withArgs(...args) : assertion);
      return;
    }
    const receipt = await mined(send());
    this.changed = true;
    const emitted: unknown[] = [];
    for (const log of receipt.logs) {
      if (log.address !== f.poolAddress) continue;
      const parsed = f.pool.interface.parseLog(log);
      if (parsed) emitted.push([parsed.name, ...parsed.args.toArray()].map(normalize));
    }
    expect(emitted, "the pool's events").to.deep.equal((outcome.events as Events).map((e) => e.map(normalize)));
    for (const [name] of outcome.events) saw(name);
  }

  actor(i: number): HardhatEthersSigner {
    return this.f.actors[i]!;
  }

  /** The prover of `agent` (revoked or not) when asked for and there is one, else actor `i`. */
  ownerOr(agent: string, byOwner: boolean, i: number): HardhatEthersSigner {
    const prover = byOwner ? this.model.agents.get(agent)?.prover : undefined;
    return this.f.actors.find((a) => a.address === prover) ?? this.actor(i);
  }

  /** An agent key: the key-th authorized one, else the key-th revoked one or any, as `pick` asks. */
  agentKey(pick: Pick, k: number): HDNodeWallet {
    const { f, model } = this;
    const active = f.keys.filter((w) => model.agentOwner(w.address));
    const revoked = f.keys.filter((w) => model.agents.get(w.address)?.revoked);
    const among = pick === "active" ? active : pick === "revoked" ? revoked : [];
    return (among.length > 0 ? among[k % among.length] : f.keys[k % f.keys.length])!;
  }

  // ───────────────────────────── TaikoL1 as the test follows it ─────────────────────────────

  /** Proposes a block (ProverPool assigns it), follows it on the L2 chain and in `blocks`. */
  async propose(gasLimit = 1_000_000): Promise<Block> {
    const { f } = this;
    await this.nextTimestamp();
    const block = await proposeBlock(f, gasLimit);
    this.changed = true;
    f.chain.add(block);
    const { proposedAt, proofWindow } = await f.taikoL1.getBlock(block.id);
    const b: Block = { block, proposedAt, proofWindow, forkChoices: [], done: false, madeUp: 0 };
    this.blocks.push(b);
    // A proposal verifies what it can, too.
    await this.scanTaiko();
    saw(
      block.assignedProver === f.poolAddress
        ? "[block] the pool's"
        : block.assignedProver === ZERO
          ? "[block] open"
          : "[block] a rival's",
    );
    return b;
  }

  /** The evidence fields of a block on its real parent. */
  fields(b: Block, prover: string, graffiti?: string): BlockInstance {
    return this.f.chain.evidence(b.block.id, b.block.metaHash, hex(prover), graffiti ? hex(graffiti) : undefined);
  }

  realFork(b: Block): ForkChoice | undefined {
    const parent = this.f.chain.parentOf(b.block.id);
    return b.forkChoices.find((c) => sameKey(c, { parentHash: parent.blockHash, parentGasUsed: parent.gasUsed }));
  }

  /** Whether TaikoL1 takes a proof naming `prover` for the block now (its assigned prover's window). */
  proveable(b: Block, prover: string, at: bigint): boolean {
    const assigned = b.block.assignedProver;
    return assigned === ZERO || assigned === prover || at > b.proposedAt + b.proofWindow;
  }

  /** What TaikoL1 does with the pool's submission of `fields` at `at` (the instance verifies or not). */
  verdict(b: Block, fields: BlockInstance, verifies: boolean, at: bigint): TaikoVerdict {
    const taiko = (name: string): Revert => ({ revert: name, args: [], by: "taikoL1" });
    if (b.block.id <= this.lastVerified) return taiko("L1_BLOCK_ID");
    if (!this.proveable(b, this.f.poolAddress, at)) return taiko("L1_NOT_PROVEABLE");
    const i = b.forkChoices.findIndex((c) => sameKey(c, fields));
    if (i >= 0) {
      const c = b.forkChoices[i]!;
      const matches =
        c.prover === this.f.poolAddress &&
        c.blockHash === fields.blockHash &&
        c.signalRoot === fields.signalRoot &&
        c.gasUsed === fields.gasUsed;
      return { alreadyProven: { first: i === 0, matches, verifies } };
    }
    if (!verifies) return taiko("L1_INVALID_PROOF");
    return { accepted: b.forkChoices.length + 1 };
  }

  /** `sender` proves the block straight on TaikoL1 (the evidence names its prover); TaikoL1 must take it. */
  async proveOnTaiko(b: Block, evidence: BlockEvidence, input: string, sender: HardhatEthersSigner): Promise<void> {
    const at = await this.nextTimestamp();
    await mined(this.f.taikoL1.connect(sender).proveBlock(b.block.id, input));
    this.changed = true;
    b.forkChoices.push({ ...evidence, provenAt: at });
  }

  /**
   * The pool's proveBlock of `input` by `sender`, checked against the model (with TaikoL1's verdict); a fork
   * choice TaikoL1 accepted is followed. Returns the outcome.
   */
  async proveThroughPool(
    b: Block,
    evidence: BlockEvidence,
    input: string,
    verifies: boolean,
    sender: HardhatEthersSigner,
  ): Promise<Outcome> {
    const { f, model } = this;
    await this.scanTaiko();
    const at = await this.nextTimestamp();
    let verdict: TaikoVerdict | undefined;
    const outcome = model.prove({ ...evidence, blockId: b.block.id }, () => {
      verdict = this.verdict(b, evidence, verifies, at);
      return verdict;
    });
    await this.expectOutcome(outcome, () => f.pool.connect(sender).proveBlock(b.block.id, input));
    if (verdict && "accepted" in verdict && !("revert" in outcome)) {
      b.forkChoices.push({ ...evidence, provenAt: at });
    }
    if (!("revert" in outcome) && verdict && "alreadyProven" in verdict) saw("[path] a copy on TaikoL1 recorded");
    const [agent] = await f.pool.proofRecord(b.block.id, evidence.parentHash, evidence.parentGasUsed);
    const record = model.records.get(keyString({ ...evidence, blockId: b.block.id }));
    expect(agent, "proofRecord").to.equal(record?.agent ?? ZERO);
    return outcome;
  }

  /** The block a member proves next: the first whose pool proof is not over that the pool may prove now. */
  async frontier(at: bigint, gasLimit?: number): Promise<Block> {
    const { f } = this;
    const open = this.blocks.filter((b) => !b.done && b.block.id > this.lastVerified);
    const ours = open.find((b) => {
      const real = this.realFork(b);
      return this.proveable(b, f.poolAddress, at) && (!real || real.prover === f.poolAddress);
    });
    if (ours) return ours;
    // Only rivals' blocks in their window, or blocks proven for others, wait: a new block.
    if (open.length < 4) return this.propose(gasLimit);
    return open[0]!;
  }

  /** The member proof of a block (a real proof): kept while its agent is authorized, else made by agent `k`. */
  async memberProof(b: Block, pick: Pick, k: number): Promise<Submission | undefined> {
    const agent = b.member && this.model.agentOwner(b.member.agent) ? undefined : this.agentKey(pick, k);
    if (!agent) return b.member;
    if (!this.model.agentOwner(agent.address)) return undefined;
    const { evidence, input } = await proven(this.fields(b, this.f.poolAddress, agentGraffiti(hex(agent.address))));
    b.member = { agent: agent.address, evidence, input };
    return b.member;
  }

  /** Folds the BlockVerified events since the last scan into the model: what TaikoL1 paid the pool. */
  async scanTaiko(): Promise<void> {
    const { f } = this;
    const latest = await ethers.provider.getBlockNumber();
    if (latest <= this.scannedBlock) return;
    const events = await f.taikoL1.queryFilter(f.taikoL1.filters.BlockVerified(), this.scannedBlock + 1, latest);
    for (const e of events) {
      const { blockId, blockHash, prover, proofReward } = e.args;
      const b = this.blocks.find((x) => x.block.id === blockId);
      if (!b) throw new Error(`verified block ${blockId} was never proposed`);
      const real = this.realFork(b);
      expect(real, `the verified fork choice of block ${blockId} is on its real parent`).to.not.equal(undefined);
      expect([real!.blockHash, real!.prover], `block ${blockId}'s verified fork choice`).to.deep.equal([
        blockHash,
        prover,
      ]);
      // TaikoL1's payout as eldfell computes it: the open reward for an open block, or a proof by another than
      // the assigned prover or after its window.
      const base = gasCost(f, real!.gasUsed, b.block.rewardPerGas);
      const assigned = b.block.assignedProver;
      const late = assigned === ZERO || prover !== assigned || real!.provenAt > b.proposedAt + b.proofWindow;
      expect(proofReward, `TaikoL1's reward for block ${blockId}`).to.equal(late ? openReward(f, base) : base);
      this.verified.set(blockId, {
        forkChoiceId: b.forkChoices.indexOf(real!) + 1,
        prover,
        proofReward,
      });
      if (blockId > this.lastVerified) this.lastVerified = blockId;
      if (prover === f.poolAddress) {
        this.model.paidByTaiko(proofReward);
        saw(late ? "[paid] the pool 1.5x" : "[paid] the pool in time");
        if (assigned === f.poolAddress && late) saw("[paid] the pool slashed for its own late block");
      } else {
        saw(assigned === f.poolAddress ? "[paid] an outsider for the pool's block (slashed)" : "[paid] a rival");
      }
    }
    this.scannedBlock = latest;
  }

  // ───────────────────────────── operations ─────────────────────────────

  async apply(op: Op): Promise<void> {
    const { f, model } = this;
    switch (op.kind) {
      case "authorize": {
        const label = op.longLabel ? "é".repeat(33) : `rig ${op.key}`;
        const wallet = f.keys[op.key]!;
        const who = this.ownerOr(wallet.address, op.byOwner, op.actor);
        await this.nextTimestamp();
        await this.expectOutcome(model.authorize(who.address, wallet.address, label), () =>
          authorizeAgent(f, who, wallet, label),
        );
        expect(await f.pool.agentOwner(wallet.address)).to.equal(model.agentOwner(wallet.address) ?? ZERO);
        return;
      }
      case "revoke": {
        const agent = f.keys[op.key]!.address;
        const who = this.ownerOr(agent, op.byOwner, op.actor);
        await this.nextTimestamp();
        await this.expectOutcome(model.revoke(who.address, agent), () => f.pool.connect(who).revokeAgent(agent));
        expect(await f.pool.agentOwner(agent)).to.equal(model.agentOwner(agent) ?? ZERO);
        return;
      }
      case "prove":
        return this.prove(op);
      case "copy":
        return this.copy(op.key);
      case "madeUp":
        return this.madeUp(op.key, op.how, this.actor(op.sender));
      case "reattribute":
        return this.reattribute(op.key, op.anyBlock);
      case "hostileProof":
        return this.hostileProof(op.how, op.key, op.variant);
      case "outsiderLate":
        return this.outsiderLate(op.key);
      case "rivalProves":
        return this.rivalProves();
      case "rival":
        return this.rival(op.who, op.amount, op.rewardPerGas);
      case "confirm":
        return this.confirm(op);
      case "verify": {
        if (op.cooldown) this.now += f.params.taiko.proofRegularCooldown;
        await this.nextTimestamp();
        await this.expectOutcome({ events: [] }, () => f.taikoL1.connect(f.eve).verifyBlocks(op.maxBlocks));
        return;
      }
      case "harvest": {
        await this.scanTaiko();
        await this.nextTimestamp();
        await this.expectOutcome(model.harvest(), () => f.pool.connect(this.actor(op.actor)).harvest());
        return;
      }
      case "settle": {
        await this.scanTaiko();
        const next = model.nextToSettle;
        const epoch = next + BigInt(op.offset) < 0n ? next + 1n : next + BigInt(op.offset);
        const ts = await this.nextTimestamp();
        await this.expectOutcome(model.settle(epoch, ts), () => f.pool.connect(f.eve).settle(epoch));
        return;
      }
      case "settleAll": {
        await this.scanTaiko();
        while (model.endsAt(model.nextToSettle) <= this.now + 1n) {
          const epoch = model.nextToSettle;
          const ts = await this.nextTimestamp();
          await this.expectOutcome(model.settle(epoch, ts), () => f.pool.connect(f.mallory).settle(epoch));
        }
        return;
      }
      case "claim": {
        // Mostly one of the actors the model says are owed something (the actor-th of them), else anyone.
        const owed = f.actors.filter((a) => model.claimableOf(a.address) > 0n);
        const who = op.owed && owed.length > 0 ? owed[op.actor % owed.length]! : this.actor(op.actor);
        await this.nextTimestamp();
        await this.expectOutcome(model.claim(who.address, op.maxEpochs), () => f.pool.connect(who).claim(op.maxEpochs));
        expect(await f.token.balanceOf(who.address), "tokens paid to the prover").to.equal(
          model.paid.get(who.address) ?? 0n,
        );
        return;
      }
      case "wait":
        this.now += op.seconds;
        await time.increaseTo(this.now);
        return;
      case "toEpochEnd": {
        // The next transaction at the last second of the current epoch, or at the first of the next one.
        const end = model.endsAt(model.epochAt(this.now));
        const next = op.lastSecond ? end - 1n : end;
        if (next - 1n > this.now) {
          this.now = next - 1n;
          await time.increaseTo(this.now);
        }
        return;
      }
      case "idleEpoch": {
        // A whole epoch in which Taiko verifies (after a cooldown), the pool harvests and nobody confirms: it
        // settles to nothing, and the payouts wait for the epochs whose confirmations credit them.
        const epoch = model.epochAt(this.now) + 1n;
        this.now = model.endsAt(epoch - 1n) + f.params.taiko.proofRegularCooldown;
        await this.nextTimestamp();
        await this.expectOutcome({ events: [] }, () => f.taikoL1.connect(f.eve).verifyBlocks(op.maxBlocks));
        await this.scanTaiko();
        await this.nextTimestamp();
        await this.expectOutcome(model.harvest(), () => f.pool.connect(f.eve).harvest());
        this.now = model.endsAt(epoch) - 1n;
        await time.increaseTo(this.now);
        return;
      }
      case "scheduleFee": {
        const ts = await this.nextTimestamp();
        const outcome: Outcome = op.hostile
          ? { revert: "OwnableUnauthorizedAccount", args: [f.eve.address] }
          : model.scheduleFee(BigInt(op.bps), ts);
        await this.expectOutcome(outcome, () => f.pool.connect(op.hostile ? f.eve : f.operator).scheduleFee(op.bps));
        return;
      }
      case "pause": {
        await this.nextTimestamp();
        const outcome: Outcome = op.hostile
          ? { revert: "NotPauser", args: [f.eve.address] }
          : model.pause(f.pauser.address);
        await this.expectOutcome(outcome, () => f.pool.connect(op.hostile ? f.eve : f.pauser).pause());
        return;
      }
      case "unpause": {
        await this.nextTimestamp();
        const outcome: Outcome = op.hostile
          ? { revert: "OwnableUnauthorizedAccount", args: [f.eve.address] }
          : model.unpause(f.operator.address);
        await this.expectOutcome(outcome, () => f.pool.connect(op.hostile ? f.eve : f.operator).unpause());
        return;
      }
      case "withdrawFees": {
        await this.nextTimestamp();
        await this.expectOutcome(model.withdrawFees(f.treasury.address), () =>
          f.pool.connect(this.actor(op.actor)).withdrawFees(),
        );
        expect(await f.token.balanceOf(f.treasury.address)).to.equal(model.feesWithdrawn);
        return;
      }
      case "adjustCapacity":
        return this.adjustCapacity(op.capacity, op.byRelayer);
      case "setRelayer": {
        // The relayer's key, eve, or nobody.
        const to = [f.relayer.address, f.relayer.address, f.relayer.address, f.eve.address, f.eve.address, ZERO][
          op.to
        ]!;
        await this.nextTimestamp();
        const outcome: Outcome = op.hostile
          ? { revert: "OwnableUnauthorizedAccount", args: [f.mallory.address] }
          : model.setRelayer(to);
        await this.expectOutcome(outcome, () => f.pool.connect(op.hostile ? f.mallory : f.operator).setRelayer(to));
        expect(await f.pool.relayer()).to.equal(model.relayer);
        return;
      }
      case "ownerStake":
        return this.ownerStake(op);
    }
  }

  /**
   * A member's machine proved the pool's next block (or any block: a submission again); the relayer or anyone
   * records it through the pool. The proof is made only when TaikoL1 (or the pool, for a copy on TaikoL1) will
   * check it; a machine's proof of a block is kept, and sent again, until its agent is revoked.
   */
  async prove(op: Extract<Op, { kind: "prove" }>): Promise<void> {
    const { f, model } = this;
    await this.scanTaiko();
    const sender = op.byRelayer || model.relayer === ZERO ? f.relayer : this.actor(op.sender);
    const b =
      op.anyBlock && this.blocks.length > 0
        ? this.blocks[op.key % this.blocks.length]!
        : await this.frontier(this.now + 1n, op.gasLimit);
    const keep = b.member && model.agentOwner(b.member.agent) ? b.member : undefined;
    const agent = keep?.agent ?? this.agentKey(op.pick, op.key).address;
    const fields = this.fields(b, f.poolAddress, agentGraffiti(hex(agent)));
    let submission = keep;
    if (!submission) {
      const verdict = this.verdict(b, fields, true, this.now + 1n);
      const checked =
        !model.paused &&
        model.agentOwner(agent) !== undefined &&
        !("revert" in verdict) &&
        ("accepted" in verdict || (verdict.alreadyProven.first && verdict.alreadyProven.matches));
      submission = { agent, ...(checked ? await proven(fields) : unproven(fields)) };
      if (checked) b.member = submission;
    }
    const outcome = await this.proveThroughPool(b, submission.evidence, submission.input, true, sender);
    if (!("revert" in outcome)) {
      b.done = true;
      saw(sender === f.relayer ? "[path] recorded by the relayer" : "[path] recorded by anyone");
      // Someone else sent the member's proof before the relayer: the relayer's transaction lands all the same.
      if (sender !== f.relayer && op.key % 2 === 0) {
        await this.proveThroughPool(b, submission.evidence, submission.input, true, f.relayer);
      }
      if (b.block.assignedProver !== f.poolAddress && b.block.assignedProver !== ZERO) {
        saw("[path] the pool proved a rival's block late");
      }
    } else if (
      ["ForkChoiceNotIdentifiable", "ForkChoiceMismatch", "L1_BLOCK_ID", "ProofAlreadyRecorded"].includes(
        outcome.revert,
      ) &&
      submission === b.member
    ) {
      b.done = true;
    }
  }

  /** An outsider copies a member's pending proof from the mempool and lands it on TaikoL1 first. */
  async copy(k: number): Promise<void> {
    const { f } = this;
    const b = await this.frontier(this.now + 1n);
    if (this.realFork(b) || !this.proveable(b, f.poolAddress, this.now + 1n)) return;
    const submission = await this.memberProof(b, "active", k);
    if (!submission) return;
    await this.proveOnTaiko(b, submission.evidence, submission.input, f.mallory);
    saw(b.madeUp > 0 ? "[path] a copy after a made-up parent" : "[path] a copy landed first");
  }

  /**
   * An outsider proves a block for the pool from a made-up parent, under the graffiti of agent `k` (usually a
   * member's): straight on TaikoL1, then also through the pool, or through the pool only.
   */
  async madeUp(k: number, how: MadeUp, sender: HardhatEthersSigner): Promise<void> {
    const { f } = this;
    const b = await this.frontier(this.now + 1n);
    if (!this.proveable(b, f.poolAddress, this.now + 1n)) return;
    const agent = this.agentKey("active", k).address;
    const fields = {
      ...this.fields(b, f.poolAddress, agentGraffiti(hex(agent))),
      parentHash: hex(ethers.id(`a made-up parent ${this.madeUps++}`)),
    };
    b.madeUp++;
    if (how === "pool") {
      const { evidence, input } = this.model.agentOwner(agent) ? await proven(fields) : unproven(fields);
      await this.proveThroughPool(b, evidence, input, true, sender);
      saw("[path] a made-up parent through the pool");
      return;
    }
    const { evidence, input } = await proven(fields);
    await this.proveOnTaiko(b, evidence, input, f.mallory);
    saw("[path] a made-up parent on TaikoL1");
    if (how === "taikoThenPool") await this.proveThroughPool(b, evidence, input, true, sender);
    if (how === "taikoThenCopy") {
      // A copy of the member's pending proof follows, then the relayer's own transaction: TaikoL1 names no
      // second fork choice by its key, so the pool cannot tell which one the copy made.
      const member = await this.memberProof(b, "active", k);
      if (!member || this.realFork(b)) return;
      await this.proveOnTaiko(b, member.evidence, member.input, f.mallory);
      saw("[path] a copy after a made-up parent");
      const outcome = await this.proveThroughPool(b, member.evidence, member.input, true, f.relayer);
      if ("revert" in outcome && outcome.revert === "ForkChoiceNotIdentifiable") b.done = true;
    }
  }

  /**
   * A relayer sends a member's proof under another agent's graffiti: the instance binds it (L1_INVALID_PROOF, or
   * InvalidProof once the fork choice is on TaikoL1). The proof of the next block (made now, sent later as it
   * is), or of any block a member proved.
   */
  async reattribute(k: number, anyBlock: boolean): Promise<void> {
    const { f } = this;
    const withMember = this.blocks.filter((b) => b.member);
    const b =
      anyBlock && withMember.length > 0 ? withMember[k % withMember.length]! : await this.frontier(this.now + 1n);
    const member = b.member ?? (await this.memberProof(b, "active", k));
    if (!member) return;
    let other = this.agentKey("active", k).address;
    if (other === member.agent) other = this.agentKey("active", k + 1).address;
    if (other === member.agent) return;
    const evidence = { ...member.evidence, graffiti: agentGraffiti(hex(other)) };
    await this.proveThroughPool(b, evidence, encodeEvidence(evidence), false, f.relayer);
    saw("[path] re-attribution refused");
  }

  async hostileProof(how: Hostile, k: number, variant: number): Promise<void> {
    const { f, model } = this;
    const b = this.blocks.at(-1) ?? (await this.frontier(this.now + 1n));
    const agent = this.agentKey("active", k).address;
    const fields = this.fields(b, f.poolAddress, agentGraffiti(hex(agent)));
    if (how === "malformed") {
      const input = ["0x", "0x1234", ethers.hexlify(new Uint8Array(319)), ethers.toBeHex(1n << 64n, 32)][variant]!;
      await this.nextTimestamp();
      const outcome: Outcome = model.paused
        ? { revert: "EnforcedPause", args: [] }
        : { revert: "MalformedEvidence", args: [] };
      await this.expectOutcome(outcome, () => f.pool.connect(this.actor(k % ACTORS)).proveBlock(b.block.id, input));
      return;
    }
    const changed: BlockInstance =
      how === "notPool"
        ? {
            ...fields,
            prover: hex([f.eve.address, f.mallory.address, f.alice.address, f.rivals[0]!.address][variant]!),
          }
        : how === "dirtyGraffiti"
          ? {
              ...fields,
              graffiti: hex(ethers.concat([ethers.toBeHex(variant + 1, 1), ethers.zeroPadValue(agent, 31)])),
            }
          : { ...fields, graffiti: agentGraffiti(hex(agentKey(`stranger.${variant}`).address)) };
    const { evidence, input } = unproven(changed);
    await this.proveThroughPool(b, evidence, input, false, this.actor(k % ACTORS));
  }

  /**
   * An outsider proves one of the pool's blocks for itself once its window is over (TaikoL1 slashes the pool at
   * verification); the member's proof the relayer sends next meets the outsider's fork choice: ForkChoiceMismatch.
   */
  async outsiderLate(k: number): Promise<void> {
    const { f } = this;
    await this.scanTaiko();
    const pending = (x: Block) =>
      !x.done && !this.realFork(x) && x.block.assignedProver === f.poolAddress && x.block.id > this.lastVerified;
    const b = this.blocks.find(pending) ?? (await this.propose());
    if (!pending(b)) return;
    const after = b.proposedAt + b.proofWindow + 1n;
    if (this.now + 1n < after) {
      this.now = after - 1n;
      await time.increaseTo(this.now);
    }
    const { evidence, input } = await proven(this.fields(b, f.outsider.address));
    await this.proveOnTaiko(b, evidence, input, f.outsider);
    saw("[path] an outsider proved the pool's block late");
    const agent = this.agentKey("active", k).address;
    const member = unproven(this.fields(b, f.poolAddress, agentGraffiti(hex(agent))));
    const outcome = await this.proveThroughPool(b, member.evidence, member.input, true, f.relayer);
    if ("revert" in outcome && outcome.revert !== "EnforcedPause" && outcome.revert !== "NotAuthorizedAgent") {
      b.done = true;
    }
  }

  /** A rival proves a block ProverPool assigned it, on TaikoL1, under its own name. */
  async rivalProves(): Promise<void> {
    const { f } = this;
    const b = this.blocks.find(
      (x) =>
        f.rivals.some((r) => r.address === x.block.assignedProver) &&
        !this.realFork(x) &&
        x.block.id > this.lastVerified,
    );
    if (!b) return;
    const rival = f.rivals.find((r) => r.address === b.block.assignedProver)!;
    const { evidence, input } = await proven(this.fields(b, rival.address));
    await this.proveOnTaiko(b, evidence, input, rival);
    saw("[path] a rival proved its block");
  }

  /** A rival staker joins ProverPool (or leaves it, once its change delay allows). */
  async rival(who: number, amount: bigint, rewardPerGas: number): Promise<void> {
    const { f } = this;
    const rival = f.rivals[who]!;
    const [staker] = await f.proverPool.getStaker(rival.address);
    if (staker.proverId === 0n) {
      await this.nextTimestamp();
      await mined(f.token.connect(f.deployer).mint(rival.address, amount));
      await this.nextTimestamp();
      await mined(f.proverPool.connect(rival).stake(amount, rewardPerGas, 16));
      this.changed = true;
      saw("[rival] staked");
    } else if (this.now + 1n > staker.exitRequestedAt + f.params.proverPool.changeDelay) {
      await this.nextTimestamp();
      await mined(f.proverPool.connect(rival).exit());
      this.changed = true;
      saw("[rival] exited");
    }
  }

  /** Anyone confirms a batch of records: ready ones, any, one never recorded, or one twice. */
  async confirm(op: Extract<Op, { kind: "confirm" }>): Promise<void> {
    const { f, model } = this;
    await this.scanTaiko();
    const records = [...model.records.values()].map((r) => r.key);
    const ready = records.filter((k) => this.verified.has(k.blockId));
    let keys: ProofKey[];
    switch (op.how) {
      case "ready":
        keys = ready.slice(0, op.max);
        break;
      case "any":
        keys = records.length === 0 ? [] : [...new Set(op.picks.map((i) => records[i % records.length]!))];
        break;
      case "unrecorded": {
        // A verified block's real fork choice nobody recorded (or that was confirmed), or a made-up parent.
        const b = this.blocks.find(
          (x) =>
            this.verified.has(x.block.id) &&
            !model.records.has(keyString({ blockId: x.block.id, ...this.realFork(x)! })),
        );
        const parent = b ? this.realFork(b)! : { parentHash: hex(ethers.id("never proven")), parentGasUsed: 7 };
        keys = [
          ...ready.slice(0, op.max - 1),
          { blockId: b?.block.id ?? 1n, parentHash: parent.parentHash, parentGasUsed: parent.parentGasUsed },
        ];
        break;
      }
      case "duplicate":
        keys = ready.length > 0 ? [...ready.slice(0, op.max), ready[0]!] : [];
        break;
    }
    // The relayer's confirmer, or anyone.
    const sender = op.sender % 3 === 0 ? f.relayer : this.actor(op.sender);
    const ts = await this.nextTimestamp();
    const outcome = model.confirm(keys, ts, (blockId) => this.verified.get(blockId));
    await this.expectOutcome(outcome, () => f.pool.connect(sender).confirm(keys));
    if (!("revert" in outcome) && keys.length > 0)
      saw(sender === f.relayer ? "[path] confirmed by the relayer" : "[path] confirmed by anyone");
  }

  async adjustCapacity(capacity: number, byRelayer: boolean): Promise<void> {
    const { f, model } = this;
    const caller = byRelayer ? (model.relayer === f.eve.address ? f.eve : f.relayer) : f.mallory;
    const ts = await this.nextTimestamp();
    const [staker, prover] = await f.proverPool.getStaker(f.poolAddress);
    const [min, max] = [f.poolParams.minCapacity, f.poolParams.maxCapacity];
    let outcome: Outcome;
    if (caller.address !== model.relayer) outcome = { revert: "NotRelayer", args: [caller.address] };
    else if (capacity < min || capacity > max) outcome = { revert: "CapacityOutOfBounds", args: [capacity, min, max] };
    else if (prover.stakedAmount === 0n) outcome = { revert: "NotStaked", args: [] };
    else if (staker.exitAmount !== 0n) outcome = { revert: "ExitPending", args: [staker.exitAmount] };
    else {
      const call = { amount: prover.stakedAmount, rewardPerGas: Number(prover.rewardPerGas), capacity };
      const pp = proverPoolStake(f, staker, prover.stakedAmount, ts, call);
      outcome = "revert" in pp ? pp : model.stakeMove(pp.returned, pp.burnt);
    }
    await this.expectOutcome(outcome, () => f.pool.connect(caller).adjustCapacity(capacity));
    if (!("revert" in outcome)) {
      const [after] = await f.proverPool.getStaker(f.poolAddress);
      expect(after.maxCapacity).to.equal(BigInt(capacity));
    }
  }

  /** The owner's stake operations, on ProverPool's terms; the stake funds pay and are paid, never the rewards. */
  async ownerStake(op: Extract<Op, { kind: "ownerStake" }>): Promise<void> {
    const { f, model } = this;
    const owner = op.hostile ? f.eve : f.operator;
    if (op.what === "fund" && !op.hostile) {
      await this.nextTimestamp();
      await mined(f.token.connect(f.deployer).mint(f.operator.address, op.amount));
      await this.nextTimestamp();
      await mined(f.token.connect(f.operator).approve(f.poolAddress, op.amount));
    }
    const ts = await this.nextTimestamp();
    const [staker, prover] = await f.proverPool.getStaker(f.poolAddress);
    // Stake: half the time a part of what the pool could stake (its stake, its exiting tokens, its funds), else
    // the drawn amount; restake: the same stake, ask and capacity again; leave: stake(0, 0, 0).
    const affordable = prover.stakedAmount + staker.exitAmount + model.stakeFunds;
    const stakeAmount = op.amount % 2n === 0n ? (affordable * (op.amount % 101n)) / 100n : op.amount;
    const call =
      op.what === "restake"
        ? {
            amount: prover.stakedAmount,
            rewardPerGas: Number(prover.rewardPerGas),
            capacity: Number(staker.maxCapacity),
          }
        : op.what === "leave"
          ? { amount: 0n, rewardPerGas: 0, capacity: 0 }
          : { amount: stakeAmount, rewardPerGas: op.rewardPerGas, capacity: op.capacity };
    let outcome: Outcome | undefined = op.hostile
      ? { revert: "OwnableUnauthorizedAccount", args: [owner.address] }
      : undefined;
    let send: () => Promise<ContractTransactionResponse>;
    const pool = f.pool.connect(owner);
    switch (op.what) {
      case "fund":
        outcome ??= model.fundStake(owner.address, op.amount);
        send = () => pool.fundStake(op.amount);
        break;
      case "withdrawFunds": {
        // Half the time exactly the funds (or one more than them), else the drawn amount.
        const asked = op.amount % 2n === 0n ? model.stakeFunds + (op.amount % 4n === 0n ? 1n : 0n) : op.amount;
        outcome ??= model.withdrawStakeFunds(asked, owner.address);
        send = () => pool.withdrawStakeFunds(asked, owner.address);
        break;
      }
      case "stake":
      case "restake":
      case "leave": {
        const pp = proverPoolStake(f, staker, prover.stakedAmount, ts, call);
        outcome ??= "revert" in pp ? pp : model.stakeMove(pp.returned, pp.burnt);
        send = () => pool.stake(call.amount, call.rewardPerGas, call.capacity);
        break;
      }
      case "exit": {
        const pp = proverPoolStake(f, staker, prover.stakedAmount, ts, "exit");
        outcome ??= "revert" in pp ? pp : model.stakeMove(pp.returned, pp.burnt);
        send = () => pool.exitStake();
        break;
      }
      case "withdraw": {
        const mature =
          staker.exitAmount !== 0n &&
          staker.exitRequestedAt !== 0n &&
          ts > staker.exitRequestedAt + f.params.proverPool.exitPeriod;
        outcome ??= mature
          ? model.stakeMove(staker.exitAmount, 0n)
          : { revert: "NO_MATURE_EXIT", args: [], by: "proverPool" };
        send = () => pool.withdrawStake();
        break;
      }
    }
    if (!outcome) throw new Error(`no outcome for ${op.what}`);
    await this.expectOutcome(outcome, send);
    if (!("revert" in outcome)) saw(`[owner] ${op.what}`);
  }

  // ───────────────────────────── checks ─────────────────────────────

  /**
   * The ledger invariants, and every figure the model predicts: totals, fees, stake funds, the pool's token and
   * Taiko balances, claimable of every actor; shares, totals and epochOf of the epochs the operation touched and
   * of the current one.
   */
  async check(): Promise<void> {
    const { f, model } = this;
    await this.scanTaiko();
    const epoch = model.epochAt(this.now);
    if (!this.changed) {
      // Nothing succeeded (a revert, a wait): the chain's state is as it was, and so must the model's be.
      expect(model.fingerprint(), "the model changed on an operation that changed nothing").to.equal(this.fingerprint);
      expect(await f.pool.currentEpoch(), "current epoch").to.equal(epoch);
      return;
    }
    this.changed = false;
    this.fingerprint = model.fingerprint();
    const snapshot = await checkPoolInvariants(f);
    expect(
      [snapshot.harvested, snapshot.claimed, snapshot.claimable, snapshot.fees, snapshot.unsettled],
      "totals: harvested, claimed, claimable, fees, unsettled",
    ).to.deep.equal([model.harvested, model.claimed, model.claimable, model.feeTotal, model.unsettled]);
    expect(snapshot.feesWithdrawn, "feesWithdrawn").to.equal(model.feesWithdrawn);
    expect(snapshot.stakeFunds, "stakeFunds").to.equal(model.stakeFunds);
    expect(snapshot.next, "nextEpochToSettle").to.equal(model.nextToSettle);
    expect(snapshot.current, "current epoch").to.equal(epoch);
    expect(await f.token.balanceOf(f.poolAddress), "the pool's TTKOe").to.equal(model.tokenBalance);
    expect(await f.pool.paused(), "paused").to.equal(model.paused);
    expect(await f.taikoL1.getTaikoTokenBalance(f.poolAddress), "pool's TaikoL1 balance").to.equal(model.taikoBalance);
    for (const a of f.actors) {
      const claimable = snapshot.claimableOf.get(a.address) ?? (await f.pool.claimable(a.address));
      expect(claimable, `claimable(${a.address})`).to.equal(model.claimableOf(a.address));
    }
    // The epochs the operation credited, settled or claimed. sharesOf of the provers credited there:
    // totalSharesOf and epochOf's provers would show anyone else's.
    for (const e of model.touched) {
      const credited = [...(model.shares.get(e)?.keys() ?? [])];
      await this.checkEpoch(
        e,
        f.actors.filter((a) => credited.includes(a.address)),
      );
    }
    model.touched.clear();
  }

  async checkEpoch(e: bigint, provers: readonly HardhatEthersSigner[]): Promise<void> {
    const { f, model } = this;
    expect(await f.pool.totalSharesOf(e), `totalSharesOf(${e})`).to.equal(model.totalShares.get(e) ?? 0n);
    const info = await f.pool.epochOf(e);
    expect(
      [info.totalShares, info.provers, info.settled, info.proverReward, info.proversClaimed],
      `epochOf(${e})`,
    ).to.deep.equal(model.epochOf(e));
    for (const a of provers) {
      expect(await f.pool.sharesOf(a.address, e), `sharesOf(${a.address}, ${e})`).to.equal(
        model.sharesOf(a.address, e),
      );
    }
  }

  /** The slower checks, once per run: every epoch, fee, agent, record and balance; Taiko's invariants. */
  async finalCheck(): Promise<void> {
    const { f, model } = this;
    const current = model.epochAt(this.now);
    for (let e = 0n; e <= current; e++) await this.checkEpoch(e, f.actors);
    for (let e = 0n; e <= current + 5n; e++) expect(await f.pool.feeBps(e), `fee of ${e}`).to.equal(model.feeBps(e));
    for (const k of f.keys) expect(await f.pool.agentOwner(k.address)).to.equal(model.agentOwner(k.address) ?? ZERO);
    for (const r of model.records.values()) {
      const [agent, forkChoiceId] = await f.pool.proofRecord(r.key.blockId, r.key.parentHash, r.key.parentGasUsed);
      expect([agent, Number(forkChoiceId)], `record of ${keyString(r.key)}`).to.deep.equal([r.agent, r.forkChoiceId]);
    }
    for (const a of f.actors) expect(await f.token.balanceOf(a.address)).to.equal(model.paid.get(a.address) ?? 0n);
    expect(await f.token.balanceOf(f.treasury.address)).to.equal(model.feesWithdrawn);
    await checkTaikoInvariants(f);
  }
}

const show = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));

/** What the default run must have seen: every actor's path and the new errors. */
const MUST_SEE = [
  "[path] recorded by the relayer",
  "[path] recorded by anyone",
  "[path] confirmed by the relayer",
  "[path] confirmed by anyone",
  "[path] a copy after a made-up parent",
  "ForkChoiceNotIdentifiable",
  "[path] a copy landed first",
  "[path] a copy on TaikoL1 recorded",
  "[path] a made-up parent on TaikoL1",
  "[path] a made-up parent through the pool",
  "[path] re-attribution refused",
  "[path] an outsider proved the pool's block late",
  "[path] a rival proved its block",
  "[path] the pool proved a rival's block late",
  "[paid] the pool 1.5x",
  "[owner] fund",
  "[owner] stake",
  "[owner] exit",
  "BlockCredited",
  "ProofNotCredited",
  "ProofRecorded",
  "ProofNotRecorded",
  "BlockNotVerified",
  "ProofAlreadyRecorded",
  "ForkChoiceMismatch",
  "L1_INVALID_PROOF",
  "L1_NOT_PROVEABLE",
  "StakeFundsMoved",
  "RelayerSet",
  "NotRelayer",
];

describe("ZKPool: property", function () {
  const load = loadPoolWithInvariants();
  after(shutdownProver);

  it(`random operations by provers, relayers, outsiders, rival stakers and the owner keep the ledger and the model equal (${RUNS} runs × ${COMMANDS})`, async function () {
    this.timeout(30 * 60_000);
    let executed = 0;
    const stats = new Map<string, number>();
    let checkMillis = 0;
    const started = performance.now();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(opArbitrary, { minLength: COMMANDS, maxLength: COMMANDS }), async (ops) => {
          const f = await load(propertyFixture);
          const run = await Run.start(f);
          for (const [i, op] of ops.entries()) {
            try {
              await run.apply(op);
              const checking = performance.now();
              await run.check();
              checkMillis += performance.now() - checking;
            } catch (error) {
              const message = error instanceof Error ? error.message : String(error);
              throw new Error(`operation ${i} ${show(op)} (seed ${SEED}): ${message}`, { cause: error });
            }
            stats.set(op.kind, (stats.get(op.kind) ?? 0) + 1);
          }
          await run.finalCheck();
          executed += ops.length;
        }),
        {
          seed: SEED,
          numRuns: RUNS,
          endOnFailure: !SHRINK,
          // The failing operation and its error, not fast-check's print of every operation of the run.
          reporter: (details) => {
            if (!details.failed) return;
            const cause = details.errorInstance;
            throw new Error(
              `failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s), path ${details.counterexamplePath}: ${cause instanceof Error ? cause.message : String(cause)}`,
              { cause },
            );
          },
        },
      );
    } catch (error) {
      console.error(`ZKPool property test failed: replay with ZKPOOL_PROPERTY_SEED=${SEED}`);
      throw error;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    console.log(
      `      seed ${SEED}: ${executed} operations, ${realProofs} real proofs, ${seconds} s (${(checkMillis / 1000).toFixed(0)} s checking); ${[
        ...stats,
      ]
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")}`,
    );
    console.log(`      outcomes: ${[...seen].map(([k, n]) => `${k} ${n}`).join(", ")}`);
    if (!process.env.ZKPOOL_PROPERTY_RUNS && !process.env.ZKPOOL_PROPERTY_COMMANDS) {
      expect(executed).to.be.at.least(1_000);
      expect(
        MUST_SEE.filter((what) => !seen.has(what)),
        "paths the default run never took",
      ).to.deep.equal([]);
    }
  });
});
