// The block proof: Taiko A4 evidence, its instance hash, and the Groth16 proof over that hash made with
// the circuit and keys that circuits/setup.ts builds (build/circuits/d<difficulty>/).
//
// The encoders run anywhere. Proving and verifying need Node: snarkjs, the file reads and the repository
// root are imported lazily, so importing this module from a browser bundle does not pull them in.

import {
  type Address,
  type Hex,
  decodeAbiParameters,
  encodeAbiParameters,
  getAddress,
  hexToBigInt,
  keccak256,
  size,
  toHex,
} from "viem";
import type { CircuitSignals, Groth16Proof, Groth16VerificationKey } from "snarkjs";
import { A4_PROTOCOL } from "./protocol";
import { LOCAL_TAIKO_ADDRESSES, type TaikoAddresses } from "./taiko";

/** Taiko A4's `TaikoData.BlockEvidence`: what a prover submits with `proveBlock`. */
export interface BlockEvidence {
  metaHash: Hex;
  parentHash: Hex;
  blockHash: Hex;
  signalRoot: Hex;
  graffiti: Hex;
  prover: Address;
  /** uint32 */
  parentGasUsed: number;
  /** uint32 */
  gasUsed: number;
  /** uint16 */
  verifierId: number;
  proof: Hex;
}

/** The evidence fields the proof is about: everything but the proof itself and its verifier. */
export type BlockInstance = Omit<BlockEvidence, "verifierId" | "proof">;

export interface ProverOptions {
  /** Circuit difficulty (BlockProof rounds); defaults to ZKPOOL_DIFFICULTY or 1. */
  difficulty?: number;
  /** Directory holding d<difficulty>/; defaults to <repository>/build/circuits. */
  artifactsDir?: string;
}

/**
 * What eldfell's TaikoL1 hashes into a proof's instance besides the evidence: three addresses it resolves by name
 * and three of its config values (getConfig()). TaikoA4Adapter reads them from TaikoL1; LOCAL_INSTANCE_CONTEXT is
 * the local network's.
 */
export interface InstanceContext extends TaikoAddresses {
  blockMaxGasLimit: number;
  blockMaxTransactions: bigint;
  blockMaxTxListBytes: bigint;
}

/** The instance context of every local deployment (scripts/lib/deploy.ts, A4_PROTOCOL's and LOCAL_PROTOCOL's limits). */
export const LOCAL_INSTANCE_CONTEXT: InstanceContext = {
  ...LOCAL_TAIKO_ADDRESSES,
  blockMaxGasLimit: A4_PROTOCOL.taiko.blockMaxGasLimit,
  blockMaxTransactions: A4_PROTOCOL.taiko.blockMaxTransactions,
  blockMaxTxListBytes: A4_PROTOCOL.taiko.blockMaxTxListBytes,
};

/** A Groth16 proof in the order of `Groth16BlockVerifier.verifyProof(_pA, _pB, _pC, _pubSignals)`. */
export interface SolidityProof {
  a: [bigint, bigint];
  /** G2 point with each coordinate as [c1, c0] (EIP-197 order), unlike snarkjs' [c0, c1]. */
  b: [[bigint, bigint], [bigint, bigint]];
  c: [bigint, bigint];
}

export interface InstanceProof {
  /**
   * evidence.proof as eldfell's TaikoL1 and BlockProofVerifier read it: instanceHi ‖ instanceLo (a 32-byte word
   * each) ‖ abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c).
   */
  proof: Hex;
  /** [instanceHi, instanceLo] */
  publicSignals: [bigint, bigint];
  millis: number;
}

const EVIDENCE_FIELDS = [
  { name: "metaHash", type: "bytes32" },
  { name: "parentHash", type: "bytes32" },
  { name: "blockHash", type: "bytes32" },
  { name: "signalRoot", type: "bytes32" },
  { name: "graffiti", type: "bytes32" },
  { name: "prover", type: "address" },
  { name: "parentGasUsed", type: "uint32" },
  { name: "gasUsed", type: "uint32" },
] as const;

const EVIDENCE_PARAMETERS = [
  {
    type: "tuple",
    components: [...EVIDENCE_FIELDS, { name: "verifierId", type: "uint16" }, { name: "proof", type: "bytes" }],
  },
] as const;

