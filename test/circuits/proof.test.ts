// The block proof end to end: prove with the circuit built by `npm run circuits`, verify off-chain with
// snarkjs and on-chain with BlockProofVerifier (eldfell's verifier call in front of the generated Groth16 verifier). Run `npm run circuits` first (the verifier
// contract and the proving key must be of the same difficulty: ZKPOOL_DIFFICULTY or 1).

import { expect } from "chai";
import { AbiCoder, concat, keccak256 as ethersKeccak256, toBeHex, toUtf8Bytes, zeroPadValue } from "ethers";
import hre from "hardhat";
import { type Address, type Hex, getAddress, keccak256, size, stringToHex } from "viem";
import {
  type BlockEvidence,
  type BlockInstance,
  type InstanceContext,
  type InstanceProof,
  decodeProof,
  encodeEvidence,
  instanceHash,
  proveInstance,
  shutdownProver,
  splitInstance,
  verifyInstanceProof,
} from "../../common/src/proof";

const CONTEXT: InstanceContext = {
  signalService: getAddress(`0x${"11".repeat(20)}`),
  l2SignalService: getAddress(`0x${"22".repeat(20)}`),
  l2Taiko: getAddress(`0x${"33".repeat(20)}`),
  blockMaxGasLimit: 6_000_000,
  blockMaxTransactions: 79n,
  blockMaxTxListBytes: 120_000n,
};
const EVIDENCE_TYPE = "tuple(bytes32,bytes32,bytes32,bytes32,bytes32,address,uint32,uint32,uint16,bytes)";

/**
 * Eldfell's LibProving instance, written out with ethers instead of viem: ten packed words, hex-concatenated.
 * Word 8 is prover (20 bytes) ‖ parentGasUsed (4) ‖ gasUsed (4) ‖ 4 zero bytes; word 9 is blockMaxGasLimit,
 * blockMaxTransactions, blockMaxTxListBytes as 8 bytes each, then 8 zero bytes.
 */
