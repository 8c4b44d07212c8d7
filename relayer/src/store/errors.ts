/**
 * The store's errors: one base class, `StoreError`, and subclasses that say what kind of failure it was.
 * `retryable` is what retry logic reads (common's `withRetry` honours it): true when the same call may succeed
 * later (the database is unreachable, a deadlock), false when it cannot without a change (a bad
 * DATABASE_URL, a missing row, a bug in a query). They are RelayerErrors: the relayer has one error base class.
 */
import { RelayerError } from "../errors.js";

export class StoreError extends RelayerError {
  override name = "StoreError";
}

/** The database cannot be reached, or the connection broke. Retryable. */
export class StoreConnectionError extends StoreError {
  override name = "StoreConnectionError";

  constructor(message: string, cause?: unknown) {
    super(message, { retryable: true, cause });
  }
}

/**
 * The store cannot work as configured: bad DATABASE_URL, authentication refused, missing database, data
 * directory unusable or in use, schema newer than this code. Not retryable: the operator must act.
 */
export class StoreConfigError extends StoreError {
  override name = "StoreConfigError";

  constructor(message: string, cause?: unknown) {
    super(message, { retryable: false, cause });
  }
}

/**
 * A statement failed in the database. `code` is PostgreSQL's SQLSTATE. Retryable only for a serialization
 * failure or a deadlock (the transaction lost a race and can simply run again); constraint violations and
 * SQL errors are bugs.
 */
export class StoreQueryError extends StoreError {
  override name = "StoreQueryError";
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined, cause?: unknown) {
    super(message, { retryable: code === "40001" || code === "40P01", cause });
    this.code = code;
  }
}

/** The row a method works on does not exist (no job for a block, no such attempt or machine). Not retryable. */
export class StoreNotFoundError extends StoreError {
  override name = "StoreNotFoundError";
}

/** The row exists but its state forbids the change (e.g. a transaction recorded for a confirmed submission). */
export class StoreConflictError extends StoreError {
  override name = "StoreConflictError";
}

/** Node's and pg's codes for a connection that could not be made or broke: worth another try. */
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/** pg reports these without a code. */
const CONNECTION_ERROR_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Client was closed and is not queryable",
];

/** SQLSTATEs of a server that is going away, starting or overloaded: the next connection may work. */
function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith("08") || // connection exception
    code.startsWith("53") || // insufficient resources (too many connections, out of memory, disk full)
    code === "57P01" || // admin shutdown
    code === "57P02" || // crash shutdown
    code === "57P03" // cannot connect now (starting up)
  );
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  // Node reports a refused connection to a name with several addresses (localhost: ::1 and 127.0.0.1) as an
  // AggregateError with an empty message: its parts say what happened.
  if (error instanceof AggregateError && error.message === "") {
    return error.errors.map(errorMessage).join("; ") || "connection failed";
  }
  return error instanceof Error ? error.message : String(error);
}

/** The first line of a statement, squeezed, to name it in a message without dumping the whole SQL. */
function statementHead(sql: string): string {
  const head = sql.trim().replace(/\s+/g, " ");
  return head.length > 80 ? `${head.slice(0, 77)}...` : head;
}

export interface ErrorContext {
  /** What the database is, for a person, without secrets: "PostgreSQL at 127.0.0.1:5432/zkpool (user zkpool)". */
  database: string;
  /** The statement that failed, when one did. */
  sql?: string;
}

/**
 * Turns a driver's error (pg, PGlite, Node's socket errors) into the matching StoreError. Messages name the
 * database by `context.database`, never by the URL, so a password cannot leak through them.
 */
export function toStoreError(error: unknown, context: ErrorContext): StoreError {
  if (error instanceof StoreError) return error;
  const code = errorCode(error);
  const message = errorMessage(error);
  if (
    (code !== undefined && (CONNECTION_ERROR_CODES.has(code) || isTransientSqlState(code))) ||
    CONNECTION_ERROR_MESSAGES.some((m) => message.includes(m))
  ) {
    return new StoreConnectionError(
      `cannot reach ${context.database}: ${message}. Is PostgreSQL running there, and is DATABASE_URL right?`,
      error,
    );
  }
  if (code === "28P01" || code === "28000") {
    return new StoreConfigError(
      `${context.database} refused the login: ${message}. Check the user and password in DATABASE_URL.`,
      error,
    );
  }
  if (code === "3D000") {
    return new StoreConfigError(
      `${context.database}: ${message}. Create the database (createdb) or fix its name in DATABASE_URL.`,
      error,
    );
  }
  const where = context.sql === undefined ? "" : ` in "${statementHead(context.sql)}"`;
  return new StoreQueryError(
    `${context.database}: query failed${where}: ${message}${code === undefined ? "" : ` (SQLSTATE ${code})`}`,
    code,
    error,
  );
}