const PROOF_PARAMETERS_WITH_INSTANCE = [
  { name: "instanceHi", type: "uint256" },
  { name: "instanceLo", type: "uint256" },
  { name: "a", type: "uint256[2]" },
  { name: "b", type: "uint256[2][2]" },
  { name: "c", type: "uint256[2]" },
] as const;

/** abi.encode(a, b, c): eight words. */
const GROTH16_BYTES = 8 * 32;
/** The instance's two halves, then the Groth16 proof. */
const PROOF_BYTES = 2 * 32 + GROTH16_BYTES;

const WORDS_10 = Array.from({ length: 10 }, () => ({ type: "uint256" }) as const);

/** BN254 base field modulus: proof coordinates must be below it (the EVM precompiles reject the rest). */
const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

const MASK_128 = (1n << 128n) - 1n;

/**
 * The instance eldfell's LibProving hashes, keccak256 of ten words: the signal service, the L2's signal service
 * and the L2's taiko contract (addresses); metaHash, parentHash, blockHash, signalRoot, graffiti; prover,
 * parentGasUsed and gasUsed packed (160, 32 and 32 bits from the top); blockMaxGasLimit, blockMaxTransactions and
 * blockMaxTxListBytes packed (64 bits each, from bit 192, 128 and 64).
 */
export function instanceHash(e: BlockInstance, context: InstanceContext): Hex {
  const word = (hex: Hex) => hexToBigInt(hex);
  const u32 = (n: number) => {
    if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new Error(`${n} is not a uint32`);
    return BigInt(n);
  };
  const u64 = (n: bigint) => {
    if (n < 0n || n >= 1n << 64n) throw new Error(`${n} is not a uint64`);
    return n;
  };
  return keccak256(
    encodeAbiParameters(WORDS_10, [
      word(context.signalService),
      word(context.l2SignalService),
      word(context.l2Taiko),
      word(e.metaHash),
      word(e.parentHash),
      word(e.blockHash),
      word(e.signalRoot),
      word(e.graffiti),
      (word(getAddress(e.prover)) << 96n) | (u32(e.parentGasUsed) << 64n) | (u32(e.gasUsed) << 32n),
      (u64(BigInt(context.blockMaxGasLimit)) << 192n) |
        (u64(context.blockMaxTransactions) << 128n) |
        (u64(context.blockMaxTxListBytes) << 64n),
    ]),
  );
}

/** [high 128 bits, low 128 bits] of a 32-byte instance hash: the circuit's public inputs. */
export function splitInstance(instance: Hex): [bigint, bigint] {
  if (size(instance) !== 32) throw new Error(`instance must be 32 bytes, got ${size(instance)}`);
  const value = hexToBigInt(instance);
  return [value >> 128n, value & MASK_128];
}

/** abi.encode of the evidence as one struct, for Solidity's `abi.decode(input, (BlockEvidence))`. */
export function encodeEvidence(e: BlockEvidence): Hex {
  return encodeAbiParameters(EVIDENCE_PARAMETERS, [e]);
}

/** The BlockEvidence in `input` = abi.encode(evidence) (a proveBlock's input): encodeEvidence's inverse. */
export function decodeEvidence(input: Hex): BlockEvidence {
  const [evidence] = decodeAbiParameters(EVIDENCE_PARAMETERS, input);
  return evidence;
}

/**
 * Proves knowledge of the block proof for `instance` with the circuit of the given difficulty: what
 * snarkjs' groth16.fullProve does, with the circuit's witness calculator built once per circuit instead of
 * once per proof (see witnessCalculator). `millis` is the witness and the Groth16 proof.
 */
