/**
 * The repository's services (the relayer, the agent) run as their own processes, as a person would run them:
 * what `npm start` starts, and what the relayer's end-to-end tests and benchmark start. Nothing here is imported
 * by a package's own code (relayer/src, agent/src), so none of it reaches a production build.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Hex } from "viem";
import { repoRoot } from "@zkpool/common/node";

/** How long waitFor waits for a line unless told otherwise. */
const WAIT_TIMEOUT_MS = 30_000;

/** Lines of output a failed wait shows, and what a service that keeps no history remembers. */
const TAIL_LINES = 40;

/** How long stop() gives a service after SIGTERM before it kills it. */
const STOP_GRACE_MS = 20_000;

/** One line of a service's output: its JSON log line, or `{ msg: text }` for a line that is not JSON. */
export type ServiceLine = Record<string, unknown>;

export interface ServiceOptions {
  /** What the service is, in messages ("the relayer", "agent rig-1"). */
  name: string;
  /** The script, from the repository's root (relayer/src/main.ts). */
  script: string;
  args?: readonly string[];
  /** Its environment on top of this process's (the service's settings). */
  env?: Record<string, string>;
  /** Modules preloaded with --import after tsx (npm start's leash). */
  preload?: readonly string[];
  /**
   * Its own process group, so that a Ctrl-C on the terminal reaches this process only, which stops the service
   * itself, in order.
   */
  detached?: boolean;
  /**
   * Keep every line (`lines`, `output`), so that waitFor finds lines already written and a test can read the
   * whole log (the default); false for a long-running service: only the last lines are kept, for messages.
   */
  keepHistory?: boolean;
  /** Each line as it comes. */
  onLine?: (text: string, stream: "stdout" | "stderr") => void;
  /** The service exited without stop() or kill() asking it to. */
  onUnexpectedExit?: (error: Error) => void;
}

/** A service running as a child process, its output read line by line. */
export class ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Its lines, parsed (see keepHistory). */
  readonly lines: ServiceLine[] = [];
  /** Its lines as written (see keepHistory). */
  readonly output: string[] = [];
  /** Resolves with its exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  private readonly keepHistory: boolean;
  private stopping = false;
  private waiters: Array<{ test: (line: ServiceLine) => boolean; resolve: (line: ServiceLine) => void }> = [];

  constructor(
    child: ChildProcess,
    options: Pick<ServiceOptions, "name" | "keepHistory" | "onLine" | "onUnexpectedExit">,
  ) {
    this.name = options.name;
    this.child = child;
    this.keepHistory = options.keepHistory ?? true;
    for (const [stream, input] of [
      ["stdout", child.stdout],
      ["stderr", child.stderr],
    ] as const) {
      if (!input) continue;
      createInterface({ input }).on("line", (text) => this.read(text, stream, options.onLine));
    }
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        if (!this.stopping) {
          options.onUnexpectedExit?.(new Error(`${this.name} exited (${signal ?? `code ${code}`}) unexpectedly`));
        }
        resolve(code);
      }),
    );
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  private read(text: string, stream: "stdout" | "stderr", onLine: ServiceOptions["onLine"]): void {
    onLine?.(text, stream);
    let line: ServiceLine;
    try {
      const parsed: unknown = JSON.parse(text);
      line = typeof parsed === "object" && parsed !== null ? (parsed as ServiceLine) : { msg: text };
    } catch {
      line = { msg: text };
    }
    this.output.push(text);
    if (this.keepHistory) this.lines.push(line);
    else if (this.output.length > TAIL_LINES) this.output.shift();
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  /**
   * Resolves with the first line (already written, when the history is kept, or to come) that passes `test`,
   * looking only from line `from` on (a `lines.length` taken earlier: what came after it). Rejects, saying what
   * was awaited and with the service's last lines, if the service exits first or no such line comes within
   * `timeoutMs`.
   */
  waitFor(
    test: (line: ServiceLine) => boolean,
    what: string,
    from = 0,
    timeoutMs = WAIT_TIMEOUT_MS,
  ): Promise<ServiceLine> {
    const seen = this.lines.slice(from).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: (line: ServiceLine) => {
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

  /** The service's last lines of output, for a failure message. */
  tail(lines = TAIL_LINES): string {
    const last = this.output.slice(-lines);
    return last.length > 0 ? `its last ${last.length} lines:\n${last.join("\n")}` : "(it wrote nothing)";
  }

  /** SIGTERM (the service's graceful stop), then SIGKILL if it has not stopped within `graceMs`. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Sends `signal` (SIGKILL: a crash for real) if the service still runs; its exit is then no surprise. */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    this.stopping = true;
    if (this.running) this.child.kill(signal);
  }

  private get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

/** Every service still running: killed when this process exits by any path, so that none outlives it. */
const live = new Set<ServiceProcess>();
process.on("exit", () => {
  for (const service of live) service.kill();
});

/**
 * Starts a TypeScript service with tsx as a loader inside the one process (tsx's CLI would fork, and a signal
 * to the process would not reach the program).
 */
export function startService(options: ServiceOptions): ServiceProcess {
  const preload = (options.preload ?? []).flatMap((module) => ["--import", module]);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", ...preload, path.join(repoRoot, options.script), ...(options.args ?? [])],
    {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: options.detached ?? false,
    },
  );
  return new ServiceProcess(child, options);
}

