/**
 * The agent as a person runs it: a real process, its exit codes, its output, and Ctrl-C (SIGINT).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter, once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ScriptedRelayer, makeJob, type Submission } from "./helpers/scriptedRelayer.js";
import { waitFor } from "./helpers/agentHarness.js";
import { shutdownProver } from "@zkpool/common";

const agentDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const KEY = generatePrivateKey();
const ADDRESS = privateKeyToAccount(KEY).address;

/** Everything every spawned agent printed, checked for the key at the end. */
const allOutput: string[] = [];

class AgentProcess extends EventEmitter {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}) {
    super();
    this.child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
      cwd: agentDir,
      env: { ...process.env, LOG_FORMAT: "", ZKPOOL_AGENT_KEY: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let pending = "";
    this.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      allOutput.push(chunk);
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf("\n")) !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        this.lines.push(line);
        this.emit("line", line);
      }
    });
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      allOutput.push(chunk);
      this.stderr += chunk;
    });
    this.exited = once(this.child, "exit").then(([code]) => code as number | null);
  }

  /** The first JSON log line whose msg is `msg` (past or future). */
  async log(msg: string): Promise<Record<string, unknown>> {
    const parse = (line: string): Record<string, unknown> | undefined => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        return entry.msg === msg ? entry : undefined;
      } catch {
        return undefined;
      }
    };
    for (const line of this.lines) {
      const entry = parse(line);
      if (entry) return entry;
    }
    const [line] = await waitFor<[string]>(this, "line", (l) => parse(l) !== undefined);
    return parse(line) as Record<string, unknown>;
  }

  get output(): string {
    return `${this.lines.join("\n")}\n${this.stderr}`;
  }
}

describe("agent command line", () => {
  let relayer: ScriptedRelayer;
  let agent: AgentProcess | undefined;

  beforeEach(async () => {
    relayer = await new ScriptedRelayer().listen();
  });

  afterEach(async () => {
    if (agent && agent.child.exitCode === null) {
      agent.child.kill("SIGKILL");
      await agent.exited;
    }
    agent = undefined;
    await relayer.close();
  });

  after(async () => {
    // The scripted relayer verified proofs here: stop snarkjs' worker threads so that mocha can exit.
    await shutdownProver();
    const everything = allOutput.join("").toLowerCase();
    expect(everything.length).to.be.greaterThan(0);
    expect(everything, "the access key in the output").not.to.include(KEY.slice(2).toLowerCase());
  });

  it("explains a bad option in words and exits 2, without repeating the key", async () => {
    agent = new AgentProcess(["--key", KEY, "--relayer", "nope"]);
    expect(await agent.exited).to.equal(2);
    expect(agent.stderr).to.include('Error: --relayer must be host:port, got "nope"');
    expect(agent.stderr).to.include("What to do: run with --help for the options");

    // A key pasted without --key is not printed back either (the other cases are in config.test.ts).
    agent = new AgentProcess([KEY, "--relayer", relayer.address]);
    expect(await agent.exited).to.equal(2);
    expect(agent.stderr).to.include("Unexpected argument '[redacted]'");
  });

  it("takes the key from ZKPOOL_AGENT_KEY, proves, and on Ctrl-C finishes the job in progress, then exits 0", async () => {
    const loggedIn = relayer.nextLogin();
    agent = new AgentProcess(["--relayer", relayer.address, "--name", "rig-1"], { ZKPOOL_AGENT_KEY: KEY });
    const login = await loggedIn;
    expect(login.signatureValid).to.equal(true);
    expect(login.authorize.agent).to.equal(ADDRESS);
    expect(login.subscribe.agent.name).to.equal("rig-1");
    expect(login.authorize.deviceId).to.match(/^dev-[0-9a-f]{24}$/);

    const job = makeJob(ADDRESS);
    const submitted = relayer.nextSubmission();
    login.conn.notify(job);
    await agent.log("job received");
    agent.child.kill("SIGINT");
    const submission: Submission = await submitted;
    expect(submission.params.jobId).to.equal(job.jobId);
    expect(submission.proofValid).to.equal(true);
    expect(Object.keys(submission.params).sort(), "no signature: the graffiti names the machine").to.deep.equal([
      "jobId",
      "millis",
      "proof",
    ]);
    expect(await agent.exited).to.equal(0);
    const stopping = await agent.log("stopping");
    expect(stopping.finishing).to.deep.equal([job.blockId]);
    expect(stopping.handingBack).to.deep.equal([]);
    const accepted = await agent.log("proof accepted");
    expect(accepted.millis).to.equal(submission.params.millis);
    // The job's timeline, in milliseconds since the notify: the steps in order.
    const timeline = accepted.timeline as Record<string, number>;
    const steps = ["queued", "started", "proved", "submitted"].map((step) => timeline[step]);
    expect(steps.every((ms) => typeof ms === "number")).to.equal(true);
    expect(steps).to.deep.equal([...steps].sort((a, b) => (a as number) - (b as number)));
    expect(timeline.provingMs).to.be.greaterThan(0);
    await agent.log("stopped");
  });

  it("on Ctrl-C hands back a job that cannot finish within the grace period, and exits 0", async () => {
    const loggedIn = relayer.nextLogin();
    agent = new AgentProcess(["--key", KEY, "--relayer", relayer.address, "--grace-period", "0"]);
    const login = await loggedIn;
    const job = makeJob(ADDRESS);
    login.conn.notify(job);
    await agent.log("job received");
    const disconnected = once(login.conn, "close");
    agent.child.kill("SIGINT");
    expect(await agent.exited).to.equal(0);
    await disconnected;
    expect(relayer.submissions).to.have.length(0);
    const stopping = await agent.log("stopping");
    expect(stopping.handingBack).to.deep.equal([job.blockId]);
  });

  it("quits at once on a second Ctrl-C", async () => {
    const loggedIn = relayer.nextLogin();
    agent = new AgentProcess(["--relayer", relayer.address, "--grace-period", "600"], { ZKPOOL_AGENT_KEY: KEY });
    const login = await loggedIn;
    login.conn.notify(makeJob(ADDRESS, 1, 3_600));
    await agent.log("job received");
    agent.child.kill("SIGINT");
    await agent.log("stopping");
    agent.child.kill("SIGINT");
    expect(await agent.exited).to.equal(130);
  });

  it("says in words that the relayer cannot be reached, and keeps trying", async () => {
    const port = relayer.port;
    await relayer.close();
    const running = new AgentProcess(["--relayer", `127.0.0.1:${port}`], {
      ZKPOOL_AGENT_KEY: KEY,
      LOG_FORMAT: "pretty",
    });
    agent = running;
    await waitFor(running.child.stderr as NodeJS.ReadableStream & EventEmitter, "data", () =>
      running.stderr.includes("Trying again"),
    );
    expect(agent.stderr).to.include(`Cannot connect to the relayer at 127.0.0.1:${port}: connection refused`);
    expect(agent.stderr).to.include("check that the relayer is running and that --relayer is its host:port");
    agent.child.kill("SIGINT");
    expect(await agent.exited).to.equal(0);
    expect(agent.output).to.include("Stopped");
    relayer = await new ScriptedRelayer().listen();
  });
});
