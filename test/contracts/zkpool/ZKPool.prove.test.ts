import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { Signature } from "ethers";
import { TTKO, proofTypedData, shutdownProver } from "@zkpool/common";
import { proposeBlock, proveEvidence, stake } from "../../fixtures/taiko";
import {
  authorizeAgent,
  deployPoolFixture,
  proposeAndProve,
  proveThroughPool,
  signProof,
  type PoolFixture,
} from "../../fixtures/zkpool";
import {
  agentKey,
  creditProof,
  epochAt,
  expectedShares,
  poolRewardsIn,
  startEpoch,
  verifyAll,
} from "../../helpers/pool";
import { loadPoolWithInvariants } from "../../helpers/poolInvariants";
import { flipByte, gasCost, hex, mined, minedAt, openReward, proveFields, tamper } from "../../helpers/taiko";

/** The address a signature recovers to for (blockId, input) under the pool's EIP-712 domain. */
async function recovered(f: PoolFixture, blockId: bigint, input: string, signature: string): Promise<string> {
  return ethers.recoverAddress(await f.pool.proofDigest(blockId, input), signature);
}

describe("ZKPool: proofs and shares", function () {
  const load = loadPoolWithInvariants();
  after(shutdownProver);

  describe("a credited proof", function () {
    it("goes to TaikoL1 under the pool's identity and credits (20,000 + gasUsed) × rewardPerGas to the agent's prover", async function () {
      const f = await load(deployPoolFixture);
      const { block, input, evidence } = await proposeAndProve(f);
      expect(block.assignedProver).to.equal(f.poolAddress);
      const shares = gasCost(f, evidence.gasUsed, block.rewardPerGas);
      expect(shares).to.equal(expectedShares(f, block, evidence));

      const tx = proveThroughPool(f, f.agentOfAlice, block.id, input);
      const receipt = await mined(tx);
      const epoch = await epochAt(f, await minedAt(receipt));
      await expect(receipt.hash)
        .to.emit(f.pool, "ProofCredited")
        .withArgs(block.id, f.alice.address, f.agentOfAlice.address, epoch, shares);
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
      expect(await f.pool.sharesOf(f.alice.address, epoch)).to.equal(shares);
      expect(await f.pool.totalSharesOf(epoch)).to.equal(shares);
      expect(await f.pool.sharesOf(f.bob.address, epoch)).to.equal(0n);
      const fc = await f.taikoL1.getForkChoice(block.id, evidence.parentHash, evidence.parentGasUsed);
      expect(fc.prover).to.equal(f.poolAddress);
    });

    it("shares add up per prover and per epoch, and the next epoch starts from zero", async function () {
      const f = await load(deployPoolFixture);
      const a1 = await creditProof(f, f.agentOfAlice);
      const a2 = await creditProof(f, f.agentOfAlice, { gasLimit: 3_000_000 });
      const b1 = await creditProof(f, f.agentOfBob);
      expect(a1.epoch).to.equal(0n);
      expect(b1.epoch).to.equal(0n);
      expect(await f.pool.sharesOf(f.alice.address, 0n)).to.equal(a1.shares + a2.shares);
      expect(await f.pool.sharesOf(f.bob.address, 0n)).to.equal(b1.shares);
      expect(await f.pool.totalSharesOf(0n)).to.equal(a1.shares + a2.shares + b1.shares);

      await startEpoch(f, 1n);
      const a3 = await creditProof(f, f.agentOfAlice);
      expect(a3.epoch).to.equal(1n);
      await expect(a3.receipt.hash)
        .to.emit(f.pool, "ProofCredited")
        .withArgs(a3.block.id, f.alice.address, f.agentOfAlice.address, 1n, a3.shares);
      expect(await f.pool.sharesOf(f.alice.address, 1n)).to.equal(a3.shares);
      expect(await f.pool.totalSharesOf(1n)).to.equal(a3.shares);
      expect(await f.pool.sharesOf(f.alice.address, 0n)).to.equal(a1.shares + a2.shares);
    });

    it("any of a prover's agents earns for that prover", async function () {
      const f = await load(deployPoolFixture);
      const second = agentKey("alice.second");
      await authorizeAgent(f, f.alice, second, "second rig");
      const c1 = await creditProof(f, f.agentOfAlice);
      const c2 = await creditProof(f, second);
      await expect(c2.receipt.hash)
        .to.emit(f.pool, "ProofCredited")
        .withArgs(c2.block.id, f.alice.address, second.address, 0n, c2.shares);
      expect(await f.pool.sharesOf(f.alice.address, 0n)).to.equal(c1.shares + c2.shares);
    });

    it("the agent signs the EIP-712 digest that proofDigest gives", async function () {
      const f = await load(deployPoolFixture);
      const input = hex(ethers.hexlify(ethers.toUtf8Bytes("any input")));
      const { domain, types, message } = proofTypedData(f.chainId, f.poolAddress, 7n, input);
      expect(await f.pool.proofDigest(7n, input)).to.equal(
        ethers.TypedDataEncoder.hash(domain, { Proof: [...types.Proof] }, message),
      );
      expect(await f.pool.PROOF_TYPEHASH()).to.equal(ethers.id("Proof(uint256 blockId,bytes32 evidenceHash)"));
    });
  });

  describe("who may submit and who gets the shares", function () {
    it("only a relayer may submit: NotRelayer(caller)", async function () {
      const f = await load(deployPoolFixture);
      const { block, input } = await proposeAndProve(f);
      const signature = await signProof(f, f.agentOfAlice, block.id, input);
      for (const caller of [f.mallory, f.alice, f.operator]) {
        await expect(f.pool.connect(caller).proveBlock(block.id, input, signature))
          .to.be.revertedWithCustomError(f.pool, "NotRelayer")
          .withArgs(caller.address);
      }
      await f.pool.connect(f.operator).setRelayer(ethers.ZeroAddress);
      await expect(f.pool.connect(f.relayer).proveBlock(block.id, input, signature))
        .to.be.revertedWithCustomError(f.pool, "NotRelayer")
        .withArgs(f.relayer.address);
    });

    it("the evidence must name the pool as prover: EvidenceProverNotPool(prover)", async function () {
      const f = await load(deployPoolFixture);
      const { block, evidence } = await proposeAndProve(f);
      const input = tamper(evidence, { prover: f.alice.address as `0x${string}` });
      const signature = await signProof(f, f.agentOfAlice, block.id, input);
      await expect(f.pool.connect(f.relayer).proveBlock(block.id, input, signature))
        .to.be.revertedWithCustomError(f.pool, "EvidenceProverNotPool")
        .withArgs(f.alice.address);
    });

    it("prover A's agent earns for A only, whatever the relayer does", async function () {
      const f = await load(deployPoolFixture);
      // Bob cannot take Alice's agent, and no relayer can name another prover: only the signature counts.
      await expect(authorizeAgent(f, f.bob, f.agentOfAlice, "mine"))
        .to.be.revertedWithCustomError(f.pool, "AgentOfAnotherProver")
        .withArgs(f.agentOfAlice.address, f.alice.address);
      const byRelayer = await creditProof(f, f.agentOfAlice);
      await f.pool.connect(f.operator).setRelayer(f.mallory.address);
      const byMallory = await creditProof(f, f.agentOfAlice, { relayer: f.mallory });
      await expect(byMallory.receipt.hash)
        .to.emit(f.pool, "ProofCredited")
        .withArgs(byMallory.block.id, f.alice.address, f.agentOfAlice.address, 0n, byMallory.shares);
      expect(await f.pool.sharesOf(f.alice.address, 0n)).to.equal(byRelayer.shares + byMallory.shares);
      expect(await f.pool.sharesOf(f.bob.address, 0n)).to.equal(0n);
      expect(await f.pool.sharesOf(f.mallory.address, 0n)).to.equal(0n);
    });

    it("a relayer cannot credit without an agent's signature: empty or garbage signatures give InvalidAgentSignature", async function () {
      const f = await load(deployPoolFixture);
      const { block, input } = await proposeAndProve(f);
      const good = Signature.from(await signProof(f, f.agentOfAlice, block.id, input));
      // s above n/2: the same signature made malleable, which ECDSA refuses.
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const highS = ethers.concat([good.r, ethers.toBeHex(n - BigInt(good.s), 32), good.v === 27 ? "0x1c" : "0x1b"]);
      for (const signature of [
        "0x",
        ethers.hexlify(new Uint8Array(65)),
        ethers.hexlify(new Uint8Array(64).fill(7)),
        good.compactSerialized, // EIP-2098 64-byte form: refused, only 65 bytes are read
        `${good.serialized}00`,
        highS,
      ]) {
        await expect(
          f.pool.connect(f.relayer).proveBlock(block.id, input, signature),
          `signature ${signature}`,
        ).to.be.revertedWithCustomError(f.pool, "InvalidAgentSignature");
      }
      expect(await f.pool.totalSharesOf(0n)).to.equal(0n);
    });

    it("a signature by a key that is no agent gives NotAuthorizedAgent(key)", async function () {
      const f = await load(deployPoolFixture);
      const { block, input } = await proposeAndProve(f);
      const stranger = agentKey("stranger");
      const signature = await signProof(f, stranger, block.id, input);
      await expect(f.pool.connect(f.relayer).proveBlock(block.id, input, signature))
        .to.be.revertedWithCustomError(f.pool, "NotAuthorizedAgent")
        .withArgs(stranger.address);
      // The relayer's own key is no agent either.
      const t = proofTypedData(f.chainId, f.poolAddress, block.id, hex(input));
      const byRelayer = await f.relayer.signTypedData(t.domain, { Proof: [...t.types.Proof] }, t.message);
      await expect(f.pool.connect(f.relayer).proveBlock(block.id, input, byRelayer))
        .to.be.revertedWithCustomError(f.pool, "NotAuthorizedAgent")
        .withArgs(f.relayer.address);
    });

    it("a signature replayed for another block recovers another address: NotAuthorizedAgent", async function () {
      const f = await load(deployPoolFixture);
      const first = await proposeAndProve(f);
      const second = await proposeAndProve(f);
      const signature = await signProof(f, f.agentOfAlice, first.block.id, first.input);
      for (const [blockId, input] of [
        [second.block.id, second.input],
        [second.block.id, first.input],
      ] as const) {
        const other = await recovered(f, blockId, input, signature);
        expect(other).to.not.equal(f.agentOfAlice.address);
        await expect(f.pool.connect(f.relayer).proveBlock(blockId, input, signature))
          .to.be.revertedWithCustomError(f.pool, "NotAuthorizedAgent")
          .withArgs(other);
      }
      // The signature still works for the proof it was made for.
      await f.pool.connect(f.relayer).proveBlock(first.block.id, first.input, signature);
    });

    it("a signature covers this exact input: any other evidence of the same block recovers another address", async function () {
      const f = await load(deployPoolFixture);
      const { block, input } = await proposeAndProve(f);
      const signature = await signProof(f, f.agentOfAlice, block.id, input);
      const graffiti = hex(ethers.id("another graffiti"));
      const { input: other } = await proveFields({
        ...f.chain.evidence(block.id, block.metaHash, f.poolAddress),
        graffiti,
      });
      const who = await recovered(f, block.id, other, signature);
      await expect(f.pool.connect(f.relayer).proveBlock(block.id, other, signature))
        .to.be.revertedWithCustomError(f.pool, "NotAuthorizedAgent")
        .withArgs(who);
    });

    it("a signature for another pool or chain does not count here", async function () {
      const f = await load(deployPoolFixture);
      const { block, input } = await proposeAndProve(f);
      for (const [chainId, pool] of [
        [f.chainId + 1, f.poolAddress],
        [f.chainId, hex(ethers.getAddress(ethers.dataSlice(ethers.id("another pool"), 12)))],
      ] as const) {
        const t = proofTypedData(chainId, pool, block.id, hex(input));
        const signature = await f.agentOfAlice.signTypedData(t.domain, { Proof: [...t.types.Proof] }, t.message);
        await expect(f.pool.connect(f.relayer).proveBlock(block.id, input, signature))
          .to.be.revertedWithCustomError(f.pool, "NotAuthorizedAgent")
          .withArgs(await recovered(f, block.id, input, signature));
      }
    });

    it("a revoked agent earns nothing: NotAuthorizedAgent(agent)", async function () {
      const f = await load(deployPoolFixture);
      const { block, input } = await proposeAndProve(f);
      const signature = await signProof(f, f.agentOfAlice, block.id, input);
      await f.pool.connect(f.alice).revokeAgent(f.agentOfAlice.address);
      await expect(f.pool.connect(f.relayer).proveBlock(block.id, input, signature))
        .to.be.revertedWithCustomError(f.pool, "NotAuthorizedAgent")
        .withArgs(f.agentOfAlice.address);
      // Authorized again by its prover, the same signature counts.
      await authorizeAgent(f, f.alice, f.agentOfAlice, "back");
      await expect(f.pool.connect(f.relayer).proveBlock(block.id, input, signature)).to.emit(f.pool, "ProofCredited");
    });

    it("a paused pool takes no proofs (EnforcedPause) until the owner unpauses it", async function () {
      const f = await load(deployPoolFixture);
      const { block, input } = await proposeAndProve(f);
      const signature = await signProof(f, f.agentOfAlice, block.id, input);
      await expect(f.pool.connect(f.pauser).pause()).to.emit(f.pool, "Paused").withArgs(f.pauser.address);
      await expect(f.pool.connect(f.relayer).proveBlock(block.id, input, signature)).to.be.revertedWithCustomError(
        f.pool,
        "EnforcedPause",
      );
      await f.pool.connect(f.operator).unpause();
      await expect(f.pool.connect(f.relayer).proveBlock(block.id, input, signature)).to.emit(f.pool, "ProofCredited");
    });
  });

  describe("Taiko's verdict", function () {
    it("the same proof again: Taiko's own L1_ALREADY_PROVEN, and the block keeps its one credit", async function () {
      const f = await load(deployPoolFixture);
      const c = await creditProof(f, f.agentOfAlice);
      await expect(proveThroughPool(f, f.agentOfAlice, c.block.id, c.input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_ALREADY_PROVEN",
      );
      await expect(proveThroughPool(f, f.agentOfBob, c.block.id, c.input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_ALREADY_PROVEN",
      );
      expect(await f.pool.totalSharesOf(0n)).to.equal(c.shares);
      expect(await f.pool.sharesOf(f.bob.address, 0n)).to.equal(0n);
    });

    it("a second proof of the block from a made-up parent, which Taiko accepts, earns nothing: ProofNotCredited", async function () {
      const f = await load(deployPoolFixture);
      const c = await creditProof(f, f.agentOfAlice);
      // Taiko keeps one proof per block *per parent*: evidence on a fake parent is a new, valid fork choice.
      const attempts = [
        { agent: f.agentOfAlice, prover: f.alice.address, parent: "a made-up parent", forkChoiceId: 2n },
        { agent: f.agentOfBob, prover: f.bob.address, parent: "another made-up parent", forkChoiceId: 3n },
      ];
      for (const { agent, prover, parent, forkChoiceId } of attempts) {
        const fake = await proveFields({ ...c.evidence, parentHash: hex(ethers.id(parent)) });
        const receipt = await mined(proveThroughPool(f, agent, c.block.id, fake.input));
        await expect(receipt.hash)
          .to.emit(f.pool, "ProofNotCredited")
          .withArgs(c.block.id, prover, agent.address, forkChoiceId);
        await expect(receipt.hash).to.not.emit(f.pool, "ProofCredited");
      }
      expect((await f.taikoL1.getBlock(c.block.id)).nextForkChoiceId).to.equal(4n);
      expect(await f.pool.sharesOf(f.alice.address, 0n)).to.equal(c.shares);
      expect(await f.pool.sharesOf(f.bob.address, 0n)).to.equal(0n);
      expect(await f.pool.totalSharesOf(0n)).to.equal(c.shares);
      expect((await f.pool.epochOf(0n)).provers).to.equal(1n);
    });

    it("a block someone else already proved: Taiko's own L1_ALREADY_PROVEN, and no credit", async function () {
      const f = await load(deployPoolFixture);
      const { block, input } = await proposeAndProve(f);
      // Anyone may submit the pool's evidence to TaikoL1 directly; the pool then has nothing to credit.
      await f.taikoL1.connect(f.mallory).proveBlock(block.id, input);
      await expect(proveThroughPool(f, f.agentOfAlice, block.id, input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_ALREADY_PROVEN",
      );
      expect(await f.pool.totalSharesOf(0n)).to.equal(0n);
    });

    it("a block first proven straight to TaikoL1 from another parent: the pool's real proof still stands in Taiko, and earns nothing", async function () {
      const f = await load(deployPoolFixture);
      const { block, input, evidence } = await proposeAndProve(f);
      // Someone proves the pool's block for the pool from a made-up parent, outside the pool, first.
      const first = await proveFields({ ...evidence, parentHash: hex(ethers.id("a made-up parent")) });
      await f.taikoL1.connect(f.mallory).proveBlock(block.id, first.input);
      // The pool's proof from the real parent is still accepted, so the block verifies on it and the pool is paid
      // for it, but no prover is credited for a block that already had a proof.
      const receipt = await mined(proveThroughPool(f, f.agentOfAlice, block.id, input));
      await expect(receipt.hash)
        .to.emit(f.pool, "ProofNotCredited")
        .withArgs(block.id, f.alice.address, f.agentOfAlice.address, 2n);
      await expect(receipt.hash).to.emit(f.taikoL1, "BlockProven");
      expect(await f.pool.totalSharesOf(0n)).to.equal(0n);
      const rewards = await verifyAll(f);
      expect(rewards).to.be.greaterThan(0n);
    });

    it("input that is not an abi-encoded BlockEvidence: MalformedEvidence, before any signature is checked", async function () {
      const f = await load(deployPoolFixture);
      const { block, input } = await proposeAndProve(f);
      const signature = await signProof(f, f.agentOfAlice, block.id, input);
      const bytes = ethers.getBytes(input);
      const pointingPastTheEnd = ethers.concat([ethers.toBeHex(bytes.length, 32), bytes.slice(32)]);
      for (const bad of ["0x", "0x1234", ethers.hexlify(bytes.slice(0, 32 * 10)), pointingPastTheEnd]) {
        await expect(f.pool.connect(f.relayer).proveBlock(block.id, bad, signature)).to.be.revertedWithCustomError(
          f.pool,
          "MalformedEvidence",
        );
      }
      // The real input still proves.
      await expect(f.pool.connect(f.relayer).proveBlock(block.id, input, signature)).to.emit(f.pool, "ProofCredited");
    });

    it("a tampered proof: Taiko's own L1_INVALID_PROOF, even signed by an agent", async function () {
      const f = await load(deployPoolFixture);
      const { block, evidence } = await proposeAndProve(f);
      // The last byte of the proof (c.y) inverted: the point is no longer on the curve.
      const input = tamper(evidence, { proof: hex(flipByte(evidence.proof, 255)) });
      await expect(proveThroughPool(f, f.agentOfAlice, block.id, input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_INVALID_PROOF",
      );
      // A real proof of other evidence (another graffiti) does not prove this evidence either.
      const { evidence: other } = await proveFields({ ...evidence, graffiti: hex(ethers.id("other")) });
      await expect(
        proveThroughPool(f, f.agentOfAlice, block.id, tamper(evidence, { proof: other.proof })),
      ).to.be.revertedWithCustomError(f.taikoL1, "L1_INVALID_PROOF");
      expect(await f.pool.totalSharesOf(0n)).to.equal(0n);
    });

    it("evidence of another block: Taiko's own L1_EVIDENCE_MISMATCH(expected, given); an unknown block: L1_BLOCK_ID", async function () {
      const f = await load(deployPoolFixture);
      const first = await proposeAndProve(f);
      const second = await proposeBlock(f);
      await expect(proveThroughPool(f, f.agentOfAlice, second.id, first.input))
        .to.be.revertedWithCustomError(f.taikoL1, "L1_EVIDENCE_MISMATCH")
        .withArgs(second.metaHash, first.block.metaHash);
      await expect(proveThroughPool(f, f.agentOfAlice, 99n, first.input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_BLOCK_ID",
      );
    });

    it("another prover's block inside its window: Taiko's L1_NOT_PROVEABLE; after it, the pool proves it late and earns the open reward", async function () {
      const f = await load(deployPoolFixture);
      await stake(f, f.proverA, 9_000_000n * TTKO, 1_000, 16);
      // Propose until a block goes to proverA (9 in 10 do); prove the pool's own blocks on the way.
      let theirs;
      for (let i = 0; i < 20 && !theirs; i++) {
        const block = await proposeBlock(f);
        if (block.assignedProver === f.proverA.address) theirs = block;
        else {
          const { input } = await proveEvidence(f.chain, block, f.poolAddress);
          await proveThroughPool(f, f.agentOfBob, block.id, input);
        }
      }
      if (!theirs) throw new Error("no block was assigned to proverA");
      const { input, evidence } = await proveEvidence(f.chain, theirs, f.poolAddress);
      await expect(proveThroughPool(f, f.agentOfAlice, theirs.id, input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_NOT_PROVEABLE",
      );
      const blk = await f.taikoL1.getBlock(theirs.id);
      await time.increaseTo(blk.proposedAt + blk.proofWindow + 1n);
      const receipt = await mined(proveThroughPool(f, f.agentOfAlice, theirs.id, input));
      const shares = expectedShares(f, theirs, evidence);
      await expect(receipt.hash)
        .to.emit(f.pool, "ProofCredited")
        .withArgs(theirs.id, f.alice.address, f.agentOfAlice.address, 0n, shares);

      // At verification the pool gets 1.5× for it and proverA is slashed; shares stay the base reward.
      await time.increase(f.params.taiko.proofRegularCooldown);
      const verified = await mined(f.taikoL1.verifyBlocks(100));
      const paid = poolRewardsIn(f, [verified]);
      await expect(verified.hash).to.emit(f.proverPool, "Slashed");
      expect(paid).to.be.at.least(openReward(f, shares));
      expect(await verifyAll(f)).to.equal(0n);
    });
  });
});
