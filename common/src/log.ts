import pino, { type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Human-readable lines (for a terminal) instead of one JSON object per line. */
  pretty?: boolean;
}

/**
 * The one logger factory of every ZKPool service: pino, JSON lines for machines, readable lines on a
 * terminal. Secrets never reach a log: any field named like a key is redacted.
 */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  return pino({
    name,
    level: options.level ?? "info",
    redact: {
      paths: ["privateKey", "*.privateKey", "key", "*.key", "accessKey", "*.accessKey", "mnemonic", "*.mnemonic"],
      censor: "[redacted]",
    },
    ...(options.pretty
      ? {
          transport: {
            target: "pino-pretty",
            options: {
              colorize: true,
              translateTime: "HH:MM:ss",
              ignore: "pid,hostname,name,component",
              messageFormat: "{if component}[{component}] {end}{msg}",
            },
          },
        }
      : {}),
  });
}
