/**
 * `npm run bench:agent [-- --jobs N --difficulty D]`: what the agent adds to proving.
 *
 * In one run, at the same difficulty, it proves N blocks twice: by calling proveInstance directly, in this
 * process (the built-in backend's prover, as warm as the agent's), and through the real agent process
 * (spawned as `npm run agent` would) fed by a scripted relayer over TCP, one job at a time as a relayer does
 * with a one-slot agent: notify, wait for the submission, next. The two alternate job by job (direct then
 * agent, agent then direct, …) so that a change in the machine's load hits both alike.
 *
 * The agent's overhead is, per job, the time from notify to the submission read by the relayer minus the
 * proving time the agent reports, less the same difference for a direct call (proveInstance's own work
 * around the proving): medians, with the 10th–90th percentiles, as a share of the median proving time.
 * Target: ≤ 3%. The agent's log says where its part went (the timeline of each accepted proof). Every proof
 * the agent sent is verified afterwards (not while timing, so that verifying does not compete
 * with the agent for the CPU).
 *
 * The agent logs at LOG_LEVEL (default info; below info, no timelines); BENCH_AGENT_NODE_ARGS adds Node
 * options to the agent's process (say `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { proveInstance, shutdownProver } from "@zkpool/common";
import type { JobTimeline } from "../src/ui.js";
import { ScriptedRelayer, makeJob, type Submission } from "../test/helpers/scriptedRelayer.js";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "40" },
    difficulty: { type: "string", default: "1" },
  },
});
const JOBS = Number(values.jobs);
const DIFFICULTY = Number(values.difficulty);
if (![JOBS, DIFFICULTY].every((n) => Number.isInteger(n) && n > 0)) {
  throw new Error("--jobs and --difficulty must be positive integers");
}
const WARM_UP = 3;
const agentDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

interface Sample {
  /** Wall time: the direct call, or notify to submission. */
  wall: number;
  /** The proving inside it, as the prover measured it. */
  proving: number;
}

