// Model-based property test of ZKPool: random sequences of operations by eight provers (some with several agent
// keys) and two hostile actors, against a TypeScript model of the pool's rules (test/helpers/poolModel.ts). After
// every operation the pool's ledger invariants hold and every view equals the model's, to the wei.
//
// Rewards are real: the pool's proofs are real Groth16 proofs of blocks TaikoL1 assigned to it, and what the pool
// harvests is what TaikoL1 paid it when it verified them. To keep the run short, at most one block waits for a
// proof at a time and failed attempts reuse its proof; the bulk of the operations are everything else.
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
  encodeEvidence,
  LOCAL_INSTANCE_CONTEXT,
  instanceHash,
  proofTypedData,
  proveInstance,
  shutdownProver,
  type BlockEvidence,
} from "@zkpool/common";
import { proposeBlock, type ProposedBlock } from "../../fixtures/taiko";
import { authorizeAgent, deployPoolFixture, signProof, type PoolFixture } from "../../fixtures/zkpool";
import { agentKey, expectedShares, freeSigners } from "../../helpers/pool";
import { checkPoolInvariants } from "../../helpers/poolInvariants";
import { loadPoolWithInvariants } from "../../helpers/poolInvariants";
import { PoolModel, type Events, type Outcome } from "../../helpers/poolModel";
import { checkTaikoInvariants } from "../../helpers/invariants";
import { hex, mined, openReward, tamper } from "../../helpers/taiko";

const RUNS = Number(process.env.ZKPOOL_PROPERTY_RUNS ?? 5);
const COMMANDS = Number(process.env.ZKPOOL_PROPERTY_COMMANDS ?? 220);
const SEED = Number(process.env.ZKPOOL_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SHRINK = process.env.ZKPOOL_PROPERTY_SHRINK === "1";

const PROVERS = 8; // actors 0–7; actor 8 is mallory, 9 is eve
const ACTORS = 10;
const KEYS = 20; // agentOfAlice, agentOfBob, then 18 derived keys

// ───────────────────────────── the fixture ─────────────────────────────

interface PropertyFixture extends PoolFixture {
  /** alice, bob, carol, dave, erin, frank, grace, heidi, mallory, eve */
  actors: HardhatEthersSigner[];
  eve: HardhatEthersSigner;
  keys: HDNodeWallet[];
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
  return { ...f, actors, eve: eve!, keys };
}

// ───────────────────────────── operations ─────────────────────────────

type Hostile = "replay" | "garbage" | "stranger" | "notRelayer" | "notPool" | "again";

type Op =
  | { kind: "authorize"; actor: number; key: number; byOwner: boolean; longLabel: boolean }
  | { kind: "revoke"; actor: number; key: number; byOwner: boolean }
  | { kind: "prove"; key: number; pick: "active" | "revoked" | "any"; gasLimit: number }
  | { kind: "hostileProof"; how: Hostile; key: number; variant: number }
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
  | { kind: "adjustCapacity"; capacity: number; hostile: boolean }
  | { kind: "stakeFunds"; deposit: boolean; amount: bigint; hostile: boolean };

const DAY = 24n * 3600n;
const actor = fc.nat({ max: ACTORS - 1 });
/** Mostly a prover, sometimes mallory or eve. */
const claimant = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: PROVERS - 1 }) }, { weight: 1, arbitrary: actor });
const key = fc.nat({ max: KEYS - 1 });
const rarely = fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 17,
    arbitrary: fc.record({
      kind: fc.constant("prove" as const),
      key,
      pick: fc.oneof(
        { weight: 6, arbitrary: fc.constant("active" as const) },
        { weight: 1, arbitrary: fc.constant("revoked" as const) },
        { weight: 1, arbitrary: fc.constant("any" as const) },
      ),
      gasLimit: fc.constantFrom(300_000, 1_000_000, 3_000_000),
    }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant("hostileProof" as const),
      how: fc.constantFrom<Hostile>("replay", "garbage", "stranger", "notRelayer", "notPool", "again"),
      key,
      variant: fc.nat({ max: 3 }),
    }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant("authorize" as const),
      actor,
      key,
      byOwner: fc.boolean(),
      longLabel: rarely,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("revoke" as const), actor, key, byOwner: fc.boolean() }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("verify" as const),
      cooldown: fc.boolean(),
      maxBlocks: fc.integer({ min: 1, max: 20 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("harvest" as const), actor }) },
  {
    weight: 7,
    arbitrary: fc.record({ kind: fc.constant("settle" as const), offset: fc.constantFrom(0, 0, 0, 1, -1) }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: "settleAll" as const }) },
  {
    weight: 11,
    arbitrary: fc.record({
      kind: fc.constant("claim" as const),
      actor: claimant,
      owed: fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      maxEpochs: fc.constantFrom(0, 1, 2, 3, 5, 1_000),
    }),
  },
  {
    weight: 11,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      seconds: fc.oneof(
        { weight: 8, arbitrary: fc.bigInt(1n, 600n) },
        { weight: 8, arbitrary: fc.bigInt(1_800n, 10_800n) },
        { weight: 4, arbitrary: fc.bigInt(DAY / 2n, 2n * DAY) },
        { weight: 1, arbitrary: fc.bigInt(2n * DAY, 4n * DAY) },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("toEpochEnd" as const), lastSecond: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("idleEpoch" as const), maxBlocks: fc.integer({ min: 1, max: 20 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("scheduleFee" as const), bps: fc.nat({ max: 3_500 }), hostile: rarely }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("pause" as const), hostile: rarely }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("unpause" as const), hostile: rarely }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("withdrawFees" as const), actor }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("adjustCapacity" as const),
      capacity: fc.integer({ min: 10, max: 300 }),
      hostile: rarely,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("stakeFunds" as const),
      deposit: fc.boolean(),
      amount: fc.bigInt(0n, 1_000n * TTKO),
      hostile: rarely,
    }),
  },
);

