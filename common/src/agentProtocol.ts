/**
 * The agent protocol: newline-delimited JSON-RPC 2.0 over TCP between the relayer's gateway and the agent
 * daemons on provers' machines, in the style of mining-pool stratum. One copy, imported by both sides.
 *
 *   agent → relayer  zkpool.subscribe   who the agent is and what machine it runs on → a login nonce, and the
 *                                       instance context (what TaikoL1 hashes into every instance besides the
 *                                       evidence), so that the agent checks each job's instance itself
 *   agent → relayer  zkpool.authorize   the agent address and a signature of the nonce by the access key
 *   agent → relayer  zkpool.heartbeat   still alive, how busy
 *   relayer → agent  zkpool.notify      a job: the block's evidence fields, with this agent's address as graffiti,
 *                                       the instance to prove, deadline and difficulty
 *   relayer → agent  zkpool.cancel      a job is no longer needed (proven elsewhere, reassigned)
 *   agent → relayer  zkpool.submit      the proof
 *
 * No secret crosses the wire: the access key only signs the login nonce. A proof names its machine inside it (the
 * graffiti, which Taiko's instance binds), so it needs no signature; the agent recomputes each job's instance from
 * its evidence and the subscribe's instance context, and proves nothing that does not name it. zkpool/2: zkpool/1
 * agents signed each proof.
 */
import { z } from "zod";
import { isAddress, isHex, type Address, type Hex } from "viem";
import type { InstanceContext } from "./proof";
import { zkPoolDomain } from "./zkpool";

export const AGENT_PROTOCOL_VERSION = "zkpool/2";

/** Longest line either side accepts, in bytes. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** JSON-RPC 2.0 error codes: the standard ones, then ZKPool's (-32000…-32099 is for servers). */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  NotSubscribed: -32001,
  NotAuthorized: -32002,
  AgentNotAuthorized: -32003,
  RateLimited: -32004,
  FrameTooLarge: -32005,
  AuthTimeout: -32006,
  UnknownJob: -32007,
  BadProof: -32008,
  BadSignature: -32009,
  Unavailable: -32010,
} as const;
export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

const address = z.string().refine((v): v is Address => isAddress(v), "expected a 0x-prefixed 20-byte address");
const hex = z.string().refine((v): v is Hex => isHex(v, { strict: true }), "expected 0x-prefixed hex");
const bytes32 = hex.refine((v) => v.length === 66, "expected 32 bytes of hex");
const uint = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Block ids and other uint256 travel as decimal strings: JSON numbers lose precision past 2^53. */
const decimal = z
  .string()
  .regex(/^(0|[1-9]\d{0,77})$/, "expected a decimal integer string")
  .transform((v) => BigInt(v));

const uint64 = decimal.refine((v) => v < 1n << 64n, "expected a uint64");

/**
 * The instance context (InstanceContext: three addresses TaikoL1 resolves, three limits of its config) as it
 * travels: the uint64 limits as decimal strings. With it, `instanceHash(evidence, context)` is the instance a job's
 * proof must prove.
 */
export const instanceContext = z.object({
  signalService: address,
  l2SignalService: address,
  l2Taiko: address,
  blockMaxGasLimit: uint,
  blockMaxTransactions: uint64,
  blockMaxTxListBytes: uint64,
});
export type InstanceContextParams = z.input<typeof instanceContext>;

/** `context` as the relayer sends it (instanceContext parses it back). */
export function instanceContextParams(context: InstanceContext): InstanceContextParams {
  return {
    signalService: context.signalService,
    l2SignalService: context.l2SignalService,
    l2Taiko: context.l2Taiko,
    blockMaxGasLimit: context.blockMaxGasLimit,
    blockMaxTransactions: context.blockMaxTransactions.toString(),
    blockMaxTxListBytes: context.blockMaxTxListBytes.toString(),
  };
}

export const subscribeParams = z.object({
  agent: z.object({ name: z.string().min(1).max(64), version: z.string().min(1).max(32) }),
  device: z.object({
    cpu: z.string().max(128),
    cores: uint.max(4_096),
    memoryMb: uint,
    gpu: z.string().max(128).optional(),
  }),
});
export type SubscribeParams = z.input<typeof subscribeParams>;

