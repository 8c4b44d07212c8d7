import { expect } from "chai";
import { realClock } from "../../src/clock.js";

describe("realClock", () => {
  it("reads performance.now()", () => {
    const before = performance.now();
    const now = realClock.now();
    expect(now).to.be.within(before, performance.now());
  });

  it("fires a timeout once, an interval until cancelled, and neither once cancelled", async () => {
    const fired: string[] = [];
    realClock.timeout(1, () => fired.push("timeout"));
    const cancelled = realClock.timeout(1, () => fired.push("cancelled timeout"));
    cancelled();
    const stopInterval = realClock.interval(1, () => fired.push("interval"));
    const stoppedInterval = realClock.interval(1, () => fired.push("cancelled interval"));
    stoppedInterval();
    await realClock.sleep(30);
    stopInterval();
    const seen = fired.length;
    await realClock.sleep(10);
    expect(fired.length, "nothing after the cancel").to.equal(seen);
    expect(fired.filter((f) => f === "timeout")).to.have.length(1);
    expect(fired.filter((f) => f === "interval").length).to.be.greaterThan(0);
    expect(fired.filter((f) => f.startsWith("cancelled"))).to.deep.equal([]);
  });

  it("sleeps until aborted", async () => {
    const stop = new AbortController();
    const sleeping = realClock.sleep(60_000, stop.signal);
    stop.abort(new Error("Ctrl-C"));
    const error = await sleeping.then(
      () => expect.fail("expected the sleep to end with the abort"),
      (e: unknown) => e as Error,
    );
    expect(error.message).to.equal("Ctrl-C");
  });
});
