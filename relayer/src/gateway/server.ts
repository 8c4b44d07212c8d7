import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:net";
import { recoverTypedDataAddress, toHex, type Address, type Hex } from "viem";
import {
  AGENT_PROTOCOL_VERSION,
  MAX_FRAME_BYTES,
  RpcErrorCode,
  authorizeParams,
  heartbeatParams,
  instanceContextParams,
  loginTypedData,
  submitParams,
  subscribeParams,
  type CancelParams,
  type InstanceContext,
  type NotifyParams,
  type SubmitResult,
  type SubscribeResult,
} from "@zkpool/common";
import { type Logger } from "@zkpool/common/node";
import type { z } from "zod";
import { LineDecoder, TokenBucket } from "./framing";
import { RpcFailure, parseLine, type RequestId } from "./rpc";

/** An authorized agent connection, as the scheduler sees it. */
export interface AgentSession {
  readonly id: string;
  readonly agent: Address;
  readonly prover: Address;
  readonly deviceId: string;
  readonly name: string;
  readonly remote: string;
  readonly connectedAt: number;
  msPerProof: number;
  concurrency: number;
  busy: number;
  lastHeartbeat: number;
  notify(params: NotifyParams): void;
  cancel(params: CancelParams): void;
  close(reason: string): void;
}

/** What the gateway asks of the rest of the relayer. */
export interface GatewayHandler {
  /** The prover that owns `agent` on-chain, or undefined when the agent is unknown or revoked. */
  agentOwner(agent: Address): Promise<Address | undefined>;
  /**
   * What the chain hashes into every instance besides the evidence (the network adapter's): each agent gets it at
   * subscribe, and checks with it that the instance of each job it is sent names it.
   */
  instanceContext(): InstanceContext;
  onAuthorized(session: AgentSession): void;
  onHeartbeat(session: AgentSession): void;
  onDisconnected(session: AgentSession, reason: string): void;
  /** Checks and takes a proof; throws RpcFailure to refuse it. */
  onSubmit(session: AgentSession, params: z.output<typeof submitParams>): Promise<SubmitResult>;
}

export interface GatewayOptions {
  host: string;
  port: number;
  chainId: number;
  pool: Address;
  difficulty: number;
  authTimeoutS: number;
  rateLimitPerS: number;
  /** Close a connection after this many protocol errors in a row (malformed, refused, rate limited). */
  maxStrikes?: number;
  /** Close an authorized connection that has said nothing for this long. */
  idleTimeoutS?: number;
  log: Logger;
  /** The gateway's time; the real one unless a test brings its own. */
  clock?: GatewayClock;
}

/** The gateway's time: tests pass a fake one to reach a deadline without waiting for it. */
export interface GatewayClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
  /** Calls `fire` once, `ms` from now. */
  after(ms: number, fire: () => void): void;
}

/** The real clock. Its timers never keep the process alive. */
export const realClock: GatewayClock = {
  now: () => Date.now(),
  every: (ms, tick) => {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  after: (ms, fire) => {
    setTimeout(fire, ms).unref();
  },
};

/** What a connection uses of its `net.Socket` (tests drive a connection through an in-memory one). */
export interface AgentSocket {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly destroyed: boolean;
  readonly writableLength: number;
  setKeepAlive(enable: boolean, initialDelay: number): unknown;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "close", listener: () => void): unknown;
  write(text: string): unknown;
  end(): unknown;
  destroy(): unknown;
}

export interface GatewayStats {
  connections: number;
  authorized: number;
  framesReceived: number;
  protocolErrors: number;
  disconnectedForAbuse: number;
}

type Phase = "connected" | "subscribed" | "authorized" | "closed";

/**
 * How often the gateway looks for connections past their login or heartbeat deadline: a deadline is enforced
 * at most this late. One timer for all connections, not one per connection re-armed on every heartbeat (at
 * 10,000 agents that was 3,000 new timers a second, each living long enough to reach V8's old space).
 */
const SWEEP_MS = 250;

