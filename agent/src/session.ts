/**
 * One logged-in session on one connection: zkpool.subscribe → (benchmark) → zkpool.authorize, then
 * heartbeats every few seconds, jobs from zkpool.notify proven earliest deadline first (at most `concurrency`
 * at a time), zkpool.cancel honoured, and each proof sent with zkpool.submit. A proof carries no signature:
 * the machine is named inside it (evidence.graffiti = agentGraffiti(this agent), bound by the instance), so
 * the agent refuses a job whose graffiti names anybody else, or whose instance is not its evidence's (hashed
 * with the instance context the relayer sent at subscribe). The session ends when the connection does; the
 * loop in agent.ts opens the next one.
 */
import { z } from "zod";
import { isAddress, isHex, zeroAddress, type Address, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { InstanceContext, JobEvidence, SubmitParams, SubscribeParams } from "@zkpool/common";
import {
  AGENT_PROTOCOL_VERSION,
  agentGraffiti,
  cancelParams,
  graffitiAgent,
  instanceContext,
  instanceHash,
  loginTypedData,
  notifyParams,
} from "@zkpool/common";
import type { ProverBackend } from "./backends/index.js";
import type { SpeedTracker } from "./benchmark.js";
import type { Clock, CancelTimer } from "./clock.js";
import { formatAddress, type RelayerLink } from "./connection.js";
import { ConnectionError, JobAbortedError, ProtocolError, RequestTimeoutError, abortReason } from "./errors.js";
import type { AgentUi, JobInfo, JobTimeline } from "./ui.js";

export interface SessionContext {
  name: string;
  version: string;
  device: SubscribeParams["device"];
  deviceId: string;
  concurrency: number;
  account: PrivateKeyAccount;
  backend: ProverBackend;
  speed: SpeedTracker;
  ui: AgentUi;
  /** Milliseconds per proof at `difficulty`: the tracker's estimate, or a benchmark run now. */
  speedAt(difficulty: number, signal: AbortSignal): Promise<number>;
  heartbeatMs: number;
  /** Times heartbeats and the grace period, and the job timelines (realClock, or a test's fake one). */
  clock: Clock;
}

/** What to do about a job the relayer should never have sent (another machine's name, another instance). */
const RELAYER_AT_FAULT =
  "the relayer is out of date or misconfigured: update it (or tell the pool's operator), and report it if it goes on";

const subscribeResult = z.object({
  sessionId: z.string().min(1),
  nonce: z.string().refine((v): v is Hex => isHex(v, { strict: true }) && v.length === 66, "expected a bytes32 nonce"),
  protocol: z.string(),
  chainId: z.number().int().positive(),
  pool: z.string().refine((v): v is Address => isAddress(v), "expected the pool's address"),
  difficulty: z.number().int().min(1),
  instanceContext,
});

const authorizeResult = z.object({
  prover: z.string().refine((v): v is Address => isAddress(v), "expected the prover's address"),
});

export interface Job extends JobInfo {
  evidence: JobEvidence;
  /**
   * The public input the backend proves: instanceHash(evidence, the instance context of the subscribe), which the
   * agent recomputes before taking the job (so the instance binds this agent's graffiti), then proves as sent.
   */
  instance: Hex;
}

interface ActiveJob {
  job: Job;
  controller: AbortController;
  state: "queued" | "proving" | "submitting";
  /** clock.now() when its zkpool.notify reached the session, when it was queued, when it started. */
  receivedAt: number;
  queuedAt: number;
  startedAt: number;
  done: Promise<void> | undefined;
}

export interface SessionInfo {
  sessionId: string;
  chainId: number;
  pool: Address;
  difficulty: number;
  prover: Address;
  msPerProof: number;
}

export class Session {
  private readonly jobs = new Map<string, ActiveJob>();
  private stopHeartbeats: CancelTimer | undefined;
  private heartbeatInFlight = false;
  private stopping = false;
  /** The graffiti every job for this machine carries: agentGraffiti(the access key's address), lowercase. */
  private readonly graffiti: Hex;

  private constructor(
    private readonly conn: RelayerLink,
    private readonly ctx: SessionContext,
    readonly info: SessionInfo,
    /** What TaikoL1 hashes into every instance besides the evidence, as the relayer said at subscribe. */
    private readonly context: InstanceContext,
  ) {
    this.graffiti = agentGraffiti(ctx.account.address);
  }

  /**
   * Logs in on `conn`: subscribe, measure the speed at the relayer's difficulty if not known yet, authorize.
   * Notifications that arrive meanwhile wait for the session to start.
   */
  static async open(conn: RelayerLink, ctx: SessionContext, signal: AbortSignal): Promise<Session> {
    const early: Array<[string, unknown]> = [];
    let deliver = (method: string, params: unknown): void => void early.push([method, params]);
    conn.onNotification((method, params) => deliver(method, params));
    conn.onProblem((message) => ctx.ui.problem(message));

    const abortable = <T>(promise: Promise<T>): Promise<T> => raceAbort(promise, signal, conn);
    const subscribed = subscribeResult.safeParse(
      await abortable(
        conn.request("zkpool.subscribe", {
          agent: { name: ctx.name, version: ctx.version },
          device: ctx.device,
        } satisfies SubscribeParams),
      ),
    );
    if (!subscribed.success) {
      throw new ProtocolError(`the relayer's answer to zkpool.subscribe is malformed: ${describe(subscribed.error)}`, {
        hint: "the relayer and this agent do not speak the same protocol: update both",
      });
    }
    const sub = subscribed.data;
    if (sub.protocol !== AGENT_PROTOCOL_VERSION) {
      throw new ProtocolError(`the relayer speaks ${sub.protocol}, this agent speaks ${AGENT_PROTOCOL_VERSION}`, {
        hint: "update the agent (git pull, npm install) to the relayer's version",
      });
    }
    const msPerProof = await abortable(ctx.speedAt(sub.difficulty, signal));
    const signature = await ctx.account.signTypedData(loginTypedData(sub.chainId, sub.pool, sub.nonce, ctx.deviceId));
    const authorized = authorizeResult.safeParse(
      await abortable(
        conn.request("zkpool.authorize", {
          agent: ctx.account.address,
          deviceId: ctx.deviceId,
          signature,
          speed: { msPerProof, concurrency: ctx.concurrency },
        }),
      ),
    );
    if (!authorized.success) {
      throw new ProtocolError(`the relayer's answer to zkpool.authorize is malformed: ${describe(authorized.error)}`);
    }
    const session = new Session(
      conn,
      ctx,
      {
        sessionId: sub.sessionId,
        chainId: sub.chainId,
        pool: sub.pool,
        difficulty: sub.difficulty,
        prover: authorized.data.prover,
        msPerProof,
      },
      sub.instanceContext,
    );
    ctx.ui.connected({
      relayer: formatAddress(conn.address),
      agent: ctx.account.address,
      prover: authorized.data.prover,
      sessionId: sub.sessionId,
      difficulty: sub.difficulty,
      msPerProof,
      concurrency: ctx.concurrency,
    });
    session.start();
    deliver = (method, params) => session.onNotification(method, params);
    for (const [method, params] of early) session.onNotification(method, params);
    return session;
  }

  /** Jobs queued or in progress. */
  get busy(): number {
    return [...this.jobs.values()].filter((j) => j.state !== "queued").length;
  }

  /**
   * Runs until the connection closes (rejects with why: retryable) or `stop` is aborted (then stops within
   * the grace period and resolves).
   */
  async run(stop: AbortSignal, graceMs: number): Promise<void> {
    let onStop: (() => void) | undefined;
    const stopped = new Promise<"stop">((resolve) => {
      onStop = () => resolve("stop");
      if (stop.aborted) onStop();
      else stop.addEventListener("abort", onStop, { once: true });
    });
    try {
      const outcome = await Promise.race([this.conn.closed, stopped]);
      if (outcome === "stop") return await this.stop(graceMs);
      throw outcome;
    } finally {
      if (onStop) stop.removeEventListener("abort", onStop);
      this.end(new JobAbortedError("the connection to the relayer closed"));
    }
  }

  private start(): void {
    this.stopHeartbeats = this.ctx.clock.interval(this.ctx.heartbeatMs, () => void this.heartbeat());
    void this.conn.closed.then((reason) => this.end(reason));
  }

  /** Stops heartbeats and drops every job (the relayer hands them to other machines on disconnect). */
  private end(reason: Error): void {
    this.stopHeartbeats?.();
    this.stopHeartbeats = undefined;
    for (const active of this.jobs.values()) {
      if (!active.controller.signal.aborted) {
        active.controller.abort(reason);
        if (!this.stopping) {
          this.ctx.ui.jobDropped(
            active.job,
            "the connection to the relayer closed; the pool gives it to another machine",
          );
        }
      }
    }
    this.jobs.clear();
  }

  /**
   * The first Ctrl-C: take no new job, finish the jobs that can finish within `graceMs` (by the measured
   * speed), hand the others back by disconnecting.
   */
  private async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const finishing: ActiveJob[] = [];
    const handingBack: ActiveJob[] = [];
    const now = this.ctx.clock.now();
    for (const active of this.jobs.values()) {
      const expected = this.ctx.speed.msPerProof(active.job.difficulty) ?? this.info.msPerProof;
      const left =
        active.state === "submitting" ? 0 : active.state === "proving" ? expected - (now - active.startedAt) : Infinity;
      (left <= graceMs ? finishing : handingBack).push(active);
    }
    this.ctx.ui.stopping({
      finishing: finishing.map((a) => a.job),
      handingBack: handingBack.map((a) => a.job),
      graceMs,
    });
    for (const active of handingBack) {
      active.controller.abort(new JobAbortedError("the agent is stopping"));
      this.jobs.delete(active.job.jobId);
    }
    if (finishing.length > 0) {
      // Say at once that this machine is full, so that the relayer sends nothing new while the last jobs finish.
      void this.heartbeat();
      const grace = new AbortController();
      await Promise.race([
        Promise.allSettled(finishing.map((a) => a.done)),
        this.conn.closed,
        this.ctx.clock.sleep(graceMs, grace.signal).catch(() => undefined),
      ]);
      grace.abort();
    }
    this.conn.close("the agent stopped");
  }

  private onNotification(method: string, params: unknown): void {
    if (method === "zkpool.notify") return this.onNotify(params);
    if (method === "zkpool.cancel") return this.onCancel(params);
    this.ctx.ui.problem(`unknown notification ${method}`);
  }

  private onNotify(raw: unknown): void {
    const receivedAt = this.ctx.clock.now();
    const parsed = notifyParams.safeParse(raw);
    if (!parsed.success) {
      this.ctx.ui.problem(`a zkpool.notify with invalid params: ${describe(parsed.error)}`);
      return;
    }
    const job: Job = parsed.data;
    // The graffiti names the machine the pool credits. Hex case aside, it must be this agent's, byte for byte:
    // a proof under another name would earn somebody else's prover the reward. The protocol has no way to
    // refuse a job to the relayer, so the agent says so here and proves nothing; the relayer sees the job stall
    // and gives it to another machine.
    if (job.evidence.graffiti.toLowerCase() !== this.graffiti) {
      this.ctx.ui.jobRefused(job, this.wrongGraffiti(job));
      return;
    }
    // The graffiti counts only through the instance: an instance made of other evidence (another machine's
    // graffiti, another prover, block or chain) would prove a proof that does not name this machine.
    const instance = instanceHash(job.evidence, this.context);
    if (job.instance.toLowerCase() !== instance) {
      this.ctx.ui.jobRefused(job, this.wrongInstance(job, instance));
      return;
    }
    if (this.jobs.has(job.jobId)) {
      this.ctx.ui.problem(`job ${job.jobId} was notified twice`);
      return;
    }
    if (this.stopping) {
      this.ctx.ui.jobDropped(job, "the agent is stopping; the pool gives it to another machine");
      return;
    }
    const active: ActiveJob = {
      job,
      controller: new AbortController(),
      state: "queued",
      receivedAt,
      queuedAt: this.ctx.clock.now(),
      startedAt: 0,
      done: undefined,
    };
    this.jobs.set(job.jobId, active);
    this.ctx.ui.jobReceived(job, this.busy >= this.ctx.concurrency);
    this.pump();
  }

  /** Why a job whose graffiti is not this agent's is refused, and what to do about it. */
  private wrongGraffiti(job: Job): ProtocolError {
    const named = graffitiAgent(job.evidence.graffiti);
    // Zero (what relayers sent before agents were named in proofs) is nobody's address either.
    const whose = named === undefined || named === zeroAddress ? "no agent" : `agent ${named}`;
    return new ProtocolError(
      `the relayer asked this machine to prove block ${job.blockId} under another machine's name ` +
        `(graffiti ${job.evidence.graffiti} names ${whose}, not this agent ${this.ctx.account.address}); ` +
        "the proof would credit somebody else's prover, so this agent does not prove it",
      { hint: RELAYER_AT_FAULT },
    );
  }

  /** Why a job whose instance is not its evidence's is refused, and what to do about it. */
  private wrongInstance(job: Job, instance: Hex): ProtocolError {
    return new ProtocolError(
      `the relayer asked this machine to prove block ${job.blockId} with an instance that is not its evidence's ` +
        `(instance ${job.instance}, but the evidence naming this agent ${this.ctx.account.address} hashes to ` +
        `${instance}); the proof might not name this machine and would credit somebody else's prover, so this ` +
        "agent does not prove it",
      { hint: RELAYER_AT_FAULT },
    );
  }

  private onCancel(raw: unknown): void {
    const parsed = cancelParams.safeParse(raw);
    if (!parsed.success) {
      this.ctx.ui.problem(`a zkpool.cancel with invalid params: ${describe(parsed.error)}`);
      return;
    }
    const active = this.jobs.get(parsed.data.jobId);
    // A cancel for a job already done (or never seen) needs nothing; one being submitted is decided by the
    // relayer's answer to the submission.
    if (!active || active.state === "submitting") return;
    this.jobs.delete(active.job.jobId);
    active.controller.abort(new JobAbortedError(`cancelled by the relayer: ${parsed.data.reason}`));
    this.ctx.ui.jobCancelled(active.job, parsed.data.reason);
    this.pump();
  }

  /** Starts queued jobs, earliest deadline first, while there is a free slot. */
  private pump(): void {
    if (this.stopping) return;
    while (this.busy < this.ctx.concurrency) {
      let next: ActiveJob | undefined;
      for (const active of this.jobs.values()) {
        if (active.state === "queued" && (next === undefined || active.job.deadline < next.job.deadline)) next = active;
      }
      if (next === undefined) return;
      const active = next;
      active.state = "proving";
      active.startedAt = this.ctx.clock.now();
      this.ctx.ui.jobStarted(active.job, this.ctx.speed.msPerProof(active.job.difficulty));
      active.done = this.prove(active)
        .catch((error: unknown) => this.ctx.ui.jobFailed(active.job, error))
        .finally(() => {
          if (this.jobs.get(active.job.jobId) === active) this.jobs.delete(active.job.jobId);
          this.pump();
        });
    }
  }

  private async prove(active: ActiveJob): Promise<void> {
    const { job, controller, receivedAt } = active;
    const since = (): number => this.ctx.clock.now() - receivedAt;
    let proof: Hex;
    let millis: number;
    try {
      ({ proof, millis } = await this.ctx.backend.prove(job, controller.signal));
    } catch (error) {
      // Aborted: the cancel, the disconnect or the stop already said so.
      if (!controller.signal.aborted) this.ctx.ui.jobFailed(job, error);
      return;
    }
    const proved = since();
    if (controller.signal.aborted) return;
    this.ctx.speed.record(job.difficulty, millis);
    active.state = "submitting";
    try {
      // The proof alone: the evidence is the relayer's own, and the graffiti in it names this machine.
      const submitted = this.conn.request("zkpool.submit", {
        jobId: job.jobId,
        proof,
        millis: Math.round(millis),
      } satisfies SubmitParams);
      const timeline: JobTimeline = {
        queued: active.queuedAt - receivedAt,
        started: active.startedAt - receivedAt,
        proved,
        provingMs: millis,
        submitted: since(),
      };
      this.ctx.ui.jobProved(job, millis);
      await submitted;
      this.ctx.ui.jobAccepted(job, millis, timeline);
    } catch (error) {
      // Aborted: the disconnect already said so.
      if (controller.signal.aborted) return;
      if (error instanceof ConnectionError) {
        // Said once, here: the disconnect that follows finds the job stopped and does not report it again.
        controller.abort(error);
        this.ctx.ui.jobDropped(job, "the connection closed before the relayer took the proof");
      } else {
        this.ctx.ui.jobRejected(job, error);
      }
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.heartbeatInFlight || this.conn.isClosed) return;
    this.heartbeatInFlight = true;
    const msPerProof = this.ctx.speed.takeReport();
    try {
      await this.conn.request("zkpool.heartbeat", {
        // While stopping, the agent says it is full so that the relayer sends nothing new.
        busy: this.stopping ? this.ctx.concurrency : this.busy,
        ...(msPerProof === undefined ? {} : { msPerProof }),
      });
    } catch (error) {
      if (this.conn.isClosed) return;
      // A relayer that does not answer, or refuses heartbeats, has lost this session: log in again.
      this.conn.close(
        error instanceof RequestTimeoutError
          ? "the relayer stopped answering heartbeats"
          : `the relayer refused a heartbeat: ${(error as Error).message}`,
      );
    } finally {
      this.heartbeatInFlight = false;
    }
  }
}

/** Awaits `promise`, unless `signal` aborts first (then closes `conn` and rejects with the reason). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, conn: RelayerLink): Promise<T> {
  if (signal.aborted) {
    conn.close("the agent stopped");
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      conn.close("the agent stopped");
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
}
