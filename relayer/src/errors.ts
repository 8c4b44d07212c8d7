/** The relayer's errors: one base class; retry logic reads `retryable`, never the message. */
export class RelayerError extends Error {
  override name = "RelayerError";
  readonly retryable: boolean;

  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/** A problem that may pass by itself: an RPC that went away, a timeout. */
export class RetryableError extends RelayerError {
  override name = "RetryableError";
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: true, cause });
  }
}

/** A problem that will not pass by retrying: bad configuration, Taiko refusing a proof for good. */
export class FinalError extends RelayerError {
  override name = "FinalError";
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: false, cause });
  }
}

/** Bad settings: the message says which variable and what it should be. */
export class ConfigError extends FinalError {
  override name = "ConfigError";
}