/** What a relayer needs to know of a local chain, and where it listens (on 127.0.0.1). */
export interface LocalRelayerOptions {
  rpcUrl: string;
  chainId: number;
  /** Where deployments/<chainId>.json of this chain is. */
  deploymentsDir: string;
  relayerKey: Hex;
  gatewayPort: number;
  httpPort: number;
  /** Its embedded PGlite store; the relayer's default when unset. */
  dataDir?: string;
  pollIntervalMs?: number;
  harvestIntervalMs?: number;
  capacityIntervalMs?: number;
  /** How often it confirms (credits) recorded proofs of verified blocks. */
  confirmIntervalMs?: number;
  logLevel?: string;
}

/**
 * The relayer's settings for a local chain, as the environment `npm run relayer` (and loadConfig) reads them
 * (relayer/.env.example): its own embedded store, never a database from the shell, for the chain is new and so
 * is the relayer's state; JSON logs. `extra` adds or overrides settings.
 */
export function localRelayerEnv(o: LocalRelayerOptions, extra: Record<string, string> = {}): Record<string, string> {
  const optional = {
    DATA_DIR: o.dataDir,
    POLL_INTERVAL_MS: o.pollIntervalMs,
    HARVEST_INTERVAL_MS: o.harvestIntervalMs,
    CAPACITY_INTERVAL_MS: o.capacityIntervalMs,
    CONFIRM_INTERVAL_MS: o.confirmIntervalMs,
    LOG_LEVEL: o.logLevel,
  };
  return {
    RPC_URL: o.rpcUrl,
    CHAIN_ID: String(o.chainId),
    DEPLOYMENTS_DIR: o.deploymentsDir,
    RELAYER_PRIVATE_KEY: o.relayerKey,
    DATABASE_URL: "",
    DATABASE_SCHEMA: "",
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: String(o.gatewayPort),
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: String(o.httpPort),
    LOG_FORMAT: "json",
    ...Object.fromEntries(
      Object.entries(optional).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]])),
    ),
    ...extra,
  };
}

/** The relayer service (`npm run relayer`). */
export const RELAYER_SCRIPT = "relayer/src/main.ts";

/**
 * The agent daemon (`npm run agent`) for a relayer's gateway on 127.0.0.1: `args` are its options, `env` its
 * environment, where its key travels (not on the command line, as agent/README.md advises).
 */
export function agentService(
  key: string,
  gatewayPort: number,
  args: readonly string[] = [],
  env: Record<string, string> = {},
): Pick<ServiceOptions, "script" | "args" | "env"> {
  return {
    script: "agent/src/cli.ts",
    args: ["--relayer", `127.0.0.1:${gatewayPort}`, ...args],
    env: { ZKPOOL_AGENT_KEY: key, ...env },
  };
}
