import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { TTKO, agentGraffiti, shutdownProver } from "@zkpool/common";
import { proposeBlock, proveEvidence, stake } from "../../fixtures/taiko";
import { authorizeAgent, deployPoolFixture, proposeAndProve, proveThroughPool } from "../../fixtures/zkpool";
import {
  agentKey,
  creditProof,
  epochAt,
  expectedShares,
  keyOf,
  rebuildChain,
  recordProof,
  startEpoch,
  verifyAll,
} from "../../helpers/pool";
import { checkPoolInvariants, loadPoolWithInvariants } from "../../helpers/poolInvariants";
import { readSlot, slotOf, writeSlot } from "../../helpers/storage";
import { eventsIn, flipByte, gasCost, hex, mined, minedAt, openReward, proveFields, tamper } from "../../helpers/taiko";

describe("ZKPool: proofs and credits", function () {
  const load = loadPoolWithInvariants();
  after(shutdownProver);

  describe("a recorded proof, then its credit", function () {
    it("goes to TaikoL1 under the pool's identity and records the agent of its graffiti for its fork choice", async function () {
      const f = await load(deployPoolFixture);
      const { block, input, evidence } = await proposeAndProve(f, f.agentOfAlice);
      expect(block.assignedProver).to.equal(f.poolAddress);
      expect(evidence.graffiti).to.equal(agentGraffiti(hex(f.agentOfAlice.address)));

      const receipt = await mined(proveThroughPool(f, block.id, input));
      await expect(receipt.hash)
        .to.emit(f.pool, "ProofRecorded")
        .withArgs(block.id, evidence.parentHash, evidence.parentGasUsed, f.agentOfAlice.address, f.alice.address, 1n);
      await expect(receipt.hash)
        .to.emit(f.taikoL1, "BlockProven")
        .withArgs(
          block.id,
          evidence.parentHash,
          evidence.blockHash,
          evidence.signalRoot,
          f.poolAddress,
          evidence.parentGasUsed,
        );
      expect(await f.pool.proofRecord(block.id, evidence.parentHash, evidence.parentGasUsed)).to.deep.equal([
        f.agentOfAlice.address,
        1n,
      ]);
      // Nothing is credited before Taiko verifies the block.
      expect(await f.pool.totalSharesOf(await f.pool.currentEpoch())).to.equal(0n);
      expect((await f.taikoL1.getForkChoice(block.id, evidence.parentHash, evidence.parentGasUsed)).prover).to.equal(
        f.poolAddress,
      );
    });

    it("once verified, confirm credits the agent's prover exactly what Taiko paid the pool, in the confirmation's epoch, once", async function () {
      const f = await load(deployPoolFixture);
      const r = await recordProof(f, f.agentOfAlice);
      await expect(f.pool.connect(f.mallory).confirm([r.key]))
        .to.be.revertedWithCustomError(f.pool, "BlockNotVerified")
        .withArgs(r.block.id);

      const paid = await verifyAll(f);
      const reward = paid.byBlock.get(r.block.id);
      // In time by the assigned pool: the base reward, as the pool computes it too.
      expect(reward).to.equal(expectedShares(f, r.block, r.evidence));
      const receipt = await mined(f.pool.connect(f.mallory).confirm([r.key]));
      const epoch = await epochAt(f, await minedAt(receipt));
      await expect(receipt.hash)
        .to.emit(f.pool, "BlockCredited")
        .withArgs(r.block.id, f.alice.address, f.agentOfAlice.address, epoch, reward);
      expect(await f.pool.sharesOf(f.alice.address, epoch)).to.equal(reward);
      expect(await f.pool.totalSharesOf(epoch)).to.equal(reward);
      expect(await f.pool.sharesOf(f.bob.address, epoch)).to.equal(0n);
      expect(await f.pool.proofRecord(r.block.id, r.evidence.parentHash, r.evidence.parentGasUsed)).to.deep.equal([
        ethers.ZeroAddress,
        0n,
      ]);

      // Credited once: the record is gone.
      await expect(f.pool.connect(f.alice).confirm([r.key]))
        .to.be.revertedWithCustomError(f.pool, "ProofNotRecorded")
        .withArgs(r.block.id, r.evidence.parentHash, r.evidence.parentGasUsed);
      expect(await f.pool.totalSharesOf(epoch)).to.equal(reward);
    });

    it("a fork choice nobody recorded cannot be confirmed: ProofNotRecorded", async function () {
      const f = await load(deployPoolFixture);
      const { block, input, evidence } = await proposeAndProve(f, f.agentOfAlice);
      await f.taikoL1.connect(f.mallory).proveBlock(block.id, input);
      await verifyAll(f);
      await expect(f.pool.confirm([keyOf(block.id, evidence)]))
        .to.be.revertedWithCustomError(f.pool, "ProofNotRecorded")
        .withArgs(block.id, evidence.parentHash, evidence.parentGasUsed);
      const wrongGas = { ...keyOf(block.id, evidence), parentGasUsed: evidence.parentGasUsed + 1 };
      await expect(f.pool.confirm([wrongGas])).to.be.revertedWithCustomError(f.pool, "ProofNotRecorded");
    });

    it("confirms many blocks in one call, and credits add up per prover and per epoch", async function () {
      const f = await load(deployPoolFixture);
      const a1 = await recordProof(f, f.agentOfAlice);
      const a2 = await recordProof(f, f.agentOfAlice, { gasLimit: 3_000_000 });
      const b1 = await recordProof(f, f.agentOfBob);
      const { byBlock } = await verifyAll(f);
      const receipt = await mined(f.pool.confirm([a1.key, a2.key, b1.key]));
      const epoch = await epochAt(f, await minedAt(receipt));
      expect(eventsIn(receipt, f.pool, "BlockCredited")).to.have.length(3);
      const [ra1, ra2, rb1] = [a1, a2, b1].map((r) => byBlock.get(r.block.id) ?? 0n);
      expect(await f.pool.sharesOf(f.alice.address, epoch)).to.equal(ra1! + ra2!);
      expect(await f.pool.sharesOf(f.bob.address, epoch)).to.equal(rb1);
      expect(await f.pool.totalSharesOf(epoch)).to.equal(ra1! + ra2! + rb1!);
      expect((await f.pool.epochOf(epoch)).provers).to.equal(2n);

      await startEpoch(f, epoch + 1n);
      const a3 = await creditProof(f, f.agentOfAlice);
      expect(a3.epoch).to.equal(epoch + 1n);
      expect(await f.pool.sharesOf(f.alice.address, epoch + 1n)).to.equal(a3.shares);
      expect(await f.pool.totalSharesOf(epoch + 1n)).to.equal(a3.shares);
      expect(await f.pool.sharesOf(f.alice.address, epoch)).to.equal(ra1! + ra2!);
    });

    it("a batch with one unverified block credits nothing: BlockNotVerified(that block)", async function () {
      const f = await load(deployPoolFixture);
      const verified = await recordProof(f, f.agentOfAlice);
      await verifyAll(f);
      const pending = await recordProof(f, f.agentOfBob);
      await expect(f.pool.confirm([verified.key, pending.key]))
        .to.be.revertedWithCustomError(f.pool, "BlockNotVerified")
        .withArgs(pending.block.id);
      expect(await f.pool.totalSharesOf(await f.pool.currentEpoch())).to.equal(0n);
    });

    it("any of a prover's agents earns for that prover; an agent revoked after its proof still earns for it", async function () {
      const f = await load(deployPoolFixture);
      const second = agentKey("alice.second");
      await authorizeAgent(f, f.alice, second, "second rig");
      const r1 = await recordProof(f, f.agentOfAlice);
      const r2 = await recordProof(f, second);
      await f.pool.connect(f.alice).revokeAgent(second.address);
      const { byBlock } = await verifyAll(f);
      const receipt = await mined(f.pool.confirm([r1.key, r2.key]));
      const epoch = await epochAt(f, await minedAt(receipt));
      await expect(receipt.hash)
        .to.emit(f.pool, "BlockCredited")
        .withArgs(r2.block.id, f.alice.address, second.address, epoch, byBlock.get(r2.block.id));
      expect(await f.pool.sharesOf(f.alice.address, epoch)).to.equal(
        byBlock.get(r1.block.id)! + byBlock.get(r2.block.id)!,
      );
    });
  });

  describe("who may submit and who gets the credit", function () {
    it("anyone may submit a member's proof: the credit goes to the prover of the graffiti's agent, not to the sender", async function () {
      const f = await load(deployPoolFixture);
      await f.pool.connect(f.operator).setRelayer(ethers.ZeroAddress);
      const byMallory = await recordProof(f, f.agentOfAlice, { sender: f.mallory });
      const byBob = await recordProof(f, f.agentOfAlice, { sender: f.bob });
      await expect(byMallory.receipt.hash)
        .to.emit(f.pool, "ProofRecorded")
        .withArgs(
          byMallory.block.id,
          byMallory.evidence.parentHash,
          byMallory.evidence.parentGasUsed,
          f.agentOfAlice.address,
          f.alice.address,
          1n,
        );
      const { byBlock } = await verifyAll(f);
      const receipt = await mined(f.pool.connect(f.bob).confirm([byMallory.key, byBob.key]));
      const epoch = await epochAt(f, await minedAt(receipt));
      expect(await f.pool.sharesOf(f.alice.address, epoch)).to.equal(
        byBlock.get(byMallory.block.id)! + byBlock.get(byBob.block.id)!,
      );
      expect(await f.pool.sharesOf(f.bob.address, epoch)).to.equal(0n);
      expect(await f.pool.sharesOf(f.mallory.address, epoch)).to.equal(0n);
    });

    it("re-attributing a proof means proving again: the same proof under another agent's graffiti is Taiko's L1_INVALID_PROOF", async function () {
      const f = await load(deployPoolFixture);
      const { block, evidence } = await proposeAndProve(f, f.agentOfAlice);
      const stolen = tamper(evidence, { graffiti: agentGraffiti(hex(f.agentOfBob.address)) });
      await expect(proveThroughPool(f, block.id, stolen, f.bob)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_INVALID_PROOF",
      );
      // Bob's own machine proving the block is another matter: that is the work, and it is Bob's.
      const { input } = await proveEvidence(
        f.chain,
        block,
        f.poolAddress,
        undefined,
        agentGraffiti(hex(f.agentOfBob.address)),
      );
      await expect(proveThroughPool(f, block.id, input, f.bob))
        .to.emit(f.pool, "ProofRecorded")
        .withArgs(block.id, evidence.parentHash, evidence.parentGasUsed, f.agentOfBob.address, f.bob.address, 1n);
    });

    it("the evidence must name the pool as prover: EvidenceProverNotPool(prover)", async function () {
      const f = await load(deployPoolFixture);
      const { block, evidence } = await proposeAndProve(f, f.agentOfAlice);
      const input = tamper(evidence, { prover: hex(f.alice.address) });
      await expect(proveThroughPool(f, block.id, input))
        .to.be.revertedWithCustomError(f.pool, "EvidenceProverNotPool")
        .withArgs(f.alice.address);
    });

    it("the graffiti must be an address (GraffitiNotAnAgent) of an authorized agent (NotAuthorizedAgent)", async function () {
      const f = await load(deployPoolFixture);
      const block = await proposeBlock(f);
      const dirty = hex(ethers.concat(["0x01", ethers.zeroPadValue(f.agentOfAlice.address, 31)]));
      const stranger = agentKey("stranger");
      const cases = [
        { graffiti: dirty, error: "GraffitiNotAnAgent", args: [dirty] },
        { graffiti: hex(ethers.ZeroHash), error: "NotAuthorizedAgent", args: [ethers.ZeroAddress] },
        { graffiti: agentGraffiti(hex(stranger.address)), error: "NotAuthorizedAgent", args: [stranger.address] },
        // The relayer's own key is no agent either.
        { graffiti: agentGraffiti(hex(f.relayer.address)), error: "NotAuthorizedAgent", args: [f.relayer.address] },
      ];
      for (const { graffiti, error, args } of cases) {
        const { input } = await proveEvidence(f.chain, block, f.poolAddress, undefined, graffiti);
        await expect(proveThroughPool(f, block.id, input), graffiti)
          .to.be.revertedWithCustomError(f.pool, error)
          .withArgs(...args);
      }
    });

    it("a revoked agent's proofs are not recorded (NotAuthorizedAgent) until its prover authorizes it again", async function () {
      const f = await load(deployPoolFixture);
      const { block, input } = await proposeAndProve(f, f.agentOfAlice);
      await f.pool.connect(f.alice).revokeAgent(f.agentOfAlice.address);
      await expect(proveThroughPool(f, block.id, input))
        .to.be.revertedWithCustomError(f.pool, "NotAuthorizedAgent")
        .withArgs(f.agentOfAlice.address);
      await authorizeAgent(f, f.alice, f.agentOfAlice, "back");
      await expect(proveThroughPool(f, block.id, input)).to.emit(f.pool, "ProofRecorded");
    });

    it("a paused pool records and confirms nothing (EnforcedPause) until the owner unpauses it", async function () {
      const f = await load(deployPoolFixture);
      const recorded = await recordProof(f, f.agentOfAlice);
      const { block, input } = await proposeAndProve(f, f.agentOfBob);
      await verifyAll(f);
      await expect(f.pool.connect(f.pauser).pause()).to.emit(f.pool, "Paused").withArgs(f.pauser.address);
      await expect(proveThroughPool(f, block.id, input)).to.be.revertedWithCustomError(f.pool, "EnforcedPause");
      await expect(f.pool.confirm([recorded.key])).to.be.revertedWithCustomError(f.pool, "EnforcedPause");
      await f.pool.connect(f.operator).unpause();
      await expect(proveThroughPool(f, block.id, input)).to.emit(f.pool, "ProofRecorded");
      await expect(f.pool.confirm([recorded.key])).to.emit(f.pool, "BlockCredited");
    });

    it("a block whose record slot is still held by an unconfirmed block 8,192 earlier: recorded under its own key, and credited", async function () {
      const f = await load(deployPoolFixture);
      const next = (await f.taikoL1.getStateVariables()).numBlocks;
      // The slot of block `next` (slots are reused every 8,192 blocks) as a pool 8,192 blocks older would have
      // it: holding Bob's proof of a block that nobody confirmed yet.
      const base = await slotOf("contracts/ZKPool.sol:ZKPool", "_firstProofs");
      const slot = BigInt(
        ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [next % 8_192n, base])),
      );
      const held = ((next + 8_192n) << 184n) | (1n << 160n) | BigInt(f.agentOfBob.address);
      await writeSlot(f.poolAddress, slot, held);
      const r = await recordProof(f, f.agentOfAlice);
      expect(r.block.id).to.equal(next);
      expect(await readSlot(f.poolAddress, slot)).to.equal(held);
      expect(await f.pool.proofRecord(r.block.id, r.evidence.parentHash, r.evidence.parentGasUsed)).to.deep.equal([
        f.agentOfAlice.address,
        1n,
      ]);
      const { byBlock } = await verifyAll(f);
      await expect(f.pool.confirm([r.key]))
        .to.emit(f.pool, "BlockCredited")
        .withArgs(r.block.id, f.alice.address, f.agentOfAlice.address, anyValue, byBlock.get(r.block.id));
      await writeSlot(f.poolAddress, slot, 0n);
    });

    it("a fork choice is recorded once: the same proof again is ProofAlreadyRecorded(block, agent)", async function () {
      const f = await load(deployPoolFixture);
      const r = await recordProof(f, f.agentOfAlice);
      await expect(proveThroughPool(f, r.block.id, r.input, f.mallory))
        .to.be.revertedWithCustomError(f.pool, "ProofAlreadyRecorded")
        .withArgs(r.block.id, f.agentOfAlice.address);
    });
  });

  describe("outsiders on a public chain", function () {
    it("a copy of the pool's pending proof sent straight to TaikoL1 first: the pool checks it and records the member all the same", async function () {
      const f = await load(deployPoolFixture);
      const { block, input, evidence } = await proposeAndProve(f, f.agentOfAlice);
      // Mallory copies the relayer's input from the mempool and lands it first.
      await f.taikoL1.connect(f.mallory).proveBlock(block.id, input);
      const receipt = await mined(proveThroughPool(f, block.id, input));
      await expect(receipt.hash)
        .to.emit(f.pool, "ProofRecorded")
        .withArgs(block.id, evidence.parentHash, evidence.parentGasUsed, f.agentOfAlice.address, f.alice.address, 1n);
      await expect(receipt.hash).to.not.emit(f.taikoL1, "BlockProven");

      const { byBlock } = await verifyAll(f);
      const confirmed = await mined(f.pool.confirm([keyOf(block.id, evidence)]));
      const epoch = await epochAt(f, await minedAt(confirmed));
      await expect(confirmed.hash)
        .to.emit(f.pool, "BlockCredited")
        .withArgs(block.id, f.alice.address, f.agentOfAlice.address, epoch, byBlock.get(block.id));
      expect(await f.pool.totalSharesOf(epoch)).to.equal(byBlock.get(block.id));
    });

    it("what the pool checks of a proof whose fork choice Taiko has: the proof (InvalidProof) and the fork choice (ForkChoiceMismatch)", async function () {
      const f = await load(deployPoolFixture);
      const { block, input, evidence } = await proposeAndProve(f, f.agentOfAlice);
      await f.taikoL1.connect(f.mallory).proveBlock(block.id, input);
      // The same evidence with a broken proof, or with the proof of other evidence.
      const other = await proveFields({ ...evidence, graffiti: agentGraffiti(hex(f.agentOfBob.address)) });
      for (const proof of [
        hex(flipByte(evidence.proof, 255)),
        other.evidence.proof,
        hex(evidence.proof.slice(0, 66)),
      ]) {
        await expect(proveThroughPool(f, block.id, tamper(evidence, { proof })))
          .to.be.revertedWithCustomError(f.pool, "InvalidProof")
          .withArgs(block.id);
      }
      // Real proofs of the same parent that are not the fork choice Taiko has.
      for (const change of [
        { blockHash: hex(ethers.id("another block hash")) },
        { signalRoot: hex(ethers.id("another signal root")) },
        { gasUsed: evidence.gasUsed - 1 },
      ]) {
        const { input: differing } = await proveFields({ ...evidence, ...change });
        await expect(proveThroughPool(f, block.id, differing), JSON.stringify(change))
          .to.be.revertedWithCustomError(f.pool, "ForkChoiceMismatch")
          .withArgs(block.id);
      }
      // A member's real proof of that very fork choice, under its own graffiti, is its work: recorded.
      await expect(proveThroughPool(f, block.id, other.input))
        .to.emit(f.pool, "ProofRecorded")
        .withArgs(block.id, evidence.parentHash, evidence.parentGasUsed, f.agentOfBob.address, f.bob.address, 1n);
    });

    it("a block an outsider proved for itself first, after the window: ForkChoiceMismatch, and nothing is recorded", async function () {
      const f = await load(deployPoolFixture);
      const { block, input, evidence } = await proposeAndProve(f, f.agentOfAlice);
      const blk = await f.taikoL1.getBlock(block.id);
      await time.increaseTo(blk.proposedAt + blk.proofWindow + 1n);
      const { input: theirs } = await proveFields({ ...evidence, prover: hex(f.mallory.address) });
      await f.taikoL1.connect(f.mallory).proveBlock(block.id, theirs);
      await expect(proveThroughPool(f, block.id, input))
        .to.be.revertedWithCustomError(f.pool, "ForkChoiceMismatch")
        .withArgs(block.id);
    });

    it("a made-up-parent proof sent first: the member's real proof is recorded on its own fork choice, and only it is credited", async function () {
      const f = await load(deployPoolFixture);
      const { block, input, evidence } = await proposeAndProve(f, f.agentOfAlice);
      // Mallory proves the block for the pool from a made-up parent, naming Bob's machine, and records it.
      const fake = await proveFields({
        ...evidence,
        parentHash: hex(ethers.id("a made-up parent")),
        graffiti: agentGraffiti(hex(f.agentOfBob.address)),
      });
      await f.taikoL1.connect(f.mallory).proveBlock(block.id, fake.input);
      await expect(proveThroughPool(f, block.id, fake.input, f.mallory))
        .to.emit(f.pool, "ProofRecorded")
        .withArgs(block.id, fake.evidence.parentHash, evidence.parentGasUsed, f.agentOfBob.address, f.bob.address, 1n);

      const receipt = await mined(proveThroughPool(f, block.id, input));
      await expect(receipt.hash)
        .to.emit(f.pool, "ProofRecorded")
        .withArgs(block.id, evidence.parentHash, evidence.parentGasUsed, f.agentOfAlice.address, f.alice.address, 2n);

      const { byBlock } = await verifyAll(f);
      expect((await f.taikoL1.getBlock(block.id)).verifiedForkChoiceId).to.equal(2n);
      const confirmed = await mined(f.pool.confirm([keyOf(block.id, fake.evidence), keyOf(block.id, evidence)]));
      const epoch = await epochAt(f, await minedAt(confirmed));
      await expect(confirmed.hash)
        .to.emit(f.pool, "ProofNotCredited")
        .withArgs(block.id, f.bob.address, f.agentOfBob.address, 1n, 2n);
      await expect(confirmed.hash)
        .to.emit(f.pool, "BlockCredited")
        .withArgs(block.id, f.alice.address, f.agentOfAlice.address, epoch, byBlock.get(block.id));
      expect(await f.pool.sharesOf(f.bob.address, epoch)).to.equal(0n);
      expect(await f.pool.totalSharesOf(epoch)).to.equal(byBlock.get(block.id));
    });

    it("a made-up parent first, then a copy of the pool's proof: Taiko names no second fork choice, so ForkChoiceNotIdentifiable", async function () {
      const f = await load(deployPoolFixture);
      const { block, input, evidence } = await proposeAndProve(f, f.agentOfAlice);
      const fake = await proveFields({ ...evidence, parentHash: hex(ethers.id("a made-up parent")) });
      await f.taikoL1.connect(f.mallory).proveBlock(block.id, fake.input);
      await f.taikoL1.connect(f.mallory).proveBlock(block.id, input);
      await expect(proveThroughPool(f, block.id, input))
        .to.be.revertedWithCustomError(f.pool, "ForkChoiceNotIdentifiable")
        .withArgs(block.id);
    });

    it("a fork choice Taiko's oracle overwrote before verification pays the oracle, not the pool: ProofNotCredited", async function () {
      // Not through `load`: Taiko's own invariants (test/helpers/invariants.ts) model the local TaikoL1, which has
      // no oracle and pays the overwritten fork choice as a late one; the pool's invariants are checked below.
      const f = { ...(await loadFixture(deployPoolFixture)) };
      f.chain = await rebuildChain(f);
      const r = await recordProof(f, f.agentOfAlice);
      // Eldfell's oracle prover (address(1)) may overwrite a fork choice; the local TaikoL1 has none, so its
      // storage is written as the oracle's proof would leave it: the same fork choice id, prover address(1).
      const base = await slotOf("contracts/taiko/TaikoL1.sol:TaikoL1", "_forkChoices");
      const inner = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [r.block.id, base]),
      );
      const fc = BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint24", "bytes32"], [1n, inner])));
      const packed = await readSlot(await f.taikoL1.getAddress(), fc + 3n);
      expect(ethers.getAddress(ethers.toBeHex(packed & ((1n << 160n) - 1n), 20))).to.equal(f.poolAddress);
      await writeSlot(await f.taikoL1.getAddress(), fc + 3n, ((packed >> 160n) << 160n) | 1n);
      const { byBlock } = await verifyAll(f);
      expect(byBlock.has(r.block.id)).to.equal(false);
      const receipt = await mined(f.pool.confirm([r.key]));
      await expect(receipt.hash)
        .to.emit(f.pool, "ProofNotCredited")
        .withArgs(r.block.id, f.alice.address, f.agentOfAlice.address, 1n, 1n);
      await expect(receipt.hash).to.not.emit(f.pool, "BlockCredited");
      await checkPoolInvariants(f);
    });

    it("a pool proof on a parent Taiko does not verify earns nothing: ProofNotCredited, and its record is dropped", async function () {
      const f = await load(deployPoolFixture);
      const { block, input, evidence } = await proposeAndProve(f, f.agentOfAlice);
      const fake = await proveFields({ ...evidence, parentHash: hex(ethers.id("a made-up parent")) });
      await proveThroughPool(f, block.id, fake.input);
      // The real parent is proven for the pool straight on TaikoL1, outside the pool: nobody recorded it.
      await f.taikoL1.connect(f.mallory).proveBlock(block.id, input);
      const { byBlock } = await verifyAll(f);
      expect(byBlock.get(block.id)).to.be.greaterThan(0n);
      const receipt = await mined(f.pool.confirm([keyOf(block.id, fake.evidence)]));
      await expect(receipt.hash)
        .to.emit(f.pool, "ProofNotCredited")
        .withArgs(block.id, f.alice.address, f.agentOfAlice.address, 1n, 2n);
      await expect(receipt.hash).to.not.emit(f.pool, "BlockCredited");
      expect(await f.pool.totalSharesOf(await epochAt(f, await minedAt(receipt)))).to.equal(0n);
      await expect(f.pool.confirm([keyOf(block.id, fake.evidence)])).to.be.revertedWithCustomError(
        f.pool,
        "ProofNotRecorded",
      );
    });
  });

  describe("Taiko's verdict", function () {
    it("input that is not an abi-encoded BlockEvidence: MalformedEvidence", async function () {
      const f = await load(deployPoolFixture);
      const { block, input } = await proposeAndProve(f, f.agentOfAlice);
      const bytes = ethers.getBytes(input);
      const pointingPastTheEnd = ethers.concat([ethers.toBeHex(bytes.length, 32), bytes.slice(32)]);
      for (const bad of ["0x", "0x1234", ethers.hexlify(bytes.slice(0, 32 * 10)), pointingPastTheEnd]) {
        await expect(proveThroughPool(f, block.id, bad)).to.be.revertedWithCustomError(f.pool, "MalformedEvidence");
      }
      // The real input still proves.
      await expect(proveThroughPool(f, block.id, input)).to.emit(f.pool, "ProofRecorded");
    });

    it("a tampered proof: Taiko's own L1_INVALID_PROOF, and nothing is recorded", async function () {
      const f = await load(deployPoolFixture);
      const { block, evidence } = await proposeAndProve(f, f.agentOfAlice);
      // The last byte of the proof (c.y) inverted: the point is no longer on the curve.
      const input = tamper(evidence, { proof: hex(flipByte(evidence.proof, 255)) });
      await expect(proveThroughPool(f, block.id, input)).to.be.revertedWithCustomError(f.taikoL1, "L1_INVALID_PROOF");
      expect(await f.pool.proofRecord(block.id, evidence.parentHash, evidence.parentGasUsed)).to.deep.equal([
        ethers.ZeroAddress,
        0n,
      ]);
    });

    it("evidence of another block: Taiko's own L1_EVIDENCE_MISMATCH(expected, given); an unknown block: L1_BLOCK_ID", async function () {
      const f = await load(deployPoolFixture);
      const first = await proposeAndProve(f, f.agentOfAlice);
      const second = await proposeBlock(f);
      await expect(proveThroughPool(f, second.id, first.input))
        .to.be.revertedWithCustomError(f.taikoL1, "L1_EVIDENCE_MISMATCH")
        .withArgs(second.metaHash, first.block.metaHash);
      await expect(proveThroughPool(f, 99n, first.input)).to.be.revertedWithCustomError(f.taikoL1, "L1_BLOCK_ID");
      // And once the block is verified and confirmed, Taiko takes no proof of it: L1_BLOCK_ID.
      await proveThroughPool(f, first.block.id, first.input);
      await verifyAll(f);
      await f.pool.confirm([keyOf(first.block.id, first.evidence)]);
      await expect(proveThroughPool(f, first.block.id, first.input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_BLOCK_ID",
      );
    });

    it("another prover's block inside its window: Taiko's L1_NOT_PROVEABLE; after it, the pool proves it late and is credited the open reward Taiko pays", async function () {
      const f = await load(deployPoolFixture);
      await stake(f, f.proverA, 9_000_000n * TTKO, 1_000, 16);
      // Propose until a block goes to proverA (9 in 10 do); prove the pool's own blocks on the way.
      let theirs;
      for (let i = 0; i < 20 && !theirs; i++) {
        const block = await proposeBlock(f);
        if (block.assignedProver === f.proverA.address) theirs = block;
        else {
          const graffiti = agentGraffiti(hex(f.agentOfBob.address));
          const { input } = await proveEvidence(f.chain, block, f.poolAddress, undefined, graffiti);
          await proveThroughPool(f, block.id, input);
        }
      }
      if (!theirs) throw new Error("no block was assigned to proverA");
      const graffiti = agentGraffiti(hex(f.agentOfAlice.address));
      const { input, evidence } = await proveEvidence(f.chain, theirs, f.poolAddress, undefined, graffiti);
      await expect(proveThroughPool(f, theirs.id, input)).to.be.revertedWithCustomError(f.taikoL1, "L1_NOT_PROVEABLE");
      const blk = await f.taikoL1.getBlock(theirs.id);
      await time.increaseTo(blk.proposedAt + blk.proofWindow + 1n);
      await proveThroughPool(f, theirs.id, input);

      // At verification the pool gets 1.5× for it and proverA is slashed; the credit is what Taiko paid.
      await time.increase(f.params.taiko.proofRegularCooldown);
      const verified = await mined(f.taikoL1.verifyBlocks(100));
      await expect(verified.hash).to.emit(f.proverPool, "Slashed");
      const paid = eventsIn(verified, f.taikoL1, "BlockVerified").find((e) => e.args.blockId === theirs.id);
      const base = gasCost(f, evidence.gasUsed, theirs.rewardPerGas);
      expect(paid?.args.proofReward).to.equal(openReward(f, base));
      const receipt = await mined(f.pool.confirm([keyOf(theirs.id, evidence)]));
      await expect(receipt.hash)
        .to.emit(f.pool, "BlockCredited")
        .withArgs(
          theirs.id,
          f.alice.address,
          f.agentOfAlice.address,
          await epochAt(f, await minedAt(receipt)),
          openReward(f, base),
        );
    });
  });
});
