import { PassThrough } from "node:stream";
import { expect } from "chai";
import { generatePrivateKey } from "viem/accounts";
import type { Logger } from "@zkpool/common/node";
import { ConnectionError, ProtocolError } from "../../src/errors.js";
import { LogUi, TerminalUi, redactor } from "../../src/ui.js";

function terminal(live: boolean): { ui: TerminalUi; text: () => string } {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.setEncoding("utf8").on("data", (chunk: string) => chunks.push(chunk));
  const key = generatePrivateKey();
  return { ui: new TerminalUi(out, out, redactor(key), live), text: () => chunks.join("") };
}

const AGENT = "0x1234567890abcdef1234567890abcdef123456ab" as const;
const PROVER = "0x3456789012345678901234567890123456789ccd" as const;

describe("terminal wording", () => {
  it("tells a person what happens, at a glance", () => {
    const { ui, text } = terminal(false);
    const job = { jobId: "j42", blockId: 42n, deadline: Math.floor(Date.now() / 1000) + 48, difficulty: 1 };
    ui.connected({
      relayer: "127.0.0.1:7700",
      agent: AGENT,
      prover: PROVER,
      sessionId: "s",
      difficulty: 1,
      msPerProof: 300,
      concurrency: 1,
    });
    ui.jobReceived(job, false);
    ui.jobStarted(job, 300);
    ui.jobAccepted(job, 312);
    ui.retrying(
      new ConnectionError("cannot connect to the relayer at 127.0.0.1:7700: connection refused", {
        hint: "check that the relayer is running",
      }),
      2_000,
    );
    const lines = text().split("\n");
    expect(lines[0]).to.equal(
      "Connected to relayer 127.0.0.1:7700 as 0x1234…56ab (prover 0x3456…9ccd); waiting for jobs, up to 1 at a time",
    );
    expect(lines[1]).to.match(/^Job 42 received, deadline in 4[78](\.\d)? s$/);
    expect(lines[2]).to.equal(
      "Proof for block 42 accepted by the relayer: your prover is credited once Taiko verifies the block (proved in 0.3 s)",
    );
    expect(lines[3]).to.equal(
      "Cannot connect to the relayer at 127.0.0.1:7700: connection refused. Trying again in 2.0 s (check that the relayer is running)",
    );
    expect(lines.slice(4)).to.deep.equal([""]);
  });

  it("draws a progress line on a terminal and clears it before the next line", () => {
    const { ui, text } = terminal(true);
    const job = { jobId: "j7", blockId: 7n, deadline: Math.floor(Date.now() / 1000) - 5, difficulty: 1 };
    ui.jobReceived(job, true);
    ui.jobStarted(job, 1_000);
    ui.jobCancelled(job, "proven by another machine");
    // 5 s and part of the second the deadline was floored from.
    expect(text()).to.match(/Job 7 received, deadline passed [56]\.\d s ago/);
    expect(text()).to.include("(queued behind another)");
    const shown = text().replaceAll("\r\x1b[2K", "<clear>");
    expect(shown).to.match(/<clear>Proving block 7 \[-{10}\] 0\.0 s of ~1\.0 s<clear>Job 7 cancelled by the relayer/);
  });

  it("never shows the access key, even inside an error message", () => {
    const key = generatePrivateKey();
    const out = new PassThrough();
    const chunks: string[] = [];
    out.setEncoding("utf8").on("data", (chunk: string) => chunks.push(chunk));
    const ui = new TerminalUi(out, out, redactor(key), false);
    ui.fatal(new Error(`signing with ${key} failed; raw ${key.slice(2).toUpperCase()}`));
    expect(chunks.join("")).to.equal("Error: signing with [redacted] failed; raw [redacted]\n");
  });
});

describe("log lines", () => {
  /** A logger that keeps each line as [level, fields, msg]. */
  function recordingLog(): { log: Logger; lines: Array<[string, Record<string, unknown>, string]> } {
    const lines: Array<[string, Record<string, unknown>, string]> = [];
    const at =
      (level: string) =>
      (fields: Record<string, unknown>, msg: string): void =>
        void lines.push([level, fields, msg]);
    const log = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), fatal: at("fatal") };
    return { log: log as unknown as Logger, lines };
  }

  it("warns of a refused job with the job, the reason and what to do, the key scrubbed", () => {
    const key = generatePrivateKey();
    const { log, lines } = recordingLog();
    const ui = new LogUi(log, redactor(key));
    const job = { jobId: "j42", blockId: 42n, deadline: 1_700_000_000, difficulty: 2 };
    ui.jobRefused(
      job,
      new ProtocolError(`asked to prove under another machine's name (${key})`, { hint: "update the relayer" }),
    );
    expect(lines).to.deep.equal([
      [
        "warn",
        {
          jobId: "j42",
          blockId: "42",
          deadline: 1_700_000_000,
          difficulty: 2,
          error: "asked to prove under another machine's name ([redacted])",
          errorType: "ProtocolError",
          hint: "update the relayer",
        },
        "job refused",
      ],
    ]);
  });
});
