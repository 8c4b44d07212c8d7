import { once } from "node:events";
import net from "node:net";
import { expect } from "chai";
import { MAX_FRAME_BYTES, RpcErrorCode } from "@zkpool/common";
import { RelayerConnection, connectFailure, formatAddress } from "../../src/connection.js";
import { ConnectionError, ProtocolError, RequestTimeoutError, RpcRemoteError } from "../../src/errors.js";
import { FakeClock, settle } from "../helpers/fakeClock.js";

/** A bare TCP peer playing the relayer: the test writes bytes and reads the agent's lines. */
interface Peer {
  server: net.Server;
  port: number;
  socket: Promise<net.Socket>;
}

/** The relayer's side of every connection, hung up after each test. */
const peerSockets: net.Socket[] = [];

async function peer(): Promise<Peer> {
  const server = net.createServer((s) => peerSockets.push(s));
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

/**
 * `promise`, or a failure if it has not settled within 2 s of real time: what the relayer sends over the loopback
 * arrives in milliseconds, and a broken connection must fail its test rather than hang the suite.
 */
function within<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("nothing happened within 2 s")), 2_000);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return within(promise).then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => error as Error,
  );
}

/**
 * Hands `bytes` to the connection as one read from its socket, cut exactly where the test says (TCP would cut
 * them where it likes).
 */
function feed(conn: RelayerConnection, bytes: string | Buffer): void {
  (Reflect.get(conn, "socket") as net.Socket).emit("data", Buffer.from(bytes));
}

/** A notification line of exactly `bytes` bytes, newline not counted. */
function notificationOf(bytes: number): string {
  const empty = JSON.stringify({ jsonrpc: "2.0", method: "zkpool.notify", params: { pad: "" } });
  return JSON.stringify({ jsonrpc: "2.0", method: "zkpool.notify", params: { pad: "p".repeat(bytes - empty.length) } });
}

