import { z } from "zod";
import { LOCAL_POOL_PARAMS } from "@zkpool/common";

/**
 * The local network's settings, from the environment (documented in .env.example). Read once, checked,
 * and the only place that reads process.env for `npm start`.
 */
const schema = z.object({
  RPC_HOST: z.string().default("127.0.0.1"),
  RPC_PORT: z.coerce.number().int().min(1).max(65_535).default(8545),
  /** Milliseconds between two proposals. */
  BLOCK_INTERVAL_MS: z.coerce.number().int().min(100).default(3_000),
  /** Competing solo provers staked in ProverPool. */
  SOLO_PROVERS: z.coerce.number().int().min(1).max(16).default(4),
  /** Share of its assigned blocks a solo prover lets go past the window (so slashing happens). */
  LATE_SHARE: z.coerce.number().min(0).max(1).default(0.1),
  /** Circuit difficulty: proving work grows with it (see circuits/setup.ts). */
  ZKPOOL_DIFFICULTY: z.coerce.number().int().min(1).default(1),
  /** TTKOe the operator stakes for ZKPool in ProverPool, and the pool's ask per gas. */
  POOL_STAKE: z.coerce.number().int().min(2_000).default(150_000),
  POOL_REWARD_PER_GAS: z.coerce.number().int().min(1).default(900),
  /** Seconds per ZKPool reward epoch (the relayer settles each one once it has ended). */
  POOL_EPOCH_S: z.coerce.number().int().min(5).default(Number(LOCAL_POOL_PARAMS.epochLength)),
  /** Where the relayer listens for agents, and its status API (/healthz, /metrics, /api/pool). */
  RELAYER_GATEWAY_PORT: z.coerce.number().int().min(1).max(65_535).default(7700),
  RELAYER_HTTP_PORT: z.coerce.number().int().min(1).max(65_535).default(7701),
  /** Milliseconds between two of the relayer's harvest-and-settle rounds. */
  RELAYER_HARVEST_INTERVAL_MS: z.coerce.number().int().min(1_000).default(5_000),
  /** Stop by itself after this many blocks are verified (0: run until Ctrl-C). */
  STOP_AFTER_VERIFIED: z.coerce.number().int().min(0).default(0),
  /** Where deployments/<chainId>.json is written (default: the repository's deployments/). */
  DEPLOYMENTS_DIR: z.string().optional(),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  LOG_FORMAT: z.enum(["pretty", "json"]).optional(),
});

export type LocalConfig = ReturnType<typeof loadLocalConfig>;

export function loadLocalConfig(env: NodeJS.ProcessEnv = process.env) {
  // An empty variable (as in a copied .env.example) means "use the default".
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = schema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid local network settings (see .env.example):\n${problems}`);
  }
  const c = parsed.data;
  return {
    ...c,
    rpcUrl: `http://${c.RPC_HOST}:${c.RPC_PORT}`,
    pretty: c.LOG_FORMAT ? c.LOG_FORMAT === "pretty" : Boolean(process.stdout.isTTY),
  };
}
