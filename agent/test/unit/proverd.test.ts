import { EventEmitter, once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import type { Hex } from "viem";
import { ProverdBackend, type ProofRequestParam } from "../../src/backends/proverd.js";
import type { ProveJob } from "../../src/backends/index.js";
import { ProverError, ProverUnavailableError } from "../../src/errors.js";
import { proveInstance } from "@zkpool/common";
import { ACCOUNT, builtin, startAgent, waitFor, type RunningAgent } from "../helpers/agentHarness.js";
import { ScriptedRelayer, makeJob, verifyInstanceProof } from "../helpers/scriptedRelayer.js";

interface ProofRequest {
  jsonrpc: string;
  id: number;
  method: string;
  params: ProofRequestParam[];
}

type Behaviour = (request: ProofRequest, n: number) => Promise<{ status?: number; body: unknown }>;

/**
 * A stand-in for zkevm proverd: JSON-RPC over HTTP, method `proof`, answering `result: null` while "generating"
 * and then the proof (made with the pool's circuit for protocol_instance.instance), or what a test scripts.
 */
class FakeProverd extends EventEmitter {
  readonly requests: ProofRequest[] = [];
  private readonly server: http.Server;

  constructor(private behaviour: Behaviour) {
    super();
    this.server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        const request = JSON.parse(body) as ProofRequest;
        this.requests.push(request);
        this.emit("request", request);
        void this.behaviour(request, this.requests.length).then(({ status, body: reply }) => {
          res.writeHead(status ?? 200, { "content-type": "application/json" });
          res.end(typeof reply === "string" ? reply : JSON.stringify(reply));
        });
      });
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Answers null `pending` times, then the real proof of the requested instance. */
function generating(pending: number): Behaviour {
  return async (request, n) => {
    if (n <= pending) return { body: { jsonrpc: "2.0", id: request.id, result: null } };
    const instance = request.params[0]?.protocol_instance;
    const { proof } = await proveInstance(`0x${instance?.instance}` as Hex, { difficulty: instance?.difficulty });
    return {
      body: { jsonrpc: "2.0", id: request.id, result: { circuit: { instance: [], proof, k: 0 } } },
    };
  };
}

function proveJob(): ProveJob {
  const job = makeJob(ACCOUNT.address);
  return { ...job, blockId: BigInt(job.blockId), instance: job.instance as Hex } as ProveJob;
}

const strip = (hex: string): string => hex.slice(2);

describe("proverd backend", () => {
  let proverd: FakeProverd | undefined;

  afterEach(async () => {
    await proverd?.close();
    proverd = undefined;
  });

  after(async () => {
    await builtin.close();
  });

  it("sends Taiko's proof request, polls while proverd generates, and returns the proof", async () => {
    proverd = new FakeProverd(generating(2));
    const backend = new ProverdBackend({ url: await proverd.listen(), pollIntervalMs: 20 });
    const job = proveJob();
    const result = await backend.prove(job, new AbortController().signal);

    expect(proverd.requests).to.have.length(3);
    const [request] = proverd.requests;
    expect(request?.jsonrpc).to.equal("2.0");
    expect(request?.method).to.equal("proof");
    expect(request?.params).to.have.length(1);
    const param = request?.params[0] as ProofRequestParam;
    expect(param.block).to.equal(Number(job.blockId));
    expect(param).to.include({ circuit: "super", retry: true, verify_proof: true, mock: false, aggregate: false });
    expect(param.protocol_instance).to.include({
      meta_hash: strip(job.evidence.metaHash),
      block_hash: strip(job.evidence.blockHash),
      parent_hash: strip(job.evidence.parentHash),
      signal_root: strip(job.evidence.signalRoot),
      graffiti: strip(job.evidence.graffiti),
      prover: strip(job.evidence.prover),
      gas_used: job.evidence.gasUsed,
      parent_gas_used: job.evidence.parentGasUsed,
      block_max_gas_limit: 6_000_000,
      max_bytes_per_tx_list: 120_000,
      instance: strip(job.instance),
      difficulty: 1,
    });
    // Every poll is the same request.
    expect(new Set(proverd.requests.map((r) => JSON.stringify(r)))).to.have.property("size", 1);
    expect(await verifyInstanceProof(job.instance, result.proof, { difficulty: 1 })).to.equal(true);
    expect(result.millis).to.be.greaterThan(0);
  });

  it("fails the job with proverd's message when it answers an error, without retrying", async () => {
    proverd = new FakeProverd(async (request) => ({
      body: { jsonrpc: "2.0", id: request.id, error: { code: -32000, message: "witness generation failed" } },
    }));
    const url = await proverd.listen();
    const backend = new ProverdBackend({ url, pollIntervalMs: 20 });
    const job = proveJob();
    const error = await backend.prove(job, new AbortController().signal).then(
      () => expect.fail("expected an error"),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ProverError);
    expect((error as Error).message).to.equal(
      `proverd at ${url} could not prove block ${job.blockId}: witness generation failed (code -32000)`,
    );
    expect(proverd.requests).to.have.length(1);
  });

  it("rides out a passing HTTP error, and gives up on a proverd that stays unreachable", async () => {
    proverd = new FakeProverd(async (request, n) =>
      n === 1 ? { status: 503, body: "busy" } : generating(0)(request, n),
    );
    const url = await proverd.listen();
    const backend = new ProverdBackend({ url, pollIntervalMs: 20 });
    const job = proveJob();
    const { proof } = await backend.prove(job, new AbortController().signal);
    expect(await verifyInstanceProof(job.instance, proof, { difficulty: 1 })).to.equal(true);
    expect(proverd.requests).to.have.length(2);

    await proverd.close();
    proverd = undefined;
    const gone = new ProverdBackend({ url, pollIntervalMs: 10, maxConsecutiveFailures: 3 });
    const error = await gone.prove(job, new AbortController().signal).then(
      () => expect.fail("expected an error"),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ProverUnavailableError);
    expect((error as Error).message).to.equal(`cannot reach proverd at ${url}: connection refused`);
  });

  it("stops polling when the job is aborted, and when its time limit passes", async () => {
    proverd = new FakeProverd(generating(Infinity));
    const url = await proverd.listen();
    const backend = new ProverdBackend({ url, pollIntervalMs: 20 });
    const controller = new AbortController();
    const proving = backend.prove(proveJob(), controller.signal);
    await waitFor(proverd, "request", () => (proverd?.requests.length ?? 0) >= 2);
    controller.abort(new Error("cancelled"));
    const error = await proving.then(
      () => expect.fail("expected an error"),
      (e: unknown) => e,
    );
    expect((error as Error).message).to.equal("cancelled");
    const polls = proverd.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(proverd.requests.length).to.equal(polls);

    const limited = new ProverdBackend({ url, pollIntervalMs: 20, jobTimeoutMs: 150 });
    const job = proveJob();
    const timedOut = await limited.prove(job, new AbortController().signal).then(
      () => expect.fail("expected an error"),
      (e: unknown) => e,
    );
    expect(timedOut).to.be.instanceOf(ProverError);
    expect((timedOut as Error).message).to.include(`did not prove block ${job.blockId} within 0.15 s`);
  });

  describe("in the agent", () => {
    let relayer: ScriptedRelayer;
    let agent: RunningAgent | undefined;

    afterEach(async () => {
      await agent?.stop();
      await relayer.close();
    });

    it("proves the relayer's jobs through proverd", async () => {
      proverd = new FakeProverd(generating(0));
      const url = await proverd.listen();
      relayer = await new ScriptedRelayer().listen();
      const loggedIn = relayer.nextLogin();
      agent = startAgent(relayer, {
        backend: new ProverdBackend({ url, pollIntervalMs: 20 }),
        config: { backend: "proverd", proverdUrl: url },
      });
      const { conn, authorize } = await loggedIn;
      expect(authorize.speed.msPerProof).to.be.greaterThan(0);
      const job = makeJob(ACCOUNT.address);
      const submitted = relayer.nextSubmission();
      conn.notify(job);
      const submission = await submitted;
      expect(submission.proofValid).to.equal(true);
      expect(proverd.requests.at(-1)?.params[0]?.protocol_instance.graffiti, "proven under this agent's name").to.equal(
        strip(job.evidence.graffiti),
      );
      expect(proverd.requests.at(-1)?.params[0]?.protocol_instance.instance).to.equal(strip(job.instance));
    });
  });
});
