/**
 * A Clock for tests: time stands still until the test moves it with `advance`, which fires the timers that fall
 * due in order, letting the promises they settle run in between. Heartbeats, timeouts, grace periods and
 * backoff then take no real time.
 */
import type { CancelTimer, Clock } from "../../src/clock.js";

interface FakeTimer {
  at: number;
  /** Set for an interval. */
  every: number | undefined;
  callback: () => void;
  /** Order of creation: timers due at the same time fire in the order they were set. */
  seq: number;
}

/** Lets every promise callback that is ready run (and the ones they make ready, and so on). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Set<FakeTimer>();
  /** Every sleep asked for, in milliseconds, in order. */
  readonly sleeps: number[] = [];

  now = (): number => this.time;

  timeout = (ms: number, callback: () => void): CancelTimer => this.add(ms, undefined, callback);

  interval = (ms: number, callback: () => void): CancelTimer => this.add(ms, ms, callback);

  sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        cancel();
        reject(signal?.reason);
      };
      const cancel = this.timeout(ms, () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  };

  /** Timers not yet fired or cancelled (intervals count until cancelled). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing what falls due on the way, and letting promises run after each. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    while (this.fireNext(target)) await settle();
    this.time = target;
    await settle();
  }

  /** Moves time forward by `ms` at once, firing what falls due without letting any promise run meanwhile. */
  tick(ms: number): void {
    const target = this.time + ms;
    while (this.fireNext(target)) continue;
    this.time = target;
  }

  /** Fires the first timer due by `target`, if any. */
  private fireNext(target: number): boolean {
    let next: FakeTimer | undefined;
    for (const timer of this.timers) {
      if (timer.at > target) continue;
      if (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)) next = timer;
    }
    if (next === undefined) return false;
    this.time = next.at;
    if (next.every === undefined) this.timers.delete(next);
    else next.at += next.every;
    next.callback();
    return true;
  }

  private add(ms: number, every: number | undefined, callback: () => void): CancelTimer {
    const timer: FakeTimer = { at: this.time + Math.max(0, ms), every, callback, seq: this.seq++ };
    if (every !== undefined && every <= 0) throw new Error("an interval must be longer than 0 ms");
    this.timers.add(timer);
    return () => void this.timers.delete(timer);
  }
}
