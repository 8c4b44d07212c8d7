import { once } from "node:events";
import net from "node:net";
import { expect } from "chai";
import { MAX_FRAME_BYTES, RpcErrorCode } from "@zkpool/common";
import { RelayerConnection } from "../../src/connection.js";
import { ConnectionError, ProtocolError, RequestTimeoutError, RpcRemoteError } from "../../src/errors.js";

/** A bare TCP peer: the test writes bytes and reads the agent's lines. */
async function peer(): Promise<{ server: net.Server; port: number; socket: Promise<net.Socket> }> {
  const server = net.createServer();
  const socket = once(server, "connection").then(([s]) => s as net.Socket);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, port: (server.address() as net.AddressInfo).port, socket };
}

function lines(socket: net.Socket): AsyncGenerator<Record<string, unknown>> {
  let buffer = "";
  const queue: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  socket.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) !== -1) {
      queue.push(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>);
      buffer = buffer.slice(newline + 1);
    }
    wake?.();
  });
  return (async function* () {
    for (;;) {
      while (queue.length > 0) yield queue.shift() as Record<string, unknown>;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  })();
}

describe("RelayerConnection", () => {
  let server: net.Server;
  let conn: RelayerConnection | undefined;

  afterEach(async () => {
    conn?.close();
    conn = undefined;
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  });

  it("matches responses to requests by id, whatever the order and however the bytes are cut", async () => {
    const p = await peer();
    server = p.server;
    conn = await RelayerConnection.connect({ host: "127.0.0.1", port: p.port });
    const socket = await p.socket;
    const incoming = lines(socket);
    const notifications: unknown[] = [];
    conn.onNotification((method, params) => notifications.push({ method, params }));

    const a = conn.request("zkpool.heartbeat", { busy: 0 });
    const b = conn.request("zkpool.heartbeat", { busy: 1 });
    const first = (await incoming.next()).value as { id: number; params: unknown };
    const second = (await incoming.next()).value as { id: number; params: unknown };
    expect(first.params).to.deep.equal({ busy: 0 });
    const replies =
      `{"jsonrpc":"2.0","id":${second.id},"result":"b"}\n` +
      `{"jsonrpc":"2.0","method":"zkpool.cancel","params":{"jobId":"7","reason":"é"}}\n` +
      `{"jsonrpc":"2.0","id":${first.id},"error":{"code":${RpcErrorCode.UnknownJob},"message":"gone"}}\n`;
    const bytes = Buffer.from(replies);
    // One byte at a time, splitting the two-byte "é" too.
    for (let i = 0; i < bytes.length; i++) socket.write(bytes.subarray(i, i + 1));
    expect(await b).to.equal("b");
    const error = await a.then(
      () => expect.fail("expected an error"),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(RpcRemoteError);
    expect(error).to.include({ code: RpcErrorCode.UnknownJob, retryable: false });
    expect(notifications).to.deep.equal([{ method: "zkpool.cancel", params: { jobId: "7", reason: "é" } }]);
  });

  it("skips an over-long line and reads the next one", async () => {
    const p = await peer();
    server = p.server;
    conn = await RelayerConnection.connect({ host: "127.0.0.1", port: p.port });
    const socket = await p.socket;
    const problems: string[] = [];
    conn.onProblem((message) => problems.push(message));
    const notified = new Promise((resolve) => conn?.onNotification((method) => resolve(method)));
    const chunk = "y".repeat(16 * 1024);
    for (let i = 0; i < 6; i++) socket.write(chunk);
    socket.write('\n{"jsonrpc":"2.0","method":"zkpool.notify","params":{}}\n');
    expect(await notified).to.equal("zkpool.notify");
    expect(problems).to.have.length(1);
    expect(problems[0]).to.include(`line longer than the protocol's ${MAX_FRAME_BYTES}-byte limit`);
  });

  it("answers a request from the relayer with method-not-found", async () => {
    const p = await peer();
    server = p.server;
    conn = await RelayerConnection.connect({ host: "127.0.0.1", port: p.port });
    const socket = await p.socket;
    const incoming = lines(socket);
    socket.write('{"jsonrpc":"2.0","id":"x1","method":"agent.reboot"}\n');
    const reply = (await incoming.next()).value as { id: string; error: { code: number } };
    expect(reply.id).to.equal("x1");
    expect(reply.error.code).to.equal(RpcErrorCode.MethodNotFound);
  });

  it("times requests out, rejects pending ones when the link drops, and refuses over-long messages", async () => {
    const p = await peer();
    server = p.server;
    conn = await RelayerConnection.connect({ host: "127.0.0.1", port: p.port }, { requestTimeoutMs: 50 });
    const socket = await p.socket;
    await conn.request("zkpool.heartbeat", { busy: 0 }).then(
      () => expect.fail("expected a timeout"),
      (e: unknown) => expect(e).to.be.instanceOf(RequestTimeoutError),
    );
    expect(() => conn?.request("zkpool.submit", { proof: "0x" + "00".repeat(MAX_FRAME_BYTES) })).not.to.throw();
    await conn.request("zkpool.submit", { proof: "0x" + "00".repeat(MAX_FRAME_BYTES) }).then(
      () => expect.fail("expected an error"),
      (e: unknown) => expect(e).to.be.instanceOf(ProtocolError),
    );
    const pending = conn.request("zkpool.heartbeat", { busy: 0 }, { timeoutMs: 10_000 });
    socket.destroy();
    await pending.then(
      () => expect.fail("expected an error"),
      (e: unknown) => expect(e).to.be.instanceOf(ConnectionError),
    );
    const reason = await conn.closed;
    expect(reason.message).to.match(/closed the connection|connection to the relayer at 127\.0\.0\.1:\d+ lost/);
  });

  it("says in words when nothing listens", async () => {
    const p = await peer();
    server = p.server;
    const { port } = p;
    await new Promise((resolve) => server.close(resolve));
    const error = await RelayerConnection.connect({ host: "127.0.0.1", port }).then(
      () => expect.fail("expected an error"),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ConnectionError);
    expect((error as Error).message).to.equal(`cannot connect to the relayer at 127.0.0.1:${port}: connection refused`);
  });
});