export interface SubscribeResult {
  sessionId: string;
  /** Sign this (see loginTypedData) to authorize. */
  nonce: Hex;
  protocol: typeof AGENT_PROTOCOL_VERSION;
  chainId: number;
  pool: Address;
  difficulty: number;
  /** What TaikoL1 hashes into every job's instance besides its evidence: the agent recomputes each instance. */
  instanceContext: InstanceContextParams;
}

export const authorizeParams = z.object({
  agent: address,
  deviceId: z.string().min(1).max(64),
  signature: hex,
  /** What the agent measured at start: milliseconds per proof at the pool's difficulty, and parallel jobs. */
  speed: z.object({ msPerProof: z.number().positive().max(86_400_000), concurrency: uint.min(1).max(256) }),
});
export type AuthorizeParams = z.input<typeof authorizeParams>;

export interface AuthorizeResult {
  prover: Address;
}

export const heartbeatParams = z.object({
  busy: uint.max(256),
  msPerProof: z.number().positive().max(86_400_000).optional(),
});
export type HeartbeatParams = z.input<typeof heartbeatParams>;

export interface HeartbeatResult {
  time: number;
}

/**
 * The evidence fields a job's proof is for (everything but the proof): `prover` is the pool, `graffiti` the
 * agent's own address (agentGraffiti), which the instance binds so that the pool credits this machine's prover.
 */
export const jobEvidence = z.object({
  metaHash: bytes32,
  parentHash: bytes32,
  blockHash: bytes32,
  signalRoot: bytes32,
  graffiti: bytes32,
  prover: address,
  parentGasUsed: uint.max(0xffffffff),
  gasUsed: uint.max(0xffffffff),
  verifierId: uint.max(0xffff),
});
export type JobEvidence = z.infer<typeof jobEvidence>;

export const notifyParams = z.object({
  jobId: z.string().min(1).max(64),
  blockId: decimal,
  evidence: jobEvidence,
  /** The proof's public input: instanceHash(evidence, the subscribe's instanceContext). */
  instance: bytes32,
  /** Unix seconds by which the proof must be on-chain. */
  deadline: uint,
  difficulty: uint.min(1),
});
export type NotifyParams = z.input<typeof notifyParams>;

export const cancelParams = z.object({ jobId: z.string().min(1).max(64), reason: z.string().max(256) });
export type CancelParams = z.input<typeof cancelParams>;

export const submitParams = z.object({
  jobId: z.string().min(1).max(64),
  /** evidence.proof: instanceHi ‖ instanceLo ‖ abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c), 320 bytes. */
  proof: hex.refine((v) => v.length === 2 + 640, "expected a 320-byte block proof (the instance halves, then Groth16)"),
  millis: uint.optional(),
});
export type SubmitParams = z.input<typeof submitParams>;

export interface SubmitResult {
  accepted: true;
}

/** Each method's parameters schema, by method name. */
export const agentMethods = {
  "zkpool.subscribe": subscribeParams,
  "zkpool.authorize": authorizeParams,
  "zkpool.heartbeat": heartbeatParams,
  "zkpool.submit": submitParams,
} as const;
export type AgentMethod = keyof typeof agentMethods;

export const relayerNotifications = {
  "zkpool.notify": notifyParams,
  "zkpool.cancel": cancelParams,
} as const;
export type RelayerNotification = keyof typeof relayerNotifications;

export interface RpcRequest {
  jsonrpc: "2.0";
  id: string | number;
  method: string;
  params?: unknown;
}

export interface RpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: unknown;
}

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}

export type RpcResponse =
  | { jsonrpc: "2.0"; id: string | number | null; result: unknown }
  | { jsonrpc: "2.0"; id: string | number | null; error: RpcError };

/** The typed data an access key signs to log in: the relayer's nonce, bound to this pool, chain and device. */
export function loginTypedData(chainId: number, pool: Address, nonce: Hex, deviceId: string) {
  return {
    domain: zkPoolDomain(chainId, pool),
    types: {
      Login: [
        { name: "nonce", type: "bytes32" },
        { name: "deviceId", type: "string" },
      ],
    },
    primaryType: "Login" as const,
    message: { nonce, deviceId },
  } as const;
}
