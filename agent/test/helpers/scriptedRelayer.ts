/**
 * A scripted relayer for the agent's tests and benchmark: a real TCP server speaking the agent protocol from
 * @zkpool/common, checking what the agent sends the way the relayer's gateway must (the login signature with
 * viem's verifyTypedData, the proof against the job's instance with verifyInstanceProof), and letting the test
 * send notifications, cancels, garbage, or drop the connection. Its jobs are made for one agent (makeJob): the
 * evidence's graffiti names it, as the relayer's do.
 */
import { EventEmitter, once } from "node:events";
import net from "node:net";
import { randomBytes } from "node:crypto";
import { verifyTypedData, type Address, type Hex } from "viem";
import type { AuthorizeParams, HeartbeatParams, JobEvidence, NotifyParams, SubscribeParams } from "@zkpool/common";
import * as common from "@zkpool/common";

export const {
  AGENT_PROTOCOL_VERSION,
  LOCAL_INSTANCE_CONTEXT,
  RpcErrorCode,
  agentGraffiti,
  authorizeParams,
  heartbeatParams,
  instanceContextParams,
  instanceHash,
  loginTypedData,
  submitParams,
  subscribeParams,
  verifyInstanceProof,
} = common;

export const CHAIN_ID = 31337;
export const POOL: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
export const POOL_PROVER_OWNER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/** The pool's address as Taiko sees the prover (evidence.prover). */
export const EVIDENCE_PROVER: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

export interface Login {
  conn: AgentConn;
  subscribe: SubscribeParams;
  authorize: AuthorizeParams;
  nonce: Hex;
  signatureValid: boolean;
}

export interface Submission {
  conn: AgentConn;
  /** The params as the agent sent them, every field (the relayer's schema would drop unknown ones). */
  params: Record<string, unknown> & { jobId: string; proof: Hex; millis?: number };
  job: NotifyParams;
  /** performance.now() when its line arrived, before the relayer parsed and checked it. */
  arrivedAt: number;
  /** Checked off the hot path when `verify` is on, else undefined. */
  proofValid?: boolean;
}

/** One agent's connection, as the scripted relayer sees it. */
export class AgentConn extends EventEmitter {
  readonly nonce: Hex = `0x${randomBytes(32).toString("hex")}`;
  readonly sessionId = randomBytes(8).toString("hex");
  agent: Address | undefined;
  readonly heartbeats: HeartbeatParams[] = [];
  closed = false;
  private buffer = "";

  constructor(
    readonly socket: net.Socket,
    private readonly relayer: ScriptedRelayer,
  ) {
    super();
    socket.setNoDelay(true);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      const arrivedAt = performance.now();
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf("\n")) !== -1) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        void this.onLine(line, arrivedAt);
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      this.emit("close");
      relayer.emit("disconnect", this);
    });
  }

  notify(job: NotifyParams): void {
    this.relayer.jobs.set(job.jobId, job);
    this.send({ jsonrpc: "2.0", method: "zkpool.notify", params: { ...job, blockId: job.blockId.toString() } });
  }

  cancel(jobId: string, reason: string): void {
    this.send({ jsonrpc: "2.0", method: "zkpool.cancel", params: { jobId, reason } });
  }

  sendRaw(text: string): void {
    this.socket.write(text);
  }

  drop(): void {
    this.socket.destroy();
  }

  private send(message: object): void {
    if (!this.closed) this.socket.write(`${JSON.stringify(message)}\n`);
  }

  private reply(id: unknown, result: unknown): void {
    this.send({ jsonrpc: "2.0", id, result });
  }

  private fail(id: unknown, code: number, message: string): void {
    this.send({ jsonrpc: "2.0", id, error: { code, message } });
  }

  private async onLine(line: string, arrivedAt: number): Promise<void> {
    this.relayer.received.push(line);
    const message = JSON.parse(line) as { id: unknown; method: string; params: unknown };
    this.relayer.emit("request", this, message);
    if (this.relayer.silent) return;
    switch (message.method) {
      case "zkpool.subscribe": {
        const params = subscribeParams.parse(message.params);
        this.relayer.subscribes.push(params);
        return this.reply(message.id, {
          sessionId: this.sessionId,
          nonce: this.nonce,
          protocol: AGENT_PROTOCOL_VERSION,
          chainId: CHAIN_ID,
          pool: POOL,
          difficulty: this.relayer.difficulty,
          instanceContext: instanceContextParams(LOCAL_INSTANCE_CONTEXT),
        });
      }
      case "zkpool.authorize": {
        const params = authorizeParams.parse(message.params);
        const signatureValid = await verifyTypedData({
          address: params.agent,
          ...loginTypedData(CHAIN_ID, POOL, this.nonce, params.deviceId),
          signature: params.signature,
        });
        const subscribe = this.relayer.subscribes.at(-1) as SubscribeParams;
        const login: Login = { conn: this, subscribe, authorize: params, nonce: this.nonce, signatureValid };
        this.relayer.logins.push(login);
        if (!signatureValid) return this.fail(message.id, RpcErrorCode.BadSignature, "bad login signature");
        const refusal = this.relayer.refuseLogin;
        if (refusal) return this.fail(message.id, refusal.code, refusal.message);
        this.agent = params.agent;
        this.reply(message.id, { prover: POOL_PROVER_OWNER });
        this.relayer.emit("login", login);
        return;
      }
      case "zkpool.heartbeat": {
        const params = heartbeatParams.parse(message.params);
        this.heartbeats.push(params);
        this.reply(message.id, { time: Math.floor(Date.now() / 1000) });
        this.relayer.emit("heartbeat", this, params);
        return;
      }
      case "zkpool.submit": {
        const { jobId } = submitParams.parse(message.params);
        const job = this.relayer.jobs.get(jobId);
        if (!job) return this.fail(message.id, RpcErrorCode.UnknownJob, `unknown job ${jobId}`);
        const params = message.params as Submission["params"];
        const submission: Submission = { conn: this, params, job, arrivedAt };
        if (this.relayer.verify) await this.relayer.check(submission);
        if (submission.proofValid === false) {
          this.fail(message.id, RpcErrorCode.BadProof, "the proof does not verify");
        } else {
          this.reply(message.id, { accepted: true });
        }
        this.relayer.submissions.push(submission);
        this.relayer.emit("submit", submission);
        return;
      }
      default:
        return this.fail(message.id, RpcErrorCode.MethodNotFound, `no method ${message.method}`);
    }
  }
}

