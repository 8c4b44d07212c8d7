/**
 * A client for Taiko's zkevm proverd (zkevm-chain's prover daemon): JSON-RPC over HTTP, method `proof`, one
 * object in `params` whose `protocol_instance` carries the block's evidence fields in snake_case, as Taiko's
 * own prover client sent them (taiko-client, prover/proof_producer/zkevm_rpcd_producer.go: hex without "0x",
 * the request re-sent until proverd answers with a result instead of null).
 *
 * ZKPool adds two fields to protocol_instance that Taiko's client did not send: `instance` (the public input
 * the pool's circuit proves, instanceHash of the evidence) and `difficulty` (which circuit). A proverd that
 * does not know them ignores them.
 */
import type { Address, Hex } from "viem";
import { A4_PROTOCOL, decodeProof, sleep } from "@zkpool/common";
import { ProverError, ProverUnavailableError, abortReason } from "../errors.js";
import type { ProveJob, ProveResult, ProverBackend } from "./types.js";

/** Taiko network values that proverd's `protocol_instance` carries and a ZKPool job does not. */
export interface ProverdNetwork {
  l1SignalService: Address;
  l2SignalService: Address;
  /** TaikoL2's address (`l2_contract`). */
  taikoL2: Address;
  treasury: Address;
  blockMaxGasLimit: number;
  maxTransactionsPerBlock: number;
  maxBytesPerTxList: number;
  anchorGasLimit: number;
}

export interface ProverdOptions {
  /** proverd's JSON-RPC endpoint, e.g. http://127.0.0.1:9000 */
  url: string;
  /** Between two polls while the proof is generating (Taiko's client: 10 s; default 2 s). */
  pollIntervalMs?: number;
  /** One HTTP request's time limit (default 30 s). */
  requestTimeoutMs?: number;
  /** Gives up on a job after this long, whatever proverd says (default: only the job's signal ends it). */
  jobTimeoutMs?: number;
  /** Consecutive failed requests (unreachable, HTTP errors, garbage) before the job fails (default 5). */
  maxConsecutiveFailures?: number;
  /** The L2 execution engine's RPC endpoint proverd reads the block from (`rpc`; default ""). */
  l2Rpc?: string;
  /** proverd's parameter file (`param`; default ""). */
  param?: string;
  network?: Partial<ProverdNetwork>;
}

const ZERO_ADDRESS: Address = "0x0000000000000000000000000000000000000000";

/** A4's values: its block gas limit and tx-list size, its 79-transaction cap and anchor gas limit. */
const A4_NETWORK: ProverdNetwork = {
  l1SignalService: ZERO_ADDRESS,
  l2SignalService: ZERO_ADDRESS,
  taikoL2: ZERO_ADDRESS,
  treasury: ZERO_ADDRESS,
  blockMaxGasLimit: A4_PROTOCOL.taiko.blockMaxGasLimit,
  maxTransactionsPerBlock: 79,
  maxBytesPerTxList: Number(A4_PROTOCOL.taiko.blockMaxTxListBytes),
  anchorGasLimit: 180_000,
};

/** The `protocol_instance` object of a `proof` request. */
export interface ProtocolInstance {
  l1_signal_service: string;
  l2_signal_service: string;
  l2_contract: string;
  meta_hash: string;
  block_hash: string;
  parent_hash: string;
  signal_root: string;
  graffiti: string;
  prover: string;
  treasury: string;
  gas_used: number;
  parent_gas_used: number;
  block_max_gas_limit: number;
  max_transactions_per_block: number;
  max_bytes_per_tx_list: number;
  anchor_gas_limit: number;
  instance: string;
  difficulty: number;
}

/** One element of a `proof` request's params. */
export interface ProofRequestParam {
  circuit: string;
  block: number;
  rpc: string;
  retry: boolean;
  param: string;
  verify_proof: boolean;
  mock: boolean;
  mock_feedback: boolean;
  aggregate: boolean;
  protocol_instance: ProtocolInstance;
}

interface ProofOutput {
  circuit?: { instance?: string[]; proof?: string; k?: number };
  aggregation?: { instance?: string[]; proof?: string; k?: number };
}

const strip0x = (value: string): string => (value.startsWith("0x") ? value.slice(2) : value);

export function proofRequestParam(
  job: ProveJob,
  options: Pick<ProverdOptions, "l2Rpc" | "param" | "network"> = {},
): ProofRequestParam {
  const network = { ...A4_NETWORK, ...options.network };
  const block = Number(job.blockId);
  if (!Number.isSafeInteger(block)) throw new ProverError(`block ${job.blockId} is too large for proverd's request`);
  const e = job.evidence;
  return {
    circuit: "super",
    block,
    rpc: options.l2Rpc ?? "",
    retry: true,
    param: options.param ?? "",
    verify_proof: true,
    mock: false,
    mock_feedback: false,
    aggregate: false,
    protocol_instance: {
      l1_signal_service: strip0x(network.l1SignalService),
      l2_signal_service: strip0x(network.l2SignalService),
      l2_contract: strip0x(network.taikoL2),
      meta_hash: strip0x(e.metaHash),
      block_hash: strip0x(e.blockHash),
      parent_hash: strip0x(e.parentHash),
      signal_root: strip0x(e.signalRoot),
      graffiti: strip0x(e.graffiti),
      prover: strip0x(e.prover),
      treasury: strip0x(network.treasury),
      gas_used: e.gasUsed,
      parent_gas_used: e.parentGasUsed,
      block_max_gas_limit: network.blockMaxGasLimit,
      max_transactions_per_block: network.maxTransactionsPerBlock,
      max_bytes_per_tx_list: network.maxBytesPerTxList,
      anchor_gas_limit: network.anchorGasLimit,
      instance: strip0x(job.instance),
      difficulty: job.difficulty,
    },
  };
}

