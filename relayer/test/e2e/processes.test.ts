import { spawn } from "node:child_process";
import { expect } from "chai";
import { LoggedProcess } from "./processes";

/** A process that logs two lines and then stays up, logging nothing more, until it is killed. */
function quietProcess(): LoggedProcess {
  const script = `console.log(JSON.stringify({ msg: "first" })); console.log("second"); setInterval(() => {}, 60_000);`;
  return new LoggedProcess(spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] }), "quiet");
}

describe("LoggedProcess.waitFor", function () {
  const started: LoggedProcess[] = [];
  afterEach(() => {
    for (const p of started.splice(0)) p.kill("SIGKILL");
  });

  it("gives up on a line that never comes, saying what it awaited and showing the last lines", async () => {
    const quiet = quietProcess();
    started.push(quiet);
    await quiet.waitFor((l) => l.msg === "second", "the second line");
    const error = await quiet
      .waitFor((l) => l.msg === "third", "the third line", 0, 300)
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error?.message).to.match(/^quiet logged no such line within 0\.3 s before: the third line\n/);
    expect(error?.message).to.contain('{"msg":"first"}\nsecond');
    expect(quiet.child.exitCode, "the process is left running").to.equal(null);
  });

  it("fails at once when the process exits first, with its last lines", async () => {
    const quiet = quietProcess();
    started.push(quiet);
    await quiet.waitFor((l) => l.msg === "second", "the second line");
    const waiting = quiet.waitFor((l) => l.msg === "third", "the third line");
    quiet.kill("SIGKILL");
    const error = await waiting.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/^quiet exited \(null\) before: the third line\n/);
    expect(error?.message).to.contain("second");
  });
});
