/**
 * `npm start`: the whole system on this machine. A Hardhat node, the Taiko A4 protocol and ZKPool deployed
 * (deployments/<chainId>.json written), the Taiko world running on it (a proposer, competing solo provers with
 * real proofs, verification, rewards and slashes), and the pool competing with them: staked by its operator,
 * its relayer and two provers' agents running as their own processes, epochs settled. Everything is told in
 * readable logs; Ctrl-C stops it all (a second Ctrl-C at once).
 */
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { LOCAL_GENESIS_BLOCK_HASH, LOCAL_POOL_PARAMS, LOCAL_PROTOCOL, shutdownProver } from "@zkpool/common";
import { createLogger, writeDeployment } from "@zkpool/common/node";
import { deployTaiko, deployZKPool } from "./lib/deploy";
import { ACCOUNT_INDEX } from "./local/accounts";
import { publicClientFor } from "./local/chain";
import { loadLocalConfig } from "./local/config";
import { startHardhatNode } from "./local/node";
import { setUpLocalPool } from "./local/pool";
import { startPoolServices, type PoolServices } from "./local/services";
import { TaikoWorld } from "./local/world";

/** Provers in the pool, one machine (agent) each. */
const POOL_PROVERS = 2;

async function main(): Promise<void> {
  const config = loadLocalConfig();
  const log = createLogger("zkpool", { level: config.LOG_LEVEL, pretty: config.pretty });
  const shutdown = new AbortController();
  let firstSignalAt: number | undefined;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      // One Ctrl-C can arrive more than once within milliseconds (from the terminal, and relayed by npm): a
      // second one counts from a second on.
      if (firstSignalAt !== undefined && Date.now() - firstSignalAt < 1_000) return;
      if (firstSignalAt !== undefined) {
        log.warn(`${signal} again: stopping everything at once`);
        // The exit hook of scripts/lib/processes.ts kills every service still running.
        process.exit(130);
      }
      firstSignalAt = Date.now();
      log.info(`${signal}: stopping (press Ctrl-C again to stop at once)`);
      shutdown.abort();
    });
  }
  let failure: Error | undefined;
  const fail = (error: unknown) => {
    const reason = error instanceof Error ? error : new Error(String(error));
    if (shutdown.signal.aborted) return;
    failure = reason;
    log.error(`${reason.message}: stopping everything`);
    shutdown.abort();
  };

  const node = await startHardhatNode(config.RPC_HOST, config.RPC_PORT, log.child({ component: "node" }));
  let services: PoolServices | undefined;
  try {
    const provider = new JsonRpcProvider(node.url, undefined, { pollingInterval: 250 });
    const deployer = await provider.getSigner(0);
    const taiko = await deployTaiko(deployer, LOCAL_PROTOCOL, { genesisBlockHash: LOCAL_GENESIS_BLOCK_HASH });
    const operator = await provider.getSigner(ACCOUNT_INDEX.operator);
    const { deployment } = await deployZKPool(operator, taiko, {
      ...LOCAL_POOL_PARAMS,
      epochLength: BigInt(config.POOL_EPOCH_S),
    });
    const file = writeDeployment(deployment, config.DEPLOYMENTS_DIR);
    log.info({ file, contracts: deployment.contracts }, "Taiko A4 and ZKPool deployed");
    provider.destroy();

    const poolLog = log.child({ component: "pool" });
    const pool = await setUpLocalPool({
      rpcUrl: node.url,
      deployment,
      stake: config.POOL_STAKE,
      rewardPerGas: config.POOL_REWARD_PER_GAS,
      provers: POOL_PROVERS,
      log: poolLog,
    });
    services = await startPoolServices({
      rpcUrl: node.url,
      chainId: node.chainId,
      deploymentsDir: path.dirname(file),
      deployment,
      pool,
      client: publicClientFor(node.url),
      gatewayPort: config.RELAYER_GATEWAY_PORT,
      httpPort: config.RELAYER_HTTP_PORT,
      harvestIntervalMs: config.RELAYER_HARVEST_INTERVAL_MS,
      difficulty: config.ZKPOOL_DIFFICULTY,
      logLevel: config.LOG_LEVEL,
      log,
      onFailure: fail,
    });
    services.agentsConnected.then(
      () =>
        poolLog.info(
          `ZKPool is running: its relayer and ${pool.machines.length} agents are up, epochs of ${config.POOL_EPOCH_S} s`,
        ),
      fail,
    );

    if (!shutdown.signal.aborted) {
      const world = new TaikoWorld({
        rpcUrl: node.url,
        deployment,
        blockIntervalMs: config.BLOCK_INTERVAL_MS,
        soloProvers: config.SOLO_PROVERS,
        lateShare: config.LATE_SHARE,
        difficulty: config.ZKPOOL_DIFFICULTY,
        stopAfterVerified: config.STOP_AFTER_VERIFIED,
        names: { [pool.pool]: "ZKPool" },
        log: log.child({ component: "taiko" }),
        signal: shutdown.signal,
      });
      await world.run();
    }
  } finally {
    await services?.stop();
    await node.stop();
    await shutdownProver();
  }
  if (failure) throw failure;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
