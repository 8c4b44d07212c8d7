import { RpcErrorCode, type RpcError } from "@zkpool/common";

/** A JSON-RPC error to send back to an agent: a code from the protocol and words that say what to do. */
export class RpcFailure extends Error {
  override name = "RpcFailure";
  constructor(
    readonly code: RpcErrorCode,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  toJSON(): RpcError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export type RequestId = string | number | null;

/** What a received line is, once parsed: a request to answer, or a reason to answer with an error. */
export type Incoming =
  | { kind: "request"; id: string | number; method: string; params: unknown }
  | { kind: "notification"; method: string; params: unknown }
  | { kind: "invalid"; id: RequestId; failure: RpcFailure };

export function parseLine(line: string): Incoming {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    return { kind: "invalid", id: null, failure: new RpcFailure(RpcErrorCode.ParseError, "Parse error: not JSON") };
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return {
      kind: "invalid",
      id: null,
      failure: new RpcFailure(
        RpcErrorCode.InvalidRequest,
        "Invalid request: expected one JSON-RPC 2.0 object per line",
      ),
    };
  }
  const m = message as Record<string, unknown>;
  const id = typeof m.id === "string" || typeof m.id === "number" ? m.id : null;
  if (m.jsonrpc !== "2.0" || typeof m.method !== "string") {
    return {
      kind: "invalid",
      id,
      failure: new RpcFailure(RpcErrorCode.InvalidRequest, 'Invalid request: needs "jsonrpc": "2.0" and a "method"'),
    };
  }
  if ("id" in m && id === null && m.id !== null) {
    return {
      kind: "invalid",
      id: null,
      failure: new RpcFailure(RpcErrorCode.InvalidRequest, "Invalid request: id must be a string or a number"),
    };
  }
  return id === null
    ? { kind: "notification", method: m.method, params: m.params }
    : { kind: "request", id, method: m.method, params: m.params };
}
