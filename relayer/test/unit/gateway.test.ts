/// <reference types="mocha" />
import { expect } from "chai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Address } from "viem";
import { RpcErrorCode, MAX_FRAME_BYTES } from "@zkpool/common";
import { createLogger } from "@zkpool/common/node";
import { AgentGateway, type AgentSession, type GatewayHandler } from "../../src/gateway/server.js";
import { LineDecoder } from "../../src/gateway/framing.js";
import { ScriptedAgent } from "../support/agentClient.js";

const POOL = "0x00000000000000000000000000000000000000aa" as Address;
const PROVER = "0x00000000000000000000000000000000000000bb" as Address;

/** A gateway on an ephemeral port whose handler knows every agent as PROVER's and records what it sees. */
async function startGateway(options: { authTimeoutS?: number; idleTimeoutS?: number } = {}) {
  const authorized: AgentSession[] = [];
  const disconnected: Array<{ session: AgentSession; reason: string }> = [];
  const handler: GatewayHandler = {
    agentOwner: () => Promise.resolve(PROVER),
    onAuthorized: (session) => authorized.push(session),
    onHeartbeat: () => undefined,
    onDisconnected: (session, reason) => disconnected.push({ session, reason }),
    onSubmit: () => Promise.reject(new Error("no jobs here")),
  };
  const gateway = new AgentGateway(
    {
      host: "127.0.0.1",
      port: 0,
      chainId: 31337,
      pool: POOL,
      difficulty: 1,
      authTimeoutS: options.authTimeoutS ?? 1,
      idleTimeoutS: options.idleTimeoutS ?? 1,
      rateLimitPerS: 20,
      log: createLogger("gateway-test", { level: "silent" }),
    },
    handler,
  );
  const server = await gateway.listen();
  return { gateway, port: server.port, authorized, disconnected };
}

describe("agent gateway", function () {
  let running: Awaited<ReturnType<typeof startGateway>> | undefined;
  afterEach(async function () {
    await running?.gateway.close();
    running = undefined;
  });

  it("times out a connection that does not log in, within the auth timeout and one sweep", async function () {
    running = await startGateway({ authTimeoutS: 1 });
    const agent = await ScriptedAgent.connect(running.port, generatePrivateKey());
    const started = Date.now();
    await agent.closed;
    const elapsed = Date.now() - started;
    expect(agent.replies.map((r) => r.error?.code)).to.include(RpcErrorCode.AuthTimeout);
    expect(elapsed).to.be.within(900, 1_800);
    expect(running.gateway.stats.connections).to.equal(1);
  });

  it("keeps an agent that heartbeats past both deadlines, and drops it once it goes silent", async function () {
    running = await startGateway({ authTimeoutS: 1, idleTimeoutS: 1 });
    const key = generatePrivateKey();
    const agent = await ScriptedAgent.connect(running.port, key);
    expect((await agent.login()).result).to.deep.equal({ prover: PROVER });
    expect(running.authorized.map((s) => s.agent)).to.deep.equal([privateKeyToAccount(key).address]);
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await agent.request("zkpool.heartbeat", { busy: 0 })).error).to.equal(undefined);
    }
    expect(running.disconnected).to.have.length(0);
    const silentFrom = Date.now();
    await agent.closed;
    expect(Date.now() - silentFrom).to.be.within(500, 1_800);
    expect(running.disconnected.map((d) => d.reason)).to.deep.equal(["no heartbeat for 1 s"]);
    expect(running.gateway.stats.authorized).to.equal(0);
  });

  it("refuses an oversized frame, rate limits a flood and cuts off repeated errors", async function () {
    running = await startGateway({ authTimeoutS: 10 });
    const big = await ScriptedAgent.connect(running.port, generatePrivateKey());
    big.sendRaw("x".repeat(MAX_FRAME_BYTES + 1));
    await big.closed;
    expect(big.replies.map((r) => r.error?.code)).to.include(RpcErrorCode.FrameTooLarge);

    const flood = await ScriptedAgent.connect(running.port, generatePrivateKey());
    expect((await flood.login()).error).to.equal(undefined);
    for (let i = 0; i < 200; i++) {
      flood.sendRaw(`${JSON.stringify({ jsonrpc: "2.0", id: i, method: "zkpool.heartbeat", params: { busy: 0 } })}\n`);
    }
    await flood.closed;
    const codes = flood.replies.map((r) => r.error?.code);
    expect(codes).to.include(RpcErrorCode.RateLimited);
    expect(running.gateway.stats.disconnectedForAbuse).to.be.greaterThan(0);
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
});
