export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before each wait, to log what failed. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Which errors to retry: by default all but those that say `retryable: false`. */
  shouldRetry?: (error: unknown) => boolean;
  /** Waits between attempts (default `sleep`; a test passes its fake clock's). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The jitter, a number in [0, 1) (default Math.random). */
  random?: () => number;
}

/** Whether an error says it may pass by itself (a `retryable` property, as the packages' error classes have). */
export function isRetryable(error: unknown): boolean {
  return !(typeof error === "object" && error !== null && "retryable" in error && error.retryable === false);
}

/** Full-jitter exponential backoff: a random wait up to min(max, base × 2^(attempt-1)). */
export function backoffDelay(
  attempt: number,
  baseDelayMs = 200,
  maxDelayMs = 10_000,
  random: () => number = Math.random,
): number {
  return Math.round(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The one retry helper of every package: exponential backoff with full jitter, stopped by the abort signal. */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { attempts = 5, baseDelayMs = 200, maxDelayMs = 10_000, signal, onRetry, random } = options;
  const wait = options.sleep ?? sleep;
  const shouldRetry = options.shouldRetry ?? isRetryable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !shouldRetry(error) || signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
      onRetry?.(error, attempt, delayMs);
      await wait(delayMs, signal);
    }
  }
}
