import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isAddress, type Address } from "viem";
import type { Logger } from "@zkpool/common/node";
import type { Metrics } from "./metrics";
import type { Scheduler } from "./scheduler";
import type { Store } from "./store/types";

export interface StatusServerOptions {
  host: string;
  port: number;
  store: Store;
  scheduler: Scheduler;
  metrics: Metrics;
  /** Seconds since the chain was last read successfully, for /healthz. */
  chainLagS: () => number;
  log: Logger;
}

/** A machine as the dApp shows it. Amounts none; times unix seconds. */
export interface MachineStatus {
  deviceId: string;
  agent: Address;
  name: string;
  online: boolean;
  lastHeartbeat: number;
  msPerProof: number;
  concurrency: number;
  jobsDone: number;
  jobsFailed: number;
  currentJob: string | null;
}

/**
 * Read-only HTTP: /healthz, Prometheus /metrics, and the status API for the dApp (CORS open, GET only):
 * /api/provers/<address>/machines and /api/pool.
 */
export class StatusServer {
  private server: Server | undefined;

  constructor(private readonly o: StatusServerOptions) {}

  async listen(): Promise<number> {
    const server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        this.o.log.error({ err: error, url: req.url }, "status request failed");
        if (!res.headersSent) this.json(res, 500, { error: "internal error" });
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : this.o.port;
    this.o.log.info({ host: this.o.host, port }, "status API listening");
    return port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Methods", "GET, OPTIONS");
    if (req.method === "OPTIONS") return void res.writeHead(204).end();
    if (req.method !== "GET") return this.json(res, 405, { error: "read-only: GET only" });
    const url = new URL(req.url ?? "/", "http://relayer");
    const path = url.pathname;

    if (path === "/healthz") {
      const lag = this.o.chainLagS();
      const healthy = lag < 60;
      return this.json(res, healthy ? 200 : 503, { ok: healthy, chainLagSeconds: Math.round(lag) });
    }
    if (path === "/metrics") {
      res.writeHead(200, { "Content-Type": this.o.metrics.registry.contentType });
      return void res.end(await this.o.metrics.registry.metrics());
    }
    if (path === "/api/pool") {
      const snapshot = this.o.scheduler.snapshot();
      return this.json(res, 200, {
        agentsConnected: snapshot.agents.length,
        connectedCapacity: this.o.scheduler.connectedCapacity(),
        queueDepth: snapshot.queueDepth,
        nextDeadlines: snapshot.nextDeadlines.map((d) => ({ ...d, blockId: d.blockId.toString() })),
      });
    }
    const machines = /^\/api\/provers\/([^/]+)\/machines$/.exec(path);
    if (machines) {
      const prover = machines[1] ?? "";
      if (!isAddress(prover)) return this.json(res, 400, { error: `not an address: ${prover.slice(0, 64)}` });
      return this.json(res, 200, { prover, machines: await this.machinesOf(prover) });
    }
    return this.json(res, 404, { error: "not found" });
  }

  private async machinesOf(prover: Address): Promise<MachineStatus[]> {
    const snapshot = this.o.scheduler.snapshot();
    const online = snapshot.agents.filter((s) => s.prover.toLowerCase() === prover.toLowerCase());
    const stored = await this.o.store.machinesOf(prover);
    const key = (agent: string, deviceId: string) => `${agent.toLowerCase()}/${deviceId}`;
    const result = new Map<string, MachineStatus>();
    for (const m of stored) {
      result.set(key(m.agent, m.deviceId), {
        deviceId: m.deviceId,
        agent: m.agent,
        name: m.name,
        online: false,
        lastHeartbeat: m.lastSeen,
        msPerProof: m.msPerProof,
        concurrency: m.concurrency,
        jobsDone: m.jobsDone,
        jobsFailed: m.jobsFailed,
        currentJob: null,
      });
    }
    for (const s of online) {
      const k = key(s.agent, s.deviceId);
      const base = result.get(k);
      const job = snapshot.currentJobs.get(s.id);
      result.set(k, {
        deviceId: s.deviceId,
        agent: s.agent,
        name: s.name,
        online: true,
        lastHeartbeat: Math.floor(s.lastHeartbeat / 1000),
        msPerProof: s.msPerProof,
        concurrency: s.concurrency,
        jobsDone: base?.jobsDone ?? 0,
        jobsFailed: base?.jobsFailed ?? 0,
        currentJob: job === undefined ? null : job.toString(),
      });
    }
    return [...result.values()];
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  }
}
