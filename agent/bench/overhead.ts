/**
 * `npm run bench:agent [-- --jobs N --rounds R]`: what the agent adds to proving.
 *
 * In one run, at the same difficulty, it proves N blocks twice: by calling proveInstance directly, and through
 * the real agent process (spawned as `npm run agent` would) fed by a scripted relayer over TCP, one job at a
 * time as a relayer does with a one-slot agent: notify, wait for the submission, next. The two are
 * interleaved in rounds (direct, agent, agent, direct, …) so that a change in the machine's load hits both.
 *
 * It prints the ratio of wall times (agent ÷ direct), and the agent's own overhead, which a loaded machine
 * disturbs far less: per job, the time from notify to submission minus the Groth16 proving time the agent
 * reports, less the same difference for a direct call (proveInstance's own work around fullProve), as a
 * share of the proving time. Target: ≤ 3%. Every proof and signature the agent sent is verified afterwards
 * (not while timing, so that verifying does not compete with the agent for the CPU).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { proveInstance, shutdownProver } from "@zkpool/common";
import { ScriptedRelayer, makeJob, type Submission } from "../test/helpers/scriptedRelayer.js";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "24" },
    rounds: { type: "string", default: "4" },
    difficulty: { type: "string", default: "1" },
  },
});
const JOBS = Number(values.jobs);
const ROUNDS = Number(values.rounds);
const DIFFICULTY = Number(values.difficulty);
if (![JOBS, ROUNDS, DIFFICULTY].every((n) => Number.isInteger(n) && n > 0) || JOBS % ROUNDS !== 0) {
  throw new Error("--jobs, --rounds and --difficulty must be positive integers, with --jobs a multiple of --rounds");
}
const PER_ROUND = JOBS / ROUNDS;
const agentDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const relayer = await new ScriptedRelayer(DIFFICULTY, false).listen();
  const key = generatePrivateKey();
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "--relayer", relayer.address], {
    cwd: agentDir,
    env: { ...process.env, ZKPOOL_AGENT_KEY: key, LOG_FORMAT: "json", LOG_LEVEL: "info" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = once(child, "exit");
  out(`agent overhead at difficulty ${DIFFICULTY}: ${JOBS} jobs each way, in ${ROUNDS} rounds`);
  const login = await relayer.nextLogin();
  out(`agent logged in (start-up benchmark: ${login.authorize.speed.msPerProof} ms per proof)`);

  interface Sample {
    /** Wall time: the direct call, or notify to submission. */
    wall: number;
    /** fullProve's time inside it. */
    proving: number;
  }
  const throughAgent = async (): Promise<Sample> => {
    const job = makeJob(DIFFICULTY, 3_600);
    const submitted = relayer.nextSubmission();
    const started = performance.now();
    login.conn.notify(job);
    const submission: Submission = await submitted;
    const wall = performance.now() - started;
    return { wall, proving: submission.params.millis ?? wall };
  };
  const direct = async (): Promise<Sample> => {
    const job = makeJob(DIFFICULTY, 3_600);
    const started = performance.now();
    const { millis } = await proveInstance(job.instance as Hex, { difficulty: DIFFICULTY });
    return { wall: performance.now() - started, proving: millis };
  };

  // Warm both paths: keys loaded, worker threads up, JIT done.
  for (let i = 0; i < 2; i++) {
    await direct();
    await throughAgent();
  }
  relayer.submissions.length = 0;

  const directSamples: Sample[] = [];
  const agentSamples: Sample[] = [];
  const total = (samples: Sample[], field: keyof Sample): number => samples.reduce((sum, s) => sum + s[field], 0);
  for (let round = 0; round < ROUNDS; round++) {
    const runDirect = async (): Promise<void> => {
      for (let i = 0; i < PER_ROUND; i++) directSamples.push(await direct());
    };
    const runAgent = async (): Promise<void> => {
      for (let i = 0; i < PER_ROUND; i++) agentSamples.push(await throughAgent());
    };
    if (round % 2 === 0) {
      await runDirect();
      await runAgent();
    } else {
      await runAgent();
      await runDirect();
    }
    out(
      `  round ${round + 1}/${ROUNDS}: direct ${(total(directSamples, "wall") / 1000).toFixed(2)} s, ` +
        `agent ${(total(agentSamples, "wall") / 1000).toFixed(2)} s`,
    );
  }

  child.kill("SIGINT");
  const [code] = await exited;

  let valid = 0;
  for (const submission of relayer.submissions) {
    await relayer.check(submission, login.authorize.agent as `0x${string}`);
    if (submission.proofValid && submission.signatureValid) valid++;
  }
  await relayer.close();
  await shutdownProver();

  const perJob = (samples: Sample[], field: keyof Sample): number => total(samples, field) / samples.length;
  const around = (samples: Sample[]): number[] => samples.map((s) => s.wall - s.proving);
  const directAround = perJob(directSamples, "wall") - perJob(directSamples, "proving");
  const agentAround = perJob(agentSamples, "wall") - perJob(agentSamples, "proving");
  const added = agentAround - directAround;
  const addedMedian = median(around(agentSamples)) - median(around(directSamples));
  const overhead = added / perJob(agentSamples, "proving");
  const ratio = total(agentSamples, "wall") / total(directSamples, "wall");
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  out("");
  out(
    `direct proveInstance      ${ms(perJob(directSamples, "wall"))} per proof (fullProve ${ms(perJob(directSamples, "proving"))})`,
  );
  out(
    `through the agent         ${ms(perJob(agentSamples, "wall"))} per job, notify to submission (fullProve ${ms(perJob(agentSamples, "proving"))})`,
  );
  out(
    `added by the agent        ${ms(added)} per job (median ${ms(addedMedian)}) = ${(overhead * 100).toFixed(2)}% of proving`,
  );
  out(
    `wall-time ratio           agent ÷ direct = ${ratio.toFixed(3)} (includes the machine's load swings between runs)`,
  );
  out(`proofs and signatures     ${valid}/${relayer.submissions.length} valid; agent exited with ${code}`);
  out(`target ≤ 3% overhead:     ${overhead <= 0.03 ? "met" : "NOT met"}`);
  if (valid !== JOBS || code !== 0) process.exitCode = 1;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
