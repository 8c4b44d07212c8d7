import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

const LOW_24 = 2n ** 24n - 1n;
const RECORD = 2n ** 48n - 1n;
const IN_USE = 1n << 255n;

/** Epoch `epoch`'s record, (partsLow << 24 | claimedBy), at its place in its word. */
function record(epoch: bigint, claimedBy: bigint, partsLow: bigint): bigint {
  return ((partsLow << 24n) | claimedBy) << ((epoch % 5n) * 48n);
}

describe("ClaimRecords", function () {
  async function deploy() {
    return ethers.deployContract("ClaimRecordsHarness");
  }

  it("keeps five epochs a word, below an in-use bit no record reaches", async function () {
    const records = await loadFixture(deploy);
    expect(await records.epochsPerWord()).to.equal(5n);
    expect(await records.inUse()).to.equal(IN_USE);
    expect(record(4n, LOW_24, LOW_24), "the fifth record ends at bit 240").to.be.lessThan(1n << 240n);
    for (const [epoch, word] of [
      [0n, 0n],
      [4n, 0n],
      [5n, 1n],
      [2n ** 64n - 1n, (2n ** 64n - 1n) / 5n],
    ] as const) {
      expect(await records.wordOf(epoch), `epoch ${epoch}`).to.equal(word);
    }
  });

  it("reads a cleared record (a word only in use, or not written) as no claims", async function () {
    const records = await loadFixture(deploy);
    for (let epoch = 0n; epoch < 5n; ++epoch) {
      expect(await records.unpack(IN_USE, epoch)).to.deep.equal([0n, 0n]);
      expect(await records.unpack(0n, epoch)).to.deep.equal([0n, 0n]);
    }
  });

  it("counts a claim and adds its part at each of the five positions, leaving the others and the in-use bit", async function () {
    const records = await loadFixture(deploy);
    for (let epoch = 10n; epoch < 15n; ++epoch) {
      const k = epoch % 5n;
      // Every other record full, to show nothing spills into them or out of them.
      const others = (2n ** 240n - 1n) & ~(RECORD << (k * 48n));
      const [word, claimedBy, partsLow] = await records.add(IN_USE | others, epoch, 1_000n + k);
      expect([claimedBy, partsLow], `epoch ${epoch}`).to.deep.equal([1n, 1_000n + k]);
      expect(word, `epoch ${epoch}'s word`).to.equal(IN_USE | others | record(epoch, 1n, 1_000n + k));
      expect(await records.unpack(word, epoch)).to.deep.equal([1n, 1_000n + k]);
      const neighbour = k === 4n ? epoch - 1n : epoch + 1n;
      expect(await records.unpack(word, neighbour)).to.deep.equal([LOW_24, LOW_24]);
    }
  });

  it("keeps the low 24 bits of the parts: a sum that passes 2^24 wraps without touching the next record", async function () {
    const records = await loadFixture(deploy);
    const next = record(1n, LOW_24, 0n);
    let [word, claimedBy, partsLow] = await records.add(next | record(0n, 1n, LOW_24), 0n, 1n);
    expect([claimedBy, partsLow]).to.deep.equal([2n, 0n]);
    expect(word).to.equal(next | record(0n, 2n, 0n));
    [word, claimedBy, partsLow] = await records.add(word, 0n, 3n * 2n ** 24n + 7n);
    expect([claimedBy, partsLow], "a part above 2^24 adds its low bits").to.deep.equal([3n, 7n]);
    expect(word).to.equal(next | record(0n, 3n, 7n));
  });

  it("counts up to 2^24 − 1 claims of an epoch within its 24 bits", async function () {
    const records = await loadFixture(deploy);
    const [word, claimedBy, partsLow] = await records.add(record(2n, LOW_24 - 1n, 5n), 2n, 0n);
    expect([claimedBy, partsLow]).to.deep.equal([LOW_24, 5n]);
    expect(word).to.equal(record(2n, LOW_24, 5n));
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
