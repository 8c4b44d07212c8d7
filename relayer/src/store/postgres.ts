/**
 * The shared backend: a PostgreSQL server reached through a `pg` pool (DATABASE_URL), for a relayer that has
 * outgrown one machine: several relayers on one database share the work, and the store's upserts are what
 * keeps them from claiming a block or a nonce twice.
 */
import pg from "pg";
import { StoreConfigError, StoreError, toStoreError } from "./errors.js";
import { SCHEMA_NAME, type Row, type SqlDriver, type SqlQueryable } from "./sql.js";

export interface PostgresDriverOptions {
  /** postgres://user:password@host:port/database (the password never appears in a message). */
  databaseUrl: string;
  /** The schema for the tables (created by migrate); the server's search_path (public) when undefined. */
  schema?: string;
  /** Connections in the pool (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection before failing with a retryable error, in ms (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * Told about a pooled connection that broke while idle (the server restarted, say). pg drops it and the
   * next query opens another, which fails in its own right if the server is still away.
   */
  onIdleError?: (error: StoreError) => void;
}

export function openPostgresDriver(options: PostgresDriverOptions): SqlDriver {
  const { databaseUrl, schema } = options;
  const description = describeDatabaseUrl(databaseUrl);
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new StoreConfigError(`schema "${schema}" is not a plain lower-case SQL name (a-z, 0-9, _)`);
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  const redact = redactor(databaseUrl, description);
  pool.on("error", (error) => options.onIdleError?.(redact(toStoreError(error, { database: description }))));
  return new PostgresDriver(pool, description, schema, redact);
}

class PostgresDriver implements SqlDriver {
  private closed: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    readonly description: string,
    readonly schema: string | undefined,
    private readonly redact: (error: StoreError) => StoreError,
  ) {}

  query(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.run(this.pool, text, params);
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const client = await this.connect();
    // A connection whose ROLLBACK failed is in an unknown state: it goes back to the pool only to be destroyed.
    let broken: Error | undefined;
    try {
      await this.run(client, "BEGIN");
      const result = await fn({ query: (text, params) => this.run(client, text, params) });
      await this.run(client, "COMMIT");
      return result;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async session<T>(fn: (conn: SqlQueryable) => Promise<T>): Promise<T> {
    const client = await this.connect();
    // After a failure the connection may still hold a lock (its unlock not reached): destroying it releases it.
    let failed = false;
    try {
      return await fn({ query: (text, params) => this.run(client, text, params) });
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      client.release(failed);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw this.redact(toStoreError(error, { database: this.description }));
    }
  }

  close(): Promise<void> {
    this.closed ??= this.pool.end();
    return this.closed;
  }

  private async run(db: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]): Promise<Row[]> {
    try {
      const result = await db.query<Row>(text, params === undefined ? undefined : [...params]);
      return result.rows;
    } catch (error) {
      throw this.redact(toStoreError(error, { database: this.description, sql: text }));
    }
  }
}

/**
 * "PostgreSQL at host:port/database as user", for messages: everything that helps find the server, nothing
 * secret. Throws StoreConfigError for a URL that is not postgres:// or postgresql:// (without echoing it: it
 * may hold a password).
 */
export function describeDatabaseUrl(databaseUrl: string): string {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new StoreConfigError("DATABASE_URL is not a URL: expected postgres://user:password@host:port/database");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new StoreConfigError(
      `DATABASE_URL has the scheme ${url.protocol}: expected postgres://user:password@host:port/database`,
    );
  }
  const host = url.hostname || url.searchParams.get("host") || "localhost";
  const port = url.port || "5432";
  const user = decodeURIComponent(url.username) || "the default user";
  const database = decodeURIComponent(url.pathname.slice(1)) || user;
  return `PostgreSQL at ${host}:${port}/${database} as ${user}`;
}

/**
 * Belt and braces: pg's own messages do not carry the password, but should one ever quote the URL, this
 * replaces the URL by its description and the password by ***, in the message and the stack.
 */
function redactor(databaseUrl: string, description: string): (error: StoreError) => StoreError {
  const password = new URL(databaseUrl).password;
  const secrets: [string, string][] = [[databaseUrl, description]];
  if (password.length > 0) secrets.push([`:${password}@`, ":***@"], [`:${decodeURIComponent(password)}@`, ":***@"]);
  const clean = (text: string) => secrets.reduce((t, [secret, replacement]) => t.split(secret).join(replacement), text);
  return (error) => {
    error.message = clean(error.message);
    if (error.stack !== undefined) error.stack = clean(error.stack);
    return error;
  };
}
