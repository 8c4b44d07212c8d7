import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

describe("WordCache", function () {
  async function deploy() {
    const cache = await ethers.deployContract("WordCacheHarness");
    for (const [index, word] of [
      [0n, 10n],
      [1n, 20n],
      [2n, 30n],
    ] as const) {
      await cache.set(index, word);
    }
    return cache;
  }

  it("reads each word of a walk over consecutive words once", async function () {
    const cache = await loadFixture(deploy);
    const [words, loads] = await cache.read([0n, 0n, 1n, 1n, 1n, 2n]);
    expect(words).to.deep.equal([10n, 10n, 20n, 20n, 20n, 30n]);
    expect(loads).to.equal(3n);
  });

  it("reads a word again when the walk comes back to it", async function () {
    const cache = await loadFixture(deploy);
    const [words, loads] = await cache.read([0n, 1n, 0n]);
    expect(words).to.deep.equal([10n, 20n, 10n]);
    expect(loads).to.equal(3n);
  });

  it("writes each changed word back once, when the walk moves on and at the flush", async function () {
    const cache = await loadFixture(deploy);
    expect(await cache.addAll.staticCall([0n, 0n, 1n, 1n, 2n], [1n, 2n, 3n, 4n, 5n])).to.equal(2n);
    await cache.addAll([0n, 0n, 1n, 1n, 2n], [1n, 2n, 3n, 4n, 5n]);
    expect([await cache.get(0n), await cache.get(1n), await cache.get(2n)]).to.deep.equal([13n, 27n, 35n]);
  });

  it("keeps a change when the walk leaves a word and comes back to it", async function () {
    const cache = await loadFixture(deploy);
    await cache.addAll([0n, 1n, 0n], [1n, 2n, 4n]);
    expect([await cache.get(0n), await cache.get(1n)]).to.deep.equal([15n, 22n]);
  });

  it("writes nothing for a cache that never held a word", async function () {
    const cache = await loadFixture(deploy);
    // The index an empty cache holds: a flush that wrote its (zero) word would clear this one.
    await cache.set(ethers.MaxUint256, 99n);
    await cache.flushEmpty();
    expect(await cache.get(ethers.MaxUint256)).to.equal(99n);
    await cache.addAll([], []);
    expect(await cache.get(ethers.MaxUint256)).to.equal(99n);
  });
});
