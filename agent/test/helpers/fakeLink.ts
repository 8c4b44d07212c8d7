/**
 * A RelayerLink without a socket, for the session's tests: it answers the agent's requests as a relayer would
 * (a fresh nonce for zkpool.subscribe, the prover for zkpool.authorize, …) unless the test gives a method its
 * own answer, records every request, and lets the test send notifications or drop the link.
 */
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import type { Hex } from "viem";
import { LOCAL_INSTANCE_CONTEXT, instanceContextParams, type NotifyParams } from "@zkpool/common";
import type { RelayerAddress, RelayerLink } from "../../src/connection.js";
import { ConnectionError } from "../../src/errors.js";
import { AGENT_PROTOCOL_VERSION, CHAIN_ID, POOL, POOL_PROVER_OWNER } from "./scriptedRelayer.js";

export interface LinkRequest {
  method: string;
  params: unknown;
  /** Settled with the answer the agent got. */
  answer: Promise<unknown>;
}

/** What a method answers: a result, a promise of one, or a throw (the relayer's error). */
export type Answer = (params: unknown) => unknown;

export class FakeLink extends EventEmitter implements RelayerLink {
  readonly address: RelayerAddress = { host: "127.0.0.1", port: 7700 };
  readonly closed: Promise<ConnectionError>;
  readonly nonce: Hex = `0x${randomBytes(32).toString("hex")}`;
  readonly requests: LinkRequest[] = [];
  readonly answers = new Map<string, Answer>();
  difficulty = 1;
  private closeReason: ConnectionError | undefined;
  private resolveClosed: (reason: ConnectionError) => void = () => undefined;
  private readonly pending = new Set<(error: Error) => void>();
  private readonly notificationHandlers: Array<(method: string, params: unknown) => void> = [];
  private readonly problemHandlers: Array<(message: string) => void> = [];

  constructor() {
    super();
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.answers.set("zkpool.subscribe", () => ({
      sessionId: "session-1",
      nonce: this.nonce,
      protocol: AGENT_PROTOCOL_VERSION,
      chainId: CHAIN_ID,
      pool: POOL,
      difficulty: this.difficulty,
      instanceContext: instanceContextParams(LOCAL_INSTANCE_CONTEXT),
    }));
    this.answers.set("zkpool.authorize", () => ({ prover: POOL_PROVER_OWNER }));
    this.answers.set("zkpool.heartbeat", () => ({ time: 1 }));
    this.answers.set("zkpool.submit", () => ({ accepted: true }));
  }

  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Why the link closed, once it has. */
  get reason(): ConnectionError | undefined {
    return this.closeReason;
  }

  /** The params of every request of `method`, in order. */
  sent<T = Record<string, unknown>>(method: string): T[] {
    return this.requests.filter((r) => r.method === method).map((r) => r.params as T);
  }

  onNotification(handler: (method: string, params: unknown) => void): void {
    this.notificationHandlers.push(handler);
  }

  onProblem(handler: (message: string) => void): void {
    this.problemHandlers.push(handler);
  }

  request(method: string, params: unknown): Promise<unknown> {
    if (this.closeReason) return Promise.reject(this.closeReason);
    const answer = new Promise<unknown>((resolve, reject) => {
      const onClose = (error: Error): void => reject(error);
      this.pending.add(onClose);
      const settle = (fn: () => void): void => {
        this.pending.delete(onClose);
        if (!this.isClosed) fn();
      };
      const respond = this.answers.get(method) ?? (() => Promise.reject(new Error(`no method ${method}`)));
      Promise.resolve()
        .then(() => respond(params))
        .then(
          (result) => settle(() => resolve(result)),
          (error: unknown) => settle(() => reject(error as Error)),
        );
    });
    answer.catch(() => undefined);
    const request: LinkRequest = { method, params, answer };
    this.requests.push(request);
    this.emit("request", request);
    this.emit(method, params);
    return answer;
  }

  close(reason = "closed by the agent"): void {
    this.shut(new ConnectionError(reason));
  }

  /** The relayer's side hangs up. */
  drop(): void {
    this.shut(new ConnectionError("the relayer at 127.0.0.1:7700 closed the connection"));
  }

  notify(job: NotifyParams): void {
    this.send("zkpool.notify", { ...job, blockId: job.blockId.toString() });
  }

  cancel(jobId: string, reason: string): void {
    this.send("zkpool.cancel", { jobId, reason });
  }

  send(method: string, params: unknown): void {
    for (const handler of this.notificationHandlers) handler(method, params);
  }

  problem(message: string): void {
    for (const handler of this.problemHandlers) handler(message);
  }

  private shut(reason: ConnectionError): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    for (const reject of this.pending) reject(reason);
    this.pending.clear();
    this.resolveClosed(reason);
  }
}
