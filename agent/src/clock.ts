/**
 * Time as the agent reads it: a monotonic clock, timers and sleeps. The agent's loops, sessions and connections
 * take a Clock (default `realClock`, Node's own); tests pass a fake one that they move forward by hand, so that
 * heartbeats, request timeouts, grace periods and reconnection backoff take no real time.
 */
import { sleep } from "@zkpool/common";

/** Stops a timer (does nothing once it has fired or been stopped). */
export type CancelTimer = () => void;

export interface Clock {
  /** Milliseconds from an arbitrary origin, never going back (performance.now()). */
  now(): number;
  /** Calls `callback` once, after `ms`. */
  timeout(ms: number, callback: () => void): CancelTimer;
  /** Calls `callback` every `ms`, without keeping the process alive for it. */
  interval(ms: number, callback: () => void): CancelTimer;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  timeout(ms, callback) {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
  interval(ms, callback) {
    const timer = setInterval(callback, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  sleep,
};
