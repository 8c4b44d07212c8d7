/**
 * `npm run bench:relayer`: the relayer under many agents, as issue 4 asks.
 *
 * The relayer runs as its own process, exactly as `npm run relayer` runs it (relayer/src/main.ts, embedded
 * PGlite store, JSON logs), against a local Hardhat node with Taiko A4 and ZKPool deployed
 * (relayer/test/e2e/harness.ts). The simulated agents run in this process: ScriptedAgents speaking the real
 * protocol over TCP, each logging in the real way (an EIP-712 signature over the gateway's nonce, by a key
 * authorized in ZKPool on-chain). So the CPU and memory read from /proc for the relayer's pid are its own.
 *
 * 1. Heartbeats: BENCH_AGENTS agents log in and heartbeat every BENCH_HEARTBEAT_S seconds; over BENCH_WINDOW_S
 *    seconds it counts the heartbeats the relayer answered against those expected, their round trips, and the
 *    relayer's CPU (user + system) and resident memory.
 * 2. Dispatch latency: a fresh relayer with BENCH_DISPATCH_AGENTS agents (heartbeating too); BENCH_BLOCKS blocks
 *    proposed on the chain one every BENCH_BLOCK_INTERVAL_MS. The relayer's adapter reads each BlockProposed
 *    log from the node and the scheduler hands the job to an agent; the interval measured is the relayer's own
 *    zkpool_dispatch_latency_seconds (also in its "job dispatched" log line): from the moment its eth_getLogs
 *    answer with the event arrived to the moment zkpool.notify was written to the agent's socket. Also shown:
 *    from that moment to the agent reading the notify (same machine, same clock).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sleep } from "@zkpool/common";
import { percentile, runBenchmark, writeReport } from "../../bench/report";
import { freePort, startLocalPool, type LocalPool } from "../test/e2e/harness";
import { RELAYER_SCRIPT, localRelayerEnv, startService, type ServiceProcess } from "../../scripts/lib/processes";
import { authorizeOnChain, Fleet, newAgentKeys, type AgentKey } from "./fleet";
import { cpuSeconds, memoryMb, openFilesLimit } from "./procStats";

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got ${raw}`);
  return value;
}

const AGENTS = setting("BENCH_AGENTS", 10_000);
const HEARTBEAT_S = setting("BENCH_HEARTBEAT_S", 3);
const WINDOW_S = setting("BENCH_WINDOW_S", 30);
const DISPATCH_AGENTS = setting("BENCH_DISPATCH_AGENTS", 1_000);
const BLOCKS = setting("BENCH_BLOCKS", 150);
const BLOCK_INTERVAL_MS = setting("BENCH_BLOCK_INTERVAL_MS", 250);
/**
 * 250 logins in flight at once; the simulated agents say they need 5 s per proof, and never answer a job (the
 * scheduler reassigns it when it stalls).
 */
const FLEET = { wave: 250, msPerProof: 5_000, heartbeatMs: HEARTBEAT_S * 1000 };
/** A heartbeat answered later than this counts as late. */
const LATE_MS = 1_000;

const out = (line = ""): boolean => process.stdout.write(`${line}\n`);
const ms = (value: number) => `${value.toFixed(1)} ms`;

interface Relayer {
  process: ServiceProcess;
  pid: number;
  httpPort: number;
  gatewayPort: number;
}

/**
 * The Node.js flag `npm run relayer` runs the relayer with (package.json): V8 lets the old generation grow to
 * about four times what is live before a full collection when its heap limit is large (2 GB or more; on this
 * machine the default is 4 GB), and up to 1.3-2 times below that. With 10,000 agents the relayer's live heap is
 * about 80 MB, and the default let it reach 330 MB, most of it garbage from the logins; a 1 GB limit keeps
 * it near 130 MB and is still more than ten times what is live.
 */
const RELAYER_NODE_FLAGS = "--max-old-space-size=1024";

