import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

const MAX_EPOCH = 2n ** 32n - 1n;
const MAX_SHARES = 2n ** 96n - 1n;
const HALF = 2n ** 128n;

describe("LedgerEntries", function () {
  async function deploy() {
    return ethers.deployContract("LedgerEntriesHarness");
  }

  it("puts entries 2k and 2k + 1 in word k", async function () {
    const entries = await loadFixture(deploy);
    for (const [i, word] of [
      [0n, 0n],
      [1n, 0n],
      [2n, 1n],
      [3n, 1n],
      [2n ** 32n - 1n, 2n ** 31n - 1n],
    ] as const) {
      expect(await entries.wordOf(i), `entry ${i}`).to.equal(word);
    }
  });

  it("packs an even entry into the low half and an odd one into the high half, as epoch << 96 | shares", async function () {
    const entries = await loadFixture(deploy);
    expect(await entries.pack(7n, 9n, 0n)).to.equal((7n << 96n) | 9n);
    expect(await entries.pack(7n, 9n, 1n)).to.equal(((7n << 96n) | 9n) * HALF);
    expect(await entries.pack(7n, 9n, 2n ** 32n - 1n), "only the parity counts").to.equal(((7n << 96n) | 9n) * HALF);
  });

  it("keeps the largest epoch and shares of both halves apart", async function () {
    const entries = await loadFixture(deploy);
    const full = (MAX_EPOCH << 96n) | MAX_SHARES;
    expect(await entries.pack(MAX_EPOCH, MAX_SHARES, 0n)).to.equal(full);
    expect(await entries.pack(MAX_EPOCH, MAX_SHARES, 1n)).to.equal(full * HALF);
    const word = (await entries.pack(MAX_EPOCH, MAX_SHARES, 0n)) | (await entries.pack(1n, 2n, 1n));
    expect(await entries.unpack(word, 0n)).to.deep.equal([MAX_EPOCH, MAX_SHARES]);
    expect(await entries.unpack(word, 1n)).to.deep.equal([1n, 2n]);
    const flipped = (await entries.pack(1n, 2n, 0n)) | (await entries.pack(MAX_EPOCH, MAX_SHARES, 1n));
    expect(await entries.unpack(flipped, 0n)).to.deep.equal([1n, 2n]);
    expect(await entries.unpack(flipped, 1n)).to.deep.equal([MAX_EPOCH, MAX_SHARES]);
    expect(await entries.unpack(2n ** 256n - 1n, 3n)).to.deep.equal([MAX_EPOCH, MAX_SHARES]);
  });

  it("reads an epoch of 0 with shares, and a word not written yet as no entry", async function () {
    const entries = await loadFixture(deploy);
    expect(await entries.unpack(await entries.pack(0n, 1n, 1n), 1n)).to.deep.equal([0n, 1n]);
    expect(await entries.unpack(0n, 0n)).to.deep.equal([0n, 0n]);
    expect(await entries.unpack(0n, 1n)).to.deep.equal([0n, 0n]);
  });
});
