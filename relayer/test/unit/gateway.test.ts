/**
 * The agent gateway on its own: agents are played through in-memory sockets (what the gateway writes is parsed
 * and kept, what the agent sends is pushed as bytes), the handler records what the gateway tells the relayer,
 * and the clock is one the test moves, so login, rate and heartbeat deadlines are reached without waiting. A few
 * tests go through real TCP on 127.0.0.1 and the real clock, to pin the listening server's wiring.
 */
import { EventEmitter } from "node:events";
import { createServer } from "node:net";
import { expect } from "chai";
import type { Address, Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import {
  AGENT_PROTOCOL_VERSION,
  MAX_FRAME_BYTES,
  RpcErrorCode,
  instanceContext,
  loginTypedData,
  type InstanceContext,
  type NotifyParams,
  type SubmitResult,
  type submitParams,
} from "@zkpool/common";
import type { z } from "zod";
import {
  AgentGateway,
  realClock,
  type AgentSession,
  type AgentSocket,
  type GatewayClock,
  type GatewayHandler,
  type GatewayOptions,
} from "../../src/gateway/server";
import { LineDecoder, TokenBucket } from "../../src/gateway/framing";
import { RpcFailure, parseLine } from "../../src/gateway/rpc";
import { ScriptedAgent } from "../support/agentClient";
import { recordingLog, type RecordingLog } from "../support/recordingLog";

const CHAIN_ID = 31337;
const POOL: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const PROVER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const T0 = 1_700_000_000_000;
/** The network's instance context as the adapter read it (not the local network's: the gateway sends what it is given). */
const CONTEXT: InstanceContext = {
  signalService: "0x1111111111111111111111111111111111111111",
  l2SignalService: "0x2222222222222222222222222222222222222222",
  l2Taiko: "0x3333333333333333333333333333333333333333",
  blockMaxGasLimit: 6_000_000,
  blockMaxTransactions: 79n,
  blockMaxTxListBytes: (1n << 64n) - 1n,
};
/** The gateway's sweep period (SWEEP_MS): a deadline is enforced at most this late. */
const SWEEP_MS = 250;

/**
 * An answer the gateway owes comes within milliseconds: a test waiting longer fails at once rather than hanging
 * (mutation testing turns mocha's own timeout off, and a hung run costs it a restart).
 */
const ANSWER_WITHIN_MS = 2_000;

const alice = privateKeyToAccount(`0x${"11".repeat(32)}`);
const bob = privateKeyToAccount(`0x${"22".repeat(32)}`);
/** A key nobody registered (or whose owner revoked it). */
const stranger = privateKeyToAccount(`0x${"33".repeat(32)}`);

/** A clock the test moves: `advance` fires every timer and sweep due on the way, in time order. */
class FakeClock implements GatewayClock {
  time = T0;
  private readonly repeating: Array<{ ms: number; next: number; tick: () => void; stopped: boolean }> = [];
  private readonly once: Array<{ at: number; fire: () => void }> = [];

  now(): number {
    return this.time;
  }

  every(ms: number, tick: () => void): () => void {
    const timer = { ms, next: this.time + ms, tick, stopped: false };
    this.repeating.push(timer);
    return () => {
      timer.stopped = true;
    };
  }

  after(ms: number, fire: () => void): void {
    this.once.push({ at: this.time + ms, fire });
  }

  /** How many repeating timers still run. */
  get running(): number {
    return this.repeating.filter((t) => !t.stopped).length;
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const repeating = this.repeating.filter((t) => !t.stopped && t.next <= end).sort((a, b) => a.next - b.next)[0];
      const once = this.once.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (once && (!repeating || once.at <= repeating.next)) {
        this.once.splice(this.once.indexOf(once), 1);
        this.time = once.at;
        once.fire();
      } else if (repeating) {
        this.time = repeating.next;
        repeating.next += repeating.ms;
        repeating.tick();
      } else {
        break;
      }
    }
    this.time = end;
  }
}

/** A JSON-RPC message as the agent reads it. */
interface Wire {
  jsonrpc: string;
  id?: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  method?: string;
  params?: unknown;
}

/** An agent's end of an in-memory connection: the gateway's writes are parsed and kept, in order. */
class MemorySocket extends EventEmitter implements AgentSocket {
  remoteAddress: string | undefined = "203.0.113.7";
  remotePort: number | undefined = 40_123;
  destroyed = false;
  ended = false;
  writableLength = 0;
  keepAlive: [boolean, number] | undefined;
  /** Makes the next write throw, as a socket torn down under the writer does. */
  failNextWrite = false;
  readonly received: Wire[] = [];
  private nextId = 1;
  private readonly waiters: Array<() => void> = [];

  setKeepAlive(enable: boolean, initialDelay: number): void {
    this.keepAlive = [enable, initialDelay];
  }

  write(text: string): boolean {
    if (this.failNextWrite) {
      this.failNextWrite = false;
      throw new Error("write after the socket broke");
    }
    expect(text.endsWith("\n") && text.indexOf("\n") === text.length - 1, "one message per line").to.equal(true);
    this.received.push(JSON.parse(text) as Wire);
    for (const waiter of this.waiters.splice(0)) waiter();
    return true;
  }

  end(): void {
    this.ended = true;
  }

  /** The gateway tears the connection down: "close" follows on the next tick, as with a net.Socket. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.nextTick(() => this.emit("close"));
  }

  /** The agent goes away. */
  hangUp(): void {
    this.destroyed = true;
    this.emit("close");
  }

  /** The agent sends bytes (any framing, any content). */
  sendRaw(text: string | Buffer): void {
    this.emit("data", typeof text === "string" ? Buffer.from(text) : text);
  }

  send(message: object): void {
    this.sendRaw(`${JSON.stringify(message)}\n`);
  }

  /** Sends a request and resolves with its answer. */
  request(method: string, params?: unknown): Promise<Wire> {
    const id = this.nextId++;
    this.send({ jsonrpc: "2.0", id, method, params });
    return this.until(() => this.received.find((m) => m.id === id));
  }

