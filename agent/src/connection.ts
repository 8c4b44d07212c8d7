/**
 * The TCP link to the relayer's gateway: newline-delimited JSON-RPC 2.0 (see @zkpool/common's agentProtocol).
 * Frames lines (at most MAX_FRAME_BYTES each, either way), matches responses to requests by id, hands
 * notifications on, and reports a line it cannot use without dropping the link for it. Reconnecting is the
 * session loop's job (agent.ts); this is one connection.
 */
import net from "node:net";
import type { RpcError } from "@zkpool/common";
import { MAX_FRAME_BYTES, RpcErrorCode } from "@zkpool/common";
import { realClock, type CancelTimer, type Clock } from "./clock.js";
import { ConnectionError, ProtocolError, RequestTimeoutError, RpcRemoteError, abortReason } from "./errors.js";

export interface RelayerAddress {
  host: string;
  port: number;
}

export interface ConnectOptions {
  signal?: AbortSignal;
  /** Gives up connecting after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Default time a request waits for its response (default 15 s). */
  requestTimeoutMs?: number;
  /** Times the timeouts (default the real clock; tests pass a fake one). */
  clock?: Clock;
}

type NotificationHandler = (method: string, params: unknown) => void;
type ProblemHandler = (message: string) => void;

interface Pending {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  cancelTimer: CancelTimer;
}

const NEWLINE = 0x0a;

export function formatAddress(address: RelayerAddress): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** What a session uses of its connection (RelayerConnection; a fake one in the session's tests). */
export interface RelayerLink {
  readonly address: RelayerAddress;
  /** Resolves once the link is closed, with why. */
  readonly closed: Promise<ConnectionError>;
  readonly isClosed: boolean;
  onNotification(handler: NotificationHandler): void;
  onProblem(handler: ProblemHandler): void;
  request(method: string, params: unknown, options?: { timeoutMs?: number }): Promise<unknown>;
  close(reason?: string): void;
}

export class RelayerConnection implements RelayerLink {
  /** Resolves once the socket is closed, with why. */
  readonly closed: Promise<ConnectionError>;

  private readonly pending = new Map<number, Pending>();
  private readonly notificationHandlers: NotificationHandler[] = [];
  private readonly problemHandlers: ProblemHandler[] = [];
  private nextId = 1;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  /** Skipping the rest of a line that was already too long. */
  private discarding = false;
  private closeReason: ConnectionError | undefined;
  private socketError: Error | undefined;

  private constructor(
    private readonly socket: net.Socket,
    readonly address: RelayerAddress,
    private readonly requestTimeoutMs: number,
    private readonly clock: Clock,
  ) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (error) => {
      this.socketError = error;
    });
    this.closed = new Promise((resolve) => {
      socket.once("close", () => {
        const reason =
          this.closeReason ??
          new ConnectionError(
            this.socketError
              ? `connection to the relayer at ${formatAddress(address)} lost: ${this.socketError.message}`
              : `the relayer at ${formatAddress(address)} closed the connection`,
            { cause: this.socketError },
          );
        this.closeReason = reason;
        for (const [id, request] of this.pending) {
          request.cancelTimer();
          this.pending.delete(id);
          request.reject(reason);
        }
        resolve(reason);
      });
    });
  }

  /** Opens a connection; rejects with a ConnectionError (retryable) when the relayer cannot be reached. */
  static connect(address: RelayerAddress, options: ConnectOptions = {}): Promise<RelayerConnection> {
    const where = formatAddress(address);
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) return reject(abortReason(options.signal));
      const clock = options.clock ?? realClock;
      const socket = net.connect({ host: address.host, port: address.port });
      const cleanup = (): void => {
        cancelTimer();
        socket.off("connect", onConnect);
        socket.off("error", onError);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const fail = (error: Error): void => {
        cleanup();
        socket.destroy();
        reject(error);
      };
      const onConnect = (): void => {
        cleanup();
        resolve(new RelayerConnection(socket, address, options.requestTimeoutMs ?? 15_000, clock));
      };
      const onError = (error: NodeJS.ErrnoException): void => {
        fail(
          new ConnectionError(`cannot connect to the relayer at ${where}: ${connectFailure(error)}`, {
            cause: error,
            hint: "check that the relayer is running and that --relayer is its host:port",
          }),
        );
      };
      const onAbort = (): void => fail(abortReason(options.signal as AbortSignal));
      const cancelTimer = clock.timeout(options.connectTimeoutMs ?? 10_000, () =>
        fail(
          new ConnectionError(`cannot connect to the relayer at ${where}: no answer`, {
            hint: "check the address and that no firewall is in the way",
          }),
        ),
      );
      socket.once("connect", onConnect);
      socket.once("error", onError);
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  onNotification(handler: NotificationHandler): void {
    this.notificationHandlers.push(handler);
  }

  /** A line from the relayer that could not be used (not JSON, too long, an unknown response id…). */
  onProblem(handler: ProblemHandler): void {
    this.problemHandlers.push(handler);
  }

  /** Sends a request and resolves with its result; a JSON-RPC error rejects with an RpcRemoteError. */
  request(method: string, params: unknown, options: { timeoutMs?: number } = {}): Promise<unknown> {
    if (this.closeReason) return Promise.reject(this.closeReason);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      const cancelTimer = this.clock.timeout(timeoutMs, () => {
        this.pending.delete(id);
        reject(
          new RequestTimeoutError(`the relayer did not answer ${method} within ${Math.round(timeoutMs / 1000)} s`),
        );
      });
      this.pending.set(id, { method, resolve, reject, cancelTimer });
      try {
        this.send({ jsonrpc: "2.0", id, method, params });
      } catch (error) {
        cancelTimer();
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }

  /** Closes the connection; pending requests reject with a ConnectionError carrying `reason`. */
  close(reason = "closed by the agent"): void {
    this.closeReason ??= new ConnectionError(reason);
    this.socket.destroy();
  }

  private send(message: object): void {
    const line = `${JSON.stringify(message)}\n`;
    const bytes = Buffer.byteLength(line);
    if (bytes > MAX_FRAME_BYTES) {
      throw new ProtocolError(`a ${bytes}-byte message is longer than the protocol's ${MAX_FRAME_BYTES}-byte limit`);
    }
    this.socket.write(line);
  }

  private onData(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        if (!this.discarding) {
          this.buffered.push(chunk.subarray(start));
          this.bufferedBytes += chunk.length - start;
          if (this.bufferedBytes > MAX_FRAME_BYTES) this.startDiscarding();
        }
        return;
      }
      if (this.discarding) {
        this.discarding = false;
      } else {
        const piece = chunk.subarray(start, end);
        const bytes = this.bufferedBytes + piece.length;
        if (bytes > MAX_FRAME_BYTES) {
          this.problem(`ignored a line longer than the protocol's ${MAX_FRAME_BYTES}-byte limit (${bytes} bytes)`);
        } else {
          const line = this.buffered.length === 0 ? piece : Buffer.concat([...this.buffered, piece]);
          this.onLine(line.toString("utf8"));
        }
        this.buffered = [];
        this.bufferedBytes = 0;
      }
      start = end + 1;
    }
  }

  private startDiscarding(): void {
    this.problem(`ignored a line longer than the protocol's ${MAX_FRAME_BYTES}-byte limit`);
    this.buffered = [];
    this.bufferedBytes = 0;
    this.discarding = true;
  }

  private onLine(raw: string): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.problem(`ignored a line that is not JSON: ${preview(line)}`);
      return;
    }
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      this.problem(`ignored a line that is not a JSON-RPC object: ${preview(line)}`);
      return;
    }
    const m = message as Record<string, unknown>;
    const hasId = m.id !== undefined && m.id !== null;
    if (typeof m.method === "string") {
      if (hasId) {
        // The relayer only sends notifications; answer a request anyway, as JSON-RPC wants.
        this.sendQuietly({
          jsonrpc: "2.0",
          id: m.id,
          error: { code: RpcErrorCode.MethodNotFound, message: `the agent has no method ${m.method}` },
        });
        this.problem(`the relayer called ${preview(m.method)}, which the agent does not serve`);
        return;
      }
      for (const handler of this.notificationHandlers) handler(m.method, m.params);
      return;
    }
    if (hasId && ("result" in m || "error" in m)) {
      const request = typeof m.id === "number" ? this.pending.get(m.id) : undefined;
      if (!request) {
        this.problem(`ignored a response to unknown request id ${preview(JSON.stringify(m.id))}`);
        return;
      }
      this.pending.delete(m.id as number);
      request.cancelTimer();
      if ("error" in m && m.error !== undefined && m.error !== null) {
        request.reject(remoteError(request.method, m.error));
      } else {
        request.resolve(m.result);
      }
      return;
    }
    this.problem(`ignored a line that is neither a response nor a notification: ${preview(line)}`);
  }

  private sendQuietly(message: object): void {
    try {
      this.send(message);
    } catch (error) {
      this.problem(`could not answer the relayer: ${(error as Error).message}`);
    }
  }

  private problem(message: string): void {
    for (const handler of this.problemHandlers) handler(message);
  }
}

