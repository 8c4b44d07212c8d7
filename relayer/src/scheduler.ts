import { randomBytes } from "node:crypto";
import type { Address, Hex } from "viem";
import {
  RpcErrorCode,
  agentGraffiti,
  encodeEvidence,
  verifyInstanceProof,
  type JobEvidence,
  type SubmitResult,
} from "@zkpool/common";
import { type Logger } from "@zkpool/common/node";
import type { z } from "zod";
import type { submitParams } from "@zkpool/common";
import type { AgentSession } from "./gateway/server";
import { RpcFailure } from "./gateway/rpc";
import type { Metrics } from "./metrics";
import type { AttemptOutcome, Job, Store } from "./store/types";

/**
 * Hands a checked proof on to be submitted on-chain: `input` is the encoded evidence, its graffiti `agent`'s
 * (agentGraffiti), which is who ZKPool credits.
 */
export type ProofSink = (job: Job, agent: Address, input: Hex) => void;

export interface SchedulerOptions {
  store: Store;
  /**
   * The instance a proof of `evidence` proves (the network adapter's instanceOf: Taiko's instance hash, with the
   * contract addresses and limits the chain hashes in). Each attempt has its own: the graffiti names its agent.
   */
  instanceOf: (evidence: JobEvidence) => Hex;
  difficulty: number;
  /** Seconds before the deadline when a job is also given to a second agent. */
  redundancyMarginS: number;
  /** Seconds the submission takes after the proof (send and mine). */
  submitMarginS?: number;
  log: Logger;
  metrics: Metrics;
  submit: ProofSink;
  now?: () => number;
  /** Checks a zk proof off-chain: common's verifyInstanceProof, unless a test stands in for it. */
  verifyProof?: typeof verifyInstanceProof;
}

interface Running {
  /** jobId on the wire: the block and this attempt, so a late answer to a reassigned job is recognised. */
  jobId: string;
  /** The attempt's row id in the store, once written: the row is written after the notify, off its path. */
  attempt: Promise<number | undefined>;
  session: AgentSession;
  startedAt: number;
  /** The job's evidence with this attempt's agent in the graffiti: what its proof is for. */
  evidence: JobEvidence;
  /** The instance of `evidence`, which the agent proves: a proof for another agent's graffiti does not prove it. */
  instance: Hex;
}

interface Tracked {
  job: Job;
  running: Map<string, Running>;
  /** Agents that returned a bad proof for this job or stalled on it: not asked again. */
  excluded: Set<string>;
  /** A checked proof went to the submitter: no more work on it unless the submission comes back. */
  handedOff: boolean;
  /** When the relayer saw the block proposed (ms), for the dispatch latency. */
  seenAt: number | undefined;
}

/**
 * Decides which agent proves which job. Earliest deadline first; an agent gets no more jobs than its
 * concurrency, and only jobs it can finish before the deadline at its measured speed (when no agent can, the
 * fastest free one still tries: a late proof still earns). A job goes back to the queue at once when its agent
 * disconnects, stalls past its expected time, or returns a bad proof; near its deadline a job runs on a
 * second agent too. Each attempt is for one agent: its evidence's graffiti is that agent's address, and its
 * instance binds it, so a proof is checked (off-chain) against its own attempt's instance before anything is spent
 * on it, and a proof made for another agent's graffiti is a bad proof.
 */
export class Scheduler {
  private readonly jobs = new Map<bigint, Tracked>();
  private readonly sessions = new Map<string, AgentSession>();
  private readonly now: () => number;
  private readonly verifyProof: typeof verifyInstanceProof;
  private dispatching = false;
  /** Attempts are named by this run and a counter: a late answer from before a restart matches nothing. */
  private readonly runId = randomBytes(4).toString("hex");
  private attemptCount = 0;
  private dispatchAgain = false;
  /** When each connected session was last given a job (seconds), so that idle machines share the work. */
  private readonly lastJobAt = new Map<string, number>();

  constructor(private readonly o: SchedulerOptions) {
    this.now = o.now ?? (() => Date.now() / 1000);
    this.verifyProof = o.verifyProof ?? verifyInstanceProof;
  }

  /** Loads the open jobs a previous run left (after a restart). */
  async load(): Promise<void> {
    for (const job of await this.o.store.openJobs()) this.track(job, undefined);
    this.o.metrics.queueDepth.set(this.openCount());
  }