  /** Resolves once `found` returns something, checking after every write of the gateway. */
  async until<T>(found: () => T | undefined): Promise<T> {
    for (;;) {
      const value = found();
      if (value !== undefined) return value;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  get errors(): Array<{ id: string | number | null | undefined; code: number; message: string }> {
    return this.received.flatMap((m) => (m.error ? [{ id: m.id, code: m.error.code, message: m.error.message }] : []));
  }

  get notifications(): Wire[] {
    return this.received.filter((m) => m.method !== undefined);
  }
}

type Submitted = z.output<typeof submitParams>;

/** The relayer's side as the gateway sees it: owners by agent key, and a record of every call. */
function recordingHandler() {
  const calls = {
    owners: new Map<Address, Address>([
      [alice.address, PROVER],
      [bob.address, PROVER],
    ]),
    lookups: [] as Address[],
    authorized: [] as AgentSession[],
    heartbeats: [] as Array<{ session: AgentSession; busy: number; msPerProof: number }>,
    disconnected: [] as Array<{ session: AgentSession; reason: string }>,
    submits: [] as Array<{ session: AgentSession; params: Submitted }>,
    /** Replaces the owner lookup (e.g. with one the test resolves later). */
    agentOwner: undefined as ((agent: Address) => Promise<Address | undefined>) | undefined,
    onSubmit: (() => Promise.resolve({ accepted: true })) as (params: Submitted) => Promise<SubmitResult>,
  };
  const handler: GatewayHandler = {
    agentOwner: (agent) => {
      calls.lookups.push(agent);
      return calls.agentOwner ? calls.agentOwner(agent) : Promise.resolve(calls.owners.get(agent));
    },
    instanceContext: () => CONTEXT,
    onAuthorized: (session) => calls.authorized.push(session),
    onHeartbeat: (session) => calls.heartbeats.push({ session, busy: session.busy, msPerProof: session.msPerProof }),
    onDisconnected: (session, reason) => calls.disconnected.push({ session, reason }),
    onSubmit: (session, params) => {
      calls.submits.push({ session, params });
      return calls.onSubmit(params);
    },
  };
  return { handler, calls };
}

interface Harness {
  gateway: AgentGateway;
  clock: FakeClock;
  log: RecordingLog;
  calls: ReturnType<typeof recordingHandler>["calls"];
  port: number;
  /** A new agent connection, accepted now. */
  connect(socket?: MemorySocket): MemorySocket;
}

const running: AgentGateway[] = [];
const sockets: MemorySocket[] = [];

function errorText(error: unknown): string | undefined {
  return error instanceof Error ? error.message : undefined;
}

/** Resolves once `holds` does, checking between turns of the event loop (for effects that write nothing). */
async function eventually(holds: () => boolean): Promise<void> {
  while (!holds()) await new Promise((resolve) => setImmediate(resolve));
}

/** A listening gateway (ephemeral port) with a fake clock, a recording handler and a recording log. */
async function startGateway(options: Partial<GatewayOptions> = {}): Promise<Harness> {
  const clock = new FakeClock();
  const log = recordingLog();
  const { handler, calls } = recordingHandler();
  const gateway = new AgentGateway(
    {
      host: "127.0.0.1",
      port: 0,
      chainId: CHAIN_ID,
      pool: POOL,
      difficulty: 3,
      authTimeoutS: 10,
      rateLimitPerS: 20,
      log: log.log,
      clock,
      ...options,
    },
    handler,
  );
  running.push(gateway);
  const { port } = await gateway.listen();
  return {
    gateway,
    clock,
    log,
    calls,
    port,
    connect: (socket = new MemorySocket()) => {
      sockets.push(socket);
      gateway.accept(socket);
      return socket;
    },
  };
}

const SUBSCRIBE = {
  agent: { name: "rig-1", version: "1.2.3" },
  device: { cpu: "Threadripper", cores: 64, memoryMb: 262_144 },
};

interface LoginAttempt {
  nonce: Hex;
  authorize: { agent: Address; deviceId: string; signature: Hex; speed: { msPerProof: number; concurrency: number } };
  subscribed: Wire;
  reply: Wire;
}

/** subscribe, sign the nonce with `signer` (an agent's access key), authorize as `agent`. */
async function login(
  socket: MemorySocket,
  signer: PrivateKeyAccount,
  options: { agent?: Address; deviceId?: string; replay?: LoginAttempt["authorize"] } = {},
): Promise<LoginAttempt> {
  const subscribed = await socket.request("zkpool.subscribe", SUBSCRIBE);
  const nonce = (subscribed.result as { nonce: Hex }).nonce;
  const deviceId = options.deviceId ?? "gpu-0";
  const authorize = options.replay ?? {
    agent: options.agent ?? signer.address,
    deviceId,
    signature: await signer.signTypedData(loginTypedData(CHAIN_ID, POOL, nonce, deviceId)),
    speed: { msPerProof: 1_500, concurrency: 2 },
  };
  const reply = await socket.request("zkpool.authorize", authorize);
  return { nonce, authorize, subscribed, reply };
}

/** A well-formed evidence.proof: the instance's two halves, then the Groth16 proof (320 bytes). */
const PROOF: Hex = `0x${"ab".repeat(320)}`;
const SIGNATURE: Hex = `0x${"cd".repeat(65)}`;

const job: NotifyParams = {
  jobId: "job-7",
  blockId: "7",
  evidence: {
    metaHash: `0x${"01".repeat(32)}`,
    parentHash: `0x${"02".repeat(32)}`,
    blockHash: `0x${"03".repeat(32)}`,
    signalRoot: `0x${"04".repeat(32)}`,
    graffiti: `0x${"00".repeat(32)}`,
    prover: POOL,
    parentGasUsed: 0,
    gasUsed: 21_000,
    verifierId: 0,
  },
  instance: `0x${"05".repeat(32)}`,
  deadline: 1_700_000_600,
  difficulty: 3,
};

/** Closes this test's gateways; checks that all they wrote was JSON-RPC 2.0, one message a line. */
async function afterGatewayTest(): Promise<void> {
  for (const gateway of running.splice(0)) await gateway.close();
  const written = sockets.splice(0).flatMap((socket) => socket.received);
  expect(written.filter((m) => m.jsonrpc !== "2.0")).to.deep.equal([]);
}

describe("agent gateway: login", function () {
  this.timeout(ANSWER_WITHIN_MS);
  afterEach(afterGatewayTest);

  it("logs in an agent that signs its connection's fresh nonce with its own key, and hands the session to the relayer", async function () {
    const { connect, calls, gateway, log } = await startGateway();
    const socket = connect();
    const { subscribed, reply, nonce } = await login(socket, alice, { deviceId: "gpu-0" });

    const session = calls.authorized[0];
    expect(subscribed.result).to.deep.equal({
      sessionId: session?.id,
      nonce,
      protocol: AGENT_PROTOCOL_VERSION,
      chainId: CHAIN_ID,
      pool: POOL,
      difficulty: 3,
      // The limits as decimal strings (a JSON number would lose the uint64's low bits).
      instanceContext: {
        signalService: CONTEXT.signalService,
        l2SignalService: CONTEXT.l2SignalService,
        l2Taiko: CONTEXT.l2Taiko,
        blockMaxGasLimit: 6_000_000,
        blockMaxTransactions: "79",
        blockMaxTxListBytes: "18446744073709551615",
      },
    });
    expect(
      instanceContext.parse((subscribed.result as { instanceContext: unknown }).instanceContext),
      "the agent reads back the context the relayer hashes with",
    ).to.deep.equal(CONTEXT);
    expect(nonce).to.match(/^0x[0-9a-f]{64}$/);
    expect(reply).to.deep.equal({ jsonrpc: "2.0", id: 2, result: { prover: PROVER } });
    expect(calls.lookups).to.deep.equal([alice.address]);
    expect(calls.authorized).to.have.length(1);
    expect(session).to.include({
      agent: alice.address,
      prover: PROVER,
      deviceId: "gpu-0",
      name: "rig-1",
      remote: "203.0.113.7:40123",
      msPerProof: 1_500,
      concurrency: 2,
      busy: 0,
      connectedAt: T0,
      lastHeartbeat: T0,
    });
    expect(gateway.stats).to.include({ connections: 1, authorized: 1, framesReceived: 2, protocolErrors: 0 });
    const line = log.lines.find((l) => l.msg === "agent authorized");
    expect(line?.fields).to.deep.equal({
      session: session?.id,
      remote: "203.0.113.7:40123",
      agent: alice.address,
      prover: PROVER,
      deviceId: "gpu-0",
      msPerProof: 1_500,
    });
    expect(log.lines.find((l) => l.msg === "agent subscribed")?.fields).to.deep.include({
      agent: SUBSCRIBE.agent,
      device: SUBSCRIBE.device,
    });
  });

  it("gives every connection its own session id and nonce", async function () {
    const { connect } = await startGateway();
    const first = await connect().request("zkpool.subscribe", SUBSCRIBE);
    const second = await connect().request("zkpool.subscribe", SUBSCRIBE);
    const a = first.result as { sessionId: string; nonce: Hex };
    const b = second.result as { sessionId: string; nonce: Hex };
    expect(a.nonce).to.not.equal(b.nonce);
    expect(a.sessionId).to.not.equal(b.sessionId);
  });

  it("refuses a login signed by another key than the agent it names, and asks nobody who owns that agent", async function () {
    const { connect, calls, gateway } = await startGateway();
    const socket = connect();
    const { reply } = await login(socket, bob, { agent: alice.address });
    expect(reply.error).to.deep.equal({
      code: RpcErrorCode.BadSignature,
      message: "The login signature is not from this agent's access key: check --key",
    });
    expect(calls.lookups).to.deep.equal([]);
    expect(calls.authorized).to.deep.equal([]);
    expect(gateway.stats.authorized).to.equal(0);
    expect((await socket.request("zkpool.heartbeat", { busy: 0 })).error?.code).to.equal(RpcErrorCode.NotAuthorized);
  });

  it("accepts the signer's address in any letter case", async function () {
    const { connect, calls } = await startGateway();
    calls.owners.set(alice.address.toLowerCase() as Address, PROVER);
    const { reply } = await login(connect(), alice, { agent: alice.address.toLowerCase() as Address });
    expect(reply.result).to.deep.equal({ prover: PROVER });
  });

  it("refuses a malformed login signature", async function () {
    const { connect, calls } = await startGateway();
    const socket = connect();
    await socket.request("zkpool.subscribe", SUBSCRIBE);
    const reply = await socket.request("zkpool.authorize", {
      agent: alice.address,
      deviceId: "gpu-0",
      signature: "0x1234",
      speed: { msPerProof: 1_500, concurrency: 2 },
    });
    expect(reply.error).to.deep.equal({ code: RpcErrorCode.BadSignature, message: "The login signature is malformed" });
    expect(calls.authorized).to.deep.equal([]);
  });

  it("refuses a login signature replayed on a second connection, whose nonce is another", async function () {
    const { connect, calls } = await startGateway();
    const first = await login(connect(), alice);
    expect(first.reply.result).to.deep.equal({ prover: PROVER });

    const replayed = await login(connect(), alice, { replay: first.authorize });
    expect(replayed.nonce).to.not.equal(first.nonce);
    expect(replayed.reply.error?.code).to.equal(RpcErrorCode.BadSignature);
    expect(calls.authorized.map((s) => s.agent)).to.deep.equal([alice.address]);
  });

  it("uses a nonce once: the login cannot be sent again, nor a new nonce asked for, on a logged-in connection", async function () {
    const { connect, calls } = await startGateway();
    const socket = connect();
    const { authorize } = await login(socket, alice);
    const again = await socket.request("zkpool.authorize", authorize);
    expect(again.error).to.deep.equal({
      code: RpcErrorCode.NotSubscribed,
      message: "Subscribe first: zkpool.subscribe gives the nonce to sign",
    });
    const resubscribe = await socket.request("zkpool.subscribe", SUBSCRIBE);
    expect(resubscribe.error).to.deep.equal({
      code: RpcErrorCode.InvalidRequest,
      message: "Already subscribed on this connection",
    });
    expect(calls.authorized).to.have.length(1);
  });

  it("refuses a key that no prover owns (unknown or revoked) with an error that says what to do", async function () {
    const { connect, calls, gateway } = await startGateway();
    const socket = connect();
    const { reply } = await login(socket, stranger);
    expect(reply.error).to.deep.equal({
      code: RpcErrorCode.AgentNotAuthorized,
      message: `Access key ${stranger.address} is not authorized in ZKPool (unknown or revoked): create one in the dApp`,
    });
    expect(calls.lookups).to.deep.equal([stranger.address]);
    expect(calls.authorized).to.deep.equal([]);
    expect(gateway.stats.authorized).to.equal(0);
    expect((await socket.request("zkpool.submit", { jobId: "j", proof: PROOF })).error?.code).to.equal(
      RpcErrorCode.NotAuthorized,
    );
    expect(calls.submits).to.deep.equal([]);
  });

  it("does not log in a connection that closed while its owner was looked up", async function () {
    const { connect, calls, gateway } = await startGateway({ maxStrikes: 1 });
    let answer: (owner: Address) => void = () => undefined;
    calls.agentOwner = () => new Promise((resolve) => (answer = resolve));
    const socket = connect();
    const subscribed = await socket.request("zkpool.subscribe", SUBSCRIBE);
    const nonce = (subscribed.result as { nonce: Hex }).nonce;
    socket.send({
      jsonrpc: "2.0",
      id: 2,
      method: "zkpool.authorize",
      params: {
        agent: alice.address,
        deviceId: "gpu-0",
        signature: await alice.signTypedData(loginTypedData(CHAIN_ID, POOL, nonce, "gpu-0")),
        speed: { msPerProof: 1_500, concurrency: 2 },
      },
    });
    await eventually(() => calls.lookups.length > 0);
    socket.hangUp();
    answer(PROVER);
    // The login fails as any refused request does: one protocol error, and no answer to a closed socket.
    await eventually(() => gateway.stats.protocolErrors === 1);
    expect(socket.received).to.have.length(1);
    expect(socket.ended).to.equal(false);
    expect(calls.authorized).to.deep.equal([]);
    expect(calls.disconnected).to.deep.equal([]);
    expect(gateway.stats.authorized).to.equal(0);
  });

  it("answers nothing but subscribe and authorize before login", async function () {
    const { connect, calls } = await startGateway();
    const socket = connect();
    const notAuthorized = {
      code: RpcErrorCode.NotAuthorized,
      message: "Not authorized: subscribe, then authorize with your access key",
    };
    expect((await socket.request("zkpool.heartbeat", { busy: 0 })).error).to.deep.equal(notAuthorized);
    expect((await socket.request("zkpool.submit", { jobId: "j", proof: PROOF })).error).to.deep.equal(notAuthorized);
    const authorizeFirst = await socket.request("zkpool.authorize", {
      agent: alice.address,
      deviceId: "gpu-0",
      signature: SIGNATURE,
      speed: { msPerProof: 1, concurrency: 1 },
    });
    expect(authorizeFirst.error).to.deep.equal({
      code: RpcErrorCode.NotSubscribed,
      message: "Subscribe first: zkpool.subscribe gives the nonce to sign",
    });
    await socket.request("zkpool.subscribe", SUBSCRIBE);
    expect((await socket.request("zkpool.heartbeat", { busy: 0 })).error).to.deep.equal(notAuthorized);
    expect(calls.heartbeats).to.deep.equal([]);
    expect(calls.submits).to.deep.equal([]);
    expect(calls.lookups).to.deep.equal([]);
  });

  it("answers an unknown method, even one an object has, with method not found", async function () {
    const { connect } = await startGateway();
    const socket = connect();
    const long = `zkpool.${"x".repeat(100)}`;
    expect((await socket.request(long)).error).to.deep.equal({
      code: RpcErrorCode.MethodNotFound,
      message: `Method not found: ${long.slice(0, 64)}`,
    });
    expect((await socket.request("toString")).error).to.deep.equal({
      code: RpcErrorCode.MethodNotFound,
      message: "Method not found: toString",
    });
    expect((await socket.request("zkpool.notify", job)).error?.code).to.equal(RpcErrorCode.MethodNotFound);
  });

  it("says which params are wrong", async function () {
    const { connect } = await startGateway();
    const socket = connect();
    expect((await socket.request("zkpool.subscribe", null)).error).to.deep.equal({
      code: RpcErrorCode.InvalidParams,
      message: "Invalid params: params: Expected object, received null",
    });
    await socket.request("zkpool.subscribe", SUBSCRIBE);
    const reply = await socket.request("zkpool.authorize", {
      agent: alice.address,
      deviceId: "",
      signature: SIGNATURE,
      speed: { msPerProof: -1, concurrency: 1 },
    });
    expect(reply.error?.code).to.equal(RpcErrorCode.InvalidParams);
    expect(reply.error?.message).to.match(/^Invalid params: deviceId: .+; speed\.msPerProof: .+$/);
  });
});

describe("agent gateway: deadlines", function () {
  this.timeout(ANSWER_WITHIN_MS);
  afterEach(afterGatewayTest);

  it("closes a connection that has not logged in by authTimeoutS, at the first sweep past it", async function () {
    const { connect, clock, calls } = await startGateway({ authTimeoutS: 10 });
    const silent = connect();
    clock.advance(100);
    const subscribedOnly = connect();
    await subscribedOnly.request("zkpool.subscribe", SUBSCRIBE);

    clock.advance(9_899);
    expect(silent.ended).to.equal(false);
    clock.advance(1);
    const timedOut = {
      id: null,
      code: RpcErrorCode.AuthTimeout,
      message: "Not authorized within 10 s: subscribe, then authorize with your access key",
    };
    expect(silent.errors).to.deep.equal([timedOut]);
    expect(silent.ended).to.equal(true);
    expect(subscribedOnly.ended).to.equal(false);

    clock.advance(SWEEP_MS - 1);
    expect(subscribedOnly.ended).to.equal(false);
    clock.advance(1);
    expect(subscribedOnly.errors).to.deep.equal([timedOut]);
    expect(subscribedOnly.ended).to.equal(true);
    expect(calls.disconnected).to.deep.equal([]);
  });

  it("destroys a timed-out socket one second after ending it, for a client that never reads", async function () {
    const { connect, clock } = await startGateway({ authTimeoutS: 1 });
    const socket = connect();
    clock.advance(1_000);
    expect(socket.ended).to.equal(true);
    clock.advance(999);
    expect(socket.destroyed).to.equal(false);
    clock.advance(1);
    expect(socket.destroyed).to.equal(true);
  });

  it("keeps an agent that logs in in time, past the auth timeout", async function () {
    const { connect, clock } = await startGateway({ authTimeoutS: 1, idleTimeoutS: 60 });
    const socket = connect();
    await login(socket, alice);
    clock.advance(30_000);
    expect(socket.ended).to.equal(false);
    expect(socket.errors).to.deep.equal([]);
  });

  it("keeps an agent that heartbeats, and drops it at the first sweep once it is silent for idleTimeoutS", async function () {
    const { connect, clock, calls, gateway, log } = await startGateway({ authTimeoutS: 1, idleTimeoutS: 5 });
    const socket = connect();
    await login(socket, alice);
    for (let i = 0; i < 10; i++) {
      clock.advance(4_000);
      expect((await socket.request("zkpool.heartbeat", { busy: 1 })).error).to.equal(undefined);
    }
    clock.advance(4_000);
    expect((await socket.request("zkpool.submit", { jobId: "j", proof: PROOF })).result).to.deep.equal({
      accepted: true,
    });
    clock.advance(4_999);
    expect(socket.ended).to.equal(false);
    expect(calls.disconnected).to.deep.equal([]);
    clock.advance(1);
    expect(socket.ended).to.equal(true);
    expect(calls.disconnected.map((d) => [d.session, d.reason])).to.deep.equal([
      [calls.authorized[0], "no heartbeat for 5 s"],
    ]);
    expect(gateway.stats.authorized).to.equal(0);
    expect(log.lines.filter((l) => l.msg === "closing agent connection").map((l) => l.fields.reason)).to.deep.equal([
      "no heartbeat for 5 s",
    ]);
  });

  it("drops a silent agent after 30 s when no idle timeout is configured", async function () {
    const { connect, clock, calls } = await startGateway();
    const socket = connect();
    await login(socket, alice);
    clock.advance(29_999);
    expect(socket.ended).to.equal(false);
    clock.advance(1);
    expect(calls.disconnected.map((d) => d.reason)).to.deep.equal(["no heartbeat for 30 s"]);
  });

  it("stops sweeping once closed", async function () {
    const { gateway, clock } = await startGateway();
    expect(clock.running).to.equal(1);
    await gateway.close();
    expect(clock.running).to.equal(0);
  });
});

describe("agent gateway: abuse", function () {
  this.timeout(ANSWER_WITHIN_MS);
  afterEach(afterGatewayTest);

  it("serves a burst of twice rateLimitPerS, refuses the flood beyond it and cuts the flooder off", async function () {
    const { connect, calls, gateway } = await startGateway({ rateLimitPerS: 5 });
    const socket = connect();
    await login(socket, alice);
    const heartbeat = (id: number) =>
      JSON.stringify({ jsonrpc: "2.0", id, method: "zkpool.heartbeat", params: { busy: 0 } });
    // Two tokens went to the login: eight of the burst of ten are left.
    socket.sendRaw(`${Array.from({ length: 9 }, (_, i) => heartbeat(100 + i)).join("\n")}\n`);
    await socket.until(() => socket.received.find((m) => m.id === 107));
    expect(socket.errors).to.deep.equal([
      { id: null, code: RpcErrorCode.RateLimited, message: "Too many messages: at most 5 a second" },
    ]);
    expect(calls.heartbeats).to.have.length(8);

    socket.sendRaw(`${Array.from({ length: 20 }, (_, i) => heartbeat(200 + i)).join("\n")}\n`);
    expect(socket.ended).to.equal(true);
    expect(socket.errors).to.have.length(11);
    expect(socket.errors.at(-1)).to.deep.equal({
      id: null,
      code: RpcErrorCode.RateLimited,
      message: "Too many messages: at most 5 a second (too many errors: disconnecting)",
    });
    expect(gateway.stats).to.include({ framesReceived: 2 + 9 + 10, protocolErrors: 11, disconnectedForAbuse: 1 });
    expect(calls.disconnected.map((d) => d.reason)).to.deep.equal([
      "Too many messages: at most 5 a second (too many errors: disconnecting)",
    ]);
  });

  it("refills the rate limit with time: an agent within rateLimitPerS is served for as long as it talks", async function () {
    const { connect, clock, calls, gateway } = await startGateway({ rateLimitPerS: 2, idleTimeoutS: 60 });
    const socket = connect();
    await login(socket, alice);
    for (let second = 0; second < 100; second++) {
      clock.advance(1_000);
      const replies = await Promise.all([
        socket.request("zkpool.heartbeat", { busy: 0 }),
        socket.request("zkpool.heartbeat", { busy: 1 }),
      ]);
      expect(replies.map((r) => r.error)).to.deep.equal([undefined, undefined]);
    }
    expect(calls.heartbeats).to.have.length(200);
    expect(gateway.stats.protocolErrors).to.equal(0);
    expect(socket.ended).to.equal(false);
  });

  it("refuses a frame over MAX_FRAME_BYTES, even in pieces, and closes the connection", async function () {
    const { connect, gateway } = await startGateway();
    const socket = connect();
    socket.sendRaw("x".repeat(MAX_FRAME_BYTES));
    expect(socket.ended).to.equal(false);
    socket.sendRaw("x");
    expect(socket.errors).to.deep.equal([
      { id: null, code: RpcErrorCode.FrameTooLarge, message: `Frame larger than ${MAX_FRAME_BYTES} bytes` },
    ]);
    expect(socket.ended).to.equal(true);
    expect(gateway.stats.framesReceived).to.equal(0);
  });

  it("answers malformed lines with errors and cuts the connection off at maxStrikes in a row", async function () {
    const { connect, gateway, calls } = await startGateway({ maxStrikes: 3 });
    const socket = connect();
    await login(socket, alice);
    socket.sendRaw("not json\n");
    socket.sendRaw("[1]\n");
    expect((await socket.request("zkpool.heartbeat", { busy: 0 })).error).to.equal(undefined);
    socket.sendRaw('{"jsonrpc":"2.0","id":7}\n');
    socket.sendRaw("{}\n");
    expect(socket.ended).to.equal(false);
    await socket.request("zkpool.heartbeat", { busy: "many" });
    expect(socket.errors.map((e) => [e.id, e.code])).to.deep.equal([
      [null, RpcErrorCode.ParseError],
      [null, RpcErrorCode.InvalidRequest],
      [7, RpcErrorCode.InvalidRequest],
      [null, RpcErrorCode.InvalidRequest],
      [4, RpcErrorCode.InvalidParams],
    ]);
    expect(socket.errors.at(-1)?.message).to.match(/^Invalid params: busy: .+ \(too many errors: disconnecting\)$/);
    expect(socket.ended).to.equal(true);
    expect(gateway.stats).to.include({ protocolErrors: 5, disconnectedForAbuse: 1 });
    expect(calls.disconnected).to.have.length(1);
  });

  it("cuts off after 10 errors in a row when maxStrikes is not configured", async function () {
    const { connect, gateway } = await startGateway();
    const socket = connect();
    for (let i = 0; i < 9; i++) socket.sendRaw("nope\n");
    await socket.until(() => (socket.errors.length === 9 ? true : undefined));
    expect(socket.ended).to.equal(false);
    socket.sendRaw("nope\n");
    await socket.until(() => (socket.errors.length === 10 ? true : undefined));
    expect(socket.ended).to.equal(true);
    expect(gateway.stats.disconnectedForAbuse).to.equal(1);
  });

  it("handles no line that arrives after the one that closed the connection", async function () {
    const { connect, gateway } = await startGateway({ maxStrikes: 1 });
    const socket = connect();
    socket.sendRaw('nope\n{"jsonrpc":"2.0","id":1,"method":"zkpool.subscribe"}\nnope\n');
    await socket.until(() => socket.errors[0]);
    // Nothing is written for the lines after: let the queue run them.
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.received).to.have.length(1);
    expect(gateway.stats).to.include({ framesReceived: 3, protocolErrors: 1, disconnectedForAbuse: 1 });
    socket.sendRaw("nope\n");
    socket.sendRaw("x".repeat(MAX_FRAME_BYTES + 1));
    expect(gateway.stats).to.include({ framesReceived: 3, protocolErrors: 1 });
    expect(socket.received).to.have.length(1);
  });

  it("stops reading a flood in the middle of a chunk once it closes the connection", async function () {
    const { connect, gateway } = await startGateway({ rateLimitPerS: 1, maxStrikes: 1 });
    const socket = connect();
    socket.sendRaw("\n\n{}\n{}\n{}\n{}\n");
    expect(socket.ended).to.equal(true);
    expect(gateway.stats).to.include({ framesReceived: 3, protocolErrors: 1, disconnectedForAbuse: 1 });
  });

  it("cuts off an agent that does not read what it is sent", async function () {
    const { connect, calls } = await startGateway();
    const socket = connect();
    await login(socket, alice);
    const session = calls.authorized[0];
    socket.writableLength = 4 * MAX_FRAME_BYTES;
    session?.notify(job);
    expect(socket.notifications).to.have.length(1);
    socket.writableLength = 4 * MAX_FRAME_BYTES + 1;
    session?.notify(job);
    expect(socket.notifications).to.have.length(1);
    expect(socket.destroyed).to.equal(true);
    expect(calls.disconnected.map((d) => d.reason)).to.deep.equal(["the agent does not read its connection"]);
  });

  it("keeps answering after an error while writing, and logs it", async function () {
    const { connect, log } = await startGateway();
    const socket = connect();
    socket.failNextWrite = true;
    socket.sendRaw("nope\n");
    expect((await socket.request("zkpool.subscribe", SUBSCRIBE)).result).to.have.property("nonce");
    expect(log.lines.filter((l) => l.level === "error").map((l) => [l.msg, errorText(l.fields.err)])).to.deep.equal([
      ["unexpected error handling an agent message", "write after the socket broke"],
    ]);
  });

  it("logs a socket error instead of throwing it", async function () {
    const { connect, log } = await startGateway();
    const socket = connect();
    socket.emit("error", new Error("ECONNRESET"));
    const line = log.lines.find((l) => l.msg === "agent connection error");
    expect([line?.level, errorText(line?.fields.err)]).to.deep.equal(["debug", "ECONNRESET"]);
  });

  it("builds no log line at a level the logger has off", async function () {
    const log = recordingLog();
    const { connect } = await startGateway({
      log: { ...log.log, isLevelEnabled: (level: string) => level !== "debug" },
    });
    const socket = connect();
    await login(socket, alice);
    socket.emit("error", new Error("ECONNRESET"));
    expect(log.lines.map((l) => l.msg)).to.deep.equal(["agent gateway listening", "agent authorized"]);
  });
});

describe("agent gateway: a logged-in agent", function () {
  this.timeout(ANSWER_WITHIN_MS);
  afterEach(afterGatewayTest);

  it("routes a submit to the handler with the session and the parsed params, and answers with its result", async function () {
    const { connect, clock, calls } = await startGateway();
    const socket = connect();
    await login(socket, alice);
    clock.advance(1_234);
    const reply = await socket.request("zkpool.submit", {
      jobId: "job-7",
      proof: PROOF,
      millis: 900,
    });
    expect(reply).to.deep.equal({ jsonrpc: "2.0", id: 3, result: { accepted: true } });
    expect(calls.submits).to.deep.equal([
      { session: calls.authorized[0], params: { jobId: "job-7", proof: PROOF, millis: 900 } },
    ]);
    expect(calls.authorized[0]?.lastHeartbeat).to.equal(T0 + 1_234);

    // A Groth16 proof alone (256 bytes, without the instance halves eldfell's TaikoL1 reads first) is no proof.
    const groth16Only = await socket.request("zkpool.submit", {
      jobId: "job-7",
      proof: `0x${"ab".repeat(256)}`,
    });
    expect(groth16Only.error?.code).to.equal(RpcErrorCode.InvalidParams);
    expect(groth16Only.error?.message).to.match(/^Invalid params: proof: /);
    expect(calls.submits).to.have.length(1);
  });

  it("passes the handler's refusal of a submit to the agent, and hides any other failure behind an internal error", async function () {
    const { connect, calls, log } = await startGateway();
    const socket = connect();
    await login(socket, alice);
    calls.onSubmit = () =>
      Promise.reject(new RpcFailure(RpcErrorCode.BadProof, "The proof does not verify", { jobId: "j" }));
    const refused = await socket.request("zkpool.submit", { jobId: "j", proof: PROOF });
    expect(refused.error).to.deep.equal({
      code: RpcErrorCode.BadProof,
      message: "The proof does not verify",
      data: { jobId: "j" },
    });
    expect(log.lines.filter((l) => l.level === "error")).to.deep.equal([]);
    calls.onSubmit = () => Promise.reject(new Error("database on fire at 10.0.0.5"));
    const failed = await socket.request("zkpool.submit", { jobId: "j", proof: PROOF });
    expect(failed.error).to.deep.equal({
      code: RpcErrorCode.InternalError,
      message: "Internal error: the relayer could not handle this message; try again",
    });
    expect(log.lines.filter((l) => l.level === "error").map((l) => [l.msg, errorText(l.fields.err)])).to.deep.equal([
      ["agent request failed", "database on fire at 10.0.0.5"],
    ]);
  });

  it("takes a heartbeat: busy and speed reach the handler with the session, and the answer is the relayer's time", async function () {
    const { connect, clock, calls } = await startGateway();
    const socket = connect();
    await login(socket, alice);
    clock.advance(2_500);
    const reply = await socket.request("zkpool.heartbeat", { busy: 2, msPerProof: 900 });
    expect(reply.result).to.deep.equal({ time: Math.floor((T0 + 2_500) / 1000) });
    socket.send({ jsonrpc: "2.0", method: "zkpool.heartbeat", params: { busy: 1 } });
    await socket.request("zkpool.heartbeat", { busy: 0 });
    const session = calls.authorized[0];
    expect(calls.heartbeats.map((h) => [h.session, h.busy, h.msPerProof])).to.deep.equal([
      [session, 2, 900],
      [session, 1, 900],
      [session, 0, 900],
    ]);
    expect(socket.received.filter((m) => m.result !== undefined)).to.have.length(4);
    expect(session?.lastHeartbeat).to.equal(T0 + 2_500);
  });

  it("sends notify and cancel to the agent, one JSON-RPC notification a line", async function () {
    const { connect, calls } = await startGateway();
    const socket = connect();
    await login(socket, alice);
    const session = calls.authorized[0];
    session?.notify(job);
    session?.cancel({ jobId: "job-7", reason: "proven elsewhere" });
    expect(socket.notifications).to.deep.equal([
      { jsonrpc: "2.0", method: "zkpool.notify", params: job },
      { jsonrpc: "2.0", method: "zkpool.cancel", params: { jobId: "job-7", reason: "proven elsewhere" } },
    ]);
  });

  it("tells the relayer once when an agent goes, and sends nothing to it after", async function () {
    const { connect, calls, gateway, log } = await startGateway();
    const socket = connect();
    await login(socket, alice);
    const session = calls.authorized[0];
    socket.hangUp();
    session?.close("reassigned");
    session?.notify(job);
    expect(calls.disconnected.map((d) => [d.session, d.reason])).to.deep.equal([[session, "connection closed"]]);
    expect(socket.notifications).to.deep.equal([]);
    expect(gateway.stats.authorized).to.equal(0);
    expect(log.lines.filter((l) => l.msg === "closing agent connection")).to.deep.equal([]);
  });

  it("closes a session when the relayer asks, with its reason", async function () {
    const { connect, calls } = await startGateway();
    const socket = connect();
    await login(socket, alice);
    calls.authorized[0]?.close("stalled on job-7");
    expect(socket.ended).to.equal(true);
    expect(calls.disconnected.map((d) => d.reason)).to.deep.equal(["stalled on job-7"]);
    calls.authorized[0]?.notify(job);
    expect(socket.notifications).to.deep.equal([]);
  });

  it("writes nothing to a socket already destroyed", async function () {
    const { connect, calls } = await startGateway();
    const socket = connect();
    await login(socket, alice);
    socket.destroyed = true;
    calls.authorized[0]?.notify(job);
    expect(socket.notifications).to.deep.equal([]);
  });

  it("tells the relayer nothing when an agent that never logged in goes", async function () {
    const { connect, calls } = await startGateway();
    connect().hangUp();
    expect(calls.disconnected).to.deep.equal([]);
  });

  it("closes every connection when the gateway closes", async function () {
    const { connect, calls, gateway } = await startGateway();
    const agent = connect();
    await login(agent, alice);
    const stranger = connect();
    await gateway.close();
    expect([agent.ended, stranger.ended]).to.deep.equal([true, true]);
    expect(calls.disconnected.map((d) => d.reason)).to.deep.equal(["the relayer is shutting down"]);
  });
});

describe("agent gateway: stats", function () {
  this.timeout(ANSWER_WITHIN_MS);
  afterEach(afterGatewayTest);

  it("counts connections, logged-in agents, frames, protocol errors and agents cut off for abuse", async function () {
    const { connect, gateway } = await startGateway({ maxStrikes: 2 });
    const a = connect();
    const b = connect();
    connect();
    await login(a, alice);
    await login(b, bob);
    expect(gateway.stats).to.deep.equal({
      connections: 3,
      authorized: 2,
      framesReceived: 4,
      protocolErrors: 0,
      disconnectedForAbuse: 0,
    });
    a.sendRaw("\n  \n");
    a.sendRaw("junk\njunk\n");
    await a.until(() => (a.ended ? true : undefined));
    expect(gateway.stats).to.deep.equal({
      connections: 3,
      authorized: 1,
      framesReceived: 6,
      protocolErrors: 2,
      disconnectedForAbuse: 1,
    });
  });

  it("keeps TCP keep-alive on for every connection, and names an unknown remote with question marks", async function () {
    const { connect, calls } = await startGateway();
    const socket = new MemorySocket();
    socket.remoteAddress = undefined;
    socket.remotePort = undefined;
    connect(socket);
    await login(socket, alice);
    expect(socket.keepAlive).to.deep.equal([true, 10_000]);
    expect(calls.authorized[0]?.remote).to.equal("?:?");
  });
});

describe("agent gateway over TCP", function () {
  this.timeout(ANSWER_WITHIN_MS);
  afterEach(afterGatewayTest);

  it("listens on its port and serves a scripted agent: login, notify, and its disconnection", async function () {
    const { port, calls, log } = await startGateway();
    expect(port).to.be.greaterThan(0);
    expect(log.lines.find((l) => l.msg === "agent gateway listening")?.fields).to.deep.equal({
      host: "127.0.0.1",
      port,
    });
    const key: Hex = `0x${"11".repeat(32)}`;
    const agent = await ScriptedAgent.connect(port, key);
    expect((await agent.login({ deviceId: "gpu-0" })).result).to.deep.equal({ prover: PROVER });
    const session = calls.authorized[0];
    expect(session?.remote).to.equal(`127.0.0.1:${agent.socket.localPort}`);
    session?.notify(job);
    expect((await agent.next("zkpool.notify")).params).to.deep.equal(job);
    agent.close();
    await eventually(() => calls.disconnected.length > 0);
    expect(calls.disconnected.map((d) => d.reason)).to.deep.equal(["connection closed"]);
  });

  it("times out a silent TCP client on the real clock", async function () {
    const { port, calls } = await startGateway({ clock: realClock, authTimeoutS: 0.01 });
    const agent = await ScriptedAgent.connect(port, `0x${"11".repeat(32)}`);
    await agent.closed;
    expect(agent.replies.map((r) => r.error?.code)).to.deep.equal([RpcErrorCode.AuthTimeout]);
    expect(calls.disconnected).to.deep.equal([]);
  });

  it("answers a heartbeat with the real time on the real clock", async function () {
    const { connect } = await startGateway({ clock: realClock });
    const socket = connect();
    await login(socket, alice);
    const before = Math.floor(Date.now() / 1000);
    const { time } = (await socket.request("zkpool.heartbeat", { busy: 0 })).result as { time: number };
    expect(time).to.be.within(before, Math.floor(Date.now() / 1000));
  });

  it("stops accepting agents once closed", async function () {
    const { port, gateway } = await startGateway();
    await gateway.close();
    const error = await ScriptedAgent.connect(port, `0x${"11".repeat(32)}`).then(
      (agent) => agent.close(),
      (e: unknown) => e,
    );
    expect(error).to.have.property("code", "ECONNREFUSED");
  });

  it("fails to listen on a port already taken", async function () {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const address = taken.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const error = await startGateway({ port }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.have.property("code", "EADDRINUSE");
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("closes without having listened", async function () {
    const { handler } = recordingHandler();
    const gateway = new AgentGateway(
      {
        host: "127.0.0.1",
        port: 0,
        chainId: CHAIN_ID,
        pool: POOL,
        difficulty: 1,
        authTimeoutS: 1,
        rateLimitPerS: 1,
        log: recordingLog().log,
      },
      handler,
    );
    await gateway.close();
  });
});

describe("LineDecoder", function () {
  it("splits lines across and within chunks, drops a CR before the LF, and refuses a line over the limit", function () {
    const decoder = new LineDecoder(16);
    expect(decoder.push(Buffer.from("ab\r\ncd\n"))).to.deep.equal(["ab", "cd"]);
    expect(decoder.push(Buffer.from("é"))).to.deep.equal([]);
    expect(decoder.push(Buffer.from("f\r"))).to.deep.equal([]);
    expect(decoder.push(Buffer.from("\ng"))).to.deep.equal(["éf"]);
    expect(decoder.push(Buffer.from("\n"))).to.deep.equal(["g"]);
    expect(decoder.push(Buffer.from("\r\n"))).to.deep.equal([""]);
    expect(decoder.push(Buffer.from("x".repeat(17)))).to.equal("too-large");
    expect(new LineDecoder(4).push(Buffer.from("12345\n"))).to.equal("too-large");
    expect(new LineDecoder(4).push(Buffer.from("1234\n"))).to.deep.equal(["1234"]);
  });

  it("keeps only a trailing CR off a line assembled from pieces", function () {
    const decoder = new LineDecoder(16);
    expect(decoder.push(Buffer.from("a\rb"))).to.deep.equal([]);
    expect(decoder.push(Buffer.from("c\r\n"))).to.deep.equal(["a\rbc"]);
    expect(decoder.push(Buffer.from("a\rb\r\n"))).to.deep.equal(["a\rb"]);
  });

  it("counts a line's earlier pieces against the limit, and starts counting afresh after each line", function () {
    const decoder = new LineDecoder(4);
    expect(decoder.push(Buffer.from("12"))).to.deep.equal([]);
    expect(decoder.push(Buffer.from("34\n56"))).to.deep.equal(["1234"]);
    expect(decoder.push(Buffer.from("78\n"))).to.deep.equal(["5678"]);
    expect(decoder.push(Buffer.from("123"))).to.deep.equal([]);
    expect(decoder.push(Buffer.from("4"))).to.deep.equal([]);
    expect(decoder.push(Buffer.from("5"))).to.equal("too-large");
    expect(new LineDecoder(4).push(Buffer.from("1234\n5678\n9"))).to.deep.equal(["1234", "5678"]);
    const split = new LineDecoder(4);
    expect(split.push(Buffer.from("123"))).to.deep.equal([]);
    expect(split.push(Buffer.from("45\n"))).to.equal("too-large");
  });
});

describe("TokenBucket", function () {
  it("gives a full burst at once, then refills at the rate up to the burst", function () {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).to.deep.equal([true, true, true, false]);
    expect(bucket.take(50)).to.equal(false);
    expect(bucket.take(100)).to.equal(true);
    expect(bucket.take(100)).to.equal(false);
    expect([bucket.take(60_000), bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)]).to.deep.equal([
      true,
      true,
      true,
      false,
    ]);
  });

  it("keeps fractions of a token between takes", function () {
    const bucket = new TokenBucket(1, 1, 0);
    expect(bucket.take(0)).to.equal(true);
    expect(bucket.take(600)).to.equal(false);
    expect(bucket.take(1_000)).to.equal(true);
  });
});

describe("parseLine", function () {
  it("tells requests from notifications, and answers anything else with the reason", function () {
    expect(parseLine('{"jsonrpc":"2.0","id":1,"method":"m","params":[1]}')).to.deep.equal({
      kind: "request",
      id: 1,
      method: "m",
      params: [1],
    });
    expect(parseLine('{"jsonrpc":"2.0","id":"a","method":"m"}')).to.deep.equal({
      kind: "request",
      id: "a",
      method: "m",
      params: undefined,
    });
    expect(parseLine('{"jsonrpc":"2.0","method":"m","params":{}}')).to.deep.equal({
      kind: "notification",
      method: "m",
      params: {},
    });
    expect(parseLine('{"jsonrpc":"2.0","id":null,"method":"m"}')).to.deep.include({ kind: "notification" });
    const invalid = (line: string) => {
      const parsed = parseLine(line);
      return parsed.kind === "invalid" ? [parsed.id, parsed.failure.code, parsed.failure.message] : parsed.kind;
    };
    expect(invalid("{")).to.deep.equal([null, RpcErrorCode.ParseError, "Parse error: not JSON"]);
    const notObject = [null, RpcErrorCode.InvalidRequest, "Invalid request: expected one JSON-RPC 2.0 object per line"];
    expect(invalid("null")).to.deep.equal(notObject);
    expect(invalid("[]")).to.deep.equal(notObject);
    expect(invalid("3")).to.deep.equal(notObject);
    const noMethod = 'Invalid request: needs "jsonrpc": "2.0" and a "method"';
    expect(invalid('{"jsonrpc":"1.0","id":4,"method":"m"}')).to.deep.equal([4, RpcErrorCode.InvalidRequest, noMethod]);
    expect(invalid('{"jsonrpc":"2.0","id":"x","method":5}')).to.deep.equal([
      "x",
      RpcErrorCode.InvalidRequest,
      noMethod,
    ]);
    expect(invalid('{"jsonrpc":"2.0","id":{},"method":"m"}')).to.deep.equal([
      null,
      RpcErrorCode.InvalidRequest,
      "Invalid request: id must be a string or a number",
    ]);
  });
});

describe("RpcFailure", function () {
  it("serializes its code and message, and its data only when it has some", function () {
    expect(new RpcFailure(RpcErrorCode.BadProof, "bad").toJSON()).to.deep.equal({
      code: RpcErrorCode.BadProof,
      message: "bad",
    });
    expect(new RpcFailure(RpcErrorCode.BadProof, "bad", 0).toJSON()).to.deep.equal({
      code: RpcErrorCode.BadProof,
      message: "bad",
      data: 0,
    });
    expect(new RpcFailure(RpcErrorCode.BadProof, "bad").name).to.equal("RpcFailure");
  });
});
