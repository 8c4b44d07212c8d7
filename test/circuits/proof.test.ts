// The block proof end to end: prove with the circuit built by `npm run circuits`, verify off-chain with
// snarkjs and on-chain with the generated BlockProofVerifier. Run `npm run circuits` first (the verifier
// contract and the proving key must be of the same difficulty: ZKPOOL_DIFFICULTY or 1).

import { expect } from "chai";
import { AbiCoder, keccak256 as ethersKeccak256 } from "ethers";
import hre from "hardhat";
import { type Address, type Hex, getAddress, keccak256, size, stringToHex } from "viem";
import {
  type BlockEvidence,
  type BlockInstance,
  type InstanceProof,
  decodeProof,
  encodeEvidence,
  instanceHash,
  proveInstance,
  shutdownProver,
  splitInstance,
  verifyInstanceProof,
} from "../../common/src/proof";

const INSTANCE_TYPES = ["bytes32", "bytes32", "bytes32", "bytes32", "bytes32", "address", "uint32", "uint32"];
const EVIDENCE_TYPE = "tuple(bytes32,bytes32,bytes32,bytes32,bytes32,address,uint32,uint32,uint16,bytes)";

/** The instance hash computed the way Solidity does, with ethers instead of viem. */
function ethersInstanceHash(e: BlockInstance): string {
  return ethersKeccak256(
    AbiCoder.defaultAbiCoder().encode(INSTANCE_TYPES, [
      e.metaHash,
      e.parentHash,
      e.blockHash,
      e.signalRoot,
      e.graffiti,
      e.prover,
      e.parentGasUsed,
      e.gasUsed,
    ]),
  );
}

function bytes32(label: string): Hex {
  return keccak256(stringToHex(label));
}

function instanceFor(prover: Address, overrides: Partial<BlockInstance> = {}): BlockInstance {
  return {
    metaHash: bytes32("meta 7"),
    parentHash: bytes32("block 6"),
    blockHash: bytes32("block 7"),
    signalRoot: bytes32("signals 7"),
    graffiti: bytes32("zkpool"),
    prover,
    parentGasUsed: 1_234_567,
    gasUsed: 2_345_678,
    ...overrides,
  };
}

/** `hex` with bit `bit` (0 = least significant) of byte `byteIndex` flipped. */
function flipBit(hex: Hex, byteIndex: number, bit: number): Hex {
  const bytes = Buffer.from(hex.slice(2), "hex");
  const byte = bytes[byteIndex];
  if (byte === undefined) throw new Error(`byte ${byteIndex} is outside the ${bytes.length}-byte value`);
  bytes[byteIndex] = byte ^ (1 << bit);
  return `0x${bytes.toString("hex")}`;
}