  addJob(job: Job, seenAt?: number): void {
    if (this.jobs.has(job.blockId)) return;
    this.track(job, seenAt);
    this.o.metrics.queueDepth.set(this.openCount());
    this.dispatch();
  }

  /** The job is over (proven by anyone, or failed): stop every attempt. */
  finishJob(blockId: bigint, reason: string): void {
    const tracked = this.jobs.get(blockId);
    if (!tracked) return;
    this.jobs.delete(blockId);
    for (const [sessionId, running] of tracked.running) {
      running.session.cancel({ jobId: running.jobId, reason });
      running.session.busy = Math.max(0, running.session.busy - 1);
      this.finishAttempt(running, "cancelled", null);
      this.o.metrics.attempts.inc({ outcome: "cancelled" });
      tracked.running.delete(sessionId);
    }
    this.o.metrics.queueDepth.set(this.openCount());
    this.dispatch();
  }

  /** A submission came back without a proof on-chain (reverted, not final): prove it again. */
  reopen(job: Job): void {
    const tracked = this.jobs.get(job.blockId);
    if (tracked) tracked.handedOff = false;
    else this.track(job, undefined);
    this.o.metrics.queueDepth.set(this.openCount());
    this.dispatch();
  }

  onAuthorized(session: AgentSession): void {
    this.sessions.set(session.id, session);
    this.updateGauges();
    this.dispatch();
  }

  onHeartbeat(_session: AgentSession): void {
    // Speed updates arrive with heartbeats; nothing else to do until the next tick.
  }

  onDisconnected(session: AgentSession, reason: string): void {
    this.sessions.delete(session.id);
    this.lastJobAt.delete(session.id);
    for (const [blockId, tracked] of this.jobs) {
      const running = tracked.running.get(session.id);
      if (!running) continue;
      tracked.running.delete(session.id);
      this.finishAttempt(running, "disconnected", null);
      this.o.metrics.attempts.inc({ outcome: "disconnected" });
      this.o.log.warn({ blockId: blockId.toString(), agent: session.agent, reason }, "agent left mid-job: reassigning");
    }
    this.updateGauges();
    this.dispatch();
  }

  /** Stall detection and redundancy near deadlines; run it every second or so. */
  tick(): void {
    const now = this.now();
    for (const [blockId, tracked] of this.jobs) {
      for (const [sessionId, running] of tracked.running) {
        const expected = running.session.msPerProof / 1000;
        if (now - running.startedAt > Math.max(expected * 3, expected + 10)) {
          tracked.running.delete(sessionId);
          tracked.excluded.add(running.session.agent.toLowerCase() + running.session.deviceId);
          running.session.busy = Math.max(0, running.session.busy - 1);
          running.session.cancel({ jobId: running.jobId, reason: "stalled: reassigned" });
          this.finishAttempt(running, "stalled", null);
          this.persist(
            this.o.store.countMachineJob(running.session.agent, running.session.deviceId, "failed", Math.floor(now)),
          );
          this.o.metrics.attempts.inc({ outcome: "stalled" });
          this.o.log.warn({ blockId: blockId.toString(), agent: running.session.agent }, "agent stalled: reassigning");
        }
      }
    }
    this.dispatch();
  }

