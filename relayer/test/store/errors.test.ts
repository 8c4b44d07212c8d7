/// <reference types="mocha" />
import { expect } from "chai";
import {
  StoreConfigError,
  StoreConnectionError,
  StoreError,
  StoreQueryError,
  describeDatabaseUrl,
} from "../../src/store/index.js";
import { toStoreError } from "../../src/store/errors.js";

const context = { database: "PostgreSQL at db:5432/zkpool as relayer", sql: "SELECT 1" };

function sqlError(code: string, message = "boom"): Error {
  return Object.assign(new Error(message), { code });
}

describe("store errors", function () {
  it("classes what may pass by itself as retryable, by class and flag", function () {
    for (const error of [
      Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:5432"), { code: "ECONNREFUSED" }),
      new Error("Connection terminated unexpectedly"),
      sqlError("57P01", "terminating connection due to administrator command"),
      sqlError("53300", "sorry, too many clients already"),
      sqlError("08006"),
    ]) {
      const mapped = toStoreError(error, context);
      expect(mapped, error.message).to.be.instanceOf(StoreConnectionError);
      expect(mapped.retryable).to.equal(true);
      expect(mapped.message).to.include("db:5432").and.include("Is PostgreSQL running");
      expect(mapped.cause).to.equal(error);
    }
  });

  it("lets a transaction that lost a race run again, and nothing else that failed in SQL", function () {
    expect(toStoreError(sqlError("40P01", "deadlock detected"), context).retryable).to.equal(true);
    expect(toStoreError(sqlError("40001"), context).retryable).to.equal(true);
    const unique = toStoreError(sqlError("23505", "duplicate key value"), context);
    expect(unique).to.be.instanceOf(StoreQueryError);
    expect(unique).to.include({ retryable: false, code: "23505" });
    expect(unique.message).to.include("SELECT 1").and.include("duplicate key value").and.include("23505");
  });

  it("tells the operator to fix a refused login or a missing database", function () {
    for (const code of ["28P01", "3D000"]) {
      const mapped = toStoreError(sqlError(code), context);
      expect(mapped).to.be.instanceOf(StoreConfigError);
      expect(mapped.retryable).to.equal(false);
      expect(mapped.message).to.include("DATABASE_URL");
    }
  });

  it("says why a connection to a name with several addresses failed", function () {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}:5432`), { code: "ECONNREFUSED" });
    const error = Object.assign(new AggregateError([refused("::1"), refused("127.0.0.1")], ""), {
      code: "ECONNREFUSED",
    });
    const mapped = toStoreError(error, context);
    expect(mapped).to.be.instanceOf(StoreConnectionError);
    expect(mapped.message).to.include("::1").and.include("127.0.0.1");
  });

  it("keeps a StoreError as it is", function () {
    const error = new StoreError("already explained");
    expect(toStoreError(error, context)).to.equal(error);
  });

  it("describes a DATABASE_URL without its password", function () {
    expect(describeDatabaseUrl("postgres://relayer:pa%40ss@db.internal:6543/zkpool")).to.equal(
      "PostgreSQL at db.internal:6543/zkpool as relayer",
    );
    expect(describeDatabaseUrl("postgresql://relayer@db/zkpool")).to.equal("PostgreSQL at db:5432/zkpool as relayer");
    expect(() => describeDatabaseUrl("db.internal:5432")).to.throw(StoreConfigError);
  });
});
