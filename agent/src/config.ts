/**
 * The agent's configuration: the command line and the environment, checked against one schema. This is the
 * only file that reads `process.env` or `process.argv`. Errors say which option is wrong and what was given,
 * except for the access key, which is never repeated back.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import type { Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { ConfigError } from "./errors.js";

export const AGENT_VERSION = "0.1.0";

/** The environment variable that carries the access key, so it need not appear in the process list. */
export const KEY_ENV = "ZKPOOL_AGENT_KEY";

export type BackendName = "builtin" | "proverd";

export interface AgentConfig {
  /** The access key: a secp256k1 private key. Never logged, never sent (it only signs). */
  key: Hex;
  relayer: { host: string; port: number };
  name: string;
  concurrency: number;
  backend: BackendName;
  /** proverd's JSON-RPC endpoint; set exactly when `backend` is "proverd". */
  proverdUrl: string | undefined;
  /** Undefined: derived from the machine and the key's address once the key is loaded (see deriveDeviceId). */
  deviceId: string | undefined;
  /** After the first Ctrl-C, how long a job in progress may still take before it is handed back. */
  gracePeriodMs: number;
  log: { level: string; format: "pretty" | "json" | undefined };
}

export const USAGE = `Usage: npm run agent -- --key <access key> --relayer <host:port> [options]

Connects this machine to a ZKPool relayer and proves the jobs it hands out.

  --key <0x…>            the access key the dApp showed you (64 hex digits). Better: put it in the
                         environment as ${KEY_ENV}=0x… so that it does not show in the process list
  --relayer <host:port>  the relayer's agent gateway, e.g. 127.0.0.1:7700
  --name <name>          how this machine appears in the dApp (default: the host name)
  --concurrency <n>      jobs proven at the same time (default 1)
  --backend <name>       builtin (the pool's own circuit, default) or proverd (Taiko's zkevm proverd)
  --proverd-url <url>    proverd's JSON-RPC endpoint, with --backend proverd, e.g. http://127.0.0.1:9000
  --device-id <id>       this machine's id (default: derived from the host and the key's address)
  --grace-period <s>     on Ctrl-C, seconds a job in progress may still take before it is handed back
                         (default 30); a second Ctrl-C quits at once
  --help, --version

Environment: ${KEY_ENV} (the access key), LOG_LEVEL (trace…error, default info), LOG_FORMAT (pretty or
json; default pretty on a terminal, json otherwise).`;

const hostPort = /^(?:\[(?<v6>[0-9a-fA-F:.]+)\]|(?<host>[A-Za-z0-9._-]+)):(?<port>\d{1,5})$/;

const schema = z.object({
  key: z
    .string({ required_error: `the access key is missing: pass --key 0x… or set ${KEY_ENV}` })
    .regex(
      /^0x[0-9a-fA-F]{64}$/,
      "the access key must be 0x followed by 64 hex digits, as the dApp showed it (it is not shown here)",
    )
    .transform((v) => v as Hex),
  relayer: z.string({ required_error: "--relayer is missing: pass --relayer host:port" }).transform((value, ctx) => {
    const match = hostPort.exec(value);
    const port = Number(match?.groups?.port);
    if (!match || port < 1 || port > 65_535) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `--relayer must be host:port, got "${value}"` });
      return z.NEVER;
    }
    return { host: match.groups?.v6 ?? match.groups?.host ?? "", port };
  }),
  name: z.string().trim().min(1, "--name must not be empty").max(64, "--name must be at most 64 characters").optional(),
  concurrency: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return 1;
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 1 || n > 256) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `--concurrency must be a whole number 1–256, got "${value}"`,
        });
        return z.NEVER;
      }
      return n;
    }),
  backend: z
    .string()
    .optional()
    .transform((value, ctx): BackendName => {
      if (value === undefined || value === "builtin" || value === "proverd") return value ?? "builtin";
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `--backend must be builtin or proverd, got "${value}"` });
      return z.NEVER;
    }),
  proverdUrl: z
    .string()
    .optional()
    .refine((value) => value === undefined || /^https?:\/\/[^\s/]+/.test(value), {
      message: "--proverd-url must be an http:// or https:// URL",
    }),
  deviceId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, "--device-id must be 1–64 letters, digits, '.', '_', ':' or '-'")
    .optional(),
  gracePeriod: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return 30_000;
      const seconds = Number(value);
      if (value.trim() === "" || !Number.isFinite(seconds) || seconds < 0 || seconds > 3_600) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `--grace-period must be seconds 0–3600, got "${value}"` });
        return z.NEVER;
      }
      return Math.round(seconds * 1000);
    }),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"], {
    errorMap: () => ({ message: "LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent" }),
  }),
  logFormat: z
    .enum(["pretty", "json"], { errorMap: () => ({ message: "LOG_FORMAT must be pretty or json" }) })
    .optional(),
});