  async onSubmit(session: AgentSession, params: z.output<typeof submitParams>): Promise<SubmitResult> {
    const [blockPart] = params.jobId.split(":");
    const blockId = blockPart !== undefined && /^\d+$/.test(blockPart) ? BigInt(blockPart) : undefined;
    const tracked = blockId === undefined ? undefined : this.jobs.get(blockId);
    const running = tracked?.running.get(session.id);
    const unknownJob = () =>
      new RpcFailure(
        RpcErrorCode.UnknownJob,
        `Unknown or finished job ${params.jobId.slice(0, 64)}: it may have been proven already`,
      );
    if (!tracked || !running || running.jobId !== params.jobId) throw unknownJob();
    // The attempt can end while its proof is checked (another agent's proof taken, the job finished, the attempt
    // stalled): after each wait, its proof is taken only if the attempt still runs, so a job is handed on once.
    const ended = () => tracked.running.get(session.id) !== running;
    const { job } = tracked;
    const millis = params.millis ?? Math.round((this.now() - running.startedAt) * 1000);
    const proof = params.proof as Hex;

    const verified = await this.verifyProof(running.instance, proof, { difficulty: this.o.difficulty });
    if (ended()) throw unknownJob();
    if (!verified) {
      this.endAttempt(tracked, session, running, "bad_proof", millis);
      tracked.excluded.add(session.agent.toLowerCase() + session.deviceId);
      this.persist(this.o.store.countMachineJob(session.agent, session.deviceId, "failed", Math.floor(this.now())));
      this.o.log.warn(
        { blockId: job.blockId.toString(), agent: session.agent },
        "bad proof rejected before any gas: reassigning",
      );
      this.dispatch();
      throw new RpcFailure(
        RpcErrorCode.BadProof,
        `The proof for block ${job.blockId} does not verify for the instance notified (its evidence's graffiti ` +
          `is your agent's address): check the prover backend`,
      );
    }

    this.endAttempt(tracked, session, running, "proved", millis);
    this.persist(this.o.store.countMachineJob(session.agent, session.deviceId, "done", Math.floor(this.now())));
    tracked.handedOff = true;
    // The other agents on this job can stop: one proof is enough.
    for (const [otherId, other] of tracked.running) {
      other.session.cancel({ jobId: other.jobId, reason: "proven by another agent" });
      other.session.busy = Math.max(0, other.session.busy - 1);
      this.finishAttempt(other, "cancelled", null);
      this.o.metrics.attempts.inc({ outcome: "cancelled" });
      tracked.running.delete(otherId);
    }
    this.o.metrics.queueDepth.set(this.openCount());
    this.o.submit(job, session.agent, encodeEvidence({ ...running.evidence, proof }));
    this.dispatch();
    return { accepted: true };
  }

  /** What the status API shows of the queue. */
  snapshot() {
    const open = [...this.jobs.values()].filter((t) => !t.handedOff);
    return {
      agents: [...this.sessions.values()],
      queueDepth: open.length,
      nextDeadlines: open
        .map((t) => ({ blockId: t.job.blockId, deadline: t.job.deadline, agents: t.running.size }))
        .sort((a, b) => a.deadline - b.deadline)
        .slice(0, 10),
      currentJobs: new Map(
        [...this.jobs.values()].flatMap((t) =>
          [...t.running.values()].map((r) => [r.session.id, t.job.blockId] as const),
        ),
      ),
    };
  }

  /** Proofs the connected agents can run at once. */
  connectedCapacity(): number {
    let capacity = 0;
    for (const session of this.sessions.values()) capacity += session.concurrency;
    return capacity;
  }

  get sessionsList(): AgentSession[] {
    return [...this.sessions.values()];
  }

  /** Records how an attempt ended, once its row exists (a row that could not be written was logged then). */
  private finishAttempt(running: Running, outcome: AttemptOutcome, millis: number | null): void {
    const at = Math.floor(this.now());
    this.persist(
      running.attempt.then((id) =>
        id === undefined ? undefined : this.o.store.finishAttempt(id, outcome, millis, at),
      ),
    );
  }

  /** Store writes that nothing waits for: a failure is logged, never left as an unhandled rejection. */
  private persist(write: Promise<unknown>): void {
    write.catch((error: unknown) => this.o.log.error({ err: error }, "could not record a job attempt in the store"));
  }

  private track(job: Job, seenAt: number | undefined): void {
    this.jobs.set(job.blockId, { job, running: new Map(), excluded: new Set(), handedOff: false, seenAt });
  }

  private openCount(): number {
    let n = 0;
    for (const t of this.jobs.values()) if (!t.handedOff) n++;
    return n;
  }

  private updateGauges(): void {
    this.o.metrics.agentsConnected.set(this.sessions.size);
    this.o.metrics.capacityConnected.set(this.connectedCapacity());
  }

  private endAttempt(
    tracked: Tracked,
    session: AgentSession,
    running: Running,
    outcome: "proved" | "bad_proof",
    millis: number,
  ) {
    tracked.running.delete(session.id);
    session.busy = Math.max(0, session.busy - 1);
    this.finishAttempt(running, outcome, millis);
    this.o.metrics.attempts.inc({ outcome });
  }