export async function proveInstance(instance: Hex, opts?: ProverOptions): Promise<InstanceProof> {
  const [hi, lo] = splitInstance(instance);
  const artifacts = await loadArtifacts(opts);
  const [calculator, { groth16 }] = await Promise.all([witnessCalculator(artifacts), loadSnarkjs()]);
  const started = performance.now();
  const witness = await calculator.calculate({ instanceHi: hi, instanceLo: lo });
  const { proof, publicSignals } = await groth16.prove(artifacts.zkey, witness);
  const millis = performance.now() - started;
  const signals = publicSignals.map((signal) => BigInt(signal));
  if (signals.length !== 2 || signals[0] !== hi || signals[1] !== lo) {
    throw new Error(
      `circuit at ${artifacts.dir} returned public signals [${signals.join(", ")}], expected [${hi}, ${lo}]`,
    );
  }
  return {
    proof: encodeProof([hi, lo], toSolidityProof(proof)),
    publicSignals: [hi, lo],
    millis,
  };
}

/**
 * Decodes a proof from `proveInstance`; throws unless it is ten words: two halves below 2^128, then eight
 * base-field elements.
 */
export function decodeProof(proof: Hex): SolidityProof & { instance: [bigint, bigint] } {
  if (size(proof) !== PROOF_BYTES) throw new Error(`proof must be ${PROOF_BYTES} bytes, got ${size(proof)}`);
  const [hi, lo, a, b, c] = decodeAbiParameters(PROOF_PARAMETERS_WITH_INSTANCE, proof);
  if (hi > MASK_128 || lo > MASK_128) throw new Error("the proof's instance words are not 128-bit halves");
  for (const coordinate of [...a, ...b[0], ...b[1], ...c]) {
    if (coordinate >= BN254_Q) throw new Error(`proof coordinate ${toHex(coordinate)} is not below the field modulus`);
  }
  return {
    instance: [hi, lo],
    a: [a[0], a[1]],
    b: [
      [b[0][0], b[0][1]],
      [b[1][0], b[1][1]],
    ],
    c: [c[0], c[1]],
  };
}

/**
 * Checks `proof` against `instance` off-chain. False, never an exception, for a malformed proof (a
 * malformed instance, or missing artifacts, still throw).
 */
export async function verifyInstanceProof(instance: Hex, proof: Hex, opts?: ProverOptions): Promise<boolean> {
  const signals = splitInstance(instance);
  const { vk } = await loadArtifacts(opts);
  const { groth16 } = await loadSnarkjs();
  let decoded: ReturnType<typeof decodeProof>;
  try {
    decoded = decodeProof(proof);
  } catch {
    return false;
  }
  // TaikoL1 checks the two instance words against the instance it computes; the Groth16 proof is over them.
  if (decoded.instance[0] !== signals[0] || decoded.instance[1] !== signals[1]) return false;
  try {
    return await groth16.verify(vk, signals, toSnarkjsProof(decoded));
  } catch {
    // The proof decoded, so anything snarkjs cannot make of it is a bad proof, not a failure here.
    return false;
  }
}

/**
 * Stops the worker threads of snarkjs' shared curve so Node can exit. Proving or verifying again
 * afterwards works (it starts new workers).
 */
export async function shutdownProver(): Promise<void> {
  await globalThis.curve_bn128?.terminate();
}

function toSolidityProof(proof: Groth16Proof): SolidityProof {
  const n = (value: string): bigint => BigInt(value);
  return {
    a: [n(proof.pi_a[0]), n(proof.pi_a[1])],
    b: [
      [n(proof.pi_b[0][1]), n(proof.pi_b[0][0])],
      [n(proof.pi_b[1][1]), n(proof.pi_b[1][0])],
    ],
    c: [n(proof.pi_c[0]), n(proof.pi_c[1])],
  };
}

