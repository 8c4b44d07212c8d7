/**
 * The embedded backend: PGlite, PostgreSQL compiled to WebAssembly, in this process. A data directory keeps
 * the state across restarts; without one the database lives in memory (tests, throwaway runs).
 *
 * PGlite has one connection and runs one statement at a time, and a transaction holds it until it ends: that
 * is what makes every method atomic here. It has no lock of its own on its directory, and two processes
 * writing one would corrupt it, so this driver keeps a lock file (holding the owner's pid) beside the data.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { StoreConfigError, toStoreError } from "./errors.js";
import { SCHEMA_NAME, type Row, type SqlDriver, type SqlQueryable } from "./sql.js";

export interface PGliteDriverOptions {
  /** Where the database lives; in memory when undefined. Created when missing. */
  dataDir?: string;
  /** The schema for the tables (created by migrate); PostgreSQL's default (public) when undefined. */
  schema?: string;
}

/**
 * PostgreSQL's page cache inside PGlite's WebAssembly memory. With the default, 128 MB, an opened database held
 * about 370 MB resident, with 16 MB about 245 MB; the relayer's tables are small (open jobs, attempts,
 * machines), so 16 MB still caches them whole. `npm run bench:relayer` reports the relayer's memory.
 *
 * A new data directory costs more once: PGlite 0.5 runs initdb in a second PostgreSQL instance beside the
 * first, and copies that instance's whole WebAssembly memory (at least 128 MB, the module's minimum) to reset
 * it between initdb's steps, so the first start peaks at about three instances' worth (~750 MB in a bare
 * process, ~850 MB in the relayer) for a few seconds. Every later start opens the database directly.
 */
const SHARED_BUFFERS = "16MB";

/** The lock file in the data directory: its owner's pid. */
export const LOCK_FILE = "zkpool-relayer.lock";

export async function openPGliteDriver(options: PGliteDriverOptions = {}): Promise<SqlDriver> {
  const { dataDir, schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new StoreConfigError(`schema "${schema}" is not a plain lower-case SQL name (a-z, 0-9, _)`);
  }
  const description = dataDir === undefined ? "the in-memory PGlite database" : `the PGlite database in ${dataDir}`;
  const unlock = dataDir === undefined ? () => undefined : lockDataDir(path.resolve(dataDir));
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir === undefined ? undefined : path.resolve(dataDir), {
      startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${SHARED_BUFFERS}`],
      // A new database's initdb probes with and writes 128 MB; given the setting it writes the one we run with.
      initDbStartParams: ["-c", `shared_buffers=${SHARED_BUFFERS}`],
    });
    if (schema !== undefined) await db.query(`SET search_path TO ${schema}`);
  } catch (error) {
    unlock();
    throw new StoreConfigError(`cannot open ${description}: ${(error as Error).message}`, error);
  }
  return new PGliteDriver(db, description, schema, unlock);
}

class PGliteDriver implements SqlDriver {
  private closed: Promise<void> | undefined;

  constructor(
    private readonly db: PGlite,
    readonly description: string,
    readonly schema: string | undefined,
    private readonly unlock: () => void,
  ) {}

  query(text: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.run(this.db, text, params);
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction((tx) => fn({ query: (text, params) => this.run(tx, text, params) }));
    } catch (error) {
      throw toStoreError(error, { database: this.description });
    }
  }

  close(): Promise<void> {
    this.closed ??= this.db.close().finally(this.unlock);
    return this.closed;
  }

  private async run(db: PGlite | Transaction, text: string, params?: readonly unknown[]): Promise<Row[]> {
    try {
      const result = await db.query<Row>(text, params === undefined ? undefined : [...params]);
      return result.rows;
    } catch (error) {
      throw toStoreError(error, { database: this.description, sql: text });
    }
  }
}

/**
 * Takes the data directory's lock file, or fails naming the process that holds it. A lock left by a process
 * that no longer runs is taken over. Returns the function that releases it.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = path.join(dataDir, LOCK_FILE);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new StoreConfigError(`cannot create the PGlite data directory ${dataDir}: ${(error as Error).message}`);
  }
  for (let tries = 0; tries < 3; tries++) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: "wx" });
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new StoreConfigError(`cannot write ${lockPath}: ${(error as Error).message}`, error);
      }
    }
    const owner = Number.parseInt(readFileOr(lockPath, ""), 10);
    if (Number.isInteger(owner) && owner > 0 && isRunning(owner)) {
      throw new StoreConfigError(
        `the PGlite data directory ${dataDir} is in use by process ${owner}` +
          `${owner === process.pid ? " (this one: close the other store first)" : ""}. ` +
          `Stop that relayer or give this one another directory; if no relayer runs, delete ${lockPath}.`,
      );
    }
    rmSync(lockPath, { force: true });
  }
  throw new StoreConfigError(`could not take the lock ${lockPath}: another process keeps taking it`);
}

function readFileOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