/** `npm run relayer` as its own process, on `dataDir` (its embedded store). */
async function startRelayer(local: LocalPool, dataDir: string): Promise<Relayer> {
  const [gatewayPort, httpPort] = [await freePort(), await freePort()];
  const relayer = startService({
    name: "the relayer",
    script: RELAYER_SCRIPT,
    env: localRelayerEnv(
      {
        rpcUrl: local.rpcUrl,
        chainId: local.node.chainId,
        deploymentsDir: local.deploymentsDir,
        relayerKey: local.relayerKey,
        gatewayPort,
        httpPort,
        dataDir,
        logLevel: "info",
      },
      { NODE_OPTIONS: [process.env.NODE_OPTIONS, RELAYER_NODE_FLAGS].filter(Boolean).join(" ") },
    ),
  });
  await relayer.waitFor((l) => l.msg === "relayer running", "the relayer starts");
  if (relayer.child.pid === undefined) throw new Error("the relayer process has no pid");
  return { process: relayer, pid: relayer.child.pid, httpPort, gatewayPort };
}

async function stopRelayer(relayer: ServiceProcess): Promise<void> {
  relayer.kill("SIGTERM");
  await relayer.exited;
}

async function heartbeats(local: LocalPool, dataDir: string, keys: readonly AgentKey[]) {
  const relayer = await startRelayer(local, dataDir);
  const loginStarted = performance.now();
  const fleet = await Fleet.connect(relayer.gatewayPort, keys, FLEET);
  const loginS = (performance.now() - loginStarted) / 1000;
  out(`  ${keys.length} agents logged in in ${loginS.toFixed(1)} s`);
  // A full round of heartbeats after the last login before the window opens: every agent is in its rhythm.
  await sleep(HEARTBEAT_S * 1000 + 500);

  const windowStart = performance.now();
  const cpuStart = cpuSeconds(relayer.pid);
  const answeredBefore = fleet.heartbeats.answers.length;
  let rssMax = 0;
  while (performance.now() - windowStart < WINDOW_S * 1000) {
    await sleep(500);
    rssMax = Math.max(rssMax, memoryMb(relayer.pid).rss);
  }
  const windowS = (performance.now() - windowStart) / 1000;
  const cpu = cpuSeconds(relayer.pid) - cpuStart;
  const memory = memoryMb(relayer.pid);
  const inWindow = fleet.heartbeats.answers.slice(answeredBefore);
  const disconnected = fleet.disconnected;

  // Whatever is still unanswered once the heartbeats stop, after a grace of 5 s, was dropped.
  fleet.stopHeartbeats();
  for (const deadline = Date.now() + 5_000; fleet.outstanding() > 0 && Date.now() < deadline;) await sleep(100);
  const rtt = inWindow.map((a) => a.rttMs);
  const result = {
    agents: keys.length,
    loginSeconds: loginS,
    windowSeconds: windowS,
    heartbeatsPerSecond: inWindow.length / windowS,
    expectedPerSecond: keys.length / HEARTBEAT_S,
    rttP50Ms: percentile(rtt, 50),
    rttP99Ms: percentile(rtt, 99),
    rttMaxMs: percentile(rtt, 100),
    late: rtt.filter((r) => r > LATE_MS).length,
    unanswered: fleet.outstanding() + fleet.lostWithConnection,
    errors: fleet.heartbeats.errors,
    disconnected,
    cpuPercentOfOneCore: (cpu / windowS) * 100,
    rssMaxInWindowMb: rssMax,
    rssPeakMb: memory.peak,
  };
  fleet.close();
  await stopRelayer(relayer.process);
  return result;
}

