import { isAddress, isHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { readDeployment, type Deployment } from "@zkpool/common/node";
import { ConfigError } from "./errors";

/**
 * The relayer's settings: every one from the environment, checked here and nowhere else. Documented in
 * relayer/.env.example.
 */
const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const schema = z.object({
  RPC_URL: z.string().url().default("http://127.0.0.1:8545"),
  CHAIN_ID: z.coerce.number().int().positive().default(31337),
  DEPLOYMENTS_DIR: z.string().optional(),
  /** The relayer account's private key (0x…): it holds ZKPool's relayer role and pays the gas. */
  RELAYER_PRIVATE_KEY: z
    .string()
    .refine((v) => isHex(v) && v.length === 66, "must be a 0x-prefixed 32-byte hex private key"),
  /** PostgreSQL, for several relayers sharing the work; without it, an embedded PGlite database in DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  /** The PostgreSQL schema for the relayer's tables (created when missing); the server's default when unset. */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a plain lower-case SQL name (a-z, 0-9, _)")
    .optional(),
  DATA_DIR: z.string().default(".data/relayer"),
  GATEWAY_HOST: z.string().default("127.0.0.1"),
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65_535).default(7700),
  HTTP_HOST: z.string().default("127.0.0.1"),
  HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(7701),
  /** Also prove open blocks and blocks whose assigned prover let the window pass, when agents are idle. */
  TAKE_OPEN_BLOCKS: bool.default("true"),
  /** Circuit difficulty the agents prove at. */
  ZKPOOL_DIFFICULTY: z.coerce.number().int().min(1).default(1),
  POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
  HARVEST_INTERVAL_MS: z.coerce.number().int().min(1_000).default(30_000),
  CAPACITY_INTERVAL_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** How often recorded proofs of blocks Taiko has verified are confirmed (credited) through ZKPool.confirm. */
  CONFIRM_INTERVAL_MS: z.coerce.number().int().min(100).default(10_000),
  /** Fork choices per ZKPool.confirm transaction, at most. */
  CONFIRM_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(50),
  /** Seconds before a deadline at which a job is also given to a second agent. */
  REDUNDANCY_MARGIN_S: z.coerce.number().int().min(0).default(6),
  /** Seconds an agent has to authorize after connecting. */
  AUTH_TIMEOUT_S: z.coerce.number().int().min(1).default(10),
  /** Messages per second a connection may send (bursts of twice that). */
  RATE_LIMIT_PER_S: z.coerce.number().int().min(1).default(20),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(15_000),
  /** How long a transaction may wait for a receipt before it is replaced with fees raised by a quarter. */
  RECEIPT_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  LOG_FORMAT: z.enum(["pretty", "json"]).optional(),
});

export interface RelayerConfig {
  rpcUrl: string;
  chainId: number;
  deployment: Deployment;
  pool: Address;
  relayerKey: Hex;
  relayerAddress: Address;
  databaseUrl: string | undefined;
  databaseSchema: string | undefined;
  dataDir: string;
  gateway: { host: string; port: number };
  http: { host: string; port: number };
  takeOpenBlocks: boolean;
  difficulty: number;
  pollIntervalMs: number;
  harvestIntervalMs: number;
  capacityIntervalMs: number;
  confirmIntervalMs: number;
  confirmBatchSize: number;
  redundancyMarginS: number;
  authTimeoutS: number;
  rateLimitPerS: number;
  shutdownGraceMs: number;
  receiptTimeoutMs: number;
  log: { level: string; pretty: boolean };
}

/** Reads and checks the environment; the error lists every bad variable and what it should be. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RelayerConfig {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = schema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new ConfigError(`Invalid relayer settings (see relayer/.env.example):\n${problems}`);
  }
  const c = parsed.data;
  let deployment: Deployment;
  try {
    deployment = readDeployment(c.CHAIN_ID, c.DEPLOYMENTS_DIR);
  } catch (error) {
    throw new ConfigError((error as Error).message, error);
  }
  const pool = deployment.contracts.ZKPool.address;
  if (!isAddress(pool)) throw new ConfigError(`the deployment file's ZKPool address is not an address: ${pool}`);
  const relayerKey = c.RELAYER_PRIVATE_KEY as Hex;
  return {
    rpcUrl: c.RPC_URL,
    chainId: c.CHAIN_ID,
    deployment,
    pool,
    relayerKey,
    relayerAddress: privateKeyToAccount(relayerKey).address,
    databaseUrl: c.DATABASE_URL,
    databaseSchema: c.DATABASE_SCHEMA,
    dataDir: c.DATA_DIR,
    gateway: { host: c.GATEWAY_HOST, port: c.GATEWAY_PORT },
    http: { host: c.HTTP_HOST, port: c.HTTP_PORT },
    takeOpenBlocks: c.TAKE_OPEN_BLOCKS,
    difficulty: c.ZKPOOL_DIFFICULTY,
    pollIntervalMs: c.POLL_INTERVAL_MS,
    harvestIntervalMs: c.HARVEST_INTERVAL_MS,
    capacityIntervalMs: c.CAPACITY_INTERVAL_MS,
    confirmIntervalMs: c.CONFIRM_INTERVAL_MS,
    confirmBatchSize: c.CONFIRM_BATCH_SIZE,
    redundancyMarginS: c.REDUNDANCY_MARGIN_S,
    authTimeoutS: c.AUTH_TIMEOUT_S,
    rateLimitPerS: c.RATE_LIMIT_PER_S,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
    receiptTimeoutMs: c.RECEIPT_TIMEOUT_MS,
    log: { level: c.LOG_LEVEL, pretty: c.LOG_FORMAT ? c.LOG_FORMAT === "pretty" : Boolean(process.stdout.isTTY) },
  };
}
