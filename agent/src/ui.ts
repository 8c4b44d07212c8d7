/**
 * What the agent tells the person running it. On a terminal: short sentences to read at a glance, a progress
 * line while proving, and errors in plain words with what to do. Elsewhere (a service, a container, a pipe):
 * pino JSON lines with the same events as fields.
 *
 * Every text that comes from outside (error messages) passes through `sanitize`, which removes the access
 * key should it ever appear in one: the key never reaches the screen or a log.
 */
import type { Writable } from "node:stream";
import type { Address } from "viem";
import type { Logger } from "@zkpool/common/node";
import { shortAddress } from "@zkpool/common";
import { AgentError, errorMessage } from "./errors.js";

export interface JobInfo {
  jobId: string;
  blockId: bigint;
  /** Unix seconds. */
  deadline: number;
  difficulty: number;
}

/**
 * Where a job's time went: milliseconds since its zkpool.notify reached the session (parsed from the line),
 * at each step up to the submission written to the relayer's socket. What is not `provingMs` between
 * `started` and `proved` is the backend's own handling.
 */
export interface JobTimeline {
  /** Validated and queued. */
  queued: number;
  /** Handed to the prover backend (later than `queued` when the job waited for a free slot). */
  started: number;
  /** The backend returned the proof. */
  proved: number;
  /** The proving itself, as the backend measured it. */
  provingMs: number;
  /** zkpool.submit written (the proof as the backend returned it: nothing is encoded nor signed on the way). */
  submitted: number;
}

export interface ConnectedInfo {
  relayer: string;
  agent: Address;
  prover: Address;
  sessionId: string;
  difficulty: number;
  msPerProof: number;
  concurrency: number;
}

export interface AgentUi {
  starting(info: { name: string; agent: Address; deviceId: string; backend: string; relayer: string }): void;
  benchmarking(difficulty: number, backend: string): void;
  benchmarked(difficulty: number, msPerProof: number): void;
  connected(info: ConnectedInfo): void;
  /** A failed attempt to connect or log in, and when the next one comes. */
  retrying(error: unknown, delayMs: number): void;
  /** A working session ended, and when the agent reconnects. */
  disconnected(error: unknown, delayMs: number): void;
  jobReceived(job: JobInfo, queued: boolean): void;
  jobStarted(job: JobInfo, expectedMs: number | undefined): void;
  /** The proof is made and on its way to the relayer, which checks it before answering. */
  jobProved(job: JobInfo, millis: number): void;
  /** `timeline`: where the job's time went, up to the submission. */
  jobAccepted(job: JobInfo, millis: number, timeline: JobTimeline): void;
  jobRejected(job: JobInfo, error: unknown): void;
  jobFailed(job: JobInfo, error: unknown): void;
  jobCancelled(job: JobInfo, reason: string): void;
  /** A job this agent will not prove (stopping, or notified twice). */
  jobDropped(job: JobInfo, why: string): void;
  /**
   * A job this agent must not prove: the relayer asked for something wrong (a proof under another machine's
   * name). `error` says what and, in its hint, what to do.
   */
  jobRefused(job: JobInfo, error: unknown): void;
  /** Something the relayer sent that the agent could not use; the agent carries on. */
  problem(message: string): void;
  stopping(plan: { finishing: JobInfo[]; handingBack: JobInfo[]; graceMs: number }): void;
  stopped(): void;
  fatal(error: unknown): void;
}

/** Removes `secret` (and its form without 0x, in any case) from a text. */
export function redactor(secret: string): (text: string) => string {
  const bare = secret.replace(/^0x/i, "");
  if (bare.length < 16) return (text) => text;
  const pattern = new RegExp(`(0x)?${bare}`, "gi");
  return (text) => text.replace(pattern, "[redacted]");
}

const seconds = (ms: number): string => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function deadlineWords(deadline: number, now = Date.now()): string {
  const left = deadline * 1000 - now;
  return left >= 0 ? `deadline in ${seconds(left)}` : `deadline passed ${seconds(-left)} ago`;
}

/** The human interface: lines on `out`, errors on `err`, a live progress line when `out` is a terminal. */
export class TerminalUi implements AgentUi {
  private readonly proving = new Map<
    string,
    { job: JobInfo; started: number; expectedMs: number | undefined; provedMs?: number }
  >();
  private progressTimer: NodeJS.Timeout | undefined;
  private progressShown = false;

  constructor(
    private readonly out: Writable & { isTTY?: boolean },
    private readonly err: Writable,
    private readonly sanitize: (text: string) => string,
    private readonly live = out.isTTY === true,
  ) {}

  starting(info: { name: string; agent: Address; deviceId: string; backend: string; relayer: string }): void {
    this.line(
      `ZKPool agent "${info.name}" (access key ${shortAddress(info.agent)}, device ${info.deviceId}, ${info.backend} prover)`,
    );
  }

  benchmarking(difficulty: number, backend: string): void {
    this.line(`Measuring this machine's proving speed at difficulty ${difficulty} (${backend} prover)…`);
  }

