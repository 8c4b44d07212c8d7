/**
 * The relayer in-process on a local chain, counting the jobs it finishes (zkpool_jobs_finished_total on its
 * /metrics): a job ends once, though both the submitter (its transaction's receipt) and the follower (the
 * block's BlockProven) see it end.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { shutdownProver, type NotifyParams } from "@zkpool/common";
import { loadConfig } from "../../src/config";
import { startRelayer, type RunningRelayer } from "../../src/relayer";
import { ScriptedAgent } from "../support/agentClient";
import { recordingLog, type RecordingLog } from "../support/recordingLog";
import { freePort, startLocalPool, type LocalPool } from "./harness";

/** Polls `condition` (state with no event to await) every 50 ms, for at most 20 s. */
async function eventually(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; !(await condition());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the relayer's count of finished jobs", function () {
  this.timeout(120_000);

  let local: LocalPool;
  let relayer: RunningRelayer;
  let recorded: RecordingLog;

  before(async () => {
    local = await startLocalPool();
    const config = loadConfig(local.relayerEnv(await freePort(), await freePort()));
    recorded = recordingLog();
    relayer = await startRelayer(
      { ...config, dataDir: mkdtempSync(path.join(tmpdir(), "zkpool-relayer-")) },
      recorded.log,
    );
  });

  after(async () => {
    await relayer?.stop();
    await local?.stop();
    await shutdownProver();
  });

  afterEach(function () {
    if (this.currentTest?.state !== "failed") return;
    for (const l of recorded.lines) process.stderr.write(`${l.level} ${l.msg} ${JSON.stringify(l.fields)}\n`);
  });

  /** zkpool_jobs_finished_total by outcome, as the relayer's GET /metrics shows it. */
  async function finishedJobs(): Promise<Record<string, number>> {
    const text = await (await fetch(`http://127.0.0.1:${relayer.httpPort}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const [, outcome, count] of text.matchAll(/^zkpool_jobs_finished_total\{outcome="(\w+)"\} (\d+)$/gm)) {
      counts[outcome!] = Number(count);
    }
    return counts;
  }

  it("counts a job it proved once, after both its transaction's receipt and the block's BlockProven", async () => {
    const agent = await ScriptedAgent.connect(
      relayer.gatewayPort,
      await local.newAgentKey(await local.prover(0), "alice-1"),
    );
    expect((await agent.login()).error).to.equal(undefined);
    const blockId = await local.propose();
    const job = (await agent.next("zkpool.notify")).params as NotifyParams;
    expect((await agent.prove(job)).error).to.equal(undefined);

    // The submitter has the receipt, and the follower has read the chain past the block's BlockProven.
    await recorded.next(
      (l) =>
        l.msg === "proof recorded on-chain: its agent's prover is credited once Taiko verifies the block" &&
        l.fields.blockId === blockId.toString(),
    );
    const [proof] = await local.taikoL1.queryFilter(local.taikoL1.filters.BlockProven(blockId), 0);
    await eventually(
      async () => ((await relayer.store.getCursor("taiko-a4")) ?? 0n) > BigInt(proof!.blockNumber),
      "the relayer has read the block's proof from the chain",
    );
    expect(await finishedJobs()).to.deep.equal({ proven: 1 });
    agent.close();
  });
});
