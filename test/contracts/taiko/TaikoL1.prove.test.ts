import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import {
  LOCAL_GENESIS_BLOCK_HASH,
  TTKO,
  encodeEvidence,
  LOCAL_INSTANCE_CONTEXT,
  instanceHash,
  shutdownProver,
  splitInstance,
} from "@zkpool/common";
import {
  deployTaikoFixture,
  L2Chain,
  proposeBlock,
  proveEvidence,
  stake,
  type ProposedBlock,
  type TaikoFixture,
} from "../../fixtures/taiko";
import { loadWithInvariants } from "../../helpers/invariants";
import { bytes32, flipByte, hex, mined, minedAt, proposeBlocks, proveFields, tamper } from "../../helpers/taiko";

type TwoBlocks = TaikoFixture & { blocks: [ProposedBlock, ProposedBlock] };

/** proverA staked alone; blocks 1 and 2 proposed, both assigned to proverA (45-minute windows). */
async function twoAssignedBlocksFixture(): Promise<TwoBlocks> {
  const f = await deployTaikoFixture();
  await stake(f, f.proverA, 1_000_000n * TTKO, 1_000, 16);
  const blocks = await proposeBlocks(f, new L2Chain(), 2);
  return { ...f, blocks: [blocks[0]!, blocks[1]!] };
}

/** Nobody staked: block 1 is open. */
async function openBlockFixture(): Promise<TaikoFixture & { block: ProposedBlock }> {
  const f = await deployTaikoFixture();
  return { ...f, block: await proposeBlock(f) };
}

/** The L2 chain of a fixture's blocks (deterministic: rebuilt per test). */
function chainOf(blocks: readonly ProposedBlock[]): L2Chain {
  const chain = new L2Chain();
  for (const b of blocks) chain.add(b);
  return chain;
}

async function windowEnd(f: TaikoFixture, id: bigint): Promise<bigint> {
  const blk = await f.taikoL1.getBlock(id);
  return blk.proposedAt + blk.proofWindow;
}