async function dispatch(local: LocalPool, dataDir: string, keys: readonly AgentKey[]) {
  const relayer = await startRelayer(local, dataDir);
  const fleet = await Fleet.connect(relayer.gatewayPort, keys, FLEET);
  await sleep(HEARTBEAT_S * 1000);
  out(`  ${keys.length} agents logged in and heartbeating; proposing ${BLOCKS} blocks`);

  const proposed: bigint[] = [];
  for (let i = 0; i < BLOCKS; i++) {
    const started = performance.now();
    proposed.push(await local.propose());
    await sleep(Math.max(0, BLOCK_INTERVAL_MS - (performance.now() - started)));
  }
  const dispatched = new Map<string, { dispatchMs: number; seenAt: number }>();
  for (const blockId of proposed) {
    const line = await relayer.process.waitFor(
      (l) => l.msg === "job dispatched" && l.blockId === blockId.toString() && typeof l.dispatchMs === "number",
      `block ${blockId} dispatched (within 30 s of the last proposal)`,
      0,
      30_000,
    );
    const dispatchMs = line.dispatchMs as number;
    dispatched.set(blockId.toString(), { dispatchMs, seenAt: (line.time as number) - dispatchMs });
  }
  const received = proposed.map((blockId) => {
    const notify = fleet.notified.find((n) => n.params.blockId === blockId.toString());
    if (!notify) throw new Error(`no agent received block ${blockId}`);
    return notify.receivedAt - dispatched.get(blockId.toString())!.seenAt;
  });
  const latencies = [...dispatched.values()].map((d) => d.dispatchMs);
  const perPoll = new Map<number, number>();
  for (const { seenAt } of dispatched.values()) perPoll.set(seenAt, (perPoll.get(seenAt) ?? 0) + 1);
  const histogram = await relayerHistogram(relayer.httpPort);
  const assigned = await assignedToPool(local, proposed);
  const result = {
    agents: keys.length,
    blocks: proposed.length,
    assignedToPool: assigned,
    blocksPerPollMean: proposed.length / perPoll.size,
    blocksPerPollMax: Math.max(...perPoll.values()),
    dispatchP50Ms: percentile(latencies, 50),
    dispatchP99Ms: percentile(latencies, 99),
    dispatchMaxMs: percentile(latencies, 100),
    receivedP50Ms: percentile(received, 50),
    receivedP99Ms: percentile(received, 99),
    histogramCount: histogram.count,
    histogramWithin50Ms: histogram.within50ms,
  };
  fleet.close();
  await stopRelayer(relayer.process);
  return result;
}

/** The relayer's own dispatch-latency histogram, from its /metrics. */
async function relayerHistogram(httpPort: number): Promise<{ count: number; within50ms: number }> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const read = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  return {
    count: read(/^zkpool_dispatch_latency_seconds_count (\d+)/m),
    within50ms: read(/^zkpool_dispatch_latency_seconds_bucket\{le="0\.05"\} (\d+)/m),
  };
}

async function assignedToPool(local: LocalPool, blockIds: readonly bigint[]): Promise<number> {
  const pool = (await local.pool.getAddress()).toLowerCase();
  let assigned = 0;
  for (const blockId of blockIds) {
    const [, , , , , , , , prover] = await local.taikoL1.getBlock(blockId);
    if (prover.toLowerCase() === pool) assigned += 1;
  }
  return assigned;
}

function table(rows: Array<[string, string, string]>): void {
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [i, row] of rows.entries()) {
    out(`  ${row.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")}`.trimEnd());
    if (i === 0) out(`  ${widths.map((w) => "-".repeat(w)).join("  ")}`);
  }
}

