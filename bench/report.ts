import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { shutdownProver } from "@zkpool/common";
import { repoRoot } from "@zkpool/common/node";

/** The median of gas figures. */
export function median(values: readonly bigint[]): bigint {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error("median of no values");
  return middle;
}

/** The p-th percentile (0–100) of timings, nearest rank: the smallest value at least p% of them do not exceed. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const value = sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
  if (value === undefined) throw new Error("percentile of no values");
  return value;
}

/** Writes a benchmark's figures to build/bench/<name>.json (bigints as strings) and says where. */
export function writeReport(name: string, report: object): void {
  const out = path.join(repoRoot, "build", "bench", `${name}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  const json = JSON.stringify(
    report,
    (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
    2,
  );
  writeFileSync(out, `${json}\n`);
  console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
}

/** Runs a benchmark, stops snarkjs' threads, and exits 0, or 1 with the error. */
export function runBenchmark(main: () => Promise<void>): void {
  main()
    .then(() => shutdownProver())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
}
