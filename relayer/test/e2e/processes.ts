import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { repoRoot } from "@zkpool/common/node";

/** tsx as a loader inside the one process, so killing the process kills the program (tsx's CLI would fork). */
const TSX_LOADER = ["--import", "tsx"];

/** A child process whose JSON log lines are collected and can be awaited. */
export class LoggedProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly output: string[] = [];
  private waiters: Array<{
    test: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }> = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on("line", (text) => {
        this.output.push(text);
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          line = { msg: text };
        }
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => {
          if (!w.test(line)) return true;
          w.resolve(line);
          return false;
        });
      });
    }
    this.exited = new Promise((resolve) => child.once("exit", resolve));
  }

  /**
   * Resolves with the first log line (past or future) that passes `test`, looking only from line `from` on (a
   * `lines.length` taken earlier: what came after it); rejects if the process exits first.
   */
  waitFor(test: (line: Record<string, unknown>) => boolean, what: string, from = 0): Promise<Record<string, unknown>> {
    const seen = this.lines.slice(from).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      this.waiters.push({ test, resolve });
      void this.exited.then((code) =>
        reject(new Error(`process exited (${code}) before: ${what}\n${this.output.slice(-30).join("\n")}`)),
      );
    });
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }
}

export function startTsx(script: string, args: string[], env: NodeJS.ProcessEnv): LoggedProcess {
  const child = spawn(process.execPath, [...TSX_LOADER, path.join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new LoggedProcess(child);
}

/** An agent daemon for `key`, connected to the relayer's gateway. The key travels in the environment. */
export function startAgent(key: string, gatewayPort: number, extra: string[] = []): LoggedProcess {
  return startTsx("agent/src/cli.ts", ["--relayer", `127.0.0.1:${gatewayPort}`, ...extra], { ZKPOOL_AGENT_KEY: key });
}

/**
 * The relayer service (`npm run relayer`) as its own process, with `env` as its settings (see
 * LocalPool.relayerEnv). Resolves once it logs that it runs; SIGKILL it to crash it for real.
 */
export async function startRelayerProcess(env: Record<string, string>): Promise<LoggedProcess> {
  // Info level at least: the tests await its info lines.
  const relayer = startTsx("relayer/src/main.ts", [], { ...env, LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "info" });
  await relayer.waitFor((l) => l.msg === "relayer running", "the relayer starts");
  return relayer;
}

/** The hash of the relayer's next transaction sent for `purpose` (submit, harvest, capacity…). */
export async function sentTransaction(relayer: LoggedProcess, purpose: string): Promise<`0x${string}`> {
  const line = await relayer.waitFor(
    (l) => l.msg === "transaction sent" && l.purpose === purpose,
    `the relayer sends a ${purpose} transaction`,
  );
  return line.hash as `0x${string}`;
}
