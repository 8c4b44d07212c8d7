import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { repoRoot } from "@zkpool/common/node";

/** tsx as a loader inside the one process, so killing the process kills the program (tsx's CLI would fork). */
const TSX_LOADER = ["--import", "tsx"];

/** How long waitFor waits for a line by default: under the tests' own timeout, so that its message is seen. */
const WAIT_TIMEOUT_MS = 30_000;

/** Lines of output a failed wait shows. */
const TAIL_LINES = 30;

/** A child process whose JSON log lines are collected and can be awaited. */
export class LoggedProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly output: string[] = [];
  private waiters: Array<{
    test: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }> = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    /** What the process is, in messages (its script). */
    readonly name = "process",
  ) {
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
   * `lines.length` taken earlier: what came after it); rejects, saying what was awaited and with the process's
   * last lines, if the process exits first or no such line comes within `timeoutMs`.
   */
  waitFor(
    test: (line: Record<string, unknown>) => boolean,
    what: string,
    from = 0,
    timeoutMs = WAIT_TIMEOUT_MS,
  ): Promise<Record<string, unknown>> {
    const seen = this.lines.slice(from).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: (line: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const fail = (why: string) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.name} ${why} before: ${what}\n${this.tail()}`));
      };
      const timer = setTimeout(() => fail(`logged no such line within ${timeoutMs / 1000} s`), timeoutMs);
      this.waiters.push(waiter);
      void this.exited.then((code) => fail(`exited (${code})`));
    });
  }

  /** The process's last lines of output, for a failure message. */
  tail(lines = TAIL_LINES): string {
    const last = this.output.slice(-lines);
    return last.length > 0 ? `its last ${last.length} lines:\n${last.join("\n")}` : "(it wrote nothing)";
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
  return new LoggedProcess(child, script);
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