describe("TaikoL1: proving", function () {
  const load = loadWithInvariants();
  after(shutdownProver);

  describe("accepted proofs", function () {
    it("the assigned prover's real proof is accepted and recorded as a fork choice", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const chain = chainOf(f.blocks);
      const { evidence, input } = await proveEvidence(chain, block, f.proverA.address);
      expect(evidence.parentHash).to.equal(LOCAL_GENESIS_BLOCK_HASH);
      expect(await f.taikoL1.getInstance({ ...evidence })).to.equal(instanceHash(evidence, LOCAL_INSTANCE_CONTEXT));

      const tx = f.taikoL1.connect(f.proverA).proveBlock(block.id, input);
      await expect(tx)
        .to.emit(f.taikoL1, "BlockProven")
        .withArgs(block.id, evidence.parentHash, evidence.blockHash, evidence.signalRoot, f.proverA.address, 0);
      const at = await minedAt(await mined(tx));

      const fc = await f.taikoL1.getForkChoice(block.id, evidence.parentHash, evidence.parentGasUsed);
      // eldfell's keyForForkChoice: the parent's gasUsed (4 bytes) then its hash
      expect(fc.key).to.equal(ethers.solidityPackedKeccak256(["uint32", "bytes32"], [0, evidence.parentHash]));
      expect(fc.blockHash).to.equal(evidence.blockHash);
      expect(fc.signalRoot).to.equal(evidence.signalRoot);
      expect(fc.provenAt).to.equal(at);
      expect(fc.prover).to.equal(f.proverA.address);
      expect(fc.gasUsed).to.equal(BigInt(evidence.gasUsed));
      const blk = await f.taikoL1.getBlock(block.id);
      expect(blk.nextForkChoiceId).to.equal(2n);
      expect(blk.verifiedForkChoiceId).to.equal(0n);
      expect(blk.proverReleased).to.equal(true);
    });

    it("a block builds on its parent block: block 2's evidence names block 1's hash and gas", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const chain = chainOf(f.blocks);
      const { evidence, input } = await proveEvidence(chain, f.blocks[1], f.proverA.address);
      expect(evidence.parentHash).to.equal(chain.get(1n)!.blockHash);
      expect(evidence.parentGasUsed).to.equal(chain.get(1n)!.gasUsed);
      await expect(f.taikoL1.connect(f.proverA).proveBlock(2, input))
        .to.emit(f.taikoL1, "BlockProven")
        .withArgs(
          2,
          evidence.parentHash,
          evidence.blockHash,
          evidence.signalRoot,
          f.proverA.address,
          evidence.parentGasUsed,
        );
    });

    it("msg.sender need not be evidence.prover: a relayer submits proverA's evidence inside the window", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const relayer = f.outsider;
      const { evidence, input } = await proveEvidence(chainOf(f.blocks), block, f.proverA.address);
      await expect(f.taikoL1.connect(relayer).proveBlock(block.id, input))
        .to.emit(f.taikoL1, "BlockProven")
        .withArgs(block.id, evidence.parentHash, evidence.blockHash, evidence.signalRoot, f.proverA.address, 0);
      expect((await f.taikoL1.getForkChoice(block.id, evidence.parentHash, 0)).prover).to.equal(f.proverA.address);
      expect((await f.taikoL1.getBlock(block.id)).proverReleased).to.equal(true);
    });

    it("an open block is proven by anyone at once", async function () {
      const f = await load(openBlockFixture);
      expect(f.block.assignedProver).to.equal(ethers.ZeroAddress);
      const { input } = await proveEvidence(chainOf([f.block]), f.block, f.outsider.address);
      await expect(f.taikoL1.connect(f.outsider).proveBlock(f.block.id, input)).to.emit(f.taikoL1, "BlockProven");
      expect((await f.taikoL1.getBlock(f.block.id)).proverReleased).to.equal(false);
    });

    it("a proof from another parent is a second fork choice of the same block", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const chain = chainOf(f.blocks);
      const { input } = await proveEvidence(chain, block, f.proverA.address);
      await f.taikoL1.connect(f.proverA).proveBlock(block.id, input);

      const otherParent = bytes32("a parent that is not the genesis block");
      const { evidence, input: forked } = await proveFields({
        ...chain.evidence(block.id, block.metaHash, hex(f.proverA.address)),
        parentHash: otherParent,
        parentGasUsed: 42,
      });
      await expect(f.taikoL1.connect(f.proverA).proveBlock(block.id, forked))
        .to.emit(f.taikoL1, "BlockProven")
        .withArgs(block.id, otherParent, evidence.blockHash, evidence.signalRoot, f.proverA.address, 42);
      expect((await f.taikoL1.getBlock(block.id)).nextForkChoiceId).to.equal(3n);
      const second = await f.taikoL1.getForkChoice(block.id, otherParent, 42);
      expect(second.blockHash).to.equal(evidence.blockHash);
      // as in eldfell, only the first fork choice keeps its key
      expect(second.key).to.equal(ethers.ZeroHash);
      await expect(f.taikoL1.getForkChoice(block.id, otherParent, 43)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_FORK_CHOICE_NOT_FOUND",
      );
      await expect(f.taikoL1.getForkChoice(3, otherParent, 42)).to.be.revertedWithCustomError(f.taikoL1, "L1_BLOCK_ID");
    });
  });

  describe("the proof window", function () {
    it("another prover's valid proof reverts L1_NOT_PROVEABLE up to the window's end and is accepted after it", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const { evidence, input } = await proveEvidence(chainOf(f.blocks), block, f.proverB.address);
      const end = await windowEnd(f, block.id);
      expect(end - (await f.taikoL1.getBlock(block.id)).proposedAt).to.equal(45n * 60n);

      await expect(f.taikoL1.connect(f.proverB).proveBlock(block.id, input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_NOT_PROVEABLE",
      );
      await time.setNextBlockTimestamp(end);
      await expect(f.taikoL1.connect(f.proverB).proveBlock(block.id, input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_NOT_PROVEABLE",
      );
      await time.setNextBlockTimestamp(end + 1n);
      await expect(f.taikoL1.connect(f.proverB).proveBlock(block.id, input))
        .to.emit(f.taikoL1, "BlockProven")
        .withArgs(block.id, evidence.parentHash, evidence.blockHash, evidence.signalRoot, f.proverB.address, 0);
      // A late proof by another prover leaves the assigned prover's capacity taken until verification.
      expect((await f.taikoL1.getBlock(block.id)).proverReleased).to.equal(false);
    });

    it("the assigned prover may still prove after its window", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const { input } = await proveEvidence(chainOf(f.blocks), block, f.proverA.address);
      await time.increaseTo((await windowEnd(f, block.id)) + 600n);
      await expect(f.taikoL1.connect(f.proverA).proveBlock(block.id, input)).to.emit(f.taikoL1, "BlockProven");
    });
  });

  describe("rejected evidence", function () {
    it("a metaHash that is not the block's reverts L1_EVIDENCE_MISMATCH(expected, actual)", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block, other] = f.blocks;
      const { evidence } = await proveEvidence(chainOf(f.blocks), block, f.proverA.address);
      await expect(f.taikoL1.connect(f.proverA).proveBlock(block.id, tamper(evidence, { metaHash: other.metaHash })))
        .to.be.revertedWithCustomError(f.taikoL1, "L1_EVIDENCE_MISMATCH")
        .withArgs(block.metaHash, other.metaHash);
      const random = bytes32("no block's metadata");
      await expect(f.taikoL1.connect(f.proverA).proveBlock(block.id, tamper(evidence, { metaHash: random })))
        .to.be.revertedWithCustomError(f.taikoL1, "L1_EVIDENCE_MISMATCH")
        .withArgs(block.metaHash, random);
    });

    it("malformed evidence reverts L1_INVALID_EVIDENCE", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const { evidence, input } = await proveEvidence(chainOf(f.blocks), block, f.proverA.address);
      const { gasLimit } = await f.taikoL1.getBlock(block.id);
      const cases: [string, Parameters<typeof tamper>[1]][] = [
        ["zero prover", { prover: hex(ethers.ZeroAddress) }],
        ["zero parentHash", { parentHash: hex(ethers.ZeroHash) }],
        ["zero blockHash", { blockHash: hex(ethers.ZeroHash) }],
        ["blockHash equal to parentHash", { blockHash: evidence.parentHash }],
        ["zero signalRoot", { signalRoot: hex(ethers.ZeroHash) }],
        ["zero gasUsed", { gasUsed: 0 }],
        ["gasUsed above the L2 block's gas limit (gasLimit + the anchor's)", { gasUsed: Number(gasLimit) + 180_001 }],
      ];
      for (const [name, change] of cases) {
        await expect(
          f.taikoL1.connect(f.proverA).proveBlock(block.id, tamper(evidence, change)),
          name,
        ).to.be.revertedWithCustomError(f.taikoL1, "L1_INVALID_EVIDENCE");
      }
      await expect(f.taikoL1.connect(f.proverA).proveBlock(block.id, input)).to.emit(f.taikoL1, "BlockProven");
    });

    it("a block that is not proposed, or already verified, reverts L1_BLOCK_ID", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const { input } = await proveEvidence(chainOf(f.blocks), block, f.proverA.address);
      await expect(f.taikoL1.connect(f.proverA).proveBlock(0, input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_BLOCK_ID",
      );
      await expect(f.taikoL1.connect(f.proverA).proveBlock(3, input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_BLOCK_ID",
      );

      await f.taikoL1.connect(f.proverA).proveBlock(block.id, input);
      await time.increase(f.params.taiko.proofRegularCooldown);
      await f.taikoL1.verifyBlocks(1);
      // Even a fork choice from a parent never proven before: the block is final.
      const { input: forked } = await proveFields({
        ...chainOf(f.blocks).evidence(block.id, block.metaHash, hex(f.proverA.address)),
        parentHash: bytes32("another parent"),
      });
      await expect(f.taikoL1.connect(f.proverA).proveBlock(block.id, forked)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_BLOCK_ID",
      );
    });

    it("a second proof from the same parent reverts L1_ALREADY_PROVEN, whoever sends it", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const chain = chainOf(f.blocks);
      const { input } = await proveEvidence(chain, block, f.proverA.address);
      await f.taikoL1.connect(f.proverA).proveBlock(block.id, input);
      await expect(f.taikoL1.connect(f.proverA).proveBlock(block.id, input)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_ALREADY_PROVEN",
      );
      // proverB's own valid proof of the same transition, after the window.
      const { input: byB } = await proveEvidence(chain, block, f.proverB.address);
      await time.increaseTo((await windowEnd(f, block.id)) + 1n);
      await expect(f.taikoL1.connect(f.proverB).proveBlock(block.id, byB)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_ALREADY_PROVEN",
      );
    });
  });

  describe("invalid proofs: L1_INVALID_PROOF", function () {
    it("a proof with a flipped byte", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const { evidence, input } = await proveEvidence(chainOf(f.blocks), block, f.proverA.address);
      for (const index of [31, 100, 255]) {
        await expect(
          f.taikoL1
            .connect(f.proverA)
            .proveBlock(block.id, tamper(evidence, { proof: hex(flipByte(evidence.proof, index)) })),
          `byte ${index}`,
        ).to.be.revertedWithCustomError(f.taikoL1, "L1_INVALID_PROOF");
      }
      // The untouched evidence is accepted: the rejections above were about the proof alone.
      await expect(f.taikoL1.connect(f.proverA).proveBlock(block.id, input)).to.emit(f.taikoL1, "BlockProven");
    });

    it("a proof made for another block", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const chain = chainOf(f.blocks);
      const { evidence: first } = await proveEvidence(chain, f.blocks[0], f.proverA.address);
      const { evidence: second } = await proveEvidence(chain, f.blocks[1], f.proverA.address);
      await expect(
        f.taikoL1.connect(f.proverA).proveBlock(1, tamper(first, { proof: second.proof })),
      ).to.be.revertedWithCustomError(f.taikoL1, "L1_INVALID_PROOF");
    });

    it("a proof made for proverA submitted with evidence.prover = proverB after the window", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const { evidence } = await proveEvidence(chainOf(f.blocks), block, f.proverA.address);
      await time.increaseTo((await windowEnd(f, block.id)) + 1n);
      for (const sender of [f.proverB, f.proverA]) {
        await expect(
          f.taikoL1.connect(sender).proveBlock(block.id, tamper(evidence, { prover: hex(f.proverB.address) })),
        ).to.be.revertedWithCustomError(f.taikoL1, "L1_INVALID_PROOF");
      }
    });

    it("evidence fields changed after proving", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const { evidence, input } = await proveEvidence(chainOf(f.blocks), block, f.proverA.address);
      const cases: [string, Parameters<typeof tamper>[1]][] = [
        ["graffiti", { graffiti: bytes32("graffiti") }],
        ["blockHash", { blockHash: bytes32("another block") }],
        ["signalRoot", { signalRoot: bytes32("another root") }],
        ["gasUsed", { gasUsed: evidence.gasUsed - 1 }],
        ["parentGasUsed", { parentGasUsed: 1 }],
      ];
      for (const [name, change] of cases) {
        await expect(
          f.taikoL1.connect(f.proverA).proveBlock(block.id, tamper(evidence, change)),
          name,
        ).to.be.revertedWithCustomError(f.taikoL1, "L1_INVALID_PROOF");
      }
      await expect(f.taikoL1.connect(f.proverA).proveBlock(block.id, input)).to.emit(f.taikoL1, "BlockProven");
    });

    it("an unknown verifierId reverts RESOLVER_ZERO_ADDR (eldfell resolves the verifier by name)", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const { evidence } = await proveEvidence(chainOf(f.blocks), block, f.proverA.address);
      await expect(f.taikoL1.connect(f.proverA).proveBlock(block.id, encodeEvidence({ ...evidence, verifierId: 1 })))
        .to.be.revertedWithCustomError(f.taikoL1, "RESOLVER_ZERO_ADDR")
        .withArgs(31_337n, ethers.toBeHex(0x1000001, 32));
    });

    it("a proof that does not begin with the instance's two halves, or is not ten words", async function () {
      const f = await load(twoAssignedBlocksFixture);
      const [block] = f.blocks;
      const { evidence } = await proveEvidence(chainOf(f.blocks), block, f.proverA.address);
      const words = (from: number, to?: number) => ethers.dataSlice(evidence.proof, from * 32, to && to * 32);
      const [hi, lo] = splitInstance(instanceHash(evidence, LOCAL_INSTANCE_CONTEXT));
      expect(words(0, 1)).to.equal(ethers.toBeHex(hi!, 32));
      expect(words(1, 2)).to.equal(ethers.toBeHex(lo!, 32));
      const cases: [string, string][] = [
        ["halves swapped", tamper(evidence, { proof: hex(ethers.concat([words(1, 2), words(0, 1), words(2)])) })],
        ["no halves", tamper(evidence, { proof: hex(words(2)) })],
        ["a Groth16 word missing", tamper(evidence, { proof: hex(ethers.dataSlice(evidence.proof, 0, 288)) })],
        ["a word too many", tamper(evidence, { proof: hex(ethers.concat([evidence.proof, ethers.ZeroHash])) })],
        ["the halves only", tamper(evidence, { proof: hex(words(0, 2)) })],
        ["63 bytes", tamper(evidence, { proof: hex(ethers.dataSlice(evidence.proof, 0, 63)) })],
        ["empty proof", tamper(evidence, { proof: "0x" })],
      ];
      for (const [name, input] of cases) {
        await expect(f.taikoL1.connect(f.proverA).proveBlock(block.id, input), name).to.be.revertedWithCustomError(
          f.taikoL1,
          "L1_INVALID_PROOF",
        );
      }
    });
  });
});