export type ParsedCommand =
  { kind: "run"; config: AgentConfig } | { kind: "help"; text: string } | { kind: "version"; text: string };

/** Parses the command line (without node and the script) and the environment; throws ConfigError. */
export function parseConfig(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): ParsedCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        key: { type: "string" },
        relayer: { type: "string" },
        name: { type: "string" },
        concurrency: { type: "string" },
        backend: { type: "string" },
        "proverd-url": { type: "string" },
        "device-id": { type: "string" },
        "grace-period": { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
    }));
  } catch (error) {
    // parseArgs quotes a stray argument, which may be a key pasted without --key: never repeat one.
    const message = redactKeys((error as Error).message.split("\n")[0] ?? "invalid arguments");
    throw new ConfigError(message.replace(/\.$/, ""), { hint: "run with --help for the options" });
  }
  if (values.help) return { kind: "help", text: USAGE };
  if (values.version) return { kind: "version", text: `zkpool-agent ${AGENT_VERSION}` };

  const str = (v: string | boolean | undefined): string | undefined => (typeof v === "string" ? v : undefined);
  const emptyToUndefined = (v: string | undefined): string | undefined => (v === "" ? undefined : v);
  const result = schema.safeParse({
    key: str(values.key) ?? emptyToUndefined(env[KEY_ENV]),
    relayer: str(values.relayer),
    name: str(values.name),
    concurrency: str(values.concurrency),
    backend: str(values.backend),
    proverdUrl: str(values["proverd-url"]),
    deviceId: str(values["device-id"]),
    gracePeriod: str(values["grace-period"]),
    logLevel: emptyToUndefined(env.LOG_LEVEL) ?? "info",
    logFormat: emptyToUndefined(env.LOG_FORMAT),
  });
  if (!result.success) {
    const messages = result.error.issues.map((issue) => issue.message);
    throw new ConfigError(messages.join("; "), { hint: "run with --help for the options" });
  }
  const v = result.data;
  if (v.backend === "proverd" && v.proverdUrl === undefined) {
    throw new ConfigError("--backend proverd needs --proverd-url http://host:port", {
      hint: "give the address of your proverd's JSON-RPC endpoint",
    });
  }
  if (v.backend === "builtin" && v.proverdUrl !== undefined) {
    throw new ConfigError("--proverd-url only applies with --backend proverd");
  }
  return {
    kind: "run",
    config: {
      key: v.key,
      relayer: v.relayer,
      name: v.name ?? defaultName(),
      concurrency: v.concurrency,
      backend: v.backend,
      proverdUrl: v.proverdUrl,
      deviceId: v.deviceId,
      gracePeriodMs: v.gracePeriod,
      log: { level: v.logLevel, format: v.logFormat },
    },
  };
}

/** The access key as a signer; a ConfigError (without the key in it) if it is not a usable private key. */
export function accountFromKey(key: Hex): PrivateKeyAccount {
  try {
    return privateKeyToAccount(key);
  } catch {
    throw new ConfigError("the access key is not a valid private key (it is not shown here)", {
      hint: "copy the access key again from the dApp, or create a new one there",
    });
  }
}

/** Replaces anything shaped like a private key (64 hex digits) with "[redacted]". */
export function redactKeys(text: string): string {
  return text.replace(/(0x)?[0-9a-fA-F]{64}/g, "[redacted]");
}

function defaultName(): string {
  const name = os.hostname().trim().slice(0, 64);
  return name === "" ? "agent" : name;
}

/**
 * A device id that stays the same across restarts of the same machine with the same key, without writing a
 * file: a hash of the host name, the OS's machine id (when there is one) and the agent's address. Two agents
 * with the same key on one machine need --device-id to tell them apart.
 */
export function deriveDeviceId(agentAddress: string): string {
  let machineId = "";
  for (const file of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    try {
      machineId = readFileSync(file, "utf8").trim();
      break;
    } catch {
      // No machine id on this OS: the host name and the address still make a stable id.
    }
  }
  const digest = createHash("sha256")
    .update(`${os.hostname()}\n${machineId}\n${agentAddress.toLowerCase()}`)
    .digest("hex");
  return `dev-${digest.slice(0, 24)}`;
}

/** What the relayer is told about the machine in zkpool.subscribe. */
export function deviceInfo(): { cpu: string; cores: number; memoryMb: number } {
  const cpus = os.cpus();
  return {
    cpu: (cpus[0]?.model ?? "unknown").trim().slice(0, 128) || "unknown",
    cores: Math.min(Math.max(os.availableParallelism?.() ?? cpus.length, 1), 4_096),
    memoryMb: Math.floor(os.totalmem() / (1024 * 1024)),
  };
}
