import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The relayer's Prometheus metrics, one registry per relayer (tests run several in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "zkpool_relayer_" });
  return {
    registry,
    agentsConnected: new Gauge({
      name: "zkpool_agents_connected",
      help: "Authorized agent connections",
      registers: [registry],
    }),
    capacityConnected: new Gauge({
      name: "zkpool_capacity_connected",
      help: "Proofs the connected agents can run at once",
      registers: [registry],
    }),
    queueDepth: new Gauge({ name: "zkpool_jobs_open", help: "Jobs waiting for a proof", registers: [registry] }),
    jobsCreated: new Counter({
      name: "zkpool_jobs_created_total",
      help: "Jobs created",
      labelNames: ["kind"],
      registers: [registry],
    }),
    jobsFinished: new Counter({
      name: "zkpool_jobs_finished_total",
      help: "Jobs finished, by outcome",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    attempts: new Counter({
      name: "zkpool_attempts_total",
      help: "Job attempts by agents, by outcome",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    dispatchLatency: new Histogram({
      name: "zkpool_dispatch_latency_seconds",
      help: "From seeing a block proposed to notifying an agent",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    proofLatency: new Histogram({
      name: "zkpool_proof_latency_seconds",
      help: "From a block's proposal to the pool's proof on-chain",
      buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    }),
    transactions: new Counter({
      name: "zkpool_transactions_total",
      help: "Transactions sent, by purpose and result",
      labelNames: ["purpose", "result"],
      registers: [registry],
    }),
    chainHead: new Gauge({ name: "zkpool_chain_head", help: "Last chain block read", registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
