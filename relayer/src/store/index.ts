/**
 * The relayer's durable store: `openStore` picks the backend (PostgreSQL when a DATABASE_URL is given,
 * embedded PGlite otherwise), brings the schema up to date and hands back a `Store`.
 */
import type { StoreError } from "./errors.js";
import { openPGliteDriver } from "./pglite.js";
import { openPostgresDriver } from "./postgres.js";
import { SqlStore, type SqlDriver } from "./sql.js";

export * from "./errors.js";
export type * from "./types.js";
export { SqlStore, SCHEMA_VERSION, type SqlDriver, type SqlQueryable } from "./sql.js";
export { describeDatabaseUrl } from "./postgres.js";

export interface OpenStoreOptions {
  /** postgres://… : use this PostgreSQL server (shared by several relayers). Wins over dataDir. */
  databaseUrl?: string;
  /** PGlite's data directory when there is no databaseUrl; in memory when neither is given. */
  dataDir?: string;
  /** The schema for the tables, created when missing (default: the database's default, public). */
  schema?: string;
  /** Told about a pooled PostgreSQL connection that broke while idle (e.g. log it as a warning). */
  onIdleError?: (error: StoreError) => void;
}

/**
 * Opens the store and runs its migrations. Throws a StoreError: StoreConnectionError (retryable) when
 * PostgreSQL cannot be reached, StoreConfigError when the URL, the login, the database or the data directory
 * is wrong or in use.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<SqlStore> {
  const driver: SqlDriver = options.databaseUrl
    ? openPostgresDriver({ databaseUrl: options.databaseUrl, schema: options.schema, onIdleError: options.onIdleError })
    : await openPGliteDriver({ dataDir: options.dataDir, schema: options.schema });
  const store = new SqlStore(driver);
  try {
    await store.migrate();
  } catch (error) {
    // The migration's error is the one to report; closing is only to leave no connection or lock behind.
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
