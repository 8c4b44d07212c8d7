/**
 * The relayer's store written once in SQL that both PostgreSQL and PGlite (PostgreSQL in WebAssembly) run.
 * A `SqlDriver` is all a backend provides: run a statement, run a transaction, close.
 *
 * Representation: block ids (and cursors) are NUMERIC(78, 0) - any uint256, so the store never refuses a block
 * id the agent protocol accepts - and travel as decimal strings both ways (`::text` on the way out), so no
 * driver ever turns one into a JS number. Times are unix seconds in BIGINT, always given by the caller. The
 * evidence is JSONB, transaction hashes a TEXT[]. Addresses are stored checksummed (viem's getAddress), so
 * two spellings of one address are one key: above all for nonces.
 */
import { getAddress, isHex, type Address, type Hex } from "viem";
import type { JobEvidence } from "@zkpool/common";
import { StoreConfigError, StoreConflictError, StoreError, StoreNotFoundError, StoreQueryError } from "./errors.js";
import type { Attempt, AttemptOutcome, Job, JobStatus, Machine, Store, Submission, SubmissionStatus } from "./types.js";

/** One row as a driver returns it: column name → value, typed by what the driver parsed. */
export type Row = Record<string, unknown>;

export interface SqlQueryable {
  /** Runs one statement with `$1`, `$2`… parameters and returns its rows. Throws StoreErrors only. */
  query(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

/** What a database backend provides to SqlStore. */
export interface SqlDriver extends SqlQueryable {
  /** The database for messages, without secrets: "PostgreSQL at 127.0.0.1:5432/zkpool as zkpool". */
  readonly description: string;
  /** The schema the tables live in (created by migrate), or undefined for the connection's default. */
  readonly schema: string | undefined;
  /** Runs `fn` in one transaction on one connection: commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on a connection of its own, outside any transaction, for session-level advisory locks; other
   * queries go on meanwhile. Absent when one process owns the database (PGlite): there is nobody to lock out.
   */
  session?<T>(fn: (conn: SqlQueryable) => Promise<T>): Promise<T>;
  /** Closes the connections; idempotent. */
  close(): Promise<void>;
}

/** Schema names the drivers accept: plain lower-case SQL identifiers, so they never need quoting. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The migrations, in order: migration i + 1 brings the schema from version i to i + 1. Never edit one that
 * has shipped; append another. One statement per string (PGlite's query runs one at a time).
 */
export const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE jobs (
      block_id NUMERIC(78, 0) PRIMARY KEY CHECK (block_id >= 0),
      proposed_at BIGINT NOT NULL,
      deadline BIGINT NOT NULL,
      opportunistic BOOLEAN NOT NULL,
      reward_per_gas DOUBLE PRECISION NOT NULL,
      evidence JSONB NOT NULL,
      instance TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('open', 'submitting', 'proven', 'lost', 'failed')),
      detail TEXT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
    `CREATE INDEX jobs_open_by_deadline ON jobs (deadline, block_id) WHERE status = 'open'`,
    `CREATE TABLE attempts (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      block_id NUMERIC(78, 0) NOT NULL REFERENCES jobs (block_id),
      agent TEXT NOT NULL,
      device_id TEXT NOT NULL,
      started_at BIGINT NOT NULL,
      finished_at BIGINT,
      outcome TEXT CHECK (outcome IN ('proved', 'bad_proof', 'disconnected', 'stalled', 'cancelled')),
      millis DOUBLE PRECISION,
      CHECK ((finished_at IS NULL) = (outcome IS NULL))
    )`,
    `CREATE INDEX attempts_by_block ON attempts (block_id, id)`,
    `CREATE TABLE submissions (
      block_id NUMERIC(78, 0) PRIMARY KEY REFERENCES jobs (block_id),
      agent TEXT NOT NULL,
      input TEXT NOT NULL,
      signature TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'confirmed', 'reverted', 'rejected')),
      tx_hashes TEXT[] NOT NULL,
      nonce BIGINT,
      error TEXT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
    `CREATE INDEX submissions_unfinished ON submissions (block_id) WHERE status IN ('pending', 'sent')`,
    `CREATE TABLE nonces (
      address TEXT PRIMARY KEY,
      next_nonce BIGINT NOT NULL CHECK (next_nonce >= 0)
    )`,
    `CREATE TABLE cursors (
      name TEXT PRIMARY KEY,
      block NUMERIC(78, 0) NOT NULL CHECK (block >= 0)
    )`,
    `CREATE TABLE machines (
      agent TEXT NOT NULL,
      device_id TEXT NOT NULL,
      prover TEXT NOT NULL,
      name TEXT NOT NULL,
      ms_per_proof DOUBLE PRECISION NOT NULL,
      concurrency INTEGER NOT NULL,
      jobs_done BIGINT NOT NULL,
      jobs_failed BIGINT NOT NULL,
      last_seen BIGINT NOT NULL,
      PRIMARY KEY (agent, device_id)
    )`,
    `CREATE INDEX machines_by_prover ON machines (prover)`,
  ],
  // ZKPool takes no agent signature any more: the agent is the graffiti inside the input.
  [`ALTER TABLE submissions DROP COLUMN signature`],
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

const JOB_STATUSES: readonly JobStatus[] = ["open", "submitting", "proven", "lost", "failed"];
const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = ["proved", "bad_proof", "disconnected", "stalled", "cancelled"];
const SUBMISSION_STATUSES: readonly SubmissionStatus[] = ["pending", "sent", "confirmed", "reverted", "rejected"];

const JOB_COLUMNS = `block_id::text AS block_id, proposed_at, deadline, opportunistic, reward_per_gas, evidence,
  instance, status, detail, created_at, updated_at`;
const ATTEMPT_COLUMNS = `id, block_id::text AS block_id, agent, device_id, started_at, finished_at, outcome, millis`;
const SUBMISSION_COLUMNS = `block_id::text AS block_id, agent, input, status, tx_hashes, nonce, error, created_at,
  updated_at`;
const MACHINE_COLUMNS = `agent, device_id, prover, name, ms_per_proof, concurrency, jobs_done, jobs_failed, last_seen`;

/** PostgreSQL's SQLSTATE for a foreign key violation: here always "no job for this block". */
const FOREIGN_KEY_VIOLATION = "23503";

/** The `Store` over any SqlDriver. Every method is one statement or one transaction. */
export class SqlStore implements Store {
  constructor(private readonly db: SqlDriver) {}

  /** The database, for logs: "PGlite in ./data", "PostgreSQL at host:port/db as user". */
  get description(): string {
    return this.db.description;
  }

  /**
   * Brings the schema to SCHEMA_VERSION in one transaction, under an advisory lock so that relayers starting
   * together on one PostgreSQL do not race each other. Idempotent; refuses a schema newer than this code.
   */
  async migrate(): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('zkpool.relayer.migrate'))`);
      if (this.db.schema !== undefined) {
        if (!SCHEMA_NAME.test(this.db.schema)) throw new StoreConfigError(`bad schema name "${this.db.schema}"`);
        await tx.query(`CREATE SCHEMA IF NOT EXISTS ${this.db.schema}`);
      }
      await tx.query(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)`);
      const [row] = await tx.query(`SELECT COALESCE(MAX(version), 0) AS version FROM schema_version`);
      const current = row === undefined ? 0 : int(row, "version");
      if (current > SCHEMA_VERSION) {
        throw new StoreConfigError(
          `${this.db.description} holds relayer schema version ${current}, newer than this relayer's ` +
            `${SCHEMA_VERSION}: run the newer relayer, or give this one another database`,
        );
      }
      for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
        for (const statement of MIGRATIONS[version - 1] ?? []) await tx.query(statement);
        await tx.query(`INSERT INTO schema_version (version) VALUES ($1)`, [version]);
      }
    });
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // ── jobs ────────────────────────────────────────────────────────────────────────────────────────────────

  async addJob(job: Omit<Job, "status" | "detail" | "createdAt" | "updatedAt">, now: number): Promise<Job | undefined> {
    const rows = await this.db.query(
      `INSERT INTO jobs (block_id, proposed_at, deadline, opportunistic, reward_per_gas, evidence, instance, status,
         detail, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, 'open', NULL, $8, $8)
       ON CONFLICT (block_id) DO NOTHING
       RETURNING ${JOB_COLUMNS}`,
      [
        blockParam(job.blockId),
        job.proposedAt,
        job.deadline,
        job.opportunistic,
        job.rewardPerGas,
        JSON.stringify(job.evidence),
        job.instance,
        now,
      ],
    );
    return rows[0] === undefined ? undefined : jobOf(rows[0]);
  }

  async getJob(blockId: bigint): Promise<Job | undefined> {
    const [row] = await this.db.query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE block_id = $1`, [blockParam(blockId)]);
    return row === undefined ? undefined : jobOf(row);
  }

  async openJobs(): Promise<Job[]> {
    const rows = await this.db.query(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE status = 'open' ORDER BY deadline, block_id`,
    );
    return rows.map(jobOf);
  }

  /** Any status but `submitting`, which only claimSubmission sets (with the submission that explains it). */
  async setJobStatus(
    blockId: bigint,
    status: JobStatus,
    detail: string | null,
    now: number,
    from?: readonly JobStatus[],
  ): Promise<boolean> {
    if (status === "submitting") {
      throw new StoreError(`setJobStatus(${blockId}, "submitting"): only claimSubmission moves a job to submitting`);
    }
    const params = [blockParam(blockId), status, detail, now];
    const rows = await this.db.query(
      from === undefined
        ? `UPDATE jobs SET status = $2, detail = $3, updated_at = $4 WHERE block_id = $1 RETURNING 1 AS updated`
        : `UPDATE jobs SET status = $2, detail = $3, updated_at = $4
           WHERE block_id = $1 AND status = ANY ($5::text[]) RETURNING 1 AS updated`,
      from === undefined ? params : [...params, [...from]],
    );
    return rows.length === 1;
  }

  // ── attempts ────────────────────────────────────────────────────────────────────────────────────────────

  /** Throws StoreNotFoundError when there is no job for the block. */
  async startAttempt(blockId: bigint, agent: Address, deviceId: string, now: number): Promise<number> {
    const rows = await noJobAsNotFound(blockId, () =>
      this.db.query(
        `INSERT INTO attempts (block_id, agent, device_id, started_at) VALUES ($1, $2, $3, $4) RETURNING id`,
        [blockParam(blockId), checksummed(agent), deviceId, now],
      ),
    );
    return int(one(rows, "startAttempt"), "id");
  }

  /**
   * An attempt's first outcome stands: finishing a finished attempt again changes nothing (a late "proved"
   * after a "cancelled", say). Throws StoreNotFoundError for an unknown id.
   */
  async finishAttempt(id: number, outcome: AttemptOutcome, millis: number | null, now: number): Promise<void> {
    const updated = await this.db.query(
      `UPDATE attempts SET outcome = $2, millis = $3, finished_at = $4
       WHERE id = $1 AND finished_at IS NULL RETURNING 1 AS updated`,
      [id, outcome, millis, now],
    );
    if (updated.length === 1) return;
    const existing = await this.db.query(`SELECT 1 AS present FROM attempts WHERE id = $1`, [id]);
    if (existing.length === 0) throw new StoreNotFoundError(`finishAttempt: no attempt ${id}`);
  }

  async attempts(blockId: bigint): Promise<Attempt[]> {
    const rows = await this.db.query(`SELECT ${ATTEMPT_COLUMNS} FROM attempts WHERE block_id = $1 ORDER BY id`, [
      blockParam(blockId),
    ]);
    return rows.map(attemptOf);
  }

  // ── submissions ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * The block's submission row is the lock: the insert either creates it, takes over a `reverted` or
   * `rejected` one (starting afresh: no transactions, no nonce, no error), or does nothing. PostgreSQL
   * serializes racing upserts on one key and re-checks the WHERE against the winner's row, so of any number
   * of concurrent claims exactly one returns true. Throws StoreNotFoundError when there is no job.
   */
  async claimSubmission(submission: Pick<Submission, "blockId" | "agent" | "input">, now: number): Promise<boolean> {
    const blockId = blockParam(submission.blockId);
    return noJobAsNotFound(submission.blockId, () =>
      this.db.transaction(async (tx) => {
        const claimed = await tx.query(
          `INSERT INTO submissions (block_id, agent, input, status, tx_hashes, nonce, error, created_at, updated_at)
           VALUES ($1, $2, $3, 'pending', '{}', NULL, NULL, $4, $4)
           ON CONFLICT (block_id) DO UPDATE SET
             agent = EXCLUDED.agent, input = EXCLUDED.input, status = 'pending', tx_hashes = '{}', nonce = NULL,
             error = NULL, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
           WHERE submissions.status IN ('reverted', 'rejected')
           RETURNING 1 AS claimed`,
          [blockId, checksummed(submission.agent), submission.input, now],
        );
        if (claimed.length === 0) return false;
        await tx.query(`UPDATE jobs SET status = 'submitting', detail = NULL, updated_at = $2 WHERE block_id = $1`, [
          blockId,
          now,
        ]);
        return true;
      }),
    );
  }

  async getSubmission(blockId: bigint): Promise<Submission | undefined> {
    const [row] = await this.db.query(`SELECT ${SUBMISSION_COLUMNS} FROM submissions WHERE block_id = $1`, [
      blockParam(blockId),
    ]);
    return row === undefined ? undefined : submissionOf(row);
  }

  async unfinishedSubmissions(): Promise<Submission[]> {
    const rows = await this.db.query(
      `SELECT ${SUBMISSION_COLUMNS} FROM submissions WHERE status IN ('pending', 'sent') ORDER BY block_id`,
    );
    return rows.map(submissionOf);
  }

  /**
   * Idempotent for a hash already recorded (a retry after a crash does not list it twice). Throws
   * StoreNotFoundError without a submission, StoreConflictError when the submission is already final.
   */
  async recordSubmissionTx(blockId: bigint, txHash: Hex, nonce: number, now: number): Promise<void> {
    const updated = await this.db.query(
      `UPDATE submissions SET
         tx_hashes = CASE WHEN $2::text = ANY (tx_hashes) THEN tx_hashes ELSE array_append(tx_hashes, $2::text) END,
         nonce = $3, status = 'sent', updated_at = $4
       WHERE block_id = $1 AND status IN ('pending', 'sent')
       RETURNING 1 AS updated`,
      [blockParam(blockId), txHash, nonce, now],
    );
    if (updated.length === 1) return;
    const status = await this.submissionStatus(this.db, blockId, "recordSubmissionTx");
    throw new StoreConflictError(
      `recordSubmissionTx: the submission of block ${blockId} is already ${status}; claim it again before sending`,
    );
  }

  /**
   * One transaction: the submission, then its job. Repeating the status a submission already has is a no-op
   * (a retry after a crash); changing a final status throws StoreConflictError; no submission throws
   * StoreNotFoundError.
   */
  async finishSubmission(
    blockId: bigint,
    status: "confirmed" | "reverted" | "rejected",
    error: string | null,
    now: number,
    rejectedAs: "failed" | "lost" = "failed",
  ): Promise<boolean> {
    const id = blockParam(blockId);
    return this.db.transaction(async (tx) => {
      const updated = await tx.query(
        `UPDATE submissions SET status = $2, error = $3, updated_at = $4
         WHERE block_id = $1 AND status IN ('pending', 'sent') RETURNING 1 AS updated`,
        [id, status, error, now],
      );
      if (updated.length === 0) {
        const current = await this.submissionStatus(tx, blockId, "finishSubmission");
        if (current === status) return false;
        throw new StoreConflictError(
          `finishSubmission(${blockId}, ${status}): the submission is already ${current}, which is final`,
        );
      }
      if (status === "reverted") {
        await tx.query(
          `UPDATE jobs SET status = 'open', updated_at = $2 WHERE block_id = $1 AND status = 'submitting'`,
          [id, now],
        );
        return false;
      }
      // The job ends here unless it has ended already (its BlockProven, read first).
      const ended = await tx.query(
        `UPDATE jobs SET status = $2, detail = $3, updated_at = $4
         WHERE block_id = $1 AND status IN ('open', 'submitting') RETURNING 1 AS ended`,
        [id, status === "confirmed" ? "proven" : rejectedAs, status === "confirmed" ? null : error, now],
      );
      return ended.length === 1;
    });
  }

  private async submissionStatus(db: SqlQueryable, blockId: bigint, what: string): Promise<SubmissionStatus> {
    const [row] = await db.query(`SELECT status FROM submissions WHERE block_id = $1`, [blockParam(blockId)]);
    if (row === undefined) throw new StoreNotFoundError(`${what}: block ${blockId} has no submission`);
    return oneOf(row, "status", SUBMISSION_STATUSES);
  }

  // ── nonces ──────────────────────────────────────────────────────────────────────────────────────────────

  /** One upsert: PostgreSQL locks the address's row, so concurrent reservations queue and each gets its own. */
  async reserveNonce(address: Address, chainNonce: number): Promise<number> {
    const rows = await this.db.query(
      `INSERT INTO nonces (address, next_nonce) VALUES ($1, $2::bigint + 1)
       ON CONFLICT (address) DO UPDATE SET next_nonce = GREATEST(nonces.next_nonce, $2::bigint) + 1
       RETURNING next_nonce - 1 AS nonce`,
      [checksummed(address), chainNonce],
    );
    return int(one(rows, "reserveNonce"), "nonce");
  }

  async resetNonce(address: Address, next: number): Promise<void> {
    await this.db.query(
      `INSERT INTO nonces (address, next_nonce) VALUES ($1, $2)
       ON CONFLICT (address) DO UPDATE SET next_nonce = EXCLUDED.next_nonce`,
      [checksummed(address), next],
    );
  }

  /** Only when no one reserved after `nonce`: a later reservation (already sent) must not be handed out again. */
  async releaseNonce(address: Address, nonce: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE nonces SET next_nonce = $2 WHERE address = $1 AND next_nonce = $2::bigint + 1 RETURNING 1 AS released`,
      [checksummed(address), nonce],
    );
    return rows.length === 1;
  }

  async withNonceLock<T>(address: Address, fn: () => Promise<T>): Promise<T> {
    if (!this.db.session) return fn();
    const key = `zkpool.relayer.nonce.${checksummed(address)}`;
    return this.db.session(async (conn) => {
      await conn.query(`SELECT pg_advisory_lock(hashtext($1))`, [key]);
      try {
        return await fn();
      } finally {
        await conn.query(`SELECT pg_advisory_unlock(hashtext($1))`, [key]);
      }
    });
  }

  // ── cursors ─────────────────────────────────────────────────────────────────────────────────────────────

  async getCursor(name: string): Promise<bigint | undefined> {
    const [row] = await this.db.query(`SELECT block::text AS block FROM cursors WHERE name = $1`, [name]);
    return row === undefined ? undefined : big(row, "block");
  }

  async setCursor(name: string, block: bigint): Promise<void> {
    await this.db.query(
      `INSERT INTO cursors (name, block) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET block = EXCLUDED.block`,
      [name, blockParam(block)],
    );
  }

  // ── machines ────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Counters and lastSeen never go backwards: a reconnecting agent's fresh record (counters 0) keeps the
   * machine's history, which countMachineJob alone adds to.
   */
  async upsertMachine(machine: Machine): Promise<void> {
    await this.db.query(
      `INSERT INTO machines (${MACHINE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (agent, device_id) DO UPDATE SET
         prover = EXCLUDED.prover, name = EXCLUDED.name, ms_per_proof = EXCLUDED.ms_per_proof,
         concurrency = EXCLUDED.concurrency,
         jobs_done = GREATEST(machines.jobs_done, EXCLUDED.jobs_done),
         jobs_failed = GREATEST(machines.jobs_failed, EXCLUDED.jobs_failed),
         last_seen = GREATEST(machines.last_seen, EXCLUDED.last_seen)`,
      [
        checksummed(machine.agent),
        machine.deviceId,
        checksummed(machine.prover),
        machine.name,
        machine.msPerProof,
        machine.concurrency,
        machine.jobsDone,
        machine.jobsFailed,
        machine.lastSeen,
      ],
    );
  }

  /** Throws StoreNotFoundError for a machine never upserted. */
  async countMachineJob(agent: Address, deviceId: string, outcome: "done" | "failed", now: number): Promise<void> {
    const rows = await this.db.query(
      `UPDATE machines SET jobs_done = jobs_done + $3, jobs_failed = jobs_failed + $4,
         last_seen = GREATEST(last_seen, $5)
       WHERE agent = $1 AND device_id = $2 RETURNING 1 AS updated`,
      [checksummed(agent), deviceId, outcome === "done" ? 1 : 0, outcome === "failed" ? 1 : 0, now],
    );
    if (rows.length === 0) {
      throw new StoreNotFoundError(`countMachineJob: no machine ${agent}/${deviceId}; upsertMachine it first`);
    }
  }

  async machinesOf(prover: Address): Promise<Machine[]> {
    const rows = await this.db.query(
      `SELECT ${MACHINE_COLUMNS} FROM machines WHERE prover = $1 ORDER BY agent, device_id`,
      [checksummed(prover)],
    );
    return rows.map(machineOf);
  }
}

// ── parameters ────────────────────────────────────────────────────────────────────────────────────────────

/** Block ids go to the database as decimal strings: no driver converts them through a JS number. */
function blockParam(blockId: bigint): string {
  if (blockId < 0n) throw new StoreError(`block id ${blockId} is negative`);
  return blockId.toString();
}

function checksummed(address: string): Address {
  try {
    return getAddress(address);
  } catch {
    throw new StoreError(`"${address}" is not an address (0x and 40 hex digits, checksummed if mixed-case)`);
  }
}

/** A statement inserting a row that references jobs fails with a foreign key violation when the job is missing. */
async function noJobAsNotFound<T>(blockId: bigint, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StoreQueryError && error.code === FOREIGN_KEY_VIOLATION) {
      throw new StoreNotFoundError(`no job for block ${blockId}: addJob first`, { cause: error });
    }
    throw error;
  }
}

// ── rows ──────────────────────────────────────────────────────────────────────────────────────────────────
// Drivers differ in what they parse (pg gives BIGINT as a string, PGlite as a number or a bigint), so every
// value is read through a checker that accepts what either gives and refuses what would lose precision.

function corrupt(column: string, value: unknown, expected: string): StoreError {
  return new StoreError(`unexpected ${typeof value} in column ${column} (expected ${expected}): ${String(value)}`);
}

function one(rows: Row[], what: string): Row {
  const [row] = rows;
  if (row === undefined) throw new StoreError(`${what}: the statement returned no row`);
  return row;
}

function int(row: Row, column: string): number {
  const value = row[column];
  const n =
    typeof value === "number" ? value : typeof value === "string" || typeof value === "bigint" ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw corrupt(column, value, "a safe integer");
  return n;
}

function intOrNull(row: Row, column: string): number | null {
  return row[column] === null ? null : int(row, column);
}

function float(row: Row, column: string): number {
  const value = row[column];
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw corrupt(column, value, "a number");
  return n;
}

function floatOrNull(row: Row, column: string): number | null {
  return row[column] === null ? null : float(row, column);
}

function big(row: Row, column: string): bigint {
  const value = row[column];
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === "bigint") return value;
  throw corrupt(column, value, "a decimal string");
}

function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== "string") throw corrupt(column, value, "text");
  return value;
}

function textOrNull(row: Row, column: string): string | null {
  return row[column] === null ? null : text(row, column);
}

function bool(row: Row, column: string): boolean {
  const value = row[column];
  if (typeof value !== "boolean") throw corrupt(column, value, "a boolean");
  return value;
}

function hex(row: Row, column: string): Hex {
  const value = row[column];
  if (typeof value !== "string" || !isHex(value)) throw corrupt(column, value, "0x-prefixed hex");
  return value;
}

function address(row: Row, column: string): Address {
  const value = hex(row, column);
  if (value.length !== 42) throw corrupt(column, value, "an address");
  return value;
}

function oneOf<T extends string>(row: Row, column: string, allowed: readonly T[]): T {
  const value = row[column];
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw corrupt(column, value, allowed.join(" | "));
  return found;
}

function hexArray(row: Row, column: string): Hex[] {
  const value = row[column];
  if (!Array.isArray(value)) throw corrupt(column, value, "an array of hex");
  return value.map((v: unknown) => {
    if (typeof v !== "string" || !isHex(v)) throw corrupt(column, v, "0x-prefixed hex");
    return v;
  });
}

function evidence(row: Row, column: string): JobEvidence {
  const value = row[column];
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw corrupt(column, value, "an object");
  // Written by addJob from a JobEvidence; JSONB gives back the same fields and values.
  return value as JobEvidence;
}

function jobOf(row: Row): Job {
  return {
    blockId: big(row, "block_id"),
    proposedAt: int(row, "proposed_at"),
    deadline: int(row, "deadline"),
    opportunistic: bool(row, "opportunistic"),
    rewardPerGas: float(row, "reward_per_gas"),
    evidence: evidence(row, "evidence"),
    instance: hex(row, "instance"),
    status: oneOf(row, "status", JOB_STATUSES),
    detail: textOrNull(row, "detail"),
    createdAt: int(row, "created_at"),
    updatedAt: int(row, "updated_at"),
  };
}

function attemptOf(row: Row): Attempt {
  return {
    id: int(row, "id"),
    blockId: big(row, "block_id"),
    agent: address(row, "agent"),
    deviceId: text(row, "device_id"),
    startedAt: int(row, "started_at"),
    finishedAt: intOrNull(row, "finished_at"),
    outcome: row.outcome === null ? null : oneOf(row, "outcome", ATTEMPT_OUTCOMES),
    millis: floatOrNull(row, "millis"),
  };
}

function submissionOf(row: Row): Submission {
  return {
    blockId: big(row, "block_id"),
    agent: address(row, "agent"),
    input: hex(row, "input"),
    status: oneOf(row, "status", SUBMISSION_STATUSES),
    txHashes: hexArray(row, "tx_hashes"),
    nonce: intOrNull(row, "nonce"),
    error: textOrNull(row, "error"),
    createdAt: int(row, "created_at"),
    updatedAt: int(row, "updated_at"),
  };
}

function machineOf(row: Row): Machine {
  return {
    agent: address(row, "agent"),
    deviceId: text(row, "device_id"),
    prover: address(row, "prover"),
    name: text(row, "name"),
    msPerProof: float(row, "ms_per_proof"),
    concurrency: int(row, "concurrency"),
    jobsDone: int(row, "jobs_done"),
    jobsFailed: int(row, "jobs_failed"),
    lastSeen: int(row, "last_seen"),
  };
}
