import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { privateKeyToAccount } from "viem/accounts";
import { DEPLOYED_CONTRACTS, writeDeployment } from "@zkpool/common/node";
import { ServiceProcess, localRelayerEnv } from "../../../scripts/lib/processes";
import { localPrivateKey } from "../../../scripts/local/accounts";
import { loadConfig } from "../../src/config";

/** A process that logs two lines and then stays up, logging nothing more, until it is killed. */
function quietProcess(): ServiceProcess {
  const script = `console.log(JSON.stringify({ msg: "first" })); console.log("second"); setInterval(() => {}, 60_000);`;
  return new ServiceProcess(spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] }), {
    name: "quiet",
  });
}

describe("ServiceProcess.waitFor", function () {
  const started: ServiceProcess[] = [];
  afterEach(() => {
    for (const p of started.splice(0)) p.kill("SIGKILL");
  });

  it("gives up on a line that never comes, saying what it awaited and showing the last lines", async () => {
    const quiet = quietProcess();
    started.push(quiet);
    await quiet.waitFor((l) => l.msg === "second", "the second line");
    const error = await quiet
      .waitFor((l) => l.msg === "third", "the third line", 0, 300)
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error?.message).to.match(/^quiet logged no such line within 0\.3 s before: the third line\n/);
    expect(error?.message).to.contain('{"msg":"first"}\nsecond');
    expect(quiet.child.exitCode, "the process is left running").to.equal(null);
  });

  it("fails at once when the process exits first, with its last lines", async () => {
    const quiet = quietProcess();
    started.push(quiet);
    await quiet.waitFor((l) => l.msg === "second", "the second line");
    const waiting = quiet.waitFor((l) => l.msg === "third", "the third line");
    quiet.kill("SIGKILL");
    const error = await waiting.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/^quiet exited \(null\) before: the third line\n/);
    expect(error?.message).to.contain("second");
  });
});

describe("localRelayerEnv", () => {
  it("gives a relayer for a local chain its settings, its own store and loopback ports, never the shell's database", () => {
    const deploymentsDir = mkdtempSync(path.join(tmpdir(), "zkpool-deployments-"));
    const contracts = Object.fromEntries(
      DEPLOYED_CONTRACTS.map((name, i) => [
        name,
        { address: `0x${(i + 1).toString(16).padStart(40, "0")}`, startBlock: i },
      ]),
    );
    writeDeployment({ chainId: 31337, contracts } as Parameters<typeof writeDeployment>[0], deploymentsDir);
    const relayerKey = localPrivateKey(4);
    const env = localRelayerEnv(
      {
        rpcUrl: "http://127.0.0.1:18545",
        chainId: 31337,
        deploymentsDir,
        relayerKey,
        gatewayPort: 17700,
        httpPort: 17701,
        dataDir: "/tmp/zkpool-relayer-state",
        pollIntervalMs: 250,
        logLevel: "warn",
      },
      { AUTH_TIMEOUT_S: "2" },
    );
    // As the service sees it: this process's environment, then its settings.
    const shell = { DATABASE_URL: "postgres://shell/db", DATABASE_SCHEMA: "shell", GATEWAY_HOST: "0.0.0.0" };
    const config = loadConfig({ ...shell, ...env });
    expect(config.databaseUrl).to.equal(undefined);
    expect(config.databaseSchema).to.equal(undefined);
    expect(config.dataDir).to.equal("/tmp/zkpool-relayer-state");
    expect(config.gateway).to.deep.equal({ host: "127.0.0.1", port: 17700 });
    expect(config.http).to.deep.equal({ host: "127.0.0.1", port: 17701 });
    expect([config.rpcUrl, config.chainId, config.pool]).to.deep.equal([
      "http://127.0.0.1:18545",
      31337,
      contracts.ZKPool!.address,
    ]);
    expect(config.relayerAddress).to.equal(privateKeyToAccount(relayerKey).address);
    expect([config.pollIntervalMs, config.authTimeoutS, config.log]).to.deep.equal([
      250,
      2,
      { level: "warn", pretty: false },
    ]);
    // What was not given is left to the relayer's own default.
    expect(env).to.not.have.property("HARVEST_INTERVAL_MS");
  });
});