describe("RelayerConnection", () => {
  let server: net.Server;
  let conn: RelayerConnection | undefined;
  let clock: FakeClock;
  let problems: string[];
  let notified: string[];

  /** A connection to a fresh peer, on a fake clock, recording problems and notified methods. */
  async function connected(options: { requestTimeoutMs?: number } = {}): Promise<{ socket: net.Socket; port: number }> {
    const p = await peer();
    server = p.server;
    conn = await within(RelayerConnection.connect({ host: "127.0.0.1", port: p.port }, { clock, ...options }));
    conn.onProblem((message) => problems.push(message));
    conn.onNotification((method) => notified.push(method));
    return { socket: await within(p.socket), port: p.port };
  }

  beforeEach(() => {
    clock = new FakeClock();
    problems = [];
    notified = [];
  });

  afterEach(async () => {
    conn?.close();
    conn = undefined;
    for (const socket of peerSockets.splice(0)) socket.destroy();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  });

  describe("requests", () => {
    it("matches responses to requests by id, whatever the order and however the bytes are cut", async () => {
      const { socket } = await connected();
      const incoming = lines(socket);
      const notifications: unknown[] = [];
      conn?.onNotification((method, params) => notifications.push({ method, params }));

      const a = conn?.request("zkpool.heartbeat", { busy: 0 }) as Promise<unknown>;
      const b = conn?.request("zkpool.heartbeat", { busy: 1 }) as Promise<unknown>;
      const first = (await within(incoming.next())).value as { id: number; method: string; params: unknown };
      const second = (await within(incoming.next())).value as { id: number; params: unknown };
      expect(first).to.deep.equal({ jsonrpc: "2.0", id: first.id, method: "zkpool.heartbeat", params: { busy: 0 } });
      expect(second.params).to.deep.equal({ busy: 1 });
      expect(second.id).not.to.equal(first.id);
      const replies =
        `{"jsonrpc":"2.0","id":${second.id},"result":"b"}\n` +
        `{"jsonrpc":"2.0","method":"zkpool.cancel","params":{"jobId":"7","reason":"é"}}\n` +
        `{"jsonrpc":"2.0","id":${first.id},"error":{"code":${RpcErrorCode.UnknownJob},"message":"gone"}}\n`;
      const bytes = Buffer.from(replies);
      // One byte at a time, splitting the two-byte "é" too.
      for (let i = 0; i < bytes.length; i++) socket.write(bytes.subarray(i, i + 1));
      expect(await within(b)).to.equal("b");
      const error = await rejection(a);
      expect(error).to.be.instanceOf(RpcRemoteError);
      expect(error).to.include({ code: RpcErrorCode.UnknownJob, retryable: false });
      expect(error.message).to.equal(`zkpool.heartbeat failed: gone (code ${RpcErrorCode.UnknownJob})`);
      expect(notifications).to.deep.equal([{ method: "zkpool.cancel", params: { jobId: "7", reason: "é" } }]);
      expect(problems).to.deep.equal([]);
      expect(clock.pendingTimers, "answered requests time nothing out").to.equal(0);
    });

    it("takes a null error as a result", async () => {
      await connected();
      const answered = conn?.request("zkpool.submit", {}) as Promise<unknown>;
      feed(conn as RelayerConnection, '{"jsonrpc":"2.0","id":1,"result":{"accepted":true},"error":null}\n');
      expect(await within(answered)).to.deep.equal({ accepted: true });
    });

    it("rejects a request the relayer does not answer in time, naming it, and ignores the late answer", async () => {
      await connected({ requestTimeoutMs: 15_000 });
      const unanswered = conn?.request("zkpool.heartbeat", { busy: 0 }) as Promise<unknown>;
      let settled = false;
      unanswered.then(
        () => (settled = true),
        () => (settled = true),
      );
      const quick = rejection(conn?.request("zkpool.submit", {}, { timeoutMs: 2_000 }) as Promise<unknown>);
      await clock.advance(2_000);
      const quickError = await quick;
      expect(quickError).to.be.instanceOf(RequestTimeoutError);
      expect(quickError.message).to.equal("the relayer did not answer zkpool.submit within 2 s");
      await clock.advance(12_999);
      expect(settled).to.equal(false);
      await clock.advance(1);
      const error = await rejection(unanswered);
      expect(error).to.be.instanceOf(RequestTimeoutError);
      expect((error as RequestTimeoutError).retryable).to.equal(true);
      expect(error.message).to.equal("the relayer did not answer zkpool.heartbeat within 15 s");

      feed(conn as RelayerConnection, '{"jsonrpc":"2.0","id":1,"result":{"time":1}}\n');
      expect(problems).to.deep.equal(["ignored a response to unknown request id 1"]);
      expect(conn?.isClosed, "a late answer costs nothing but a note").to.equal(false);
    });

    it("times requests out after 15 s unless told otherwise", async () => {
      await connected();
      const unanswered = conn?.request("zkpool.heartbeat", { busy: 0 }) as Promise<unknown>;
      let settled = false;
      unanswered.catch(() => (settled = true));
      await clock.advance(14_999);
      expect(settled).to.equal(false);
      await clock.advance(1);
      expect((await rejection(unanswered)).message).to.equal("the relayer did not answer zkpool.heartbeat within 15 s");
    });

    it("rejects every pending request with why when the relayer hangs up, and later ones at once", async () => {
      const { socket, port } = await connected();
      const pending = [conn?.request("zkpool.heartbeat", {}), conn?.request("zkpool.submit", {})];
      await settle();
      socket.destroy();
      const why = `the relayer at 127.0.0.1:${port} closed the connection`;
      for (const request of pending) {
        const error = await rejection(request as Promise<unknown>);
        expect(error).to.be.instanceOf(ConnectionError);
        expect(error.message).to.equal(why);
      }
      expect((await within(conn?.closed as Promise<Error>)).message).to.equal(why);
      expect(conn?.isClosed).to.equal(true);
      expect((await rejection(conn?.request("zkpool.heartbeat", {}) as Promise<unknown>)).message).to.equal(why);
      expect(clock.pendingTimers).to.equal(0);
    });

    it("says what broke when the link is lost on an error", async () => {
      const { socket, port } = await connected();
      const pending = conn?.request("zkpool.heartbeat", {}) as Promise<unknown>;
      await settle();
      socket.resetAndDestroy();
      const error = await rejection(pending);
      expect(error.message).to.match(
        new RegExp(`^connection to the relayer at 127\\.0\\.0\\.1:${port} lost: .*ECONNRESET`),
      );
      expect(error.cause).to.include({ code: "ECONNRESET" });
    });

    it("rejects pending requests with the agent's own reason when it closes the link", async () => {
      await connected();
      expect(conn?.isClosed).to.equal(false);
      const pending = conn?.request("zkpool.heartbeat", {}) as Promise<unknown>;
      conn?.close("the agent stopped");
      conn?.close("another reason");
      conn?.close();
      expect(conn?.isClosed).to.equal(true);
      expect((await rejection(pending)).message).to.equal("the agent stopped");
      expect((await within(conn?.closed as Promise<Error>)).message).to.equal("the agent stopped");
    });

    it("says the agent closed the link when it gives no reason", async () => {
      await connected();
      const pending = conn?.request("zkpool.heartbeat", {}) as Promise<unknown>;
      conn?.close();
      expect((await rejection(pending)).message).to.equal("closed by the agent");
    });

    it("sends a message of exactly the limit and refuses a longer one without leaving it pending", async () => {
      const { socket } = await connected();
      const incoming = lines(socket);
      const framing = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "m", params: "" }).length + 1;
      const fits = conn?.request("m", "x".repeat(MAX_FRAME_BYTES - framing)) as Promise<unknown>;
      const sent = (await within(incoming.next())).value as { id: number; params: string };
      expect(sent.params).to.have.length(MAX_FRAME_BYTES - framing);
      feed(conn as RelayerConnection, `{"jsonrpc":"2.0","id":${sent.id},"result":"ok"}\n`);
      expect(await within(fits)).to.equal("ok");

      const error = await rejection(conn?.request("m", "x".repeat(MAX_FRAME_BYTES - framing + 1)) as Promise<unknown>);
      expect(error).to.be.instanceOf(ProtocolError);
      expect(error.message).to.equal(
        `a ${MAX_FRAME_BYTES + 1}-byte message is longer than the protocol's ${MAX_FRAME_BYTES}-byte limit`,
      );
      expect(clock.pendingTimers).to.equal(0);
      expect(conn?.isClosed).to.equal(false);
    });
  });

  describe("lines from the relayer", () => {
    it("skips lines it cannot use, says why in a note, and keeps the link", async () => {
      await connected();
      const c = conn as RelayerConnection;
      const answered = c.request("zkpool.heartbeat", {});
      feed(c, "this is not json\n");
      feed(c, "[1, 2, 3]\n");
      feed(c, "null\n");
      feed(c, '"a string"\n');
      feed(c, '{"jsonrpc":"2.0","id":4242,"result":{}}\n');
      feed(c, '{"jsonrpc":"2.0","id":"1","result":{}}\n');
      feed(c, '{"jsonrpc":"2.0","id":1}\n');
      feed(c, '{"jsonrpc":"2.0","id":null,"result":{}}\n');
      feed(c, `${"z".repeat(100)}\n`);
      feed(c, `${"w".repeat(80)}\n`);
      feed(c, "not\tjson,  \t at all\n");
      feed(c, "oops\r\n");
      feed(c, "\n  \n\r\n");
      feed(c, '{"jsonrpc":"2.0","method":"zkpool.notify","params":{}}\r\n');
      feed(c, '{"jsonrpc":"2.0","id":1,"result":"alive"}\n');
      expect(await within(answered)).to.equal("alive");
      expect(problems).to.deep.equal([
        "ignored a line that is not JSON: this is not json",
        "ignored a line that is not a JSON-RPC object: [1, 2, 3]",
        "ignored a line that is not a JSON-RPC object: null",
        'ignored a line that is not a JSON-RPC object: "a string"',
        "ignored a response to unknown request id 4242",
        'ignored a response to unknown request id "1"',
        'ignored a line that is neither a response nor a notification: {"jsonrpc":"2.0","id":1}',
        'ignored a line that is neither a response nor a notification: {"jsonrpc":"2.0","id":null,"result":{}}',
        `ignored a line that is not JSON: ${"z".repeat(80)}…`,
        `ignored a line that is not JSON: ${"w".repeat(80)}`,
        "ignored a line that is not JSON: not json, at all",
        "ignored a line that is not JSON: oops",
      ]);
      expect(notified).to.deep.equal(["zkpool.notify"]);
      expect(c.isClosed).to.equal(false);
    });

    it("reads several lines from one read and one line from several reads", async () => {
      await connected();
      const c = conn as RelayerConnection;
      const line = '{"jsonrpc":"2.0","method":"zkpool.cancel","params":{}}\n';
      feed(c, line + line + line.slice(0, 10));
      feed(c, line.slice(10, 20));
      feed(c, line.slice(20));
      expect(notified).to.deep.equal(["zkpool.cancel", "zkpool.cancel", "zkpool.cancel"]);
      expect(problems).to.deep.equal([]);
    });

    it("takes a line of exactly the limit, whole or in pieces", async () => {
      await connected();
      const c = conn as RelayerConnection;
      const line = notificationOf(MAX_FRAME_BYTES);
      expect(Buffer.byteLength(line)).to.equal(MAX_FRAME_BYTES);
      feed(c, `${line}\n`);
      feed(c, line);
      feed(c, "\n");
      feed(c, line.slice(0, 100));
      feed(c, `${line.slice(100)}\n`);
      // After another line in the same read: only the bytes of this line count.
      const short = '{"jsonrpc":"2.0","method":"zkpool.cancel","params":{}}';
      feed(c, `${short}\n${line.slice(0, MAX_FRAME_BYTES - 10)}`);
      feed(c, `${line.slice(MAX_FRAME_BYTES - 10)}\n`);
      expect(problems).to.deep.equal([]);
      expect(notified).to.deep.equal([
        "zkpool.notify",
        "zkpool.notify",
        "zkpool.notify",
        "zkpool.cancel",
        "zkpool.notify",
      ]);
    });

    it("skips a line one byte over the limit and reads the next, whether it comes whole or in pieces", async () => {
      await connected();
      const c = conn as RelayerConnection;
      const over = notificationOf(MAX_FRAME_BYTES + 1);
      const next = '{"jsonrpc":"2.0","method":"zkpool.cancel","params":{}}\n';
      feed(c, `${over}\n${next}`);
      feed(c, over.slice(0, 100));
      feed(c, `${over.slice(100)}\n${next}`);
      expect(problems).to.deep.equal([
        `ignored a line longer than the protocol's ${MAX_FRAME_BYTES}-byte limit (${MAX_FRAME_BYTES + 1} bytes)`,
        `ignored a line longer than the protocol's ${MAX_FRAME_BYTES}-byte limit (${MAX_FRAME_BYTES + 1} bytes)`,
      ]);
      expect(notified).to.deep.equal(["zkpool.cancel", "zkpool.cancel"]);
    });

    it("stops buffering a line as soon as it is over the limit, and reads the line after it", async () => {
      await connected();
      const c = conn as RelayerConnection;
      const over = notificationOf(MAX_FRAME_BYTES + 1);
      feed(c, over.slice(0, MAX_FRAME_BYTES));
      feed(c, over.slice(MAX_FRAME_BYTES));
      expect(problems).to.deep.equal([`ignored a line longer than the protocol's ${MAX_FRAME_BYTES}-byte limit`]);
      expect(Reflect.get(c, "bufferedBytes"), "nothing kept of it").to.equal(0);
      feed(c, "y".repeat(100_000));
      feed(c, 'more of it\n{"jsonrpc":"2.0","method":"zkpool.cancel","params":{}}\n');
      expect(problems).to.have.length(1);
      expect(notified).to.deep.equal(["zkpool.cancel"]);
    });

    it("skips an over-long line coming over TCP and reads the next one", async () => {
      const { socket } = await connected();
      const next = new Promise((resolve) => conn?.onNotification((method) => resolve(method)));
      const chunk = "y".repeat(16 * 1024);
      for (let i = 0; i < 6; i++) socket.write(chunk);
      socket.write('\n{"jsonrpc":"2.0","method":"zkpool.notify","params":{}}\n');
      expect(await within(next)).to.equal("zkpool.notify");
      expect(problems).to.have.length(1);
      expect(problems[0]).to.include(`line longer than the protocol's ${MAX_FRAME_BYTES}-byte limit`);
    });

    it("hands each notification to every handler, in order", async () => {
      await connected();
      const c = conn as RelayerConnection;
      const seen: unknown[] = [];
      c.onNotification((method, params) => seen.push(["second", method, params]));
      feed(c, '{"jsonrpc":"2.0","method":"zkpool.cancel","params":{"jobId":"1"}}\n');
      feed(c, '{"jsonrpc":"2.0","method":"zkpool.notify"}\n');
      expect(notified).to.deep.equal(["zkpool.cancel", "zkpool.notify"]);
      expect(seen).to.deep.equal([
        ["second", "zkpool.cancel", { jobId: "1" }],
        ["second", "zkpool.notify", undefined],
      ]);
    });

    it("answers a request from the relayer with method-not-found, and says so", async () => {
      const { socket } = await connected();
      const incoming = lines(socket);
      socket.write('{"jsonrpc":"2.0","id":"x1","method":"agent.reboot"}\n');
      const reply = (await within(incoming.next())).value as Record<string, unknown>;
      expect(reply).to.deep.equal({
        jsonrpc: "2.0",
        id: "x1",
        error: { code: RpcErrorCode.MethodNotFound, message: "the agent has no method agent.reboot" },
      });
      expect(problems).to.deep.equal(["the relayer called agent.reboot, which the agent does not serve"]);
      expect(notified).to.deep.equal([]);
    });

    it("notes it when it cannot even answer the relayer's request", async () => {
      await connected();
      feed(conn as RelayerConnection, `{"jsonrpc":"2.0","id":1,"method":"${"m".repeat(MAX_FRAME_BYTES - 40)}"}\n`);
      expect(problems).to.have.length(2);
      expect(problems[0]).to.match(/^could not answer the relayer: a \d+-byte message is longer than/);
      expect(problems[1]).to.match(/^the relayer called m{80}…, which the agent does not serve$/);
    });
  });

  describe("the relayer's errors", () => {
    const cases: Array<[string, number, boolean, string | undefined]> = [
      ["AgentNotAuthorized", RpcErrorCode.AgentNotAuthorized, false, "create an access key in the dApp"],
      ["BadSignature", RpcErrorCode.BadSignature, false, "check that --key is the access key the dApp showed"],
      ["RateLimited", RpcErrorCode.RateLimited, true, "the relayer asks to slow down"],
      ["Unavailable", RpcErrorCode.Unavailable, true, "the agent will reconnect and try again"],
      ["InternalError", RpcErrorCode.InternalError, true, "the agent will reconnect and try again"],
      ["AuthTimeout", RpcErrorCode.AuthTimeout, true, "the agent will reconnect and try again"],
      ["NotSubscribed", RpcErrorCode.NotSubscribed, true, "the agent will reconnect and try again"],
      ["NotAuthorized", RpcErrorCode.NotAuthorized, true, "the agent will reconnect and try again"],
      ["BadProof", RpcErrorCode.BadProof, false, "check the prover backend"],
      ["UnknownJob", RpcErrorCode.UnknownJob, false, "the job is no longer needed"],
      ["InvalidParams", RpcErrorCode.InvalidParams, false, undefined],
    ];

    it("tells for each error code whether to retry, and what to do", async () => {
      await connected();
      const c = conn as RelayerConnection;
      for (const [name, code, retryable, hint] of cases) {
        const request = c.request("zkpool.authorize", {});
        const id = (Reflect.get(c, "nextId") as number) - 1;
        feed(c, `${JSON.stringify({ jsonrpc: "2.0", id, error: { code, message: name, data: { why: 1 } } })}\n`);
        const error = (await rejection(request)) as RpcRemoteError;
        expect(error, name).to.be.instanceOf(RpcRemoteError);
        expect(error.message).to.equal(`zkpool.authorize failed: ${name} (code ${code})`);
        expect({ code: error.code, method: error.method, retryable: error.retryable }, name).to.deep.equal({
          code,
          method: "zkpool.authorize",
          retryable,
        });
        if (hint === undefined) expect(error.hint, name).to.equal(undefined);
        else expect(error.hint, name).to.include(hint);
      }
    });

    it("takes a malformed error as an internal error of the relayer (retry)", async () => {
      await connected();
      const c = conn as RelayerConnection;
      const request = c.request("zkpool.submit", {});
      feed(c, '{"jsonrpc":"2.0","id":1,"error":"boom"}\n');
      const error = (await rejection(request)) as RpcRemoteError;
      expect(error.message).to.equal(`zkpool.submit failed: no message (code ${RpcErrorCode.InternalError})`);
      expect(error.retryable).to.equal(true);
      const other = c.request("zkpool.submit", {});
      feed(c, '{"jsonrpc":"2.0","id":2,"error":{"code":"x","message":7}}\n');
      expect((await rejection(other)).message).to.equal(
        `zkpool.submit failed: no message (code ${RpcErrorCode.InternalError})`,
      );
    });
  });

  describe("connecting", () => {
    it("says in words when nothing listens, and that it is worth retrying", async () => {
      const p = await peer();
      server = p.server;
      const { port } = p;
      await new Promise((resolve) => server.close(resolve));
      const error = await rejection(RelayerConnection.connect({ host: "127.0.0.1", port }, { clock }));
      expect(error).to.be.instanceOf(ConnectionError);
      expect(error.message).to.equal(`cannot connect to the relayer at 127.0.0.1:${port}: connection refused`);
      expect((error as ConnectionError).hint).to.include("--relayer is its host:port");
      expect((error as ConnectionError).retryable).to.equal(true);
      expect(clock.pendingTimers).to.equal(0);
    });

    it("gives up connecting after the connect timeout", async () => {
      const p = await peer();
      server = p.server;
      const connecting = RelayerConnection.connect(
        { host: "127.0.0.1", port: p.port },
        { clock, connectTimeoutMs: 3_000 },
      );
      let settled = false;
      connecting.then(
        () => (settled = true),
        () => (settled = true),
      );
      clock.tick(2_999);
      await Promise.resolve();
      expect(settled).to.equal(false);
      clock.tick(1);
      const error = await rejection(connecting);
      expect(error).to.be.instanceOf(ConnectionError);
      expect(error.message).to.equal(`cannot connect to the relayer at 127.0.0.1:${p.port}: no answer`);
      expect((error as ConnectionError).hint).to.equal("check the address and that no firewall is in the way");
    });

    it("waits 10 s for an answer unless told otherwise", async () => {
      const p = await peer();
      server = p.server;
      const connecting = RelayerConnection.connect({ host: "127.0.0.1", port: p.port }, { clock });
      connecting.catch(() => undefined);
      clock.tick(9_999);
      expect(clock.pendingTimers).to.equal(1);
      clock.tick(1);
      expect(clock.pendingTimers).to.equal(0);
      expect((await rejection(connecting)).message).to.include("no answer");
    });

    it("stops connecting when the agent is asked to stop", async () => {
      const p = await peer();
      server = p.server;
      const stop = new AbortController();
      const connecting = RelayerConnection.connect({ host: "127.0.0.1", port: p.port }, { clock, signal: stop.signal });
      stop.abort(new Error("Ctrl-C"));
      expect((await rejection(connecting)).message).to.equal("Ctrl-C");
      expect(clock.pendingTimers).to.equal(0);
      const already = await rejection(
        RelayerConnection.connect({ host: "127.0.0.1", port: p.port }, { clock, signal: stop.signal }),
      );
      expect(already.message).to.equal("Ctrl-C");
    });

    it("is not cut by the stop signal it connected with: a stopping agent still finishes its jobs", async () => {
      const p = await peer();
      server = p.server;
      const stop = new AbortController();
      conn = await within(
        RelayerConnection.connect({ host: "127.0.0.1", port: p.port }, { clock, signal: stop.signal }),
      );
      stop.abort(new Error("Ctrl-C"));
      await settle();
      expect(conn.isClosed).to.equal(false);
    });

    it("connects, stops the connect timer and keeps the address", async () => {
      const p = await peer();
      server = p.server;
      conn = await within(RelayerConnection.connect({ host: "127.0.0.1", port: p.port }, { clock }));
      expect(clock.pendingTimers).to.equal(0);
      expect(conn.address).to.deep.equal({ host: "127.0.0.1", port: p.port });
    });

    it("says in words why a connection attempt failed", () => {
      const failure = (code: string | undefined): string =>
        connectFailure(Object.assign(new Error(`connect ${code} 10.0.0.1:7700`), { code }));
      expect(failure("ECONNREFUSED")).to.equal("connection refused");
      expect(failure("ENOTFOUND")).to.equal("no such host");
      expect(failure("EHOSTUNREACH")).to.equal("host unreachable");
      expect(failure("ENETUNREACH")).to.equal("host unreachable");
      expect(failure("EINVAL")).to.equal("connect EINVAL 10.0.0.1:7700");
      expect(failure(undefined)).to.equal("connect undefined 10.0.0.1:7700");
    });

    it("writes an IPv6 host in brackets", () => {
      expect(formatAddress({ host: "::1", port: 7700 })).to.equal("[::1]:7700");
      expect(formatAddress({ host: "relayer.example", port: 7700 })).to.equal("relayer.example:7700");
    });
  });
});
