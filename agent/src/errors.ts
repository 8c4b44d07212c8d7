/**
 * The agent's errors. One base class; every error is either retryable (the connection dropped, the relayer or
 * proverd is briefly unavailable: try again later) or not (bad configuration, a key the pool does not know:
 * retrying cannot help). The retry helper (@zkpool/common's withRetry) reads `retryable`, never the message.
 *
 * Each error carries `hint`: what the person running the agent should do about it, in plain words.
 */
export abstract class AgentError extends Error {
  abstract readonly retryable: boolean;
  readonly hint: string | undefined;

  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options?.hint;
  }
}

export class RetryableError extends AgentError {
  override name = "RetryableError";
  readonly retryable = true;
}

export class NonRetryableError extends AgentError {
  override name = "NonRetryableError";
  readonly retryable = false;
}

/** The command line or the environment is wrong. Exit code 2. */
export class ConfigError extends NonRetryableError {
  override name = "ConfigError";
}

/** Could not connect, or the connection to the relayer was lost. */
export class ConnectionError extends RetryableError {
  override name = "ConnectionError";
}

/** The relayer did not answer a request in time. */
export class RequestTimeoutError extends RetryableError {
  override name = "RequestTimeoutError";
}

/** The relayer answered a request with a JSON-RPC error. */
export class RpcRemoteError extends AgentError {
  override name = "RpcRemoteError";
  readonly retryable: boolean;

  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    options: { retryable: boolean; hint?: string; data?: unknown },
  ) {
    super(`${method} failed: ${message} (code ${code})`, { hint: options.hint });
    this.retryable = options.retryable;
  }
}

/** The relayer broke the protocol (a result of the wrong shape, another protocol version). */
export class ProtocolError extends NonRetryableError {
  override name = "ProtocolError";
}

/** The prover backend failed on a job; retrying the same job on the same backend will not help. */
export class ProverError extends NonRetryableError {
  override name = "ProverError";
}

/** The prover backend (proverd) is unreachable or erroring for now. */
export class ProverUnavailableError extends RetryableError {
  override name = "ProverUnavailableError";
}

/** A job was stopped on purpose: cancelled by the relayer, the connection closed, or the agent stopping. */
export class JobAbortedError extends NonRetryableError {
  override name = "JobAbortedError";
}

/** The message of anything thrown, for a log line. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why `signal` was aborted, as an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new JobAbortedError(String(reason ?? "aborted"));
}