/**
 * The agent gateway: newline-delimited JSON-RPC 2.0 over TCP. It guards the relayer from any client: frames
 * are size-limited, unauthenticated connections time out, every connection is rate limited, malformed input
 * gets a JSON-RPC error and repeated abuse gets the connection closed. Nothing a client sends can throw out
 * of a connection's handler.
 */
export class AgentGateway {
  private server: Server | undefined;
  private stopSweeping: (() => void) | undefined;
  private readonly clock: GatewayClock;
  private readonly connections = new Set<Connection>();
  readonly stats: GatewayStats = {
    connections: 0,
    authorized: 0,
    framesReceived: 0,
    protocolErrors: 0,
    disconnectedForAbuse: 0,
  };

  constructor(
    private readonly options: GatewayOptions,
    private readonly handler: GatewayHandler,
  ) {
    this.clock = options.clock ?? realClock;
  }

  async listen(): Promise<{ host: string; port: number }> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    server.maxConnections = 100_000;
    this.server = server;
    this.stopSweeping = this.clock.every(SWEEP_MS, () => this.sweep());
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : this.options.port;
    this.options.log.info({ host: this.options.host, port }, "agent gateway listening");
    return { host: this.options.host, port };
  }

  /** Stops accepting agents and closes every connection (their jobs go back to the queue). */
  async close(): Promise<void> {
    this.stopSweeping?.();
    for (const connection of this.connections) connection.close("the relayer is shutting down");
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Serves one agent's connection: the listening server's, or an in-memory one in tests. */
  accept(socket: AgentSocket): void {
    this.connections.add(new Connection(socket, this.options, this.clock, this.handler, this.stats, this.connections));
  }

  /** Times out the connections that did not log in in time, and the authorized ones that went silent. */
  private sweep(): void {
    const now = this.clock.now();
    for (const connection of this.connections) connection.checkDeadlines(now);
  }
}

class Connection implements AgentSession {
  readonly id = randomUUID();
  readonly remote: string;
  readonly connectedAt: number;
  agent: Address = "0x0000000000000000000000000000000000000000";
  prover: Address = "0x0000000000000000000000000000000000000000";
  deviceId = "";
  name = "";
  msPerProof = 0;
  concurrency = 1;
  busy = 0;
  lastHeartbeat: number;