// ───────────────────────────── one run ─────────────────────────────

/** How often each event and each revert happened, over all runs: what the runs covered. */
const seen = new Map<string, number>();

/** Real proofs, by instance: a replay of the same blocks (shrinking) proves nothing twice. */
const proofs = new Map<string, string>();

async function proofOf(evidence: Omit<BlockEvidence, "proof" | "verifierId">): Promise<BlockEvidence> {
  const instance = instanceHash(evidence, LOCAL_INSTANCE_CONTEXT);
  let proof = proofs.get(instance);
  if (!proof) {
    proof = (await proveInstance(instance)).proof;
    proofs.set(instance, proof);
  }
  return { ...evidence, verifierId: 0, proof: hex(proof) };
}

interface Submission {
  block: ProposedBlock;
  evidence: BlockEvidence;
  input: string;
}

const normalize = (v: unknown): unknown =>
  typeof v === "bigint" || typeof v === "number" ? BigInt(v).toString() : Array.isArray(v) ? v.map(normalize) : v;

/** One sequence of operations on a fresh pool, checked against the model after each. */
class Run {
  readonly model: PoolModel;
  now: bigint;
  pending: Submission | undefined;
  readonly proven: Submission[] = [];
  readonly baseReward = new Map<bigint, bigint>();
  lastVerified = 0n;
  scannedBlock: number;
  realProofs = 0;

  constructor(
    readonly f: PropertyFixture,
    genesis: bigint,
    now: bigint,
    scannedBlock: number,
  ) {
    this.model = new PoolModel(genesis, f.poolParams.epochLength, f.poolParams.feeChangeDelay);
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
    return new Run(f, await f.pool.GENESIS_TIMESTAMP(), BigInt(latest.timestamp), latest.number);
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
    if ("revert" in outcome) {
      seen.set(outcome.revert, (seen.get(outcome.revert) ?? 0) + 1);
      const contract = outcome.by === "proverPool" ? this.f.proverPool : outcome.by === "taikoL1" ? this.f.taikoL1 : by;
      const assertion = expect(send()).to.be.revertedWithCustomError(contract, outcome.revert);
      await (outcome.args.length > 0 ? assertion.withArgs(...outcome.args) : assertion);
      return;
    }
    const receipt = await mined(send());
    const emitted: unknown[] = [];
    for (const log of receipt.logs) {
      if (log.address !== this.f.poolAddress) continue;
      const parsed = this.f.pool.interface.parseLog(log);
      if (parsed) emitted.push([parsed.name, ...parsed.args.toArray()].map(normalize));
    }
    expect(emitted, "the pool's events").to.deep.equal((outcome.events as Events).map((e) => e.map(normalize)));
    for (const [name] of outcome.events) seen.set(name, (seen.get(name) ?? 0) + 1);
  }

  actor(i: number): HardhatEthersSigner {
    return this.f.actors[i]!;
  }

