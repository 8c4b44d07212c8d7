import { expect } from "chai";
import { ethers } from "hardhat";
import { agentConsentTypedData, shutdownProver } from "@zkpool/common";
import { agentConsent, authorizeAgent, deployPoolFixture } from "../../fixtures/zkpool";
import { agentKey } from "../../helpers/pool";
import { loadPoolWithInvariants } from "../../helpers/poolInvariants";

describe("ZKPool: provers and agent keys", function () {
  const load = loadPoolWithInvariants();
  after(shutdownProver);

  describe("authorizeAgent", function () {
    it("makes the caller the agent's prover and says so in AgentAuthorized", async function () {
      const f = await load(deployPoolFixture);
      const agent = agentKey("alice.2");
      expect(await f.pool.agentOwner(agent.address)).to.equal(ethers.ZeroAddress);
      await expect(authorizeAgent(f, f.alice, agent, "alice's second rig"))
        .to.emit(f.pool, "AgentAuthorized")
        .withArgs(f.alice.address, agent.address, "alice's second rig");
      expect(await f.pool.agentOwner(agent.address)).to.equal(f.alice.address);
    });

    it("the fixture's agents belong to their provers", async function () {
      const f = await load(deployPoolFixture);
      expect(await f.pool.agentOwner(f.agentOfAlice.address)).to.equal(f.alice.address);
      expect(await f.pool.agentOwner(f.agentOfBob.address)).to.equal(f.bob.address);
    });

    it("a prover can authorize several agents, each one its own", async function () {
      const f = await load(deployPoolFixture);
      const agents = [agentKey("a1"), agentKey("a2"), agentKey("a3")];
      for (const [i, agent] of agents.entries()) {
        await authorizeAgent(f, f.alice, agent, `rig ${i}`);
      }
      for (const agent of [...agents, f.agentOfAlice]) {
        expect(await f.pool.agentOwner(agent.address)).to.equal(f.alice.address);
      }
    });

    it("accepts an empty label and a label of exactly 64 bytes", async function () {
      const f = await load(deployPoolFixture);
      expect(await f.pool.MAX_LABEL_LENGTH()).to.equal(64n);
      await expect(authorizeAgent(f, f.alice, agentKey("empty"), ""))
        .to.emit(f.pool, "AgentAuthorized")
        .withArgs(f.alice.address, agentKey("empty").address, "");
      const label = "x".repeat(64);
      await expect(authorizeAgent(f, f.alice, agentKey("long"), label))
        .to.emit(f.pool, "AgentAuthorized")
        .withArgs(f.alice.address, agentKey("long").address, label);
    });

    it("rejects a label over 64 bytes with LabelTooLong(length, 64), counting UTF-8 bytes", async function () {
      const f = await load(deployPoolFixture);
      const agent = agentKey("label");
      await expect(authorizeAgent(f, f.alice, agent, "x".repeat(65)))
        .to.be.revertedWithCustomError(f.pool, "LabelTooLong")
        .withArgs(65, 64);
      // 33 two-byte characters: 33 characters, 66 bytes.
      await expect(authorizeAgent(f, f.alice, agent, "é".repeat(33)))
        .to.be.revertedWithCustomError(f.pool, "LabelTooLong")
        .withArgs(66, 64);
      expect(await f.pool.agentOwner(agent.address)).to.equal(ethers.ZeroAddress);
    });

    it("takes the key's consent for this prover: without it, InvalidAgentConsent(agent) and nothing changes", async function () {
      const f = await load(deployPoolFixture);
      const agent = agentKey("squatted");
      const other = agentKey("other");
      const otherPool = { ...f, poolAddress: f.bob.address as `0x${string}` };
      const otherChain = { ...f, chainId: f.chainId + 1 };
      const refusals: Array<[string, Promise<string>]> = [
        ["no consent", Promise.resolve("0x")],
        ["not a signature", Promise.resolve(`0x${"11".repeat(65)}`)],
        // Mallory front-runs alice with the consent alice's key gave alice: it names alice, not mallory.
        ["a consent for another prover", agentConsent(f, agent, f.alice.address)],
        ["a consent signed by another key", agentConsent(f, other, f.mallory.address)],
        ["a consent for another pool", agentConsent(otherPool, agent, f.mallory.address)],
        ["a consent for another chain", agentConsent(otherChain, agent, f.mallory.address)],
      ];
      for (const [what, consent] of refusals) {
        await expect(f.pool.connect(f.mallory).authorizeAgent(agent.address, "mine", await consent), what)
          .to.be.revertedWithCustomError(f.pool, "InvalidAgentConsent")
          .withArgs(agent.address);
      }
      expect(await f.pool.agentOwner(agent.address)).to.equal(ethers.ZeroAddress);
      // The consent the key gave alice works for alice, once.
      await expect(
        f.pool.connect(f.alice).authorizeAgent(agent.address, "rig", await agentConsent(f, agent, f.alice.address)),
      )
        .to.emit(f.pool, "AgentAuthorized")
        .withArgs(f.alice.address, agent.address, "rig");
      expect(await f.pool.agentOwner(agent.address)).to.equal(f.alice.address);
    });

    it("agentConsentDigest is the EIP-712 digest of AgentConsent(prover) that common's typed data signs", async function () {
      const f = await load(deployPoolFixture);
      const { domain, types, message } = agentConsentTypedData(
        f.chainId,
        f.poolAddress,
        f.alice.address as `0x${string}`,
      );
      const expected = ethers.TypedDataEncoder.hash(domain, { AgentConsent: [...types.AgentConsent] }, message);
      expect(await f.pool.agentConsentDigest(f.alice.address)).to.equal(expected);
      expect(await f.pool.agentConsentDigest(f.bob.address)).to.not.equal(expected);
    });

    it("rejects the zero address as an agent", async function () {
      const f = await load(deployPoolFixture);
      await expect(
        f.pool.connect(f.alice).authorizeAgent(ethers.ZeroAddress, "nobody", "0x"),
      ).to.be.revertedWithCustomError(f.pool, "ZeroAddress");
    });

    it("an agent belongs to one prover only: another prover gets AgentOfAnotherProver(agent, prover)", async function () {
      const f = await load(deployPoolFixture);
      await expect(authorizeAgent(f, f.mallory, f.agentOfAlice, "mine now"))
        .to.be.revertedWithCustomError(f.pool, "AgentOfAnotherProver")
        .withArgs(f.agentOfAlice.address, f.alice.address);
      expect(await f.pool.agentOwner(f.agentOfAlice.address)).to.equal(f.alice.address);
    });

    it("an agent stays its prover's for good, even revoked: nobody else can take it", async function () {
      const f = await load(deployPoolFixture);
      await f.pool.connect(f.alice).revokeAgent(f.agentOfAlice.address);
      await expect(authorizeAgent(f, f.bob, f.agentOfAlice, "recycled"))
        .to.be.revertedWithCustomError(f.pool, "AgentOfAnotherProver")
        .withArgs(f.agentOfAlice.address, f.alice.address);
      expect(await f.pool.agentOwner(f.agentOfAlice.address)).to.equal(ethers.ZeroAddress);
    });

    it("re-authorizing an active agent fails with AgentAlreadyAuthorized(agent)", async function () {
      const f = await load(deployPoolFixture);
      await expect(authorizeAgent(f, f.alice, f.agentOfAlice, "again"))
        .to.be.revertedWithCustomError(f.pool, "AgentAlreadyAuthorized")
        .withArgs(f.agentOfAlice.address);
    });

    it("its prover can authorize a revoked agent again", async function () {
      const f = await load(deployPoolFixture);
      await f.pool.connect(f.alice).revokeAgent(f.agentOfAlice.address);
      await expect(authorizeAgent(f, f.alice, f.agentOfAlice, "back"))
        .to.emit(f.pool, "AgentAuthorized")
        .withArgs(f.alice.address, f.agentOfAlice.address, "back");
      expect(await f.pool.agentOwner(f.agentOfAlice.address)).to.equal(f.alice.address);
    });

    it("is closed while the pool is paused (EnforcedPause)", async function () {
      const f = await load(deployPoolFixture);
      await f.pool.connect(f.pauser).pause();
      await expect(authorizeAgent(f, f.alice, agentKey("paused"), "later")).to.be.revertedWithCustomError(
        f.pool,
        "EnforcedPause",
      );
    });
  });

  describe("revokeAgent", function () {
    it("revokes one agent of several and says so in AgentRevoked; the others stay", async function () {
      const f = await load(deployPoolFixture);
      const [a1, a2, a3] = [agentKey("r1"), agentKey("r2"), agentKey("r3")];
      for (const agent of [a1, a2, a3]) await authorizeAgent(f, f.alice, agent, "rig");
      await expect(f.pool.connect(f.alice).revokeAgent(a2.address))
        .to.emit(f.pool, "AgentRevoked")
        .withArgs(f.alice.address, a2.address);
      expect(await f.pool.agentOwner(a2.address)).to.equal(ethers.ZeroAddress);
      expect(await f.pool.agentOwner(a1.address)).to.equal(f.alice.address);
      expect(await f.pool.agentOwner(a3.address)).to.equal(f.alice.address);
      expect(await f.pool.agentOwner(f.agentOfAlice.address)).to.equal(f.alice.address);
    });

    it("another prover cannot revoke an agent: NotAuthorizedAgent(agent)", async function () {
      const f = await load(deployPoolFixture);
      await expect(f.pool.connect(f.mallory).revokeAgent(f.agentOfAlice.address))
        .to.be.revertedWithCustomError(f.pool, "NotAuthorizedAgent")
        .withArgs(f.agentOfAlice.address);
      await expect(f.pool.connect(f.bob).revokeAgent(f.agentOfAlice.address))
        .to.be.revertedWithCustomError(f.pool, "NotAuthorizedAgent")
        .withArgs(f.agentOfAlice.address);
      expect(await f.pool.agentOwner(f.agentOfAlice.address)).to.equal(f.alice.address);
    });

    it("an unknown or already revoked agent cannot be revoked: NotAuthorizedAgent(agent)", async function () {
      const f = await load(deployPoolFixture);
      const unknown = agentKey("unknown");
      await expect(f.pool.connect(f.alice).revokeAgent(unknown.address))
        .to.be.revertedWithCustomError(f.pool, "NotAuthorizedAgent")
        .withArgs(unknown.address);
      await f.pool.connect(f.alice).revokeAgent(f.agentOfAlice.address);
      await expect(f.pool.connect(f.alice).revokeAgent(f.agentOfAlice.address))
        .to.be.revertedWithCustomError(f.pool, "NotAuthorizedAgent")
        .withArgs(f.agentOfAlice.address);
    });

    it("works while the pool is paused: a leaked key can always be revoked", async function () {
      const f = await load(deployPoolFixture);
      await f.pool.connect(f.pauser).pause();
      await expect(f.pool.connect(f.alice).revokeAgent(f.agentOfAlice.address))
        .to.emit(f.pool, "AgentRevoked")
        .withArgs(f.alice.address, f.agentOfAlice.address);
      expect(await f.pool.agentOwner(f.agentOfAlice.address)).to.equal(ethers.ZeroAddress);
    });
  });
});