async function main(): Promise<void> {
  const relayer = await new ScriptedRelayer(DIFFICULTY, false).listen();
  const key = generatePrivateKey();
  const agent = privateKeyToAccount(key).address;
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_AGENT_NODE_ARGS ?? "").split(" ").filter(Boolean),
      "--import",
      "tsx",
      "src/cli.ts",
      "--relayer",
      relayer.address,
    ],
    {
      cwd: agentDir,
      env: { ...process.env, ZKPOOL_AGENT_KEY: key, LOG_FORMAT: "json", LOG_LEVEL: process.env.LOG_LEVEL ?? "info" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const exited = once(child, "exit");
  // The agent's log: the timeline of each accepted proof, by job.
  const timelines = new Map<string, JobTimeline>();
  let pending = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      let entry: { msg?: string; jobId?: string; timeline?: JobTimeline };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if (entry.msg === "proof accepted" && entry.jobId && entry.timeline) timelines.set(entry.jobId, entry.timeline);
    }
  });
  out(`agent overhead at difficulty ${DIFFICULTY}: ${JOBS} jobs each way, alternating`);
  const login = await relayer.nextLogin();
  out(`agent logged in (start-up benchmark: ${login.authorize.speed.msPerProof} ms per proof)`);

  const jobIds: string[] = [];
  /** From the submission's arrival to the benchmark holding it parsed: the scripted relayer's part. */
  const relayerMs: number[] = [];
  const throughAgent = async (): Promise<Sample> => {
    const job = makeJob(agent, DIFFICULTY, 3_600);
    const submitted = relayer.nextSubmission();
    const started = performance.now();
    login.conn.notify(job);
    const submission: Submission = await submitted;
    // Until the submission's line reached the relayer: the relayer's own parsing is not the agent's.
    const wall = submission.arrivedAt - started;
    relayerMs.push(performance.now() - submission.arrivedAt);
    jobIds.push(job.jobId);
    return { wall, proving: submission.params.millis ?? wall };
  };
  const direct = async (): Promise<Sample> => {
    const job = makeJob(agent, DIFFICULTY, 3_600);
    const started = performance.now();
    const { millis } = await proveInstance(job.instance as Hex, { difficulty: DIFFICULTY });
    return { wall: performance.now() - started, proving: millis };
  };

  // Warm both paths: keys loaded, witness calculators built, worker threads up, JIT done.
  for (let i = 0; i < WARM_UP; i++) {
    await direct();
    await throughAgent();
  }
  relayer.submissions.length = 0;
  jobIds.length = 0;
  relayerMs.length = 0;

  const directSamples: Sample[] = [];
  const agentSamples: Sample[] = [];
  for (let i = 0; i < JOBS; i++) {
    if (i % 2 === 0) {
      directSamples.push(await direct());
      agentSamples.push(await throughAgent());
    } else {
      agentSamples.push(await throughAgent());
      directSamples.push(await direct());
    }
    if ((i + 1) % 10 === 0 || i + 1 === JOBS) out(`  ${i + 1}/${JOBS} jobs each way`);
  }

  // The "proof accepted" lines come after the submissions: wait until each job has its timeline (if logged).
  const logged = performance.now();
  while (timelines.size > 0 && jobIds.some((id) => !timelines.has(id)) && performance.now() - logged < 5_000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGINT");
  const [code] = await exited;

  let valid = 0;
  for (const submission of relayer.submissions) {
    await relayer.check(submission);
    if (submission.proofValid) valid++;
  }
  await relayer.close();
  await shutdownProver();

  const around = (samples: Sample[]): number[] => samples.map((s) => s.wall - s.proving);
  const directAround = stats(around(directSamples));
  const agentAround = stats(around(agentSamples));
  const proving = stats(agentSamples.map((s) => s.proving));
  const added = agentAround.p50 - directAround.p50;
  const addedMean = agentAround.mean - directAround.mean;
  const overhead = added / proving.p50;
  const ms = (value: number): string => `${value.toFixed(2)} ms`;
  const spread = (s: Stats): string => `(p10 ${ms(s.p10)}, p90 ${ms(s.p90)})`;
  out("");
  out(
    `direct proveInstance      ${ms(stats(directSamples.map((s) => s.wall)).p50)} per proof, ` +
      `proving ${ms(stats(directSamples.map((s) => s.proving)).p50)}, around it ${ms(directAround.p50)} ${spread(directAround)}`,
  );
  out(
    `through the agent         ${ms(stats(agentSamples.map((s) => s.wall)).p50)} per job, notify to submission, ` +
      `proving ${ms(proving.p50)}, around it ${ms(agentAround.p50)} ${spread(agentAround)}`,
  );

  // Where the agent's part went (p50 of each step; the steps' medians need not add up to the total's).
  const lines = jobIds.flatMap((id, i) => {
    const t = timelines.get(id);
    const sample = agentSamples[i];
    return t && sample ? [{ t, wall: sample.wall }] : [];
  });
  if (lines.length > 0) {
    const step = (label: string, f: (t: JobTimeline, wall: number) => number): void => {
      out(`  ${label.padEnd(44)}${ms(stats(lines.map(({ t, wall }) => f(t, wall))).p50)}`);
    };
    out(`the agent's timeline (p50 of ${lines.length} jobs):`);
    step("notify parsed → validated and queued", (t) => t.queued);
    step("queued → handed to the backend", (t) => t.started - t.queued);
    step("backend's own handling around proving", (t) => t.proved - t.started - t.provingMs);
    step("proof → zkpool.submit written", (t) => t.submitted - t.proved);
    step("over TCP: notify in, submission out", (t, wall) => wall - t.submitted);
  }
  out(`the scripted relayer's parsing of each submission, not counted: ${ms(stats(relayerMs).p50)} (p50)`);
  out(
    `added by the agent        ${ms(added)} per job (p50; mean ${ms(addedMean)}) = ${(overhead * 100).toFixed(2)}% of proving`,
  );
  out(`proofs                    ${valid}/${relayer.submissions.length} valid; agent exited with ${code}`);
  out(`target ≤ 3% overhead:     ${overhead <= 0.03 ? "met" : "NOT met"}`);
  if (valid !== JOBS || code !== 0) process.exitCode = 1;
}

interface Stats {
  p10: number;
  p50: number;
  p90: number;
  mean: number;
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => {
    const i = (sorted.length - 1) * q;
    const lo = sorted[Math.floor(i)] ?? 0;
    const hi = sorted[Math.ceil(i)] ?? 0;
    return lo + (hi - lo) * (i - Math.floor(i));
  };
  return {
    p10: at(0.1),
    p50: at(0.5),
    p90: at(0.9),
    mean: values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length),
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
