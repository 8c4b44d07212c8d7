// Types for the parts of snarkjs 0.7 that ZKPool uses (the package ships none). Numbers cross the
// snarkjs API as decimal strings; bigint and number are accepted on input.

declare module "snarkjs" {
  /** A Groth16 proof as snarkjs writes it: projective coordinates, decimal strings. */
  export interface Groth16Proof {
    pi_a: [string, string, string];
    /** G2 point: [[x.c0, x.c1], [y.c0, y.c1], [z.c0, z.c1]] (Solidity wants c1 before c0). */
    pi_b: [[string, string], [string, string], [string, string]];
    pi_c: [string, string, string];
    protocol: "groth16";
    curve: "bn128";
  }

  export interface Groth16VerificationKey {
    protocol: "groth16";
    curve: "bn128";
    nPublic: number;
    vk_alpha_1: string[];
    vk_beta_2: string[][];
    vk_gamma_2: string[][];
    vk_delta_2: string[][];
    vk_alphabeta_12: string[][][];
    IC: string[][];
  }

  /** A file name, or the file's bytes already in memory. */
  export type FileInput = string | Uint8Array;

  /** snarkjs calls these when given a logger; all are optional in practice. */
  export interface Logger {
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
  }

  export interface CircuitSignals {
    [signal: string]: string | bigint | number | CircuitSignals | (string | bigint | number)[];
  }

  /** An ffjavascript curve; `terminate` stops its worker threads. */
  export interface Curve {
    name: string;
    terminate(): Promise<void>;
  }

  export const groth16: {
    fullProve(
      input: CircuitSignals,
      wasm: FileInput,
      zkey: FileInput,
      logger?: Logger,
      wtnsCalcOptions?: Record<string, unknown>,
      proverOptions?: { singleThread?: boolean },
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    /** The proof from a witness (a .wtns file, or its bytes), without computing the witness. */
    prove(
      zkey: FileInput,
      witness: FileInput,
      logger?: Logger,
      proverOptions?: { singleThread?: boolean },
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(
      vk: Groth16VerificationKey,
      publicSignals: readonly (string | bigint)[],
      proof: Groth16Proof,
      logger?: Logger,
    ): Promise<boolean>;
  };

  export const powersOfTau: {
    newAccumulator(curve: Curve, power: number, fileName: string, logger?: Logger): Promise<unknown>;
    beacon(
      oldPtau: string,
      newPtau: string,
      name: string,
      beaconHashHex: string,
      numIterationsExp: number,
      logger?: Logger,
    ): Promise<unknown>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: Logger): Promise<unknown>;
  };

  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<unknown>;
    beacon(
      oldZkey: string,
      newZkey: string,
      name: string,
      beaconHashHex: string,
      numIterationsExp: number,
      logger?: Logger,
    ): Promise<unknown>;
    exportVerificationKey(zkey: FileInput, logger?: Logger): Promise<Groth16VerificationKey>;
    exportSolidityVerifier(zkey: FileInput, templates: { groth16: string }, logger?: Logger): Promise<string>;
  };

  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<Curve>;
  };
}

/** circom's witness calculator runtime, the one snarkjs uses (circom_runtime 0.1.28, which ships no types). */
declare module "circom_runtime" {
  import type { CircuitSignals } from "snarkjs";

  export interface WitnessCalculator {
    /** The witness for `input` as the bytes of a .wtns file; one calculation at a time per calculator. */
    calculateWTNSBin(input: CircuitSignals, sanityCheck?: boolean): Promise<Uint8Array>;
  }

  /** Compiles and instantiates a circuit's witness calculator from its .wasm. */
  export function WitnessCalculatorBuilder(
    wasm: Uint8Array,
    options?: Record<string, unknown>,
  ): Promise<WitnessCalculator>;
}

/**
 * ffjavascript (under snarkjs) keeps its multi-threaded BN254 curve here and reuses it for every later
 * call; its worker threads keep Node alive until `terminate()` is called.
 */
// eslint-disable-next-line no-var
declare var curve_bn128: import("snarkjs").Curve | null | undefined;
