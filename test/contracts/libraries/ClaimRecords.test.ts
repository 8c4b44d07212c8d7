import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

const LOW_24 = 2n ** 24n - 1n;
const RECORD = 2n ** 48n - 1n;
const IN_USE = 1n << 255n;
/** Bits no record holds, written where the harness's cache read a word: a record read again would count them. */
const STRAY = 2n ** 240n - 1n;

/** Epoch `epoch`'s record, (partsLow << 24 | claimedBy), at its place in its word. */
function record(epoch: bigint, claimedBy: bigint, partsLow: bigint): bigint {
  return ((partsLow << 24n) | claimedBy) << ((epoch % 5n) * 48n);
}

describe("ClaimRecords", function () {
  async function deploy() {
    return ethers.deployContract("ClaimRecordsHarness");
  }

  type Harness = Awaited<ReturnType<typeof deploy>>;

  /** Adds claims through one cache; returns [claimedBy, partsLow] of each add. */
  async function addAll(records: Harness, claims: [epoch: bigint, part: bigint][]): Promise<bigint[][]> {
    const epochs = claims.map(([epoch]) => epoch);
    const parts = claims.map(([, part]) => part);
    const [claimedBy, partsLow] = await records.addAll.staticCall(epochs, parts, STRAY);
    await records.addAll(epochs, parts, STRAY);
    return claimedBy.map((c, k) => [c, partsLow[k]!]);
  }

  it("keeps five epochs a word, below an in-use bit no record reaches", async function () {
    const records = await loadFixture(deploy);
    expect(await records.epochsPerWord()).to.equal(5n);
    expect(await records.inUse()).to.equal(IN_USE);
    expect(record(4n, LOW_24, LOW_24), "the fifth record ends at bit 240").to.be.lessThan(1n << 240n);
    await records.set(1n, record(5n, 1n, 2n) | record(9n, 3n, 4n));
    expect(await records.record(5n)).to.deep.equal([1n, 2n]);
    expect(await records.record(9n)).to.deep.equal([3n, 4n]);
    expect(await records.record(4n), "epoch 4 is in word 0").to.deep.equal([0n, 0n]);
    expect(await records.record(10n), "epoch 10 is in word 2").to.deep.equal([0n, 0n]);
    const last = 2n ** 64n - 1n;
    await records.set(last / 5n, record(last, 6n, 7n));
    expect(await records.record(last)).to.deep.equal([6n, 7n]);
  });

  it("reserves an epoch's word once, leaving a word in use as it is", async function () {
    const records = await loadFixture(deploy);
    await records.reserve(7n);
    expect(await records.get(1n)).to.equal(IN_USE);
    expect(await records.record(7n), "a reserved word holds no claims").to.deep.equal([0n, 0n]);
    await records.set(1n, IN_USE | record(5n, 2n, 3n));
    await records.reserve(9n);
    expect(await records.get(1n)).to.equal(IN_USE | record(5n, 2n, 3n));
    expect(await records.get(0n), "other words untouched").to.equal(0n);
    expect(await records.get(2n), "other words untouched").to.equal(0n);
  });

  it("counts a claim and adds its part at each of the five positions, leaving the others and the in-use bit", async function () {
    const records = await loadFixture(deploy);
    for (let epoch = 10n; epoch < 15n; ++epoch) {
      const k = epoch % 5n;
      // Every other record full, to show nothing spills into them or out of them.
      const others = (2n ** 240n - 1n) & ~(RECORD << (k * 48n));
      await records.set(2n, IN_USE | others);
      expect(await addAll(records, [[epoch, 1_000n + k]]), `epoch ${epoch}`).to.deep.equal([[1n, 1_000n + k]]);
      expect(await records.get(2n), `epoch ${epoch}'s word`).to.equal(IN_USE | others | record(epoch, 1n, 1_000n + k));
      const neighbour = k === 4n ? epoch - 1n : epoch + 1n;
      expect(await records.record(neighbour)).to.deep.equal([LOW_24, LOW_24]);
    }
  });

  it("keeps the low 24 bits of the parts: a sum that passes 2^24 wraps without touching the next record", async function () {
    const records = await loadFixture(deploy);
    const next = record(1n, LOW_24, 0n);
    await records.set(0n, next | record(0n, 1n, LOW_24));
    expect(
      await addAll(records, [
        [0n, 1n],
        [0n, 3n * 2n ** 24n + 7n],
      ]),
      "a part above 2^24 adds its low bits",
    ).to.deep.equal([
      [2n, 0n],
      [3n, 7n],
    ]);
    expect(await records.get(0n)).to.equal(next | record(0n, 3n, 7n));
  });

  it("counts up to 2^24 − 1 claims of an epoch within its 24 bits", async function () {
    const records = await loadFixture(deploy);
    await records.set(0n, record(2n, LOW_24 - 1n, 5n));
    expect(await addAll(records, [[2n, 0n]])).to.deep.equal([[LOW_24, 5n]]);
    expect(await records.get(0n)).to.equal(record(2n, LOW_24, 5n));
  });

  it("reads each word of a walk once and writes it back when the walk moves on and at the flush", async function () {
    const records = await loadFixture(deploy);
    await records.set(0n, IN_USE | record(3n, 1n, 10n));
    await records.set(1n, IN_USE);
    // The harness overwrites each word in storage once its cache reads it: the claims after the first of a word
    // count from the cache, and the words left behind hold what the walk made of them.
    expect(
      await addAll(records, [
        [3n, 5n],
        [4n, 6n],
        [3n, 7n],
        [5n, 8n],
        [9n, 9n],
      ]),
    ).to.deep.equal([
      [2n, 15n],
      [1n, 6n],
      [3n, 22n],
      [1n, 8n],
      [1n, 9n],
    ]);
    expect(await records.get(0n)).to.equal(IN_USE | record(3n, 3n, 22n) | record(4n, 1n, 6n));
    expect(await records.get(1n)).to.equal(IN_USE | record(5n, 1n, 8n) | record(9n, 1n, 9n));
  });

  it("reads a word again when the walk comes back to it, with what the walk wrote there", async function () {
    const records = await loadFixture(deploy);
    await records.set(0n, IN_USE);
    await records.set(1n, IN_USE);
    expect(
      await addAll(records, [
        [0n, 1n],
        [5n, 2n],
        [0n, 4n],
      ]),
    ).to.deep.equal([
      [1n, 1n],
      [1n, 2n],
      // Word 0 was written back over the stray bits when the walk left it, and read from there again.
      [2n, 5n],
    ]);
    expect(await records.get(0n)).to.equal(IN_USE | record(0n, 2n, 5n));
    expect(await records.get(1n)).to.equal(IN_USE | record(5n, 1n, 2n));
  });

  it("recovers the dust from the low bits of the parts, however large the reward", async function () {
    const records = await loadFixture(deploy);
    const cases: [reward: bigint, parts: bigint][] = [
      [100n, 97n],
      [100n, 100n],
      [2n ** 72n - 1n, 2n ** 72n - 1n - (LOW_24 - 1n)],
      [2n ** 24n + 5n, 2n ** 24n - 3n],
      [2n ** 50n + 3n, 2n ** 50n - 4n],
    ];
    for (const [reward, parts] of cases) {
      expect(await records.dust(reward, parts & LOW_24), `${reward} − ${parts}`).to.equal(reward - parts);
    }
    expect(await records.dust(5n, 7n), "wraps instead of reverting").to.equal(LOW_24 - 1n);
  });
});
