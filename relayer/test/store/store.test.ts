/// <reference types="mocha" />
/**
 * The Store's contract, run against both backends: PGlite in memory, and a real PostgreSQL from
 * TEST_DATABASE_URL (`npm test -w relayer` starts one with scripts/ci/postgres.sh). Each PostgreSQL run works
 * in schemas of its own, dropped at the end, so runs never see each other's rows.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Address, Hex } from "viem";
import type { JobEvidence } from "@zkpool/common";
import {
  SCHEMA_VERSION,
  SqlStore,
  StoreConfigError,
  StoreConflictError,
  StoreConnectionError,
  StoreError,
  StoreNotFoundError,
  openStore,
  type Job,
  type SqlDriver,
} from "../../src/store/index.js";
import { LOCK_FILE, openPGliteDriver } from "../../src/store/pglite.js";
import { openPostgresDriver } from "../../src/store/postgres.js";

// ── fixtures ──────────────────────────────────────────────────────────────────────────────────────────────

const agentA: Address = "0x1111111111111111111111111111111111111111";
const agentB: Address = "0x2222222222222222222222222222222222222222";
const proverA: Address = "0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B";
const proverB: Address = "0x3333333333333333333333333333333333333333";
const relayerKey: Address = "0xdAC17F958D2ee523a2206206994597C13D831ec7";

/** Block ids no JS number holds exactly: 2^53 + 1, uint64's max, uint256's max. */
const bigIds = [2n ** 53n + 1n, 2n ** 64n - 1n, 2n ** 256n - 1n];

function bytes32(byte: string): Hex {
  return `0x${byte.repeat(32)}`;
}

const evidence: JobEvidence = {
  metaHash: bytes32("11"),
  parentHash: bytes32("22"),
  blockHash: bytes32("33"),
  signalRoot: bytes32("44"),
  graffiti: bytes32("00"),
  prover: proverA,
  parentGasUsed: 1_000_000,
  gasUsed: 4_294_967_295,
  verifierId: 65_535,
};

type NewJob = Parameters<SqlStore["addJob"]>[0];

function newJob(blockId: bigint, deadline = 1_000, overrides: Partial<NewJob> = {}): NewJob {
  return {
    blockId,
    proposedAt: 100,
    deadline,
    opportunistic: false,
    rewardPerGas: 12,
    evidence,
    instance: bytes32("ab"),
    ...overrides,
  };
}

function claim(blockId: bigint, agent: Address = agentA) {
  return { blockId, agent, input: "0x0102" as Hex };
}

async function rejects(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection, got a result");
}

// ── backends ──────────────────────────────────────────────────────────────────────────────────────────────

interface Backend {
  name: string;
  /** True when several stores (connection pools) can share the database at once. */
  shared: boolean;
  /** Opens the database of the suite, migrated. */
  setup(): Promise<void>;
  /** A store on the suite's database; on PostgreSQL a new pool each call. */
  store(): Promise<SqlStore>;
  /** Runs raw SQL on the suite's database (to inspect or tamper). */
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Empties every table of the suite's database. */
  reset(): Promise<void>;
  /** Opens a store on a new persistent database; calling it again with the same place reopens it. */
  persistent(): { open(): Promise<SqlStore>; remove(): Promise<void> };
  teardown(): Promise<void>;
}

const TABLES = "jobs, attempts, submissions, nonces, cursors, machines";

