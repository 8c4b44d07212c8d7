import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { expect } from "chai";
import { createPublicClient, http } from "viem";
import { proverPoolAbi, taikoL1Abi } from "@zkpool/common";
import { readDeployment, repoRoot } from "@zkpool/common/node";

/** A free TCP port on loopback, so the test never collides with a running `npm start`. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

interface LogLine {
  level: number;
  msg: string;
}

describe("npm start: the local Taiko A4 world", function () {
  this.timeout(240_000);

  let child: ChildProcess | undefined;
  after(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGINT");
      await new Promise((resolve) => child?.once("exit", resolve));
    }
  });

  it("proposes blocks, proves them with real proofs by competing provers, verifies them, pays and slashes", async () => {
    const port = await freePort();
    const deployments = mkdtempSync(path.join(tmpdir(), "zkpool-deployments-"));
    child = spawn(
      process.execPath,
      [path.join(repoRoot, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/start.ts"],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          RPC_PORT: String(port),
          BLOCK_INTERVAL_MS: "700",
          LATE_SHARE: "0.3",
          LOG_FORMAT: "json",
          DEPLOYMENTS_DIR: deployments,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));

    const lines: LogLine[] = [];
    const seen = (pattern: RegExp) => lines.some((l) => pattern.test(l.msg));
    const wanted = [
      /^block \d+ proposed .*assigned to solo-/,
      /^block \d+ proven by solo-/,
      /^block \d+ verified: solo-\d earns/,
      /slashed/,
      /1\.5×/,
    ];
    // Read the log until every kind of event has been told, or the process dies.
    await new Promise<void>((resolve, reject) => {
      const reader = createInterface({ input: child!.stdout! });
      reader.on("line", (line) => {
        try {
          lines.push(JSON.parse(line) as LogLine);
        } catch {
          reject(new Error(`a log line is not JSON: ${line}`));
        }
        if (wanted.every(seen)) resolve();
      });
      child!.once("exit", (code) =>
        reject(new Error(`npm start exited (${code}) early:\n${stderr}\n${lines.map((l) => l.msg).join("\n")}`)),
      );
    });

    // What the log says is what the chain says.
    const deployment = readDeployment(31337, deployments);
    const client = createPublicClient({ transport: http(`http://127.0.0.1:${port}`) });
    const taikoL1 = deployment.contracts.TaikoL1.address;
    const state = await client.readContract({ address: taikoL1, abi: taikoL1Abi, functionName: "getStateVariables" });
    expect(state.lastVerifiedBlockId).to.be.greaterThan(0n);
    expect(state.numBlocks).to.be.greaterThan(state.lastVerifiedBlockId);

    const verified = await client.getContractEvents({
      address: taikoL1,
      abi: taikoL1Abi,
      eventName: "BlockVerified",
      fromBlock: 0n,
    });
    const provers = new Set(verified.filter((l) => l.args.blockId !== 0n).map((l) => l.args.prover));
    expect(provers.size, "more than one solo prover earned").to.be.greaterThan(1);
    for (const prover of provers) {
      const balance = await client.readContract({
        address: taikoL1,
        abi: taikoL1Abi,
        functionName: "getTaikoTokenBalance",
        args: [prover!],
      });
      expect(balance, `${prover} was paid at verification`).to.be.greaterThan(0n);
    }
    const slashes = await client.getContractEvents({
      address: deployment.contracts.ProverPool.address,
      abi: proverPoolAbi,
      eventName: "Slashed",
      fromBlock: 0n,
    });
    expect(slashes.length).to.be.greaterThan(0);
    expect(
      lines.filter((l) => l.level >= 50),
      "no error was logged",
    ).to.deep.equal([]);

    // Ctrl-C stops the world and the node.
    child.kill("SIGINT");
    const code = await new Promise((resolve) => child!.once("exit", resolve));
    expect(code).to.equal(0);
    const nodeAnswers = await client.getChainId().then(
      () => true,
      () => false,
    );
    expect(nodeAnswers, "the hardhat node stopped with it").to.equal(false);
  });
});
