/**
 * `npm start`: the whole system on this machine. For now: a Hardhat node, the Taiko A4 protocol deployed
 * (deployments/<chainId>.json written) and the Taiko world running on it: a proposer, competing solo
 * provers with real proofs, verification, rewards and slashes, told in readable logs. Ctrl-C stops it all.
 */
import { JsonRpcProvider } from "ethers";
import { LOCAL_GENESIS_BLOCK_HASH, LOCAL_POOL_PARAMS, LOCAL_PROTOCOL, shutdownProver } from "@zkpool/common";
import { createLogger, writeDeployment } from "@zkpool/common/node";
import { deployTaiko, deployZKPool } from "./lib/deploy";
import { ACCOUNT_INDEX } from "./local/accounts";
import { loadLocalConfig } from "./local/config";
import { startHardhatNode } from "./local/node";
import { TaikoWorld } from "./local/world";

async function main(): Promise<void> {
  const config = loadLocalConfig();
  const log = createLogger("zkpool", { level: config.LOG_LEVEL, pretty: config.pretty });
  const shutdown = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log.info(`${signal}: stopping`);
      shutdown.abort();
    });
  }

  const node = await startHardhatNode(config.RPC_HOST, config.RPC_PORT, log.child({ component: "node" }));
  try {
    const provider = new JsonRpcProvider(node.url, undefined, { pollingInterval: 250 });
    const deployer = await provider.getSigner(0);
    const taiko = await deployTaiko(deployer, LOCAL_PROTOCOL, { genesisBlockHash: LOCAL_GENESIS_BLOCK_HASH });
    const operator = await provider.getSigner(ACCOUNT_INDEX.operator);
    const { deployment } = await deployZKPool(operator, taiko, LOCAL_POOL_PARAMS);
    const file = writeDeployment(deployment, config.DEPLOYMENTS_DIR);
    log.info({ file, contracts: deployment.contracts }, "Taiko A4 and ZKPool deployed");
    provider.destroy();

    const world = new TaikoWorld({
      rpcUrl: node.url,
      deployment,
      blockIntervalMs: config.BLOCK_INTERVAL_MS,
      soloProvers: config.SOLO_PROVERS,
      lateShare: config.LATE_SHARE,
      difficulty: config.ZKPOOL_DIFFICULTY,
      stopAfterVerified: config.STOP_AFTER_VERIFIED,
      log: log.child({ component: "taiko" }),
      signal: shutdown.signal,
    });
    await world.run();
  } finally {
    await node.stop();
    await shutdownProver();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