  /** The prover of `agent` (revoked or not) when asked for and there is one, else actor `i`. */
  ownerOr(agent: string, byOwner: boolean, i: number): HardhatEthersSigner {
    const prover = byOwner ? this.model.agents.get(agent)?.prover : undefined;
    return this.f.actors.find((a) => a.address === prover) ?? this.actor(i);
  }

  /** The block waiting for a proof, proposed (and proven off-chain) when there is none. */
  async pendingBlock(gasLimit = 1_000_000): Promise<Submission> {
    if (this.pending) return this.pending;
    await this.nextTimestamp();
    const block = await proposeBlock(this.f, gasLimit);
    this.f.chain.add(block);
    const evidence = await proofOf(this.f.chain.evidence(block.id, block.metaHash, this.f.poolAddress));
    this.realProofs++;
    this.pending = { block, evidence, input: encodeEvidence(evidence) };
    return this.pending;
  }

  /** Any block to aim a doomed submission at: the pending one, else the last proven, else a new one. */
  async someBlock(): Promise<Submission> {
    return this.pending ?? this.proven.at(-1) ?? this.pendingBlock();
  }

  async apply(op: Op): Promise<void> {
    const { f, model } = this;
    switch (op.kind) {
      case "authorize": {
        const label = op.longLabel ? "é".repeat(33) : `rig ${op.key}`;
        const key = f.keys[op.key]!;
        const agent = key.address;
        const who = this.ownerOr(agent, op.byOwner, op.actor);
        await this.nextTimestamp();
        await this.expectOutcome(model.authorize(who.address, agent, label), () => authorizeAgent(f, who, key, label));
        expect(await f.pool.agentOwner(agent)).to.equal(model.agentOwner(agent) ?? ethers.ZeroAddress);
        return;
      }
      case "revoke": {
        const agent = f.keys[op.key]!.address;
        const who = this.ownerOr(agent, op.byOwner, op.actor);
        await this.nextTimestamp();
        await this.expectOutcome(model.revoke(who.address, agent), () => f.pool.connect(who).revokeAgent(agent));
        expect(await f.pool.agentOwner(agent)).to.equal(model.agentOwner(agent) ?? ethers.ZeroAddress);
        return;
      }
      case "prove": {
        const target = await this.pendingBlock(op.gasLimit);
        // Mostly one of the authorized keys (the key-th of them), sometimes a revoked one, else any key.
        const active = f.keys.filter((k) => model.agentOwner(k.address));
        const revoked = f.keys.filter((k) => model.agents.get(k.address)?.revoked);
        const among = op.pick === "active" ? active : op.pick === "revoked" ? revoked : [];
        const agent = (among.length > 0 ? among[op.key % among.length] : f.keys[op.key])!;
        const signature = await signProof(f, agent, target.block.id, target.input);
        const ts = await this.nextTimestamp();
        const shares = expectedShares(f, target.block, target.evidence);
        const outcome: Outcome = model.paused
          ? { revert: "EnforcedPause", args: [] }
          : model.credit(target.block.id, agent.address, shares, ts);
        await this.expectOutcome(outcome, () =>
          f.pool.connect(f.relayer).proveBlock(target.block.id, target.input, signature),
        );
        if (!("revert" in outcome)) {
          this.proven.push(target);
          this.baseReward.set(target.block.id, shares);
          this.pending = undefined;
        }
        return;
      }
      case "hostileProof":
        return this.hostileProof(op.how, f.keys[op.key]!, op.variant);
      case "verify": {
        if (op.cooldown) this.now += f.params.taiko.proofRegularCooldown;
        await this.nextTimestamp();
        await this.expectOutcome({ events: [] }, () => f.taikoL1.connect(f.eve).verifyBlocks(op.maxBlocks));
        return;
      }
      case "harvest": {
        await this.scanTaiko();
        const ts = await this.nextTimestamp();
        await this.expectOutcome(model.harvest(ts), () => f.pool.connect(this.actor(op.actor)).harvest());
        return;
      }
      case "settle": {
        const next = model.nextToSettle;
        const epoch = next + BigInt(op.offset) < 0n ? next + 1n : next + BigInt(op.offset);
        const ts = await this.nextTimestamp();
        await this.expectOutcome(model.settle(epoch, ts), () => f.pool.connect(f.eve).settle(epoch));
        return;
      }
      case "settleAll": {
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
        // A whole epoch in which the pool harvests (what was verified, after a cooldown) and nobody proves:
        // its rewards, if any, must roll over when it is settled.
        const epoch = model.epochAt(this.now) + 1n;
        this.now = model.endsAt(epoch - 1n) + f.params.taiko.proofRegularCooldown;
        await this.nextTimestamp();
        await this.expectOutcome({ events: [] }, () => f.taikoL1.connect(f.eve).verifyBlocks(op.maxBlocks));
        await this.scanTaiko();
        const ts = await this.nextTimestamp();
        await this.expectOutcome(model.harvest(ts), () => f.pool.connect(f.eve).harvest());
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
        return this.adjustCapacity(op.capacity, op.hostile);
      case "stakeFunds":
        return this.stakeFunds(op.deposit, op.amount, op.hostile);
    }
  }

  async hostileProof(how: Hostile, agent: HDNodeWallet, variant: number): Promise<void> {
    const { f, model } = this;
    if (how === "again") {
      // A block the pool already credited, submitted again with a fresh, valid signature: Taiko refuses the same
      // proof (or any proof of a verified block), so nothing is credited twice. The last one proven (often not
      // verified yet) or any earlier one.
      const done = variant < 2 ? this.proven.at(-1) : this.proven[variant % Math.max(1, this.proven.length)];
      if (!done) return;
      const signature = await signProof(f, agent, done.block.id, done.input);
      await this.nextTimestamp();
      const verified = done.block.id <= (await f.taikoL1.getStateVariables()).lastVerifiedBlockId;
      const outcome: Outcome = model.paused
        ? { revert: "EnforcedPause", args: [] }
        : !model.agentOwner(agent.address)
          ? { revert: "NotAuthorizedAgent", args: [agent.address] }
          : { revert: verified ? "L1_BLOCK_ID" : "L1_ALREADY_PROVEN", args: [], by: "taikoL1" };
      await this.expectOutcome(outcome, () =>
        f.pool.connect(f.relayer).proveBlock(done.block.id, done.input, signature),
      );
      return;
    }

    const target = await this.someBlock();
    let input = target.input;
    let signature: string;
    let sender = f.relayer;
    let expected: Outcome;
    switch (how) {
      case "replay": {
        // A valid signature over another block (or this input under another block id), replayed here.
        const other = this.proven.find((s) => s.block.id !== target.block.id);
        signature = other
          ? await signProof(f, agent, other.block.id, other.input)
          : await signProof(f, agent, target.block.id + 1n, target.input);
        const t = proofTypedData(f.chainId, f.poolAddress, target.block.id, hex(input));
        const digest = ethers.TypedDataEncoder.hash(t.domain, { Proof: [...t.types.Proof] }, t.message);
        const recovered = ethers.recoverAddress(digest, signature);
        expect(recovered).to.not.equal(agent.address);
        expected = { revert: "NotAuthorizedAgent", args: [recovered] };
        break;
      }
      case "garbage":
        signature = ["0x", ethers.hexlify(new Uint8Array(65)), ethers.hexlify(new Uint8Array(64).fill(7)), "0x00"][
          variant
        ]!;
        expected = { revert: "InvalidAgentSignature", args: [] };
        break;
      case "stranger": {
        const stranger = agentKey(`stranger.${variant}`);
        signature = await signProof(f, stranger, target.block.id, input);
        expected = { revert: "NotAuthorizedAgent", args: [stranger.address] };
        break;
      }
      case "notRelayer":
        signature = await signProof(f, agent, target.block.id, input);
        sender = variant % 2 === 0 ? f.eve : f.mallory;
        expected = { revert: "NotRelayer", args: [sender.address] };
        break;
      case "notPool":
        input = tamper(target.evidence, { prover: hex(f.eve.address) });
        signature = await signProof(f, agent, target.block.id, input);
        expected = { revert: "EvidenceProverNotPool", args: [f.eve.address] };
        break;
    }
    if (model.paused && how !== "notRelayer") expected = { revert: "EnforcedPause", args: [] };
    await this.nextTimestamp();
    await this.expectOutcome(expected, () => f.pool.connect(sender).proveBlock(target.block.id, input, signature));
  }

  async adjustCapacity(capacity: number, hostile: boolean): Promise<void> {
    const { f } = this;
    const ts = await this.nextTimestamp();
    const [staker, prover] = await f.proverPool.getStaker(f.poolAddress);
    // eldfell's rules: at least MIN_STAKE_PER_CAPACITY (10,000 base units) per unit of capacity, and no change
    // by a staker in the top 32 within MIN_CHANGE_DELAY of its exiting tokens' exit request.
    const outcome: Outcome = hostile
      ? { revert: "NotRelayer", args: [f.eve.address] }
      : capacity < f.poolParams.minCapacity || capacity > f.poolParams.maxCapacity
        ? { revert: "CapacityOutOfBounds", args: [capacity, f.poolParams.minCapacity, f.poolParams.maxCapacity] }
        : prover.stakedAmount === 0n
          ? { revert: "NotStaked", args: [] }
          : prover.stakedAmount / BigInt(capacity) < 10_000n
            ? { revert: "INVALID_PARAMS", args: [], by: "proverPool" }
            : staker.proverId !== 0n && ts <= staker.exitRequestedAt + f.params.proverPool.changeDelay
              ? { revert: "CHANGE_TOO_FREQUENT", args: [], by: "proverPool" }
              : { events: [] };
    await this.expectOutcome(outcome, () => f.pool.connect(hostile ? f.eve : f.relayer).adjustCapacity(capacity));
    if (!("revert" in outcome)) {
      const [after] = await f.proverPool.getStaker(f.poolAddress);
      expect(after.maxCapacity).to.equal(BigInt(capacity));
    }
  }

  async stakeFunds(deposit: boolean, amount: bigint, hostile: boolean): Promise<void> {
    const { f, model } = this;
    if (hostile) {
      await this.nextTimestamp();
      await this.expectOutcome({ revert: "OwnableUnauthorizedAccount", args: [f.eve.address] }, () =>
        deposit ? f.pool.connect(f.eve).fundStake(amount) : f.pool.connect(f.eve).withdrawStakeFunds(amount, f.eve),
      );
      return;
    }
    if (deposit) {
      await this.nextTimestamp();
      await f.token.connect(f.deployer).mint(f.operator.address, amount);
      await this.nextTimestamp();
      await f.token.connect(f.operator).approve(f.poolAddress, amount);
      await this.nextTimestamp();
      await this.expectOutcome(model.fundStake(f.operator.address, amount), () =>
        f.pool.connect(f.operator).fundStake(amount),
      );
      return;
    }
    // Half the time exactly the funds (or one more than them), else the drawn amount.
    const asked = amount % 2n === 0n ? model.stakeFunds + (amount % 4n === 0n ? 1n : 0n) : amount;
    await this.nextTimestamp();
    await this.expectOutcome(model.withdrawStakeFunds(asked, f.operator.address), () =>
      f.pool.connect(f.operator).withdrawStakeFunds(asked, f.operator.address),
    );
  }

  /** Folds the BlockVerified events since the last scan into the model: what Taiko owes the pool. */
  async scanTaiko(): Promise<void> {
    const latest = await ethers.provider.getBlockNumber();
    if (latest <= this.scannedBlock) return;
    const events = await this.f.taikoL1.queryFilter(
      this.f.taikoL1.filters.BlockVerified(),
      this.scannedBlock + 1,
      latest,
    );
    for (const e of events) {
      const { blockId, prover, proofReward } = e.args;
      if (blockId > this.lastVerified) this.lastVerified = blockId;
      expect(prover, `prover of verified block ${blockId}`).to.equal(this.f.poolAddress);
      // The pool's proof of this block: its base reward (the shares credited) or, proven late, the open reward.
      const base = this.baseReward.get(blockId);
      if (base === undefined) throw new Error(`verified block ${blockId} was never credited`);
      const late = openReward(this.f, base);
      expect(proofReward === base || proofReward === late, `reward ${proofReward} of block ${blockId}`).to.equal(true);
      this.model.taikoBalance += proofReward;
    }
    this.scannedBlock = latest;
  }

  /**
   * The ledger invariants, and every view the model predicts: totals, claimable of every actor; shares of the
   * current epoch after the operations that submit proofs (the others cannot credit any).
   */
  async check(op: Op): Promise<void> {
    const { f, model } = this;
    await this.scanTaiko();
    const snapshot = await checkPoolInvariants(f);
    expect(
      [snapshot.harvested, snapshot.claimed, snapshot.claimable, snapshot.fees, snapshot.unsettled],
      "totals: harvested, claimed, claimable, fees, unsettled",
    ).to.deep.equal([model.harvested, model.claimed, model.claimable, model.feeTotal, model.unsettled]);
    expect(snapshot.feesWithdrawn, "feesWithdrawn").to.equal(model.feesWithdrawn);
    expect(snapshot.stakeFunds, "stakeFunds").to.equal(model.stakeFunds);
    expect(snapshot.next, "nextEpochToSettle").to.equal(model.nextToSettle);
    const epoch = model.epochAt(this.now);
    expect(snapshot.current, "current epoch").to.equal(epoch);
    expect(await f.pool.paused(), "paused").to.equal(model.paused);
    expect(await f.taikoL1.getTaikoTokenBalance(f.poolAddress), "pool's TaikoL1 balance").to.equal(model.taikoBalance);
    for (let e = model.nextToSettle; e <= epoch; e++) {
      expect(await f.pool.epochRewards(e), `rewards waiting in epoch ${e}`).to.equal(model.epochRewards.get(e) ?? 0n);
    }
    for (const a of f.actors) {
      const claimable = snapshot.claimableOf.get(a.address) ?? (await f.pool.claimable(a.address));
      expect(claimable, `claimable(${a.address})`).to.equal(model.claimableOf(a.address));
    }
    if (op.kind === "prove" || op.kind === "hostileProof") {
      for (const a of f.actors) {
        expect(await f.pool.sharesOf(a.address, epoch), `sharesOf(${a.address}, ${epoch})`).to.equal(
          model.sharesOf(a.address, epoch),
        );
      }
      expect(await f.pool.totalSharesOf(epoch)).to.equal(model.totalShares.get(epoch) ?? 0n);
    }
  }

  /** The slower checks, once per run: every epoch's shares and settlement, agents, fees, balances, Taiko. */
  async finalCheck(): Promise<void> {
    const { f, model } = this;
    const current = model.epochAt(this.now);
    for (let e = 0n; e <= current; e++) {
      expect(await f.pool.totalSharesOf(e), `totalShares of epoch ${e}`).to.equal(model.totalShares.get(e) ?? 0n);
      for (const a of f.actors) expect(await f.pool.sharesOf(a.address, e)).to.equal(model.sharesOf(a.address, e));
      const info = await f.pool.epochOf(e);
      const s = model.settlements.get(e);
      const provers = BigInt(model.shares.get(e)?.size ?? 0);
      const o = model.owed.get(e);
      expect(
        [info.settled, info.proverReward, info.provers, info.provers - info.proversClaimed],
        `epoch ${e}`,
      ).to.deep.equal([
        e < model.nextToSettle,
        s?.proverReward ?? 0n,
        provers,
        // An epoch's provers are counted as they earn; once it settles, each claim takes one off.
        BigInt(o?.proversLeft ?? provers),
      ]);
      const waiting = e >= model.nextToSettle ? (model.epochRewards.get(e) ?? 0n) : 0n;
      expect(await f.pool.epochRewards(e), `rewards of ${e}`).to.equal(waiting);
    }
    for (let e = 0n; e <= current + 5n; e++) expect(await f.pool.feeBps(e), `fee of ${e}`).to.equal(model.feeBps(e));
    for (const k of f.keys) {
      expect(await f.pool.agentOwner(k.address)).to.equal(model.agentOwner(k.address) ?? ethers.ZeroAddress);
    }
    for (const a of f.actors) expect(await f.token.balanceOf(a.address)).to.equal(model.paid.get(a.address) ?? 0n);
    expect(await f.token.balanceOf(f.treasury.address)).to.equal(model.feesWithdrawn);
    await checkTaikoInvariants(f);
  }
}

const show = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));

describe("ZKPool: property", function () {
  const load = loadPoolWithInvariants();
  after(shutdownProver);

  it(`random operations by 8 provers and 2 hostile actors keep the ledger and the model equal (${RUNS} runs × ${COMMANDS})`, async function () {
    this.timeout(30 * 60_000);
    let executed = 0;
    let realProofs = 0;
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
              await run.check(op);
              checkMillis += performance.now() - checking;
            } catch (error) {
              const message = error instanceof Error ? error.message : String(error);
              throw new Error(`operation ${i} ${show(op)} (seed ${SEED}): ${message}`, { cause: error });
            }
            stats.set(op.kind, (stats.get(op.kind) ?? 0) + 1);
          }
          await run.finalCheck();
          executed += ops.length;
          realProofs += run.realProofs;
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: !SHRINK },
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
    if (!process.env.ZKPOOL_PROPERTY_RUNS && !process.env.ZKPOOL_PROPERTY_COMMANDS)
      expect(executed).to.be.at.least(1_000);
  });
});