  /**
   * Earliest deadline first, over jobs that need an agent, onto free agents that can finish in time. A notify
   * can close its connection at once (an agent that does not read), and the disconnect asks for a dispatch
   * while this one runs: that request runs after it, never inside it. The pass it interrupts stops there (its
   * agents and its queue are out of date: the job just given back is due first), and a new one starts.
   */
  private dispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        this.dispatchOnce();
      } while (this.dispatchAgain);
    } catch (error) {
      this.o.log.error({ err: error }, "dispatch failed; it will run again on the next event");
    } finally {
      this.dispatching = false;
    }
  }

  private dispatchOnce(): void {
    const now = this.now();
    const submitMargin = this.o.submitMarginS ?? 2;
    const waiting = [...this.jobs.values()]
      .filter((t) => !t.handedOff)
      .filter((t) => t.running.size === 0 || (t.running.size === 1 && t.job.deadline - now <= this.o.redundancyMarginS))
      .sort((a, b) => a.job.deadline - b.job.deadline || Number(a.job.blockId - b.job.blockId));
    if (waiting.length === 0) return;
    // The agents with room, found once per pass (not once per job: thousands of agents, many jobs near their
    // deadline); `busy` is checked again per job, as each start takes a slot.
    const free = [...this.sessions.values()].filter((s) => s.busy < s.concurrency);
    const fastest = free.reduce((min, s) => Math.min(min, s.msPerProof), Infinity);
    const finishesAt = (s: AgentSession) => now + s.msPerProof / 1000 + submitMargin;
    for (const tracked of waiting) {
      if (this.dispatchAgain) break;
      // A second agent is only worth it when it can finish in time: if the fastest free one cannot, none can.
      if (tracked.running.size > 0 && now + fastest / 1000 + submitMargin > tracked.job.deadline) continue;
      let best: AgentSession | undefined;
      let bestInTime = false;
      for (const s of free) {
        if (
          s.busy >= s.concurrency ||
          tracked.running.has(s.id) ||
          tracked.excluded.has(s.agent.toLowerCase() + s.deviceId)
        ) {
          continue;
        }
        // Those that finish in time come first (when no agent can, the fastest free one still tries a job nobody
        // runs: a late proof still earns); then the one with the most room; among those that finish in time, the
        // one that has waited longest for a job (else a machine rated a little faster would take every job while
        // the others idle, and their provers would earn nothing); ties to the fastest.
        const inTime = finishesAt(s) <= tracked.job.deadline;
        if (!inTime && tracked.running.size > 0) continue;
        const waitedLess = inTime ? (this.lastJobAt.get(s.id) ?? 0) - (this.lastJobAt.get(best?.id ?? "") ?? 0) : 0;
        if (
          best === undefined ||
          (inTime && !bestInTime) ||
          (inTime === bestInTime &&
            (s.busy / s.concurrency - best.busy / best.concurrency || waitedLess || s.msPerProof - best.msPerProof) < 0)
        ) {
          best = s;
          bestInTime = inTime;
        }
      }
      if (best) this.start(tracked, best);
    }
  }

  /**
   * Gives the job to the agent at once; the attempt's row is written after the notify, so the store is not on
   * the dispatch path (nothing awaits between picking the agent and notifying it, so nothing can change).
   */
  private start(tracked: Tracked, session: AgentSession): void {
    const { job } = tracked;
    const evidence: JobEvidence = { ...job.evidence, graffiti: agentGraffiti(session.agent) };
    const instance = this.o.instanceOf(evidence);
    session.busy += 1;
    const jobId = `${job.blockId}:${this.runId}-${++this.attemptCount}`;
    const attempt = this.o.store
      .startAttempt(job.blockId, session.agent, session.deviceId, Math.floor(this.now()))
      .catch((error: unknown) => {
        this.o.log.error({ err: error, blockId: job.blockId.toString() }, "could not record a job attempt");
        return undefined;
      });
    tracked.running.set(session.id, { jobId, attempt, session, startedAt: this.now(), evidence, instance });
    this.lastJobAt.set(session.id, this.now());
    session.notify({
      jobId,
      blockId: job.blockId.toString(),
      evidence,
      instance,
      deadline: job.deadline,
      difficulty: this.o.difficulty,
    });
    // The first notify for a block seen on the network: its dispatch latency, as a metric and in the log.
    let dispatchMs: number | undefined;
    if (tracked.seenAt !== undefined) {
      dispatchMs = Date.now() - tracked.seenAt;
      this.o.metrics.dispatchLatency.observe(dispatchMs / 1000);
      tracked.seenAt = undefined;
    }
    this.o.log.info(
      {
        blockId: job.blockId.toString(),
        agent: session.agent,
        deadlineIn: Math.round(job.deadline - this.now()),
        dispatchMs,
      },
      tracked.running.size > 1 ? "job given to a second agent: its deadline is near" : "job dispatched",
    );
  }
}