/** Why a connection attempt failed, in words. */
export function connectFailure(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
      return "no such host";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    default:
      return error.message;
  }
}

/** What each of the relayer's error codes means to the agent: retry later or not, and what to do. */
function remoteError(method: string, raw: unknown): RpcRemoteError {
  const error = (typeof raw === "object" && raw !== null ? raw : {}) as Partial<RpcError>;
  const code = typeof error.code === "number" ? error.code : RpcErrorCode.InternalError;
  const message = typeof error.message === "string" ? error.message : "no message";
  const retry = (hint?: string): RpcRemoteError =>
    new RpcRemoteError(method, code, message, { retryable: true, hint, data: error.data });
  const fatal = (hint?: string): RpcRemoteError =>
    new RpcRemoteError(method, code, message, { retryable: false, hint, data: error.data });
  switch (code) {
    case RpcErrorCode.AgentNotAuthorized:
      return fatal(
        "the pool does not know this access key (never created, or revoked): create an access key in the dApp and run the command it shows",
      );
    case RpcErrorCode.BadSignature:
      return fatal("the relayer refused the login signature: check that --key is the access key the dApp showed");
    case RpcErrorCode.RateLimited:
      return retry("the relayer asks to slow down: the agent will try again shortly");
    case RpcErrorCode.Unavailable:
    case RpcErrorCode.InternalError:
    case RpcErrorCode.AuthTimeout:
    case RpcErrorCode.NotSubscribed:
    case RpcErrorCode.NotAuthorized:
      return retry("the agent will reconnect and try again");
    case RpcErrorCode.BadProof:
      return fatal("the pool rejected a proof from this machine: check the prover backend");
    case RpcErrorCode.UnknownJob:
      return fatal("the job is no longer needed (proven elsewhere or handed to another machine)");
    default:
      return fatal();
  }
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat;
}