function pgliteBackend(): Backend {
  let driver: SqlDriver | undefined;
  let store: SqlStore | undefined;
  const open = () => {
    if (!driver || !store) throw new Error("setup() did not run");
    return { driver, store };
  };
  return {
    name: "PGlite (in memory)",
    shared: false,
    async setup() {
      driver = await openPGliteDriver();
      store = new SqlStore(driver);
      await store.migrate();
    },
    store: async () => open().store,
    sql: (text, params) => open().driver.query(text, params),
    reset: async () => void (await open().driver.query(`TRUNCATE ${TABLES} RESTART IDENTITY`)),
    persistent() {
      const dataDir = mkdtempSync(path.join(tmpdir(), "zkpool-store-"));
      return {
        open: () => openStore({ dataDir }),
        remove: async () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
    async teardown() {
      await store?.close();
    },
  };
}

function postgresBackend(): Backend {
  const run = `store_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  let databaseUrl: string | undefined;
  let admin: SqlDriver | undefined;
  const stores: SqlStore[] = [];
  const schemas = [run];
  const url = () => {
    if (databaseUrl === undefined) throw new Error("setup() did not run");
    return databaseUrl;
  };
  const sql = (text: string, params?: unknown[]) => {
    if (!admin) throw new Error("setup() did not run");
    return admin.query(text, params);
  };
  return {
    name: "PostgreSQL",
    shared: true,
    async setup() {
      databaseUrl = process.env.TEST_DATABASE_URL;
      if (!databaseUrl) {
        throw new Error(
          "TEST_DATABASE_URL is not set, so the PostgreSQL half of the store tests cannot run. Run them with " +
            "`npm test -w relayer` (it starts PostgreSQL through scripts/ci/postgres.sh), or set it yourself: " +
            'export TEST_DATABASE_URL="$(scripts/ci/postgres.sh)"',
        );
      }
      admin = openPostgresDriver({ databaseUrl, schema: run });
      await new SqlStore(admin).migrate();
    },
    async store() {
      const store = await openStore({ databaseUrl: url(), schema: run });
      stores.push(store);
      return store;
    },
    sql,
    reset: async () => void (await sql(`TRUNCATE ${TABLES} RESTART IDENTITY`)),
    persistent() {
      const schema = `${run}_${schemas.length}`;
      schemas.push(schema);
      return {
        open: () => openStore({ databaseUrl: url(), schema }),
        remove: async () => void (await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)),
      };
    },
    async teardown() {
      await Promise.all(stores.map((s) => s.close()));
      if (!admin) return;
      for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    },
  };
}

// ── the suite ─────────────────────────────────────────────────────────────────────────────────────────────

function storeSuite(backend: Backend): void {
  describe(`Store on ${backend.name}`, function () {
    let store: SqlStore;

    before(async function () {
      await backend.setup();
      store = await backend.store();
    });
    beforeEach(() => backend.reset());
    after(() => backend.teardown());

    describe("migrate", function () {
      it("records the schema version once, however often it runs", async function () {
        await store.migrate();
        await store.migrate();
        const rows = await backend.sql("SELECT version FROM schema_version ORDER BY version");
        expect(rows.map((r) => Number(r.version))).to.deep.equal(
          Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
        );
      });

      it("upgrades a version 1 schema: the submissions lose their agent signature, nothing else", async function () {
        // Version 1 as it shipped: a signature beside each submission.
        await backend.sql("DELETE FROM schema_version WHERE version > 1");
        await backend.sql("ALTER TABLE submissions ADD COLUMN signature TEXT NOT NULL DEFAULT '0x0a0b'");
        await store.addJob(newJob(7n), 1);
        expect(await store.claimSubmission(claim(7n), 2)).to.equal(true);
        await store.migrate();
        const columns = await backend.sql(
          "SELECT column_name FROM information_schema.columns WHERE table_name = 'submissions' AND table_schema = ANY (current_schemas(false))",
        );
        expect(columns.map((c) => c.column_name)).to.have.members([
          "block_id",
          "agent",
          "input",
          "status",
          "tx_hashes",
          "nonce",
          "error",
          "created_at",
          "updated_at",
        ]);
        expect(await store.getSubmission(7n)).to.deep.include({ blockId: 7n, agent: agentA, input: "0x0102" });
        const versions = await backend.sql("SELECT version FROM schema_version ORDER BY version");
        expect(versions.map((r) => Number(r.version))).to.deep.equal([1, 2]);
      });

      it("refuses a schema newer than the code, saying what to do", async function () {
        await backend.sql("INSERT INTO schema_version (version) VALUES ($1)", [SCHEMA_VERSION + 1]);
        try {
          const error = await rejects(store.migrate());
          expect(error).to.be.instanceOf(StoreConfigError);
          expect(error.message)
            .to.include(`version ${SCHEMA_VERSION + 1}`)
            .and.include("newer relayer");
        } finally {
          await backend.sql("DELETE FROM schema_version WHERE version > $1", [SCHEMA_VERSION]);
        }
      });

      // PGlite has one connection per directory: only PostgreSQL sees relayers start together.
      if (backend.shared) {
        it("lets relayers starting together migrate one database", async function () {
          const place = backend.persistent();
          try {
            const stores = await Promise.all([place.open(), place.open(), place.open()]);
            await Promise.all(stores.map((s) => s.setCursor("x", 1n)));
            await Promise.all(stores.map((s) => s.close()));
          } finally {
            await place.remove();
          }
        });
      }
    });

    describe("jobs", function () {
      it("adds a job once: the second add of a block changes nothing", async function () {
        const added = await store.addJob(newJob(7n), 50);
        expect(await store.addJob(newJob(7n, 9_999, { rewardPerGas: 1 }), 60)).to.equal(undefined);
        const job = await store.getJob(7n);
        expect(job).to.deep.equal({
          ...newJob(7n),
          status: "open",
          detail: null,
          createdAt: 50,
          updatedAt: 50,
        } satisfies Job);
        // addJob gives back the row as stored, as getJob reads it.
        expect(added).to.deep.equal(job);
      });

      it("round-trips every field, the evidence as given", async function () {
        const job = newJob(8n, 2_000, { opportunistic: true, rewardPerGas: 0.5, proposedAt: 1_700_000_000 });
        await store.addJob(job, 1_700_000_001);
        const stored = await store.getJob(8n);
        expect(stored).to.include({ opportunistic: true, rewardPerGas: 0.5, proposedAt: 1_700_000_000 });
        expect(stored?.evidence).to.deep.equal(evidence);
        expect(stored?.instance).to.equal(job.instance);
      });

      it("keeps block ids above 2^53 exact", async function () {
        for (const id of bigIds) await store.addJob(newJob(id), 1);
        for (const id of bigIds) expect((await store.getJob(id))?.blockId).to.equal(id);
        expect((await store.openJobs()).map((j) => j.blockId)).to.have.members(bigIds);
        expect(await store.getJob(2n ** 53n)).to.equal(undefined);
      });

      it("refuses a negative block id", async function () {
        expect(await rejects(store.addJob(newJob(-1n), 1))).to.be.instanceOf(StoreError);
      });

      it("returns undefined for a block without a job", async function () {
        expect(await store.getJob(404n)).to.equal(undefined);
      });

      it("lists open jobs earliest deadline first, ties by block id", async function () {
        await store.addJob(newJob(3n, 300), 1);
        await store.addJob(newJob(1n, 500), 1);
        await store.addJob(newJob(2n, 300), 1);
        await store.addJob(newJob(4n, 100), 1);
        await store.setJobStatus(4n, "lost", "proven by 0xdead", 2);
        expect((await store.openJobs()).map((j) => j.blockId)).to.deep.equal([2n, 3n, 1n]);
      });

      it("moves a job to a final status and back to open", async function () {
        await store.addJob(newJob(5n), 1);
        expect(await store.setJobStatus(5n, "failed", "L1_INVALID_EVIDENCE", 9)).to.equal(true);
        expect(await store.getJob(5n)).to.include({ status: "failed", detail: "L1_INVALID_EVIDENCE", updatedAt: 9 });
        expect(await store.openJobs()).to.deep.equal([]);
        expect(await store.setJobStatus(5n, "open", null, 10)).to.equal(true);
        expect(await store.getJob(5n)).to.include({ status: "open", detail: null, createdAt: 1, updatedAt: 10 });
        expect((await store.openJobs()).map((j) => j.blockId)).to.deep.equal([5n]);
      });

      it("ends a job once: from the statuses before its end, only the first end says true", async function () {
        await store.addJob(newJob(7n), 1);
        const unfinished = ["open", "submitting"] as const;
        expect(await store.setJobStatus(7n, "proven", null, 2, unfinished)).to.equal(true);
        expect(await store.setJobStatus(7n, "proven", null, 3, unfinished)).to.equal(false);
        expect(await store.setJobStatus(7n, "lost", "proven by 0xdead", 4, ["open"])).to.equal(false);
        expect(await store.getJob(7n)).to.include({ status: "proven", detail: null, updatedAt: 2 });
        expect(await store.setJobStatus(8n, "proven", null, 5, unfinished)).to.equal(false);
      });

      it("says false for a job that is not there, and leaves submitting to claimSubmission", async function () {
        expect(await store.setJobStatus(6n, "proven", null, 1)).to.equal(false);
        await store.addJob(newJob(6n), 1);
        expect(await rejects(store.setJobStatus(6n, "submitting", null, 2))).to.be.instanceOf(StoreError);
        expect((await store.getJob(6n))?.status).to.equal("open");
      });
    });

    describe("attempts", function () {
      beforeEach(() => store.addJob(newJob(10n), 1));

      it("starts attempts with increasing ids and lists them in order", async function () {
        const first = await store.startAttempt(10n, agentA, "gpu-0", 20);
        const second = await store.startAttempt(10n, agentB, "gpu-1", 21);
        expect(second).to.be.greaterThan(first);
        expect(await store.attempts(10n)).to.deep.equal([
          {
            id: first,
            blockId: 10n,
            agent: agentA,
            deviceId: "gpu-0",
            startedAt: 20,
            finishedAt: null,
            outcome: null,
            millis: null,
          },
          {
            id: second,
            blockId: 10n,
            agent: agentB,
            deviceId: "gpu-1",
            startedAt: 21,
            finishedAt: null,
            outcome: null,
            millis: null,
          },
        ]);
        expect(await store.attempts(11n)).to.deep.equal([]);
      });

      it("finishes an attempt once: its first outcome stands", async function () {
        const id = await store.startAttempt(10n, agentA, "gpu-0", 20);
        await store.finishAttempt(id, "cancelled", null, 25);
        await store.finishAttempt(id, "proved", 1234.5, 26);
        expect(await store.attempts(10n)).to.deep.include({
          id,
          blockId: 10n,
          agent: agentA,
          deviceId: "gpu-0",
          startedAt: 20,
          finishedAt: 25,
          outcome: "cancelled",
          millis: null,
        });
        const timed = await store.startAttempt(10n, agentB, "cpu", 30);
        await store.finishAttempt(timed, "proved", 1234.5, 31);
        expect((await store.attempts(10n))[1]).to.include({ outcome: "proved", millis: 1234.5, finishedAt: 31 });
      });

      it("stores the agent checksummed, whatever the spelling", async function () {
        await store.startAttempt(10n, proverA.toLowerCase() as Address, "d", 1);
        expect((await store.attempts(10n))[0]?.agent).to.equal(proverA);
      });

      it("refuses an attempt without a job, and finishing an unknown attempt", async function () {
        expect(await rejects(store.startAttempt(99n, agentA, "d", 1))).to.be.instanceOf(StoreNotFoundError);
        expect(await rejects(store.finishAttempt(424_242, "stalled", null, 1))).to.be.instanceOf(StoreNotFoundError);
        expect(await rejects(store.startAttempt(10n, "0x12" as Address, "d", 1))).to.be.instanceOf(StoreError);
      });
    });

    describe("submissions", function () {
      beforeEach(async function () {
        for (const id of [20n, 21n, 22n]) await store.addJob(newJob(id), 1);
      });

      it("claims a block: a pending submission, and the job submitting", async function () {
        expect(await store.claimSubmission(claim(20n), 30)).to.equal(true);
        expect(await store.getSubmission(20n)).to.deep.equal({
          ...claim(20n),
          status: "pending",
          txHashes: [],
          nonce: null,
          error: null,
          createdAt: 30,
          updatedAt: 30,
        });
        expect(await store.getJob(20n)).to.include({ status: "submitting", updatedAt: 30 });
        expect(await store.getSubmission(21n)).to.equal(undefined);
      });

      it("refuses a second claim while the first is pending, sent or confirmed, writing nothing", async function () {
        await store.claimSubmission(claim(20n), 30);
        expect(await store.claimSubmission(claim(20n, agentB), 31)).to.equal(false);
        await store.recordSubmissionTx(20n, bytes32("aa"), 7, 32);
        expect(await store.claimSubmission(claim(20n, agentB), 33)).to.equal(false);
        await store.finishSubmission(20n, "confirmed", null, 34);
        expect(await store.claimSubmission(claim(20n, agentB), 35)).to.equal(false);
        expect(await store.getSubmission(20n)).to.include({ agent: agentA, status: "confirmed", updatedAt: 34 });
        expect(await store.getJob(20n)).to.include({ status: "proven", updatedAt: 34 });
      });

      it("claims afresh after a revert or a rejection", async function () {
        await store.claimSubmission(claim(20n), 30);
        await store.recordSubmissionTx(20n, bytes32("aa"), 7, 31);
        await store.finishSubmission(20n, "reverted", "out of gas", 32);
        expect(await store.claimSubmission(claim(20n, agentB), 40)).to.equal(true);
        expect(await store.getSubmission(20n)).to.deep.equal({
          ...claim(20n, agentB),
          status: "pending",
          txHashes: [],
          nonce: null,
          error: null,
          createdAt: 40,
          updatedAt: 40,
        });
        expect((await store.getJob(20n))?.status).to.equal("submitting");

        await store.finishSubmission(20n, "rejected", "L1_INVALID_PROOF", 41);
        expect(await store.claimSubmission(claim(20n), 42)).to.equal(true);
      });

      it("refuses to claim a block without a job, writing nothing", async function () {
        expect(await rejects(store.claimSubmission(claim(99n), 1))).to.be.instanceOf(StoreNotFoundError);
        expect(await store.getSubmission(99n)).to.equal(undefined);
      });

      it("records each transaction sent, newest last, once each", async function () {
        await store.claimSubmission(claim(20n), 30);
        await store.recordSubmissionTx(20n, bytes32("aa"), 7, 31);
        await store.recordSubmissionTx(20n, bytes32("bb"), 7, 32);
        await store.recordSubmissionTx(20n, bytes32("bb"), 7, 33);
        expect(await store.getSubmission(20n)).to.include({ status: "sent", nonce: 7, updatedAt: 33 });
        expect((await store.getSubmission(20n))?.txHashes).to.deep.equal([bytes32("aa"), bytes32("bb")]);
      });

      it("refuses a transaction for a final or missing submission", async function () {
        await store.claimSubmission(claim(20n), 30);
        await store.finishSubmission(20n, "confirmed", null, 31);
        const error = await rejects(store.recordSubmissionTx(20n, bytes32("cc"), 8, 32));
        expect(error).to.be.instanceOf(StoreConflictError);
        expect(error.message).to.include("confirmed");
        expect(await rejects(store.recordSubmissionTx(21n, bytes32("cc"), 8, 32))).to.be.instanceOf(StoreNotFoundError);
      });

      it("lists the unfinished submissions: pending and sent", async function () {
        for (const id of [22n, 20n, 21n]) await store.claimSubmission(claim(id), 30);
        await store.recordSubmissionTx(21n, bytes32("aa"), 1, 31);
        await store.finishSubmission(22n, "confirmed", null, 32);
        const unfinished = await store.unfinishedSubmissions();
        expect(unfinished.map((s) => [s.blockId, s.status])).to.deep.equal([
          [20n, "pending"],
          [21n, "sent"],
        ]);
      });

      it("confirmed proves the job, rejected fails it with the reason, reverted reopens it", async function () {
        for (const id of [20n, 21n, 22n]) await store.claimSubmission(claim(id), 30);
        await store.finishSubmission(20n, "confirmed", null, 40);
        await store.finishSubmission(21n, "rejected", "L1_INVALID_EVIDENCE", 41);
        await store.finishSubmission(22n, "reverted", "reverted on-chain", 42);
        expect(await store.getJob(20n)).to.include({ status: "proven", detail: null, updatedAt: 40 });
        expect(await store.getJob(21n)).to.include({ status: "failed", detail: "L1_INVALID_EVIDENCE", updatedAt: 41 });
        expect(await store.getJob(22n)).to.include({ status: "open", updatedAt: 42 });
        expect(await store.getSubmission(21n)).to.include({ status: "rejected", error: "L1_INVALID_EVIDENCE" });
        expect(await store.getSubmission(22n)).to.include({ status: "reverted", error: "reverted on-chain" });
        expect((await store.openJobs()).map((j) => j.blockId)).to.deep.equal([22n]);
      });

      it("says whether it ended the job: not one its BlockProven ended first, which it leaves alone", async function () {
        for (const id of [20n, 21n, 22n]) await store.claimSubmission(claim(id), 30);
        expect(await store.finishSubmission(20n, "confirmed", null, 40)).to.equal(true);
        expect(await store.finishSubmission(20n, "confirmed", null, 41), "repeated").to.equal(false);
        expect(await store.setJobStatus(21n, "proven", null, 42, ["open", "submitting"])).to.equal(true);
        expect(await store.finishSubmission(21n, "confirmed", null, 43)).to.equal(false);
        expect(await store.getJob(21n)).to.include({ status: "proven", updatedAt: 42 });
        expect(await store.getSubmission(21n)).to.include({ status: "confirmed", updatedAt: 43 });
        expect(await store.finishSubmission(22n, "rejected", "L1_ALREADY_PROVEN", 44, "lost")).to.equal(true);
        expect(await store.getJob(22n)).to.include({ status: "lost", detail: "L1_ALREADY_PROVEN", updatedAt: 44 });
      });

      it("a revert leaves a job that is no longer submitting alone", async function () {
        await store.claimSubmission(claim(20n), 30);
        await store.setJobStatus(20n, "lost", "proven by another prover", 31);
        await store.finishSubmission(20n, "reverted", "already proven", 32);
        expect(await store.getJob(20n)).to.include({ status: "lost", detail: "proven by another prover" });
      });

      it("repeating a final status is harmless; changing it or finishing nothing throws", async function () {
        await store.claimSubmission(claim(20n), 30);
        await store.finishSubmission(20n, "confirmed", null, 31);
        await store.finishSubmission(20n, "confirmed", null, 32);
        expect(await store.getSubmission(20n)).to.include({ status: "confirmed", updatedAt: 31 });
        expect(await rejects(store.finishSubmission(20n, "rejected", "x", 33))).to.be.instanceOf(StoreConflictError);
        expect(await rejects(store.finishSubmission(21n, "confirmed", null, 33))).to.be.instanceOf(StoreNotFoundError);
        expect((await store.getJob(20n))?.status).to.equal("proven");
      });

      it("keeps a block id above 2^53 exact through a submission", async function () {
        const id = bigIds[1] ?? 0n;
        await store.addJob(newJob(id), 1);
        await store.claimSubmission(claim(id), 2);
        expect((await store.getSubmission(id))?.blockId).to.equal(id);
        expect((await store.unfinishedSubmissions()).map((s) => s.blockId)).to.deep.equal([id]);
      });

      it("lets exactly one of many racing claims win each block", async function () {
        const stores = backend.shared ? [store, await backend.store()] : [store];
        const blocks = Array.from({ length: 12 }, (_, i) => 1_000n + BigInt(i));
        for (const id of blocks) await store.addJob(newJob(id), 1);
        const claims = blocks.flatMap((id) =>
          Array.from({ length: 8 }, (_, i) => {
            const s = stores[i % stores.length] ?? store;
            return s.claimSubmission(claim(id, i % 2 === 0 ? agentA : agentB), 50 + i).then((won) => ({ id, won }));
          }),
        );
        const results = await Promise.all(claims);
        for (const id of blocks) {
          expect(
            results.filter((r) => r.id === id && r.won),
            `winners for block ${id}`,
          ).to.have.length(1);
          expect((await store.getJob(id))?.status).to.equal("submitting");
        }
        expect(await store.unfinishedSubmissions()).to.have.length(blocks.length);
      });
    });

    describe("nonces", function () {
      it("hands out max(stored, chain) and counts on", async function () {
        expect(await store.reserveNonce(relayerKey, 5)).to.equal(5);
        expect(await store.reserveNonce(relayerKey, 5)).to.equal(6);
        expect(await store.reserveNonce(relayerKey, 0)).to.equal(7);
        expect(await store.reserveNonce(relayerKey, 20)).to.equal(20);
        expect(await store.reserveNonce(relayerKey, 20)).to.equal(21);
        expect(await store.reserveNonce(agentA, 0)).to.equal(0);
      });

      it("treats two spellings of an address as one", async function () {
        expect(await store.reserveNonce(relayerKey, 0)).to.equal(0);
        expect(await store.reserveNonce(relayerKey.toLowerCase() as Address, 0)).to.equal(1);
      });

      it("resetNonce sets the next nonce, backwards too", async function () {
        await store.resetNonce(relayerKey, 10);
        expect(await store.reserveNonce(relayerKey, 0)).to.equal(10);
        await store.resetNonce(relayerKey, 3);
        expect(await store.reserveNonce(relayerKey, 0)).to.equal(3);
      });

      it("never hands out a nonce twice, however many reserve at once", async function () {
        const stores = backend.shared ? [store, await backend.store()] : [store];
        const nonces = await Promise.all(
          Array.from({ length: 200 }, (_, i) => (stores[i % stores.length] ?? store).reserveNonce(relayerKey, 0)),
        );
        expect([...nonces].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i));
        expect(await store.reserveNonce(relayerKey, 0)).to.equal(200);
      });
    });

    describe("cursors", function () {
      it("is undefined before the first save, then what was saved last", async function () {
        expect(await store.getCursor("taiko")).to.equal(undefined);
        await store.setCursor("taiko", 12n);
        await store.setCursor("taiko", 13n);
        await store.setCursor("pool", 2n ** 63n + 5n);
        expect(await store.getCursor("taiko")).to.equal(13n);
        expect(await store.getCursor("pool")).to.equal(2n ** 63n + 5n);
        await store.setCursor("taiko", 0n);
        expect(await store.getCursor("taiko")).to.equal(0n);
      });
    });

    describe("machines", function () {
      const machine = {
        agent: agentA,
        deviceId: "rig-1",
        prover: proverA,
        name: "basement rig",
        msPerProof: 812.5,
        concurrency: 4,
        jobsDone: 0,
        jobsFailed: 0,
        lastSeen: 100,
      };

      it("upserts a machine and lists a prover's machines", async function () {
        await store.upsertMachine(machine);
        await store.upsertMachine({ ...machine, deviceId: "rig-0", lastSeen: 90 });
        await store.upsertMachine({ ...machine, agent: agentB, prover: proverB });
        expect(await store.machinesOf(proverA)).to.deep.equal([
          { ...machine, deviceId: "rig-0", lastSeen: 90 },
          machine,
        ]);
        expect(await store.machinesOf(proverB)).to.have.length(1);
        expect(await store.machinesOf(proverA.toLowerCase() as Address)).to.have.length(2);
        expect(await store.machinesOf(relayerKey)).to.deep.equal([]);
      });

      it("counts jobs; a reconnect's fresh record neither resets the counts nor moves lastSeen back", async function () {
        await store.upsertMachine(machine);
        await store.countMachineJob(agentA, "rig-1", "done", 110);
        await store.countMachineJob(agentA, "rig-1", "done", 120);
        await store.countMachineJob(agentA, "rig-1", "failed", 130);
        expect((await store.machinesOf(proverA))[0]).to.include({ jobsDone: 2, jobsFailed: 1, lastSeen: 130 });
        await store.upsertMachine({ ...machine, name: "renamed", msPerProof: 400, concurrency: 8, lastSeen: 125 });
        expect(await store.machinesOf(proverA)).to.deep.equal([
          { ...machine, name: "renamed", msPerProof: 400, concurrency: 8, jobsDone: 2, jobsFailed: 1, lastSeen: 130 },
        ]);
      });

      it("refuses to count for a machine never upserted", async function () {
        const error = await rejects(store.countMachineJob(agentB, "ghost", "done", 1));
        expect(error).to.be.instanceOf(StoreNotFoundError);
        expect(error.message).to.include("upsertMachine");
      });
    });

    describe("restart", function () {
      it("keeps jobs, attempts, submissions, cursors, nonces and machines", async function () {
        const place = backend.persistent();
        try {
          const before = await place.open();
          const id = bigIds[0] ?? 0n;
          await before.addJob(newJob(id), 1);
          await before.addJob(newJob(2n), 1);
          const attempt = await before.startAttempt(id, agentA, "rig", 2);
          await before.claimSubmission(claim(id), 3);
          await before.recordSubmissionTx(id, bytes32("aa"), 41, 4);
          await before.setCursor("taiko", 2n ** 60n);
          expect(await before.reserveNonce(relayerKey, 41)).to.equal(41);
          await before.upsertMachine({
            agent: agentA,
            deviceId: "rig",
            prover: proverA,
            name: "rig",
            msPerProof: 10,
            concurrency: 1,
            jobsDone: 0,
            jobsFailed: 0,
            lastSeen: 5,
          });
          await before.countMachineJob(agentA, "rig", "done", 6);
          await before.close();

          const after = await place.open();
          try {
            expect((await after.getJob(id))?.status).to.equal("submitting");
            expect((await after.openJobs()).map((j) => j.blockId)).to.deep.equal([2n]);
            expect((await after.attempts(id)).map((a) => a.id)).to.deep.equal([attempt]);
            expect(await after.unfinishedSubmissions()).to.deep.equal([
              {
                ...claim(id),
                status: "sent",
                txHashes: [bytes32("aa")],
                nonce: 41,
                error: null,
                createdAt: 3,
                updatedAt: 4,
              },
            ]);
            expect(await after.getCursor("taiko")).to.equal(2n ** 60n);
            expect(await after.reserveNonce(relayerKey, 0)).to.equal(42);
            expect((await after.machinesOf(proverA))[0]).to.include({ jobsDone: 1, lastSeen: 6 });
            expect(await after.claimSubmission(claim(id), 7)).to.equal(false);
          } finally {
            await after.close();
          }
        } finally {
          await place.remove();
        }
      });
    });
  });
}

storeSuite(pgliteBackend());
storeSuite(postgresBackend());

// ── backend specifics: opening, locking, errors ───────────────────────────────────────────────────────────

describe("openStore on PGlite", function () {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(path.join(tmpdir(), "zkpool-store-"))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("refuses a data directory another store holds, and frees it on close", async function () {
    const first = await openStore({ dataDir });
    try {
      const error = await rejects(openStore({ dataDir }));
      expect(error).to.be.instanceOf(StoreConfigError);
      expect(error.message).to.include("in use by process").and.include(LOCK_FILE);
    } finally {
      await first.close();
    }
    // (The restart test reopens a directory after close: here it is enough that the lock is gone.)
    expect(existsSync(path.join(dataDir, LOCK_FILE))).to.equal(false);
  });

  it("takes over the lock of a process that is gone", async function () {
    // pid 2^22 + 1 is above Linux's largest (pid_max is at most 2^22): no process has it.
    writeFileSync(path.join(dataDir, LOCK_FILE), `${2 ** 22 + 1}\n`);
    const store = await openStore({ dataDir });
    await store.setCursor("x", 1n);
    await store.close();
  });
});

describe("openStore on PostgreSQL: errors", function () {
  it("says a server that is not there may come back, without the password", async function () {
    const error = await rejects(openStore({ databaseUrl: "postgres://zkpool:s3cret-pw@127.0.0.1:1/zkpool" }));
    expect(error).to.be.instanceOf(StoreConnectionError);
    expect((error as StoreError).retryable).to.equal(true);
    expect(error.message).to.include("127.0.0.1:1").and.include("Is PostgreSQL running");
    expect(`${error.message} ${error.stack ?? ""}`).not.to.include("s3cret-pw");
  });

  it("says a refused login is for the operator to fix, without the password", async function () {
    const base = process.env.TEST_DATABASE_URL;
    if (!base) throw new Error("TEST_DATABASE_URL is not set: see the PostgreSQL store suite's message");
    const url = new URL(base);
    url.password = "not-the-password";
    const error = await rejects(openStore({ databaseUrl: url.toString() }));
    expect(error).to.be.instanceOf(StoreConfigError);
    expect((error as StoreError).retryable).to.equal(false);
    expect(error.message).to.include("password").and.include("DATABASE_URL");
    expect(error.message).not.to.include("not-the-password");
  });

  it("refuses a DATABASE_URL that is not postgres://, without echoing it", async function () {
    const error = await rejects(openStore({ databaseUrl: "mysql://root:hunter2@db/zkpool" }));
    expect(error).to.be.instanceOf(StoreConfigError);
    expect(error.message).not.to.include("hunter2");
  });
});
