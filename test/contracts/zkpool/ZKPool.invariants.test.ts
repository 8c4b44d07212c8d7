import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { shutdownProver } from "@zkpool/common";
import { deployPoolFixture } from "../../fixtures/zkpool";
import { creditProof, endAndSettle, verifyAndHarvest } from "../../helpers/pool";
import { checkPoolInvariants, loadPoolWithInvariants } from "../../helpers/poolInvariants";

// The checker that every ZKPool test runs after itself must be able to fail.
describe("ZKPool: the ledger invariants checker", function () {
  const load = loadPoolWithInvariants();
  after(shutdownProver);

  it("holds through a whole cycle: proofs, harvest, settlement, claims, fees", async function () {
    const f = await load(deployPoolFixture);
    await creditProof(f, f.agentOfAlice);
    await creditProof(f, f.agentOfBob);
    await checkPoolInvariants(f);
    await verifyAndHarvest(f);
    await checkPoolInvariants(f);
    await endAndSettle(f, 0n);
    const after = await checkPoolInvariants(f);
    expect(after.claimableOf.get(f.alice.address)).to.be.greaterThan(0n);
    await f.pool.connect(f.alice).claim(1);
    await checkPoolInvariants(f);
    await f.pool.withdrawFees();
  });

  it("notices tokens the ledger cannot account for", async function () {
    // Not through `load`: this test breaks the invariant on purpose, the afterEach must not see it.
    const f = await loadFixture(deployPoolFixture);
    await checkPoolInvariants(f);
    await f.token.mint(f.poolAddress, 1n);
    let failure: unknown;
    await checkPoolInvariants(f).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.contain("TTKOe the pool holds beyond its accounts");
  });
});
