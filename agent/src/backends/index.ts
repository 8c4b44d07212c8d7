import type { AgentConfig } from "../config.js";
import { BuiltinBackend } from "./builtin.js";
import { ProverdBackend } from "./proverd.js";
import type { ProverBackend } from "./types.js";

export type { ProveJob, ProveResult, ProverBackend } from "./types.js";
export { BuiltinBackend } from "./builtin.js";
export { ProverdBackend } from "./proverd.js";

/** The backend the configuration names. */
export function createBackend(config: Pick<AgentConfig, "backend" | "proverdUrl">): ProverBackend {
  switch (config.backend) {
    case "builtin":
      return new BuiltinBackend();
    case "proverd":
      return new ProverdBackend({ url: config.proverdUrl ?? "" });
  }
}