export class ScriptedRelayer extends EventEmitter {
  readonly server = net.createServer((socket) => {
    const conn = new AgentConn(socket, this);
    this.conns.push(conn);
    this.emit("connection", conn);
  });
  readonly conns: AgentConn[] = [];
  readonly subscribes: SubscribeParams[] = [];
  readonly logins: Login[] = [];
  readonly submissions: Submission[] = [];
  readonly jobs = new Map<string, NotifyParams>();
  /** Every line the agents sent, as it came. */
  readonly received: string[] = [];
  /** Set to refuse every login (after checking its signature) with this JSON-RPC error. */
  refuseLogin: { code: number; message: string } | undefined;
  /** Set to answer nothing at all (a relayer that hangs). */
  silent = false;
  port = 0;

  /**
   * @param verify check each submission before answering (as the relayer does); the benchmark turns it off
   *   and checks afterwards, so that verifying does not compete with the agent for the CPU.
   */
  constructor(
    readonly difficulty = 1,
    readonly verify = true,
  ) {
    super();
  }

  async listen(): Promise<this> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const conn of this.conns) conn.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next successful login (or the n-th overall, if it already happened). */
  async nextLogin(): Promise<Login> {
    const [login] = (await once(this, "login")) as [Login];
    return login;
  }

  async nextSubmission(): Promise<Submission> {
    const [submission] = (await once(this, "submit")) as [Submission];
    return submission;
  }

  /** Checks a submission: the proof against the instance of the job as it was sent. */
  async check(submission: Submission): Promise<void> {
    const { params, job } = submission;
    submission.proofValid = await verifyInstanceProof(job.instance as Hex, params.proof, {
      difficulty: job.difficulty,
    });
  }
}

let nextBlock = 100n;

/**
 * A job for `agent` (its graffiti: agentGraffiti(agent)) on a made-up block, with a deadline `seconds` from
 * now, its instance the hash of its evidence under the local instance context.
 */
export function makeJob(agent: Address, difficulty = 1, seconds = 60, blockId = nextBlock++): NotifyParams {
  const evidence: JobEvidence = {
    metaHash: `0x${randomBytes(32).toString("hex")}`,
    parentHash: `0x${randomBytes(32).toString("hex")}`,
    blockHash: `0x${randomBytes(32).toString("hex")}`,
    signalRoot: `0x${randomBytes(32).toString("hex")}`,
    graffiti: agentGraffiti(agent),
    prover: EVIDENCE_PROVER,
    parentGasUsed: 1_000_000,
    gasUsed: 2_500_000,
    verifierId: 0,
  };
  return {
    jobId: `job-${blockId}`,
    blockId: blockId.toString(),
    evidence,
    instance: instanceHash(evidence, LOCAL_INSTANCE_CONTEXT),
    deadline: Math.floor(Date.now() / 1000) + seconds,
    difficulty,
  };
}

/** `job` with `graffiti` in its evidence instead, and the instance that goes with it (as a relayer would hash it). */
export function withGraffiti(job: NotifyParams, graffiti: Hex): NotifyParams {
  const evidence = { ...(job.evidence as JobEvidence), graffiti };
  return { ...job, evidence, instance: instanceHash(evidence, LOCAL_INSTANCE_CONTEXT) };
}