  benchmarked(difficulty: number, msPerProof: number): void {
    this.line(`This machine proves a block in about ${seconds(msPerProof)} at difficulty ${difficulty}`);
  }

  connected(info: ConnectedInfo): void {
    this.line(
      `Connected to relayer ${info.relayer} as ${shortAddress(info.agent)} (prover ${shortAddress(info.prover)}); ` +
        `waiting for jobs, up to ${info.concurrency} at a time`,
    );
  }

  retrying(error: unknown, delayMs: number): void {
    this.problemLine(`${capitalize(this.message(error))}. Trying again in ${seconds(delayMs)}`, error);
  }

  disconnected(error: unknown, delayMs: number): void {
    this.problemLine(`Disconnected: ${this.message(error)}. Reconnecting in ${seconds(delayMs)}`, undefined);
  }

  jobReceived(job: JobInfo, queued: boolean): void {
    this.line(`Job ${job.blockId} received, ${deadlineWords(job.deadline)}${queued ? " (queued behind another)" : ""}`);
  }

  jobStarted(job: JobInfo, expectedMs: number | undefined): void {
    this.proving.set(job.jobId, { job, started: performance.now(), expectedMs });
    if (this.live && this.progressTimer === undefined) {
      this.progressTimer = setInterval(() => this.renderProgress(), 200);
      this.progressTimer.unref();
    }
    this.renderProgress();
  }

  jobProved(job: JobInfo, millis: number): void {
    const entry = this.proving.get(job.jobId);
    if (entry) entry.provedMs = millis;
    this.renderProgress();
  }

  jobAccepted(job: JobInfo, millis: number): void {
    this.endJob(job);
    this.line(
      `Proof for block ${job.blockId} accepted by the relayer: your prover is credited once Taiko verifies the block ` +
        `(proved in ${seconds(millis)})`,
    );
  }

  jobRejected(job: JobInfo, error: unknown): void {
    this.endJob(job);
    this.problemLine(`The relayer did not take the proof for block ${job.blockId}: ${this.message(error)}`, error);
  }

  jobFailed(job: JobInfo, error: unknown): void {
    this.endJob(job);
    this.problemLine(`Could not prove block ${job.blockId}: ${this.message(error)}`, error);
  }

  jobCancelled(job: JobInfo, reason: string): void {
    this.endJob(job);
    this.line(`Job ${job.blockId} cancelled by the relayer: ${this.sanitize(reason)}`);
  }

  jobDropped(job: JobInfo, why: string): void {
    this.endJob(job);
    this.line(`Job ${job.blockId} not taken: ${why}`);
  }

  jobRefused(job: JobInfo, error: unknown): void {
    this.problemLine(`Job ${job.blockId} refused: ${this.message(error)}`, error);
  }

  problem(message: string): void {
    this.line(
      `Note: the relayer sent something this agent does not understand (${this.sanitize(message)}); carrying on`,
    );
  }

  stopping(plan: { finishing: JobInfo[]; handingBack: JobInfo[]; graceMs: number }): void {
    const parts: string[] = [];
    if (plan.finishing.length > 0) {
      parts.push(
        `finishing ${plan.finishing.map((j) => `block ${j.blockId}`).join(", ")} (at most ${seconds(plan.graceMs)})`,
      );
    }
    if (plan.handingBack.length > 0) {
      parts.push(`handing ${plan.handingBack.map((j) => `block ${j.blockId}`).join(", ")} back to the pool`);
    }
    this.line(`Stopping${parts.length > 0 ? `: ${parts.join("; ")}` : ""}. Press Ctrl-C again to quit at once`);
  }

  stopped(): void {
    this.clearProgressTimer();
    this.line("Stopped");
  }

  fatal(error: unknown): void {
    this.clearProgressTimer();
    this.hideProgress();
    this.err.write(`Error: ${this.message(error)}\n`);
    const hint = error instanceof AgentError ? error.hint : undefined;
    if (hint) this.err.write(`What to do: ${this.sanitize(hint)}\n`);
  }

  private message(error: unknown): string {
    return this.sanitize(errorMessage(error));
  }

  private problemLine(text: string, error: unknown): void {
    const hint = error instanceof AgentError ? error.hint : undefined;
    this.hideProgress();
    this.err.write(`${text}${hint ? ` (${this.sanitize(hint)})` : ""}\n`);
    this.renderProgress();
  }

  private line(text: string): void {
    this.hideProgress();
    this.out.write(`${text}\n`);
    this.renderProgress();
  }

  private endJob(job: JobInfo): void {
    this.proving.delete(job.jobId);
    if (this.proving.size === 0) this.clearProgressTimer();
  }

  private clearProgressTimer(): void {
    if (this.progressTimer !== undefined) clearInterval(this.progressTimer);
    this.progressTimer = undefined;
  }

  private hideProgress(): void {
    if (this.progressShown) this.out.write("\r\x1b[2K");
    this.progressShown = false;
  }

