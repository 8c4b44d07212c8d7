/**
 * The built-in backend: the pool's own block circuit (snarkjs Groth16), proven in this process with the
 * artifacts that `npm run circuits` builds.
 */
import { proveInstance, shutdownProver } from "@zkpool/common";
import { ProverError, abortReason } from "../errors.js";
import type { ProveJob, ProveResult, ProverBackend } from "./types.js";

export interface BuiltinBackendOptions {
  /** Directory holding d<difficulty>/ (default: the repository's build/circuits). */
  artifactsDir?: string;
}

export class BuiltinBackend implements ProverBackend {
  readonly name = "builtin";

  constructor(private readonly options: BuiltinBackendOptions = {}) {}

  async prove(job: ProveJob, signal: AbortSignal): Promise<ProveResult> {
    if (signal.aborted) throw abortReason(signal);
    // snarkjs cannot be interrupted: on abort the promise settles at once and the result is thrown away.
    const proving = proveInstance(job.instance, {
      difficulty: job.difficulty,
      ...(this.options.artifactsDir === undefined ? {} : { artifactsDir: this.options.artifactsDir }),
    });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortReason(signal));
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const result = await Promise.race([proving, aborted]);
      return { proof: result.proof, millis: result.millis };
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      throw new ProverError(`the built-in prover failed on block ${job.blockId}: ${(error as Error).message}`, {
        cause: error,
        hint: "if it says the artifacts are missing, run `npm run circuits` in the repository first",
      });
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
      proving.catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await shutdownProver();
  }
}