export class ProverdBackend implements ProverBackend {
  readonly name = "proverd";
  private nextId = 1;

  constructor(private readonly options: ProverdOptions) {}

  async prove(job: ProveJob, signal: AbortSignal): Promise<ProveResult> {
    const started = performance.now();
    const pollIntervalMs = this.options.pollIntervalMs ?? 2_000;
    const maxFailures = this.options.maxConsecutiveFailures ?? 5;
    const jobSignal =
      this.options.jobTimeoutMs === undefined
        ? signal
        : AbortSignal.any([signal, AbortSignal.timeout(this.options.jobTimeoutMs)]);
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: this.nextId++,
      method: "proof",
      params: [proofRequestParam(job, this.options)],
    });
    let failures = 0;
    for (;;) {
      this.throwIfDone(job, signal, jobSignal);
      let output: ProofOutput | null;
      try {
        output = await this.post(job, body, jobSignal);
        failures = 0;
      } catch (error) {
        this.throwIfDone(job, signal, jobSignal);
        if (!(error instanceof ProverUnavailableError)) throw error;
        failures++;
        if (failures >= maxFailures) throw error;
        output = null;
      }
      if (output !== null) return { proof: this.proofOf(job, output), millis: performance.now() - started };
      try {
        await sleep(pollIntervalMs, jobSignal);
      } catch {
        this.throwIfDone(job, signal, jobSignal);
      }
    }
  }

  async close(): Promise<void> {
    // Nothing held: each request is its own HTTP exchange.
  }

  private throwIfDone(job: ProveJob, signal: AbortSignal, jobSignal: AbortSignal): void {
    if (signal.aborted) throw abortReason(signal);
    if (jobSignal.aborted) {
      throw new ProverError(
        `proverd at ${this.options.url} did not prove block ${job.blockId} within ${(this.options.jobTimeoutMs ?? 0) / 1000} s`,
        { hint: "check proverd's own logs; the job goes back to the pool" },
      );
    }
  }

  /** One `proof` call: the output when ready, null while proverd is still generating it. */
  private async post(job: ProveJob, body: string, jobSignal: AbortSignal): Promise<ProofOutput | null> {
    const url = this.options.url;
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.any([jobSignal, AbortSignal.timeout(this.options.requestTimeoutMs ?? 30_000)]),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (error as Error).name === "TimeoutError"
          ? "no answer in time"
          : cause?.code === "ECONNREFUSED"
            ? "connection refused"
            : (cause?.message ?? (error as Error).message);
      throw new ProverUnavailableError(`cannot reach proverd at ${url}: ${why}`, {
        cause: error,
        hint: "check that proverd is running and that --proverd-url is its JSON-RPC endpoint",
      });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new ProverUnavailableError(
        `proverd at ${url} answered HTTP ${response.status} for block ${job.blockId}${text ? `: ${text.slice(0, 200)}` : ""}`,
        { hint: "check proverd's logs" },
      );
    }
    let reply: { result?: ProofOutput | null; error?: { code?: number; message?: string } | null };
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      throw new ProverUnavailableError(`proverd at ${url} answered with something that is not JSON`, {
        hint: "check that --proverd-url points at proverd's JSON-RPC endpoint",
      });
    }
    if (reply.error) {
      const code = reply.error.code === undefined ? "" : ` (code ${reply.error.code})`;
      throw new ProverError(
        `proverd at ${url} could not prove block ${job.blockId}: ${reply.error.message ?? "no message"}${code}`,
        { hint: "check proverd's logs; the job goes back to the pool" },
      );
    }
    return reply.result ?? null;
  }

  private proofOf(job: ProveJob, output: ProofOutput): Hex {
    const proof = output.circuit?.proof ?? output.aggregation?.proof;
    if (typeof proof !== "string" || !/^0x[0-9a-fA-F]*$/.test(proof)) {
      throw new ProverError(`proverd at ${this.options.url} returned no proof for block ${job.blockId}`);
    }
    try {
      decodeProof(proof as Hex);
    } catch (error) {
      throw new ProverError(
        `proverd at ${this.options.url} returned a proof for block ${job.blockId} that is not a Groth16 proof for this pool's verifier: ${(error as Error).message}`,
        { cause: error, hint: "this proverd proves another circuit: use --backend builtin" },
      );
    }
    return proof as Hex;
  }
}