  private renderProgress(): void {
    if (!this.live || this.proving.size === 0) return;
    const now = performance.now();
    const parts = [...this.proving.values()].map(({ job, started, expectedMs, provedMs }) => {
      if (provedMs !== undefined) {
        return `Block ${job.blockId} proved in ${seconds(provedMs)}, the relayer is checking it`;
      }
      const elapsed = now - started;
      if (expectedMs === undefined) return `Proving block ${job.blockId}: ${seconds(elapsed)}`;
      const filled = Math.min(10, Math.floor((elapsed / expectedMs) * 10));
      const bar = `[${"#".repeat(filled)}${"-".repeat(10 - filled)}]`;
      return `Proving block ${job.blockId} ${bar} ${seconds(elapsed)} of ~${seconds(expectedMs)}`;
    });
    this.out.write(`\r\x1b[2K${parts.join(" | ")}`);
    this.progressShown = true;
  }
}

/** The machine interface: one pino JSON line per event. */
export class LogUi implements AgentUi {
  constructor(
    private readonly log: Logger,
    private readonly sanitize: (text: string) => string,
  ) {}

  starting(info: { name: string; agent: Address; deviceId: string; backend: string; relayer: string }): void {
    this.log.info(info, "agent starting");
  }

  benchmarking(difficulty: number, backend: string): void {
    this.log.info({ difficulty, backend }, "measuring proving speed");
  }

  benchmarked(difficulty: number, msPerProof: number): void {
    this.log.info({ difficulty, msPerProof }, "proving speed measured");
  }

  connected(info: ConnectedInfo): void {
    this.log.info(info, `connected to relayer ${info.relayer}`);
  }

  retrying(error: unknown, delayMs: number): void {
    this.log.warn({ ...this.errorFields(error), retryInMs: delayMs }, "connection attempt failed");
  }

  disconnected(error: unknown, delayMs: number): void {
    this.log.warn({ ...this.errorFields(error), retryInMs: delayMs }, "disconnected from the relayer");
  }

  jobReceived(job: JobInfo, queued: boolean): void {
    this.log.info({ ...jobFields(job), queued }, "job received");
  }

  jobStarted(job: JobInfo, expectedMs: number | undefined): void {
    this.log.debug({ ...jobFields(job), expectedMs }, "proving");
  }

  jobProved(job: JobInfo, millis: number): void {
    this.log.debug({ ...jobFields(job), millis: Math.round(millis) }, "proof sent");
  }

  /** With the job's timeline (ms, to two decimals), logged once the relayer has answered: off the hot path. */
  jobAccepted(job: JobInfo, millis: number, timeline: JobTimeline): void {
    const round = (ms: number): number => Math.round(ms * 100) / 100;
    this.log.info(
      {
        ...jobFields(job),
        millis: Math.round(millis),
        timeline: Object.fromEntries(Object.entries(timeline).map(([step, ms]) => [step, round(ms)])),
      },
      "proof accepted",
    );
  }

  jobRejected(job: JobInfo, error: unknown): void {
    this.log.warn({ ...jobFields(job), ...this.errorFields(error) }, "proof not accepted");
  }

  jobFailed(job: JobInfo, error: unknown): void {
    this.log.error({ ...jobFields(job), ...this.errorFields(error) }, "proving failed");
  }

  jobCancelled(job: JobInfo, reason: string): void {
    this.log.info({ ...jobFields(job), reason: this.sanitize(reason) }, "job cancelled");
  }

  jobDropped(job: JobInfo, why: string): void {
    this.log.info({ ...jobFields(job), why }, "job not taken");
  }

  jobRefused(job: JobInfo, error: unknown): void {
    this.log.warn({ ...jobFields(job), ...this.errorFields(error) }, "job refused");
  }

  problem(message: string): void {
    this.log.warn({ detail: this.sanitize(message) }, "ignored a message from the relayer");
  }

  stopping(plan: { finishing: JobInfo[]; handingBack: JobInfo[]; graceMs: number }): void {
    this.log.info(
      {
        finishing: plan.finishing.map((j) => j.blockId.toString()),
        handingBack: plan.handingBack.map((j) => j.blockId.toString()),
        graceMs: plan.graceMs,
      },
      "stopping",
    );
  }

  stopped(): void {
    this.log.info("stopped");
  }

  fatal(error: unknown): void {
    this.log.fatal(this.errorFields(error), "agent stopped by an error");
  }

  private errorFields(error: unknown): Record<string, unknown> {
    return {
      error: this.sanitize(errorMessage(error)),
      errorType: error instanceof Error ? error.name : typeof error,
      ...(error instanceof AgentError && error.hint ? { hint: this.sanitize(error.hint) } : {}),
    };
  }
}

function jobFields(job: JobInfo): Record<string, unknown> {
  return { jobId: job.jobId, blockId: job.blockId.toString(), deadline: job.deadline, difficulty: job.difficulty };
}
