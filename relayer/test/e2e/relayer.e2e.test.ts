import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { privateKeyToAccount } from "viem/accounts";
import { createLogger } from "@zkpool/common/node";
import { loadConfig } from "../../src/config";
import { startRelayer, type RunningRelayer } from "../../src/relayer";
import { freePort, startLocalPool, type LocalPool } from "./harness";
import { startAgent, type LoggedProcess } from "./processes";

describe("relayer and agents on a local chain", function () {
  this.timeout(300_000);

  let local: LocalPool;
  let relayer: RunningRelayer;
  const agents: LoggedProcess[] = [];

  before(async () => {
    local = await startLocalPool();
    const config = loadConfig({
      RPC_URL: local.rpcUrl,
      CHAIN_ID: "31337",
      DEPLOYMENTS_DIR: local.deploymentsDir,
      RELAYER_PRIVATE_KEY: local.relayerKey,
      GATEWAY_PORT: String(await freePort()),
      HTTP_PORT: String(await freePort()),
      POLL_INTERVAL_MS: "250",
      HARVEST_INTERVAL_MS: "2000",
      CAPACITY_INTERVAL_MS: "600000",
      LOG_LEVEL: "warn",
    });
    relayer = await startRelayer(
      { ...config, dataDir: mkdtempSync(path.join(tmpdir(), "zkpool-relayer-")) },
      createLogger("relayer", { level: "warn" }),
    );
  });

  after(async () => {
    for (const agent of agents) agent.kill("SIGKILL");
    await relayer?.stop();
    await local?.stop();
  });

  it("proves a block assigned to the pool with a member's machine and credits that member", async () => {
    const alice = await local.prover(0);
    const key = await local.newAgentKey(alice, "alice-1");
    const agent = startAgent(key, relayer.gatewayPort, ["--name", "alice-1"]);
    agents.push(agent);
    await agent.waitFor((l) => /authorized|connected/i.test(String(l.msg)), "the agent logs in");

    const blockId = await local.propose();
    const credited = await local.nextEvent(local.pool.filters.ProofCredited(blockId));
    expect(credited.prover).to.equal(alice.address);
    expect(credited.agent).to.equal(privateKeyToAccount(key).address);
    expect(credited.shares > 0n).to.equal(true);
    const [, , , , , , , , assigned] = await local.taikoL1.getBlock(blockId);
    expect(assigned).to.equal(await local.pool.getAddress());
  });
});
