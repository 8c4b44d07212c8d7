/**
 * A scripted agent for tests and benchmarks: speaks the agent protocol over a real TCP connection, and does
 * exactly what the test tells it (log in, take jobs, answer with good or bad proofs, stay silent, send junk).
 * The agent daemon in agent/ is the real thing; this one exists to play broken and hostile clients too.
 */
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";
import type { Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { loginTypedData, proveInstance, type NotifyParams, type SubscribeResult } from "@zkpool/common";

export interface RpcReply {
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string };
}

export class ScriptedAgent {
  readonly socket: Socket;
  readonly account: PrivateKeyAccount;
  readonly notifications: Array<{ method: string; params: unknown }> = [];
  readonly replies: RpcReply[] = [];
  private nextId = 1;
  private pending = new Map<string | number, (reply: RpcReply) => void>();
  private listeners: Array<(n: { method: string; params: unknown }) => void> = [];
  readonly closed: Promise<void>;
  subscribed: SubscribeResult | undefined;

  private constructor(socket: Socket, key: Hex) {
    this.socket = socket;
    this.account = privateKeyToAccount(key);
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    createInterface({ input: socket }).on("line", (line) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (typeof message.method === "string") {
        const notification = { method: message.method, params: message.params };
        this.notifications.push(notification);
        for (const listener of this.listeners) listener(notification);
        return;
      }
      const reply = message as unknown as RpcReply;
      this.replies.push(reply);
      const waiter = reply.id === null ? undefined : this.pending.get(reply.id);
      if (waiter && reply.id !== null) {
        this.pending.delete(reply.id);
        waiter(reply);
      }
    });
    socket.on("error", () => undefined);
  }

  static async connect(port: number, key: Hex): Promise<ScriptedAgent> {
    const socket = connect({ host: "127.0.0.1", port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new ScriptedAgent(socket, key);
  }

  /** Sends a raw line (for malformed-input tests). */
  sendRaw(text: string): void {
    this.socket.write(text);
  }

  request(method: string, params: unknown): Promise<RpcReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    });
  }

  /** subscribe + authorize with this agent's key; returns the authorize reply. */
  async login(options: { deviceId?: string; msPerProof?: number; concurrency?: number } = {}): Promise<RpcReply> {
    const subscribe = await this.request("zkpool.subscribe", {
      agent: { name: "scripted", version: "0" },
      device: { cpu: "test", cores: 1, memoryMb: 1024 },
    });
    if (subscribe.error) return subscribe;
    this.subscribed = subscribe.result as SubscribeResult;
    const deviceId = options.deviceId ?? `scripted-${this.account.address.slice(2, 10)}`;
    const signature = await this.account.signTypedData(
      loginTypedData(this.subscribed.chainId, this.subscribed.pool, this.subscribed.nonce, deviceId),
    );
    return this.request("zkpool.authorize", {
      agent: this.account.address,
      deviceId,
      signature,
      speed: { msPerProof: options.msPerProof ?? 500, concurrency: options.concurrency ?? 1 },
    });
  }

  /** The next notification named `method` (already received or to come). */
  next(method: string, after = 0): Promise<{ method: string; params: unknown }> {
    const seen = this.notifications.slice(after).find((n) => n.method === method);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const listener = (n: { method: string; params: unknown }) => {
        if (n.method !== method) return;
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve(n);
      };
      this.listeners.push(listener);
    });
  }

  /**
   * Proves a notified job's instance for real (its evidence's graffiti names this agent) and submits the proof;
   * `tamper` may spoil the proof.
   */
  async prove(job: NotifyParams, tamper?: (proof: Hex) => Hex): Promise<RpcReply> {
    if (!this.subscribed) throw new Error("not logged in");
    const { proof } = await proveInstance(job.instance as Hex, { difficulty: job.difficulty });
    const sent = tamper ? tamper(proof) : proof;
    return this.request("zkpool.submit", { jobId: job.jobId, proof: sent });
  }

  close(): void {
    this.socket.destroy();
  }
}
