import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { expect } from "chai";
import { createPublicClient, http } from "viem";
import { proverPoolAbi, taikoL1Abi, zkPoolAbi } from "@zkpool/common";
import { readDeployment, repoRoot } from "@zkpool/common/node";
import { ACCOUNT_INDEX, localAccount } from "../../scripts/local/accounts";

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
  component?: string;
}

describe("npm start: the local Taiko A4 world and the pool in it", function () {
  this.timeout(240_000);

  let child: ChildProcess | undefined;
  after(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGINT");
      await new Promise((resolve) => child?.once("exit", resolve));
    }
  });

  it("proposes blocks, proves them with real proofs by competing provers and by ZKPool's agents, verifies, pays, slashes and settles", async () => {
    const [port, gatewayPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const deployments = mkdtempSync(path.join(tmpdir(), "zkpool-deployments-"));
    child = spawn(
      process.execPath,
      // As `npm start` runs it: tsx as a loader in the one process (its CLI would fork and relay signals).
      ["--import", "tsx", "scripts/start.ts"],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          RPC_PORT: String(port),
          RELAYER_GATEWAY_PORT: String(gatewayPort),
          RELAYER_HTTP_PORT: String(httpPort),
          RELAYER_HARVEST_INTERVAL_MS: "2000",
          POOL_EPOCH_S: "15",
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
    const seen = (pattern: RegExp, component?: string) =>
      lines.some((l) => pattern.test(l.msg) && (component === undefined || l.component === component));
    const wanted: Array<[RegExp, string?]> = [
      [/^block \d+ proposed .*assigned to solo-/],
      [/^block \d+ proven by solo-/],
      [/^block \d+ verified: solo-\d earns/],
      [/slashed/],
      [/1\.5×/],
      [/^block \d+ proposed .*assigned to ZKPool/],
      [/^block \d+ verified: ZKPool earns/],
      // Each prover's machine proved a block through the pool, Taiko verified it and the relayer had it credited,
      // and an epoch with credits in it was settled.
      [/^block \d+ proven through ZKPool with rig-1's proof: prover-1 is credited once Taiko verifies it$/, "relayer"],
      [/^block \d+ proven through ZKPool with rig-2's proof: prover-2 is credited once Taiko verifies it$/, "relayer"],
      [/^block \d+ verified: .* credited to prover-1 \(rig-1's proof\), in epoch \d+$/, "relayer"],
      [/^block \d+ verified: .* credited to prover-2 \(rig-2's proof\), in epoch \d+$/, "relayer"],
      [/^Proof for block \d+ accepted/, "agent rig-1"],
      [/^Proof for block \d+ accepted/, "agent rig-2"],
      [/^settled epoch \d+: the pool earned .*; claimable now: prover-1 .*, prover-2 /, "relayer"],
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
        if (wanted.every(([pattern, component]) => seen(pattern, component))) resolve();
      });
      // Before mocha's timeout, say which events were never told, with the log's tail.
      setTimeout(() => {
        const missing = wanted.filter(([pattern, component]) => !seen(pattern, component));
        const tail = lines.slice(-60).map((l) => `[${l.component}] ${l.msg}`);
        reject(
          new Error(`never told: ${missing.map(([p, c]) => `${p} (${c ?? "any"})`).join(", ")}\n${tail.join("\n")}`),
        );
      }, 225_000).unref();
      child!.once("exit", (code) =>
        reject(
          new Error(
            `npm start exited (${code}) early:\n${stderr}\n${lines.map((l) => `[${l.component}] ${l.msg}`).join("\n")}`,
          ),
        ),
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
    const pool = deployment.contracts.ZKPool.address;
    const provers = new Set(verified.filter((l) => l.args.blockId !== 0n).map((l) => l.args.prover));
    expect(provers.has(pool), "the pool earned").to.equal(true);
    // The pool's rewards do not stay in TaikoL1: the relayer harvests them (below).
    provers.delete(pool);
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

    // The pool competed for blocks: those assigned to it were proven through ZKPool (the pool is Taiko's prover)
    // and credited to the provers whose machines proved them, and it settled an epoch that pays them.
    const proposed = await client.getContractEvents({
      address: taikoL1,
      abi: taikoL1Abi,
      eventName: "BlockProposed",
      fromBlock: 0n,
    });
    const assignedToPool = new Set(proposed.filter((l) => l.args.assignedProver === pool).map((l) => l.args.blockId));
    expect(assignedToPool.size, "blocks assigned to the pool").to.be.greaterThan(1);
    expect(assignedToPool.size, "the solo provers got blocks too").to.be.lessThan(proposed.length);
    const provenByPool = new Set(
      (await client.getContractEvents({ address: taikoL1, abi: taikoL1Abi, eventName: "BlockProven", fromBlock: 0n }))
        .filter((l) => l.args.prover === pool)
        .map((l) => l.args.blockId),
    );
    const credited = await client.getContractEvents({
      address: pool,
      abi: zkPoolAbi,
      eventName: "BlockCredited",
      fromBlock: 0n,
    });
    // Each credit is what Taiko paid the pool when it verified the block (the relayer confirms verified blocks).
    const paid = new Map(
      (await client.getContractEvents({ address: taikoL1, abi: taikoL1Abi, eventName: "BlockVerified", fromBlock: 0n }))
        .filter((l) => l.args.prover === pool)
        .map((l) => [l.args.blockId!, l.args.proofReward!]),
    );
    expect([...assignedToPool].filter((id) => provenByPool.has(id)).length).to.be.greaterThan(1);
    expect(credited.length, "blocks credited").to.be.greaterThan(0);
    for (const log of credited) {
      expect(provenByPool.has(log.args.blockId!), `block ${log.args.blockId} proven by the pool`).to.equal(true);
      expect(log.args.reward, `credit of block ${log.args.blockId}`).to.equal(paid.get(log.args.blockId!));
    }
    const creditedProvers = new Set(credited.map((l) => l.args.prover));
    const [prover1, prover2] = [
      localAccount(ACCOUNT_INDEX.firstPoolProver),
      localAccount(ACCOUNT_INDEX.firstPoolProver + 1),
    ];
    expect([...creditedProvers].sort()).to.deep.equal([prover1.address, prover2.address].sort());
    const settled = await client.getContractEvents({
      address: pool,
      abi: zkPoolAbi,
      eventName: "EpochSettled",
      fromBlock: 0n,
    });
    const harvested = await client.getContractEvents({
      address: pool,
      abi: zkPoolAbi,
      eventName: "Harvested",
      fromBlock: 0n,
    });
    expect(
      harvested.some((l) => l.args.amount! > 0n),
      "the relayer harvested the pool's rewards",
    ).to.equal(true);
    expect(
      settled.some((l) => l.args.proverReward! > 0n),
      "an epoch paid its provers",
    ).to.equal(true);
    const claimable = await Promise.all(
      [prover1, prover2].map((p) =>
        client.readContract({ address: pool, abi: zkPoolAbi, functionName: "claimable", args: [p.address] }),
      ),
    );
    expect(
      claimable.some((amount) => amount > 0n),
      "a prover can claim",
    ).to.equal(true);
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
    // …and the relayer and the agents, each gracefully.
    for (const component of ["relayer", "agent rig-1", "agent rig-2"]) {
      expect(seen(/^stopped$|^Stopped$/i, component), `${component} stopped`).to.equal(true);
    }
    const relayerAnswers = await fetch(`http://127.0.0.1:${httpPort}/healthz`).then(
      () => true,
      () => false,
    );
    expect(relayerAnswers, "the relayer stopped with it").to.equal(false);
  });
});