describe("block proof", function () {
  let proverA: Address;
  let proverB: Address;
  let instanceA: Hex;
  let instanceB: Hex;
  let proofA: InstanceProof;

  before(async function () {
    const [signerA, signerB] = await hre.ethers.getSigners();
    if (!signerA || !signerB) throw new Error("the Hardhat network has fewer than two accounts");
    proverA = getAddress(signerA.address);
    proverB = getAddress(signerB.address);
    instanceA = instanceHash(instanceFor(proverA));
    instanceB = instanceHash(instanceFor(proverB));
    proofA = await proveInstance(instanceA);
  });

  after(async function () {
    await shutdownProver();
  });

  describe("instanceHash", function () {
    it("equals keccak256(abi.encode(...)) computed with ethers", function () {
      const extremes = instanceFor(proverA, {
        parentGasUsed: 0,
        gasUsed: 2 ** 32 - 1,
        graffiti: `0x${"ff".repeat(32)}`,
      });
      for (const instance of [instanceFor(proverA), instanceFor(proverB), extremes]) {
        expect(instanceHash(instance)).to.equal(ethersInstanceHash(instance));
      }
    });

    it("binds the prover address", function () {
      expect(instanceA).to.not.equal(instanceB);
    });

    it("rejects a gas value that is not a uint32", function () {
      expect(() => instanceHash(instanceFor(proverA, { gasUsed: 2 ** 32 }))).to.throw();
    });
  });

  describe("splitInstance", function () {
    it("splits into the high and low 128 bits", function () {
      const [hi, lo] = splitInstance(instanceA);
      expect(hi < 1n << 128n && lo < 1n << 128n).to.equal(true);
      expect((hi << 128n) | lo).to.equal(BigInt(instanceA));
      expect(splitInstance(`0x${"00".repeat(15)}01${"00".repeat(15)}02`)).to.deep.equal([1n, 2n]);
    });

    it("rejects a value that is not 32 bytes", function () {
      expect(() => splitInstance("0x1234")).to.throw(/32 bytes/);
    });
  });

  describe("encodeEvidence", function () {
    it("encodes the BlockEvidence struct as one tuple", function () {
      const evidence: BlockEvidence = {
        ...instanceFor(proverA),
        verifierId: 100,
        proof: proofA.proof,
      };
      const expected = AbiCoder.defaultAbiCoder().encode(
        [EVIDENCE_TYPE],
        [
          [
            evidence.metaHash,
            evidence.parentHash,
            evidence.blockHash,
            evidence.signalRoot,
            evidence.graffiti,
            evidence.prover,
            evidence.parentGasUsed,
            evidence.gasUsed,
            evidence.verifierId,
            evidence.proof,
          ],
        ],
      );
      expect(encodeEvidence(evidence)).to.equal(expected);
    });
  });

  describe("off-chain", function () {
    it("proves an instance: 256 bytes of proof, the instance halves as public signals", async function () {
      expect(size(proofA.proof)).to.equal(256);
      expect(proofA.publicSignals).to.deep.equal(splitInstance(instanceA));
      expect(proofA.millis).to.be.greaterThan(0);
    });

    it("verifies the proof for its instance", async function () {
      expect(await verifyInstanceProof(instanceA, proofA.proof)).to.equal(true);
    });

    it("rejects the proof for a different instance", async function () {
      expect(await verifyInstanceProof(flipBit(instanceA, 31, 0), proofA.proof)).to.equal(false);
      expect(await verifyInstanceProof(instanceHash(instanceFor(proverA, { gasUsed: 1 })), proofA.proof)).to.equal(
        false,
      );
    });

    it("rejects the proof made for another prover's instance", async function () {
      expect(await verifyInstanceProof(instanceB, proofA.proof)).to.equal(false);
      const proofB = await proveInstance(instanceB);
      expect(await verifyInstanceProof(instanceB, proofB.proof)).to.equal(true);
      expect(await verifyInstanceProof(instanceA, proofB.proof)).to.equal(false);
    });

    it("proves instances at the same time, each proof for its own instance", async function () {
      // One witness calculator serves every proof of a circuit: calls at once must not mix their inputs.
      const instances = [1, 2, 3].map((gasUsed) => instanceHash(instanceFor(proverA, { gasUsed })));
      const proofs = await Promise.all(instances.map((instance) => proveInstance(instance)));
      for (const [i, instance] of instances.entries()) {
        const { proof, publicSignals } = proofs[i] as InstanceProof;
        expect(publicSignals).to.deep.equal(splitInstance(instance));
        expect(await verifyInstanceProof(instance, proof), `instance ${i}`).to.equal(true);
      }
    });

    it("rejects the proof with any one coordinate's low bit flipped", async function () {
      for (let word = 0; word < 8; word++) {
        const tampered = flipBit(proofA.proof, word * 32 + 31, 0);
        expect(await verifyInstanceProof(instanceA, tampered), `word ${word}`).to.equal(false);
      }
    });

    it("returns false, without throwing, for malformed proofs", async function () {
      // A coordinate pushed above the field modulus, a truncated proof, an empty one.
      expect(await verifyInstanceProof(instanceA, flipBit(proofA.proof, 0, 7))).to.equal(false);
      expect(await verifyInstanceProof(instanceA, `0x${proofA.proof.slice(2, 2 + 2 * 224)}`)).to.equal(false);
      expect(await verifyInstanceProof(instanceA, "0x")).to.equal(false);
      expect(await verifyInstanceProof(instanceA, `0x${"00".repeat(256)}`)).to.equal(false);
    });

    it("decodeProof throws on a malformed proof", function () {
      expect(() => decodeProof("0x1234")).to.throw(/256 bytes/);
      expect(() => decodeProof(flipBit(proofA.proof, 0, 7))).to.throw(/field modulus/);
    });
  });

  describe("on-chain BlockProofVerifier", function () {
    async function deployVerifier() {
      return hre.ethers.deployContract("BlockProofVerifier");
    }

    it("accepts the real proof for its instance", async function () {
      const verifier = await deployVerifier();
      const { a, b, c } = decodeProof(proofA.proof);
      const signals = splitInstance(instanceA);
      expect(await verifier.verifyProof(a, b, c, signals)).to.equal(true);
      expect(await verifier.verifyProof.estimateGas(a, b, c, signals)).to.be.lessThan(300_000n);
    });

    it("rejects a tampered instance and a tampered proof", async function () {
      const verifier = await deployVerifier();
      const { a, b, c } = decodeProof(proofA.proof);
      const [hi, lo] = splitInstance(instanceA);
      expect(await verifier.verifyProof(a, b, c, [hi, lo ^ 1n])).to.equal(false);
      expect(await verifier.verifyProof(a, b, c, splitInstance(instanceB))).to.equal(false);
      expect(await verifier.verifyProof([a[0], a[1] ^ 1n], b, c, [hi, lo])).to.equal(false);
      expect(await verifier.verifyProof(a, [b[1], b[0]], c, [hi, lo])).to.equal(false);
    });
  });
});