async function main(): Promise<void> {
  const agents = Math.max(AGENTS, DISPATCH_AGENTS);
  // Each agent is a socket here and another in the relayer; the npm script raises the soft limit to the hard one.
  const files = openFilesLimit();
  if (files < agents + 1_000) {
    throw new Error(
      `${agents} agents need about ${agents + 1_000} open files per process, but the limit is ${files}: ` +
        `raise it (ulimit -n) or set BENCH_AGENTS lower`,
    );
  }
  out(
    `relayer under load: ${AGENTS} agents heartbeating every ${HEARTBEAT_S} s, dispatch with ${DISPATCH_AGENTS} agents`,
  );
  out(`open files limit ${files === Infinity ? "unlimited" : files}`);
  const local = await startLocalPool();
  try {
    let started = performance.now();
    const keys = newAgentKeys(agents);
    const blocks = await authorizeOnChain(local, keys);
    out(
      `${keys.length} agent keys authorized in ZKPool on-chain (authorizeAgent from 28 prover accounts, ` +
        `automine off, ${blocks} blocks) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    // The relayer's first start on a new data directory creates its database (PGlite runs initdb in-process),
    // a peak of memory a restart does not have: measured on its own, then every run below is a restart.
    started = performance.now();
    const dataDir = mkdtempSync(path.join(tmpdir(), "zkpool-bench-relayer-"));
    const first = await startRelayer(local, dataDir);
    const firstStartPeakMb = memoryMb(first.pid).peak;
    await stopRelayer(first.process);
    out(`relayer's first start (creates its PGlite database): RSS peak ${firstStartPeakMb.toFixed(0)} MB`);

    out(`\nheartbeats: ${AGENTS} agents, every ${HEARTBEAT_S} s, ${WINDOW_S} s window`);
    const hb = AGENTS > 0 ? await heartbeats(local, dataDir, keys.slice(0, AGENTS)) : undefined;
    out(`\ndispatch: ${DISPATCH_AGENTS} agents, ${BLOCKS} blocks, one every ${BLOCK_INTERVAL_MS} ms`);
    const d =
      DISPATCH_AGENTS > 0 && BLOCKS > 0 ? await dispatch(local, dataDir, keys.slice(0, DISPATCH_AGENTS)) : undefined;

    out();
    const rows: Array<[string, string, string]> = [["figure", "measured", "target"]];
    if (d) {
      rows.push(
        [
          `dispatch latency p50, ${d.agents} agents (relayer: BlockProposed log read → notify written)`,
          ms(d.dispatchP50Ms),
          "",
        ],
        [`dispatch latency p99 (${d.blocks} blocks, max ${ms(d.dispatchMaxMs)})`, ms(d.dispatchP99Ms), "≤ 50 ms"],
        ["  same, to the agent reading the notify: p50 / p99", `${ms(d.receivedP50Ms)} / ${ms(d.receivedP99Ms)}`, ""],
        [
          "  relayer's own histogram (zkpool_dispatch_latency_seconds): ≤ 50 ms",
          `${d.histogramWithin50Ms} of ${d.histogramCount}`,
          "",
        ],
        [
          "  blocks assigned to the pool / open (taken: TAKE_OPEN_BLOCKS)",
          `${d.assignedToPool} / ${d.blocks - d.assignedToPool}`,
          "",
        ],
        ["  blocks per chain poll: mean / max", `${d.blocksPerPollMean.toFixed(1)} / ${d.blocksPerPollMax}`, ""],
      );
    }
    if (hb) {
      rows.push(
        [
          `heartbeats answered per second, ${hb.agents} agents every ${HEARTBEAT_S} s`,
          `${hb.heartbeatsPerSecond.toFixed(0)} (expected ${hb.expectedPerSecond.toFixed(0)})`,
          "keeps up",
        ],
        [
          `  unanswered / errors / late (> ${LATE_MS} ms) / disconnected`,
          `${hb.unanswered} / ${hb.errors} / ${hb.late} / ${hb.disconnected}`,
          "0",
        ],
        ["  heartbeat round trip p50 / p99 / max", `${ms(hb.rttP50Ms)} / ${ms(hb.rttP99Ms)} / ${ms(hb.rttMaxMs)}`, ""],
        [
          `relayer CPU over the ${hb.windowSeconds.toFixed(0)} s window (user + sys)`,
          `${hb.cpuPercentOfOneCore.toFixed(1)}% of one core`,
          "",
        ],
        [
          "relayer RSS peak (VmHWM, logins included) / max in window",
          `${hb.rssPeakMb.toFixed(0)} MB / ${hb.rssMaxInWindowMb.toFixed(0)} MB`,
          "≤ 500 MB",
        ],
        [`  ${hb.agents} logins (signature check + agentOwner call each)`, `${hb.loginSeconds.toFixed(1)} s`, ""],
      );
    }
    rows.push([
      "relayer RSS peak at its first start on a new data dir (initdb)",
      `${firstStartPeakMb.toFixed(0)} MB`,
      "",
    ]);
    table(rows);
    out(`\nbenchmark took ${((performance.now() - started) / 1000).toFixed(0)} s after authorizing the keys`);
    writeReport("relayer", { firstStartPeakMb, heartbeats: hb, dispatch: d });
  } finally {
    await local.stop();
  }
}

runBenchmark(main);
