import { createPublicClient, createWalletClient, http, type Address, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { sleep } from "@zkpool/common";
import { createLogger, type Logger } from "@zkpool/common/node";
import { AgentDirectory } from "./agents";
import type { RelayerConfig } from "./config";
import { Confirmer } from "./confirmer";
import { AgentGateway, type AgentSession } from "./gateway/server";
import { Housekeeping } from "./housekeeping";
import { StatusServer } from "./http";
import { Jobs } from "./jobs";
import { createMetrics, type Metrics } from "./metrics";
import type { NetworkAdapter, NetworkEvent } from "./network";
import { Scheduler } from "./scheduler";
import { TxSender, type RelayerWallet } from "./sender";
import { openStore } from "./store";
import type { Store } from "./store/types";
import { Submitter } from "./submitter";
import { TaikoA4Adapter } from "./taiko/a4Adapter";

export interface RunningRelayer {
  gatewayPort: number;
  httpPort: number;
  metrics: Metrics;
  scheduler: Scheduler;
  store: Store;
  /** Graceful stop: no new work, in-flight submissions finish (within the grace period), then everything closes. */
  stop(): Promise<void>;
  /** Resolves when the relayer has stopped. */
  stopped: Promise<void>;
}

/** Starts every part of the relayer and runs it until stop(). */
export async function startRelayer(config: RelayerConfig, logger?: Logger): Promise<RunningRelayer> {
  const log = logger ?? createLogger("relayer", config.log);
  const shutdown = new AbortController();
  const metrics = createMetrics();
  const chain = { ...hardhat, id: config.chainId, rpcUrls: { default: { http: [config.rpcUrl] } } };
  const client = createPublicClient({
    chain,
    transport: http(config.rpcUrl, { retryCount: 3 }),
    pollingInterval: 250,
  }) as PublicClient;
  const wallet: RelayerWallet = createWalletClient({
    chain,
    transport: http(config.rpcUrl, { retryCount: 3 }),
    account: privateKeyToAccount(config.relayerKey),
  });
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    schema: config.databaseSchema,
    dataDir: config.dataDir,
  });
  const taikoL1 = config.deployment.contracts.TaikoL1;
  const adapter: NetworkAdapter = new TaikoA4Adapter({
    client,
    taikoL1: taikoL1.address,
    taikoL1StartBlock: BigInt(taikoL1.startBlock),
    pool: config.pool,
    takeOpenBlocks: config.takeOpenBlocks,
    store,
    log: log.child({ component: "taiko" }),
  });
  const sender = new TxSender({
    client,
    wallet,
    store,
    log: log.child({ component: "tx" }),
    metrics,
    receiptTimeoutMs: config.receiptTimeoutMs,
    errors: adapter.errors,
  });
  const directory = new AgentDirectory(client, config.pool);

  // The scheduler hands checked proofs to the submitter, which tells the jobs' lifecycle what became of them.
  const scheduler: Scheduler = new Scheduler({
    store,
    instanceOf: (evidence) => adapter.instanceOf(evidence),
    difficulty: config.difficulty,
    redundancyMarginS: config.redundancyMarginS,
    log: log.child({ component: "scheduler" }),
    metrics,
    submit: (job, agent, input) => submitter.submit(job, agent, input),
  });
  const jobs = new Jobs({ store, scheduler, pool: config.pool, metrics, log: log.child({ component: "jobs" }) });
  const submitter = new Submitter({
    store,
    sender,
    adapter,
    pool: config.pool,
    log: log.child({ component: "submit" }),
    metrics,
    jobs,
    signal: shutdown.signal,
  });
  const sessionsByAgent = () => scheduler.sessionsList;
  const gateway = new AgentGateway(
    {
      host: config.gateway.host,
      port: config.gateway.port,
      chainId: config.chainId,
      pool: config.pool,
      difficulty: config.difficulty,
      authTimeoutS: config.authTimeoutS,
      rateLimitPerS: config.rateLimitPerS,
      log: log.child({ component: "gateway" }),
    },
    {
      agentOwner: (agent) => directory.ownerOf(agent),
      instanceContext: () => adapter.instanceContext(),
      onAuthorized: (session) => {
        // The machine's record exists before its first job is counted.
        void saveMachine(store, session, log).then(() => scheduler.onAuthorized(session));
      },
      onHeartbeat: (session) => scheduler.onHeartbeat(session),
      onDisconnected: (session, reason) => {
        scheduler.onDisconnected(session, reason);
        void saveMachine(store, session, log);
      },
      onSubmit: (session, params) => scheduler.onSubmit(session, params),
    },
  );
  const housekeeping = new Housekeeping({
    client,
    sender,
    adapter,
    pool: config.pool,
    taikoL1: taikoL1.address,
    connectedMachines: () => scheduler.sessionsList,
    log: log.child({ component: "housekeeping" }),
  });
  // Recorded proofs become credits once Taiko verifies their blocks.
  const confirmer = new Confirmer({
    client,
    sender,
    store,
    pool: config.pool,
    poolStartBlock: BigInt(config.deployment.contracts.ZKPool.startBlock),
    taikoL1: taikoL1.address,
    batchSize: config.confirmBatchSize,
    log: log.child({ component: "confirm" }),
  });

  let lastChainRead = Date.now();
  const status = new StatusServer({
    host: config.http.host,
    port: config.http.port,
    store,
    scheduler,
    metrics,
    chainLagS: () => (Date.now() - lastChainRead) / 1000,
    log: log.child({ component: "http" }),
  });

  await sender.syncNonce();
  await scheduler.load();
  await adapter.start();
  await submitter.recover();
  await confirmer.start();
  const { port: gatewayPort } = await gateway.listen();
  const httpPort = await status.listen();

  const handle = async (event: NetworkEvent) => {
    switch (event.kind) {
      case "job":
      case "proven":
        return jobs.handle(event);
      case "agentChanged": {
        directory.forget(event.agent);
        if ((await directory.ownerOf(event.agent)) === undefined) {
          for (const session of sessionsByAgent()) {
            if (session.agent.toLowerCase() === event.agent.toLowerCase()) session.close("access key revoked");
          }
        }
        return;
      }
    }
  };

  const loop = async (name: string, intervalMs: number, step: () => Promise<void>) => {
    while (!shutdown.signal.aborted) {
      try {
        await step();
      } catch (error) {
        log.warn({ err: error, loop: name }, `${name} failed; retrying in ${intervalMs} ms`);
      }
      await sleep(intervalMs, shutdown.signal).catch(() => undefined);
    }
  };
  const loops = Promise.all([
    loop("follow", config.pollIntervalMs, async () => {
      const events = await adapter.poll();
      for (const event of events) await handle(event);
      await adapter.commit();
      lastChainRead = Date.now();
      metrics.chainHead.set(Number(await client.getBlockNumber()));
    }),
    loop("tick", 1_000, async () => scheduler.tick()),
    loop("confirm", config.confirmIntervalMs, () => confirmer.confirmVerified()),
    loop("housekeeping", config.harvestIntervalMs, () => housekeeping.harvestAndSettle()),
    loop("capacity", config.capacityIntervalMs, () => housekeeping.syncCapacity()),
  ]);

  let stopping: Promise<void> | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const stop = () =>
    (stopping ??= (async () => {
      log.info("stopping: no new jobs; finishing submissions in flight");
      shutdown.abort();
      await gateway.close();
      await Promise.race([submitter.drain(), sleep(config.shutdownGraceMs)]);
      await loops;
      await status.close();
      await store.close();
      log.info("relayer stopped");
      resolveStopped();
    })());

  log.info(
    {
      gatewayPort,
      httpPort,
      pool: config.pool,
      relayer: config.relayerAddress,
      store: config.databaseUrl ? "postgresql" : "pglite",
    },
    "relayer running",
  );
  return { gatewayPort, httpPort, metrics, scheduler, store, stop, stopped };
}

async function saveMachine(store: Store, session: AgentSession, log: Logger): Promise<void> {
  try {
    await store.upsertMachine({
      agent: session.agent,
      deviceId: session.deviceId,
      prover: session.prover as Address,
      name: session.name,
      msPerProof: session.msPerProof,
      concurrency: session.concurrency,
      jobsDone: 0,
      jobsFailed: 0,
      lastSeen: Math.floor(Date.now() / 1000),
    });
  } catch (error) {
    log.warn({ err: error }, "could not save the machine's record");
  }
}
