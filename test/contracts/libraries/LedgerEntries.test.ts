import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

const MAX_EPOCH = 2n ** 32n - 1n;
const MAX_SHARES = 2n ** 96n - 1n;
const HALF = 2n ** 128n;

/** An entry as its half of a word holds it. */
function entry(epoch: bigint, shares: bigint): bigint {
  return (epoch << 96n) | shares;
}

describe("LedgerEntries", function () {
  async function deploy() {
    return ethers.deployContract("LedgerEntriesHarness");
  }

  /** Entries `indexes` read in turn through one cache, as [epoch, shares] pairs. */
  async function readAll(entries: Awaited<ReturnType<typeof deploy>>, indexes: bigint[]): Promise<bigint[][]> {
    const [epochs, shares] = await entries.readAll.staticCall(indexes);
    return epochs.map((epoch, k) => [epoch, shares[k]!]);
  }

  it("appends entry 2k to the low half of word k and entry 2k + 1 to its high half, as epoch << 96 | shares", async function () {
    const entries = await loadFixture(deploy);
    await entries.append(0n, 7n, 9n);
    expect(await entries.get(0n)).to.equal(entry(7n, 9n));
    await entries.append(1n, 8n, 10n);
    expect(await entries.get(0n)).to.equal(entry(7n, 9n) | (entry(8n, 10n) * HALF));
    await entries.append(2n, 11n, 12n);
    expect(await entries.get(1n)).to.equal(entry(11n, 12n));
    await entries.append(2n ** 32n - 1n, 13n, 14n);
    expect(await entries.get(2n ** 31n - 1n), "entry 2^32 − 1: the high half of word 2^31 − 1").to.equal(
      entry(13n, 14n) * HALF,
    );
    expect(await readAll(entries, [0n, 1n, 2n, 3n])).to.deep.equal([
      [7n, 9n],
      [8n, 10n],
      [11n, 12n],
      [0n, 0n],
    ]);
  });

  it("keeps the largest epoch and shares of both halves apart", async function () {
    const entries = await loadFixture(deploy);
    await entries.append(0n, MAX_EPOCH, MAX_SHARES);
    await entries.append(1n, 1n, 2n);
    await entries.append(2n, 1n, 2n);
    await entries.append(3n, MAX_EPOCH, MAX_SHARES);
    expect(await entries.get(0n)).to.equal(entry(MAX_EPOCH, MAX_SHARES) | (entry(1n, 2n) * HALF));
    expect(await entries.get(1n)).to.equal(entry(1n, 2n) | (entry(MAX_EPOCH, MAX_SHARES) * HALF));
    expect(await readAll(entries, [0n, 1n, 2n, 3n])).to.deep.equal([
      [MAX_EPOCH, MAX_SHARES],
      [1n, 2n],
      [1n, 2n],
      [MAX_EPOCH, MAX_SHARES],
    ]);
    await entries.set(5n, 2n ** 256n - 1n);
    expect(await readAll(entries, [10n, 11n])).to.deep.equal([
      [MAX_EPOCH, MAX_SHARES],
      [MAX_EPOCH, MAX_SHARES],
    ]);
  });

  it("reads an epoch of 0 with shares, and an entry not written as none", async function () {
    const entries = await loadFixture(deploy);
    await entries.append(0n, 5n, 6n);
    await entries.append(1n, 0n, 1n);
    expect(await readAll(entries, [1n, 2n, 3n])).to.deep.equal([
      [0n, 1n],
      [0n, 0n],
      [0n, 0n],
    ]);
  });

  it("reads each word of a walk over consecutive entries once", async function () {
    const entries = await loadFixture(deploy);
    for (let i = 0n; i < 5n; ++i) await entries.append(i, 100n + i, 1n + i);
    // The harness clears each word in storage once read: entries 1 and 3 still show theirs, from the cache.
    expect(await readAll(entries, [0n, 1n, 2n, 3n, 4n])).to.deep.equal([
      [100n, 1n],
      [101n, 2n],
      [102n, 3n],
      [103n, 4n],
      [104n, 5n],
    ]);
  });

  it("reads a word again when the walk comes back to it", async function () {
    const entries = await loadFixture(deploy);
    for (let i = 0n; i < 4n; ++i) await entries.append(i, 100n + i, 1n + i);
    // Entry 1's word was cleared in storage when entry 0 was read, and the cache held word 1 since.
    expect(await readAll(entries, [0n, 2n, 1n])).to.deep.equal([
      [100n, 1n],
      [102n, 3n],
      [0n, 0n],
    ]);
  });

  it("starts from storage: a fresh cache reads entry 0's word (its empty index is no word)", async function () {
    const entries = await loadFixture(deploy);
    await entries.append(0n, 3n, 4n);
    expect(await readAll(entries, [0n])).to.deep.equal([[3n, 4n]]);
  });
});