  private phase: Phase = "connected";
  private nonce: Hex | undefined;
  private strikes = 0;
  private readonly decoder = new LineDecoder(MAX_FRAME_BYTES);
  private readonly bucket: TokenBucket;
  /** Requests are answered in order, one at a time per connection. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: AgentSocket,
    private readonly options: GatewayOptions,
    private readonly clock: GatewayClock,
    private readonly handler: GatewayHandler,
    private readonly stats: GatewayStats,
    /** The gateway's open connections: this one leaves it when it closes. */
    private readonly open: Set<Connection>,
  ) {
    this.remote = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    this.connectedAt = clock.now();
    this.lastHeartbeat = this.connectedAt;
    this.bucket = new TokenBucket(options.rateLimitPerS, options.rateLimitPerS * 2, this.connectedAt);
    stats.connections += 1;
    socket.setKeepAlive(true, 10_000);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (error) => this.log("debug", { err: error }, "agent connection error"));
    socket.on("close", () => this.closed("connection closed"));
  }

  /** Called by the gateway's sweep: enforces the login deadline, then the heartbeat deadline. */
  checkDeadlines(now: number): void {
    if (this.phase === "closed") return;
    if (this.phase !== "authorized") {
      if (now - this.connectedAt >= this.options.authTimeoutS * 1000) {
        this.failAndClose(
          null,
          new RpcFailure(
            RpcErrorCode.AuthTimeout,
            `Not authorized within ${this.options.authTimeoutS} s: subscribe, then authorize with your access key`,
          ),
        );
      }
      return;
    }
    const idle = this.options.idleTimeoutS ?? 30;
    if (now - this.lastHeartbeat >= idle * 1000) this.close(`no heartbeat for ${idle} s`);
  }

  notify(params: NotifyParams): void {
    this.send({ jsonrpc: "2.0", method: "zkpool.notify", params });
  }

  cancel(params: CancelParams): void {
    this.send({ jsonrpc: "2.0", method: "zkpool.cancel", params });
  }

  close(reason: string): void {
    if (this.phase === "closed") return;
    this.log("info", { reason }, "closing agent connection");
    this.socket.end();
    this.closed(reason);
  }

  private receive(chunk: Buffer): void {
    if (this.phase === "closed") return;
    const lines = this.decoder.push(chunk);
    if (lines === "too-large") {
      this.failAndClose(null, new RpcFailure(RpcErrorCode.FrameTooLarge, `Frame larger than ${MAX_FRAME_BYTES} bytes`));
      return;
    }
    for (const line of lines) {
      if (this.isClosed()) return;
      if (line.trim() === "") continue;
      this.stats.framesReceived += 1;
      if (!this.bucket.take(this.clock.now())) {
        this.strike(
          null,
          new RpcFailure(RpcErrorCode.RateLimited, `Too many messages: at most ${this.options.rateLimitPerS} a second`),
        );
        continue;
      }
      this.queue = this.queue
        .then(() => this.handle(line))
        .catch((error: unknown) => {
          this.log("error", { err: error }, "unexpected error handling an agent message");
        });
    }
  }

  private async handle(line: string): Promise<void> {
    if (this.phase === "closed") return;
    const incoming = parseLine(line);
    if (incoming.kind === "invalid") return this.strike(incoming.id, incoming.failure);
    const id = incoming.kind === "request" ? incoming.id : null;
    try {
      const result = await this.dispatch(incoming.method, incoming.params);
      this.strikes = 0;
      if (id !== null) this.send({ jsonrpc: "2.0", id, result });
    } catch (error) {
      const failure =
        error instanceof RpcFailure
          ? error
          : new RpcFailure(
              RpcErrorCode.InternalError,
              "Internal error: the relayer could not handle this message; try again",
            );
      if (!(error instanceof RpcFailure)) this.log("error", { err: error }, "agent request failed");
      this.strike(id, failure);
    }
  }

  private async dispatch(method: string, params: unknown): Promise<unknown> {
    switch (method) {
      case "zkpool.subscribe":
        return this.subscribe(parse(subscribeParams, params));
      case "zkpool.authorize":
        return this.authorize(parse(authorizeParams, params));
      case "zkpool.heartbeat":
        return this.heartbeat(parse(heartbeatParams, params));
      case "zkpool.submit": {
        this.requireAuthorized();
        const submit = parse(submitParams, params);
        this.touch();
        return this.handler.onSubmit(this, submit);
      }
      default:
        throw new RpcFailure(RpcErrorCode.MethodNotFound, `Method not found: ${method.slice(0, 64)}`);
    }
  }

  private subscribe(params: z.output<typeof subscribeParams>): SubscribeResult {
    if (this.phase !== "connected") {
      throw new RpcFailure(RpcErrorCode.InvalidRequest, "Already subscribed on this connection");
    }
    this.name = params.agent.name;
    this.nonce = toHex(randomBytes(32));
    this.phase = "subscribed";
    this.log("debug", { agent: params.agent, device: params.device }, "agent subscribed");
    return {
      sessionId: this.id,
      nonce: this.nonce,
      protocol: AGENT_PROTOCOL_VERSION,
      chainId: this.options.chainId,
      pool: this.options.pool,
      difficulty: this.options.difficulty,
      instanceContext: instanceContextParams(this.handler.instanceContext()),
    };
  }

  private async authorize(params: z.output<typeof authorizeParams>) {
    // A connection holds a nonce from its subscribe until it logs in with it: none before, none after (used once).
    if (!this.nonce) {
      throw new RpcFailure(RpcErrorCode.NotSubscribed, "Subscribe first: zkpool.subscribe gives the nonce to sign");
    }
    let signer: Address;
    try {
      signer = await recoverTypedDataAddress({
        ...loginTypedData(this.options.chainId, this.options.pool, this.nonce, params.deviceId),
        signature: params.signature as Hex,
      });
    } catch {
      throw new RpcFailure(RpcErrorCode.BadSignature, "The login signature is malformed");
    }
    if (signer.toLowerCase() !== params.agent.toLowerCase()) {
      throw new RpcFailure(
        RpcErrorCode.BadSignature,
        "The login signature is not from this agent's access key: check --key",
      );
    }
    const prover = await this.handler.agentOwner(params.agent);
    if (!prover) {
      throw new RpcFailure(
        RpcErrorCode.AgentNotAuthorized,
        `Access key ${params.agent} is not authorized in ZKPool (unknown or revoked): create one in the dApp`,
      );
    }
    // The chain lookup took time: the connection may have closed meanwhile.
    if (this.isClosed()) throw new RpcFailure(RpcErrorCode.InvalidRequest, "Connection closed");
    this.agent = params.agent;
    this.prover = prover;
    this.deviceId = params.deviceId;
    this.msPerProof = params.speed.msPerProof;
    this.concurrency = params.speed.concurrency;
    this.phase = "authorized";
    this.nonce = undefined;
    this.stats.authorized += 1;
    this.touch();
    this.log(
      "info",
      { agent: this.agent, prover, deviceId: this.deviceId, msPerProof: this.msPerProof },
      "agent authorized",
    );
    this.handler.onAuthorized(this);
    return { prover };
  }

  private heartbeat(params: z.output<typeof heartbeatParams>) {
    this.requireAuthorized();
    this.busy = params.busy;
    if (params.msPerProof !== undefined) this.msPerProof = params.msPerProof;
    this.touch();
    this.handler.onHeartbeat(this);
    return { time: Math.floor(this.clock.now() / 1000) };
  }

  private requireAuthorized(): void {
    if (this.phase !== "authorized") {
      throw new RpcFailure(
        RpcErrorCode.NotAuthorized,
        "Not authorized: subscribe, then authorize with your access key",
      );
    }
  }

  /** Records activity; an authorized agent silent for idleTimeoutS is dropped as stalled (checkDeadlines). */
  private touch(): void {
    this.lastHeartbeat = this.clock.now();
  }

  /**
   * Logs with this connection's session and remote address. Not a pino child per connection: a child logger
   * costs every one of 10,000 connections its own bindings, and connections log rarely (login, close, errors).
   */
  private log(level: "debug" | "info" | "error", fields: Record<string, unknown>, msg: string): void {
    const log = this.options.log;
    if (log.isLevelEnabled(level)) log[level]({ session: this.id, remote: this.remote, ...fields }, msg);
  }

  private strike(id: RequestId, failure: RpcFailure): void {
    this.stats.protocolErrors += 1;
    this.strikes += 1;
    if (this.strikes >= (this.options.maxStrikes ?? 10)) {
      this.stats.disconnectedForAbuse += 1;
      this.failAndClose(id, new RpcFailure(failure.code, `${failure.message} (too many errors: disconnecting)`));
      return;
    }
    this.send({ jsonrpc: "2.0", id, error: failure.toJSON() });
  }

  private failAndClose(id: RequestId, failure: RpcFailure): void {
    if (this.phase === "closed") return;
    this.send({ jsonrpc: "2.0", id, error: failure.toJSON() });
    this.socket.end();
    // A client that never reads must not hold the socket open.
    this.clock.after(1_000, () => this.socket.destroy());
    this.closed(failure.message);
  }

  private send(message: object): void {
    if (this.phase === "closed" || this.socket.destroyed) return;
    // Back-pressure: a client that stops reading while we write is cut off rather than buffered forever.
    if (this.socket.writableLength > 4 * MAX_FRAME_BYTES) {
      this.socket.destroy();
      this.closed("the agent does not read its connection");
      return;
    }
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  private isClosed(): boolean {
    return this.phase === "closed";
  }

  private closed(reason: string): void {
    if (this.phase === "closed") return;
    const wasAuthorized = this.phase === "authorized";
    this.phase = "closed";
    this.open.delete(this);
    if (wasAuthorized) {
      this.stats.authorized -= 1;
      this.handler.onDisconnected(this, reason);
    }
  }
}

function parse<S extends z.ZodTypeAny>(schema: S, params: unknown): z.output<S> {
  const result = schema.safeParse(params);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "params"}: ${i.message}`).join("; ");
    throw new RpcFailure(RpcErrorCode.InvalidParams, `Invalid params: ${problems}`);
  }
  return result.data;
}
