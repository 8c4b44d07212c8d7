import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

describe("WordCache", function () {
  async function deploy() {
    return ethers.deployContract("WordCacheHarness");
  }

  it("starts empty: no word, at an index no walked mapping reaches", async function () {
    const cache = await loadFixture(deploy);
    expect(await cache.noWord()).to.equal(ethers.MaxUint256);
    expect(await cache.empty()).to.deep.equal([ethers.MaxUint256, 0n]);
  });

  it("flushes the word it holds to its index, and only there", async function () {
    const cache = await loadFixture(deploy);
    await cache.set(3n, 30n);
    await cache.set(4n, 40n);
    await cache.flush(3n, 33n);
    expect([await cache.get(3n), await cache.get(4n)]).to.deep.equal([33n, 40n]);
    await cache.flush(4n, 0n);
    expect(await cache.get(4n), "a word cleared in the walk is cleared in storage").to.equal(0n);
  });

  it("writes nothing for a cache that never held a word", async function () {
    const cache = await loadFixture(deploy);
    // The index an empty cache holds: a flush that wrote its word would overwrite this one.
    await cache.set(ethers.MaxUint256, 99n);
    await cache.flush(ethers.MaxUint256, 0n);
    expect(await cache.get(ethers.MaxUint256)).to.equal(99n);
  });
});
