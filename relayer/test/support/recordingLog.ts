/** A logger for in-process tests that keeps what it is told, and lets a test await a line. */
import type { Logger } from "@zkpool/common/node";

export interface Logged {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

export interface RecordingLog {
  log: Logger;
  lines: Logged[];
  /** The first line (already logged or to come) that matches. */
  next(matches: (line: Logged) => boolean): Promise<Logged>;
}

export function recordingLog(): RecordingLog {
  const lines: Logged[] = [];
  const waiters: Array<{ matches: (line: Logged) => boolean; resolve: (line: Logged) => void }> = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown> | string, msg = "") => {
      const line = typeof fields === "string" ? { level, fields: {}, msg: fields } : { level, fields, msg };
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.matches(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    };
  const log = {
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    isLevelEnabled: () => true,
    // Children log into the same lines (without their bindings).
    child: () => log,
  };
  return {
    log: log as unknown as Logger,
    lines,
    next: (matches) => {
      const seen = lines.find(matches);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ matches, resolve }));
    },
  };
}
