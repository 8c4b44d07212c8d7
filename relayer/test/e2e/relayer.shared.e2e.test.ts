/**
 * Two relayer processes on one PostgreSQL database (a schema of their own) with the same relayer key, each with
 * a member's agent: every block proven and credited once, and no nonce used by both.
 */
import { expect } from "chai";
import pg from "pg";
import { shutdownProver } from "@zkpool/common";
import { freePort, startLocalPool, type LocalPool } from "./harness";
import { startAgent, startRelayerProcess } from "./processes";
import type { ServiceProcess } from "../../../scripts/lib/processes";

const BLOCKS = 6;

describe("two relayers sharing one PostgreSQL database and one key", function () {
  this.timeout(120_000);

  let local: LocalPool;
  const processes: ServiceProcess[] = [];
  const schema = `e2e_shared_${process.pid}_${Date.now()}`;
  let databaseUrl: string | undefined;

  before(async function () {
    databaseUrl = process.env.TEST_DATABASE_URL;
    if (!databaseUrl) throw new Error("TEST_DATABASE_URL is not set: run through scripts/ci/with-postgres.sh");
    local = await startLocalPool();
  });

  after(async function () {
    const running = processes.splice(0);
    for (const p of running) p.kill("SIGKILL");
    await Promise.all(running.map((p) => p.exited));
    await local?.stop();
    await shutdownProver();
    if (!databaseUrl) return;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  afterEach(function () {
    if (this.currentTest?.state !== "failed") return;
    for (const p of processes) process.stderr.write(`${p.name}, ${p.tail(40)}\n`);
  });

  it("proves and credits every block once, with no nonce used twice", async () => {
    const members = [await local.prover(0), await local.prover(1)];
    const database = { DATABASE_URL: databaseUrl!, DATABASE_SCHEMA: schema };
    const relayers = await Promise.all(
      members.map(async () => {
        const gatewayPort = await freePort();
        const relayer = await startRelayerProcess({
          ...local.relayerEnv(gatewayPort, await freePort()),
          ...database,
          HARVEST_INTERVAL_MS: "600000",
        });
        processes.push(relayer);
        return { relayer, gatewayPort };
      }),
    );
    for (const [i, { gatewayPort }] of relayers.entries()) {
      const member = members[i]!;
      const key = await local.newAgentKey(member, `member-${i}`);
      const agent = startAgent(key, gatewayPort, ["--name", `member-${i}`]);
      processes.push(agent);
      await agent.waitFor((l) => /authorized|connected/i.test(String(l.msg)), `member ${i}'s agent logs in`);
    }

    const blockIds: bigint[] = [];
    for (let i = 0; i < BLOCKS; i++) blockIds.push(await local.propose());
    const records = await Promise.all(blockIds.map((id) => local.nextEvent(local.pool.filters.ProofRecorded(id))));
    expect(records.map((c) => members.some((m) => m.address === c.prover))).to.deep.equal(blockIds.map(() => true));

    // From the chain: each block proven by the pool once, recorded once, one proveBlock transaction each.
    const pool = await local.pool.getAddress();
    for (const blockId of blockIds) {
      const proven = await local.taikoL1.queryFilter(local.taikoL1.filters.BlockProven(blockId), 0);
      expect(
        proven.map((e) => e.args.prover),
        `block ${blockId} proven once`,
      ).to.deep.equal([pool]);
      const recorded = await local.pool.queryFilter(local.pool.filters.ProofRecorded(blockId), 0);
      expect(recorded.length, `block ${blockId} recorded once`).to.equal(1);
    }
    const head = await local.blockNumber();
    const txs = await local.relayerTransactions(head);
    for (const blockId of blockIds) {
      const proofs = txs.filter((tx) => tx.functionName === "proveBlock" && tx.args[0] === blockId);
      expect(proofs.length, `one proveBlock transaction for block ${blockId}`).to.equal(1);
    }
    expect(
      txs.filter((tx) => tx.status !== "success"),
      "no transaction reverted",
    ).to.deep.equal([]);
    expect(await local.relayerNonce(head)).to.equal(txs.length);

    // From the relayers' logs: no nonce was signed by both (a collision would replace or be refused).
    const nonceOwners = new Map<number, Set<number>>();
    for (const [i, { relayer }] of relayers.entries()) {
      for (const line of relayer.lines.filter((l) => l.msg === "transaction sent")) {
        const owners = nonceOwners.get(Number(line.nonce)) ?? new Set<number>();
        nonceOwners.set(Number(line.nonce), owners.add(i));
      }
    }
    const shared = [...nonceOwners].filter(([, owners]) => owners.size > 1).map(([nonce]) => nonce);
    expect(shared, "nonces both relayers sent a transaction with").to.deep.equal([]);
    expect([...nonceOwners.keys()].sort((a, b) => a - b)).to.deep.equal(txs.map((tx) => tx.nonce));
  });
});
