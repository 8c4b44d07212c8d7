/**
 * `npm run mutate`'s last step: one table of the mutation scores that Stryker wrote for the relayer and the
 * agent (build/mutation/*.json, mutation-testing-report-schema), per file, with the files the project holds to
 * at least 80% marked. Exits 1 when one of those is below its target, so a drop is seen.
 *
 *   npm run mutate                            # runs Stryker in relayer/ and agent/, then this
 *   tsx scripts/mutation-summary.ts           # the table again, from the last reports
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** Files whose score the project holds to MUTATION_TARGET (the parts of the relayer and the agent that decide). */
const TARGETED = [
  "relayer/src/scheduler.ts",
  "relayer/src/submitter.ts",
  "relayer/src/sender.ts",
  "relayer/src/gateway/server.ts",
  "relayer/src/taiko/a4Adapter.ts",
  "relayer/src/confirmer.ts",
  "agent/src/session.ts",
  "agent/src/connection.ts",
];
const MUTATION_TARGET = 80;

type Status =
  "Killed" | "Survived" | "NoCoverage" | "Timeout" | "CompileError" | "RuntimeError" | "Ignored" | "Pending";
interface Report {
  files: Record<string, { mutants: Array<{ status: Status }> }>;
}

interface Row {
  file: string;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  /** Killed or timed out, of every mutant that is valid (Stryker's "total" score), in percent. */
  score: number;
}

const root = path.resolve(__dirname, "..");

function rowsOf(workspace: string): Row[] {
  const file = path.join(root, "build", "mutation", `${workspace}.json`);
  if (!existsSync(file)) {
    throw new Error(`No mutation report at ${path.relative(root, file)}: run \`npm run mutate\` first.`);
  }
  const report = JSON.parse(readFileSync(file, "utf8")) as Report;
  return Object.entries(report.files).map(([name, { mutants }]) => {
    const count = (status: Status) => mutants.filter((m) => m.status === status).length;
    const killed = count("Killed");
    const timeout = count("Timeout");
    const survived = count("Survived");
    const noCoverage = count("NoCoverage");
    const valid = killed + timeout + survived + noCoverage;
    return {
      file: path.posix.join(workspace, name.split(path.sep).join("/")),
      killed,
      timeout,
      survived,
      noCoverage,
      score: valid === 0 ? 100 : ((killed + timeout) * 100) / valid,
    };
  });
}

const say = (text: string) => process.stdout.write(`${text}\n`);

function main(): void {
  const rows = ["relayer", "agent"].flatMap(rowsOf).sort((a, b) => a.file.localeCompare(b.file));
  const width = Math.max(...rows.map((r) => r.file.length), 4);
  const line = (cells: string[]) => say(cells.join("  "));
  line(["file".padEnd(width), " score", "killed", "timeout", "survived", "no cov", "target"]);
  const short: Row[] = [];
  for (const row of rows) {
    const targeted = TARGETED.includes(row.file);
    if (targeted && row.score < MUTATION_TARGET) short.push(row);
    line([
      row.file.padEnd(width),
      `${row.score.toFixed(1).padStart(5)}%`,
      String(row.killed).padStart(6),
      String(row.timeout).padStart(7),
      String(row.survived).padStart(8),
      String(row.noCoverage).padStart(6),
      targeted ? `${MUTATION_TARGET}%${row.score < MUTATION_TARGET ? " (below)" : ""}` : "",
    ]);
  }
  const missing = TARGETED.filter((file) => !rows.some((r) => r.file === file));
  for (const file of missing) say(`${file}: not in the reports (is it still mutated?)`);
  if (short.length > 0 || missing.length > 0) {
    say(`\n${short.length + missing.length} targeted file(s) below ${MUTATION_TARGET}% or missing.`);
    process.exitCode = 1;
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 2;
}