function toSnarkjsProof(proof: SolidityProof): Groth16Proof {
  const s = (value: bigint): string => value.toString();
  return {
    pi_a: [s(proof.a[0]), s(proof.a[1]), "1"],
    pi_b: [
      [s(proof.b[0][1]), s(proof.b[0][0])],
      [s(proof.b[1][1]), s(proof.b[1][0])],
      ["1", "0"],
    ],
    pi_c: [s(proof.c[0]), s(proof.c[1]), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

function encodeProof([hi, lo]: [bigint, bigint], proof: SolidityProof): Hex {
  return encodeAbiParameters(PROOF_PARAMETERS_WITH_INSTANCE, [hi, lo, proof.a, proof.b, proof.c]);
}

interface Artifacts {
  dir: string;
  wasm: Uint8Array;
  zkey: Uint8Array;
  vk: Groth16VerificationKey;
}

/** Loaded once per directory; a failed load is forgotten so that a later call can retry. */
const artifactCache = new Map<string, Promise<Artifacts>>();

/** Node's modules for the artifacts, imported once: each import() goes through the module loader again. */
let nodeModules:
  Promise<[typeof import("node:fs/promises"), typeof import("node:path"), typeof import("./paths")]> | undefined;

async function loadArtifacts(opts: ProverOptions | undefined): Promise<Artifacts> {
  nodeModules ??= Promise.all([import("node:fs/promises"), import("node:path"), import("./paths")]);
  const [{ readFile }, path, { repoRoot }] = await nodeModules;
  const difficulty = opts?.difficulty ?? defaultDifficulty();
  if (!Number.isSafeInteger(difficulty) || difficulty < 1) {
    throw new Error(`difficulty must be a positive integer, got ${difficulty}`);
  }
  const base = opts?.artifactsDir ?? path.join(repoRoot, "build", "circuits");
  const dir = path.resolve(base, `d${difficulty}`);
  let loading = artifactCache.get(dir);
  if (loading === undefined) {
    loading = (async (): Promise<Artifacts> => {
      try {
        const [wasm, zkey, vk] = await Promise.all([
          readFile(path.join(dir, "block_proof.wasm")),
          readFile(path.join(dir, "block_proof.zkey")),
          readFile(path.join(dir, "verification_key.json"), "utf8"),
        ]);
        return {
          dir,
          wasm,
          zkey,
          vk: JSON.parse(vk) as Groth16VerificationKey,
        };
      } catch (error) {
        throw new Error(
          `cannot load the block proof artifacts from ${dir}: run \`npm run circuits -- --difficulty ${difficulty}\``,
          { cause: error },
        );
      }
    })();
    artifactCache.set(dir, loading);
    loading.catch(() => artifactCache.delete(dir));
  }
  return loading;
}

/** A circuit's witness calculator, one computation at a time. */
interface WitnessCalculator {
  /** The witness for `input`, as a .wtns file in memory (what groth16.prove reads). */
  calculate(input: CircuitSignals): Promise<Uint8Array>;
}

/**
 * One per artifacts (per circuit), built on its first proof and kept. snarkjs' fullProve builds the
 * calculator anew for every proof: it compiles the circuit's WebAssembly (1.7 MB) and reserves a 2 GB
 * WebAssembly.Memory, whose external-memory accounting forces a full garbage collection on the calling
 * thread at every proof (about 18 ms), and each such collection discards optimized code, so what the
 * caller runs next runs cold. Building it once removes the three.
 */
const calculatorCache = new WeakMap<Artifacts, Promise<WitnessCalculator>>();

function witnessCalculator(artifacts: Artifacts): Promise<WitnessCalculator> {
  let building = calculatorCache.get(artifacts);
  if (building === undefined) {
    building = (async (): Promise<WitnessCalculator> => {
      const { WitnessCalculatorBuilder } = await import("circom_runtime");
      const calculator = await WitnessCalculatorBuilder(artifacts.wasm);
      // The calculator's state lives in its WebAssembly instance from init() until the witness is read,
      // with an await in between: two calculations at once would mix their inputs. So they take turns.
      let turn: Promise<unknown> = Promise.resolve();
      return {
        calculate(input) {
          const result = turn.then(() => calculator.calculateWTNSBin(input));
          turn = result.catch(() => undefined);
          return result;
        },
      };
    })();
    calculatorCache.set(artifacts, building);
    building.catch(() => calculatorCache.delete(artifacts));
  }
  return building;
}

function defaultDifficulty(): number {
  const raw = process.env.ZKPOOL_DIFFICULTY;
  if (raw === undefined || raw === "") return 1;
  if (!/^[0-9]+$/.test(raw)) throw new Error(`ZKPOOL_DIFFICULTY must be a positive integer, got "${raw}"`);
  return Number(raw);
}

let snarkjs: Promise<typeof import("snarkjs")> | undefined;

function loadSnarkjs(): Promise<typeof import("snarkjs")> {
  snarkjs ??= import("snarkjs");
  return snarkjs;
}