function ethersInstanceHash(e: BlockInstance, c: InstanceContext): string {
  const word = (v: string) => zeroPadValue(v, 32);
  const u = (v: bigint | number, bytes: number) => toBeHex(v, bytes);
  return ethersKeccak256(
    concat([
      word(c.signalService),
      word(c.l2SignalService),
      word(c.l2Taiko),
      e.metaHash,
      e.parentHash,
      e.blockHash,
      e.signalRoot,
      e.graffiti,
      concat([e.prover, u(e.parentGasUsed, 4), u(e.gasUsed, 4), u(0, 4)]),
      concat([u(c.blockMaxGasLimit, 8), u(c.blockMaxTransactions, 8), u(c.blockMaxTxListBytes, 8), u(0, 8)]),
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
  let proofB: InstanceProof;

  before(async function () {
    const [signerA, signerB] = await hre.ethers.getSigners();
    if (!signerA || !signerB) throw new Error("the Hardhat network has fewer than two accounts");
    proverA = getAddress(signerA.address);
    proverB = getAddress(signerB.address);
    instanceA = instanceHash(instanceFor(proverA), CONTEXT);
    instanceB = instanceHash(instanceFor(proverB), CONTEXT);
    proofA = await proveInstance(instanceA);
    proofB = await proveInstance(instanceB);
  });

  after(async function () {
    await shutdownProver();
  });

  describe("instanceHash", function () {
    it("equals eldfell's ten-word instance computed with ethers", function () {
      const extremes = instanceFor(proverA, {
        parentGasUsed: 0,
        gasUsed: 2 ** 32 - 1,
        graffiti: `0x${"ff".repeat(32)}`,
      });
      for (const instance of [instanceFor(proverA), instanceFor(proverB), extremes]) {
        expect(instanceHash(instance, CONTEXT)).to.equal(ethersInstanceHash(instance, CONTEXT));
      }
    });

    it("binds the signal services, the L2 taiko address and the three config values", function () {
      const base = instanceHash(instanceFor(proverA), CONTEXT);
      const changes: Partial<InstanceContext>[] = [
        { signalService: proverB },
        { l2SignalService: proverB },
        { l2Taiko: proverB },
        { blockMaxGasLimit: 6_000_001 },
        { blockMaxTransactions: 80n },
        { blockMaxTxListBytes: 120_001n },
      ];
      for (const change of changes) {
        expect(instanceHash(instanceFor(proverA), { ...CONTEXT, ...change }), Object.keys(change).join()).to.not.equal(
          base,
        );
      }
    });

    it("binds the prover address", function () {
      expect(instanceA).to.not.equal(instanceB);
    });

    it("rejects a gas value that is not a uint32", function () {
      expect(() => instanceHash(instanceFor(proverA, { gasUsed: 2 ** 32 }), CONTEXT)).to.throw();
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
    it("proves an instance: 320 bytes of proof beginning with the instance halves, its public signals", async function () {
      expect(size(proofA.proof)).to.equal(320);
      const [hi, lo] = splitInstance(instanceA);
      expect(proofA.proof.slice(0, 2 + 128)).to.equal(concat([toBeHex(hi, 32), toBeHex(lo, 32)]));
      expect(proofA.publicSignals).to.deep.equal([hi, lo]);
      expect(proofA.millis).to.be.greaterThan(0);
    });

    it("verifies the proof for its instance", async function () {
      expect(await verifyInstanceProof(instanceA, proofA.proof)).to.equal(true);
    });

    it("rejects the proof for a different instance", async function () {
      expect(await verifyInstanceProof(flipBit(instanceA, 31, 0), proofA.proof)).to.equal(false);
      expect(
        await verifyInstanceProof(instanceHash(instanceFor(proverA, { gasUsed: 1 }), CONTEXT), proofA.proof),
      ).to.equal(false);
    });

    it("rejects the proof made for another prover's instance", async function () {
      expect(await verifyInstanceProof(instanceB, proofA.proof)).to.equal(false);
      const proofB = await proveInstance(instanceB);
      expect(await verifyInstanceProof(instanceB, proofB.proof)).to.equal(true);
      expect(await verifyInstanceProof(instanceA, proofB.proof)).to.equal(false);
    });

    it("proves instances at the same time, each proof for its own instance", async function () {
      // One witness calculator serves every proof of a circuit: calls at once must not mix their inputs.
      const instances = [1, 2, 3].map((gasUsed) => instanceHash(instanceFor(proverA, { gasUsed }), CONTEXT));
      const proofs = await Promise.all(instances.map((instance) => proveInstance(instance)));
      for (const [i, instance] of instances.entries()) {
        const { proof, publicSignals } = proofs[i] as InstanceProof;
        expect(publicSignals).to.deep.equal(splitInstance(instance));
        expect(await verifyInstanceProof(instance, proof), `instance ${i}`).to.equal(true);
      }
    });

    it("rejects the proof with any one word's low bit flipped (the two instance halves, then the coordinates)", async function () {
      for (let word = 0; word < 10; word++) {
        const tampered = flipBit(proofA.proof, word * 32 + 31, 0);
        expect(await verifyInstanceProof(instanceA, tampered), `word ${word}`).to.equal(false);
      }
    });

    it("returns false, without throwing, for malformed proofs", async function () {
      // A coordinate pushed above the field modulus, a truncated proof, an empty one, the Groth16 part alone.
      expect(await verifyInstanceProof(instanceA, flipBit(proofA.proof, 64, 7))).to.equal(false);
      expect(await verifyInstanceProof(instanceA, `0x${proofA.proof.slice(2, 2 + 2 * 288)}`)).to.equal(false);
      expect(await verifyInstanceProof(instanceA, "0x")).to.equal(false);
      expect(await verifyInstanceProof(instanceA, `0x${"00".repeat(320)}`)).to.equal(false);
      expect(await verifyInstanceProof(instanceA, `0x${proofA.proof.slice(2 + 2 * 64)}`)).to.equal(false);
    });

    it("decodeProof throws on a malformed proof", function () {
      expect(() => decodeProof("0x1234")).to.throw(/320 bytes/);
      expect(() => decodeProof(flipBit(proofA.proof, 64, 7))).to.throw(/field modulus/);
      expect(() => decodeProof(flipBit(proofA.proof, 15, 0))).to.throw(/128-bit halves/);
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

    it('answers eldfell\'s verifier call (the proof bytes as calldata) with keccak256("taiko")', async function () {
      const verifier = await deployVerifier();
      const target = await verifier.getAddress();
      const answer = await hre.ethers.provider.call({ to: target, data: proofA.proof });
      expect(answer).to.equal(ethersKeccak256(toUtf8Bytes("taiko")));
      expect(answer).to.equal(await verifier.VALID());
      const invalid: [string, Hex][] = [
        ["another instance's halves", `0x${proofB.proof.slice(2, 2 + 128)}${proofA.proof.slice(2 + 128)}`],
        ["a flipped coordinate", flipBit(proofA.proof, 64 + 31, 0)],
        ["a half not below 2^128", flipBit(proofA.proof, 15, 0)],
        ["nine words", `0x${proofA.proof.slice(2, 2 + 2 * 288)}`],
        ["eleven words", `${proofA.proof}${"00".repeat(32)}`],
        ["empty", "0x"],
      ];
      for (const [name, data] of invalid) {
        await expect(hre.ethers.provider.call({ to: target, data }), name).to.be.revertedWithCustomError(
          verifier,
          "InvalidBlockProof",
        );
      }
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
