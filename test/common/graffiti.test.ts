// The machine's name inside a proof (agentGraffiti / graffitiAgent) and the evidence's encoding both ways.
import { expect } from "chai";
import { ethers } from "hardhat";
import { agentGraffiti, decodeEvidence, encodeEvidence, graffitiAgent, type BlockEvidence } from "@zkpool/common";

const AGENT = ethers.getAddress("0x1ca7c3b3bd5f3e7d31e5e80f3c0c0c42e1a9be47") as `0x${string}`;

describe("@zkpool/common: the graffiti and the evidence", function () {
  it("agentGraffiti puts the agent's address in the low 20 bytes, as ZKPool reads it: uint160(uint256(graffiti))", function () {
    const graffiti = agentGraffiti(AGENT);
    expect(graffiti).to.equal(`0x${"00".repeat(12)}${AGENT.slice(2).toLowerCase()}`);
    expect(ethers.getAddress(ethers.dataSlice(graffiti, 12))).to.equal(ethers.getAddress(AGENT));
    expect(agentGraffiti(AGENT.toLowerCase() as `0x${string}`)).to.equal(graffiti);
    expect(() => agentGraffiti("0x1234" as `0x${string}`)).to.throw(/0x1234 is not an address/);
  });

  it("graffitiAgent reads it back, checksummed, and names no agent for any other word", function () {
    expect(graffitiAgent(agentGraffiti(AGENT))).to.equal(ethers.getAddress(AGENT));
    // The smallest address is still an address.
    expect(graffitiAgent(`0x${"00".repeat(31)}01`)).to.equal("0x0000000000000000000000000000000000000001");
    for (const notAnAgent of [
      `0x01${"00".repeat(11)}${AGENT.slice(2)}`, // dirty high bytes: ZKPool's GraffitiNotAnAgent
      `0x${AGENT.slice(2)}${"00".repeat(12)}`, // the address in the high bytes
      "0x1234",
      `${agentGraffiti(AGENT)}00`,
    ]) {
      expect(graffitiAgent(notAnAgent as `0x${string}`), notAnAgent).to.equal(undefined);
    }
  });

  it("decodeEvidence is encodeEvidence's inverse, and reads what Solidity's abi.encode wrote", function () {
    const evidence: BlockEvidence = {
      metaHash: ethers.id("meta") as `0x${string}`,
      parentHash: ethers.id("parent") as `0x${string}`,
      blockHash: ethers.id("block") as `0x${string}`,
      signalRoot: ethers.id("signal") as `0x${string}`,
      graffiti: agentGraffiti(AGENT),
      prover: ethers.getAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3") as `0x${string}`,
      parentGasUsed: 4_294_967_295,
      gasUsed: 123_456,
      verifierId: 7,
      proof: `0x${"ab".repeat(320)}`,
    };
    const input = encodeEvidence(evidence);
    expect(decodeEvidence(input)).to.deep.equal(evidence);
    const tuple =
      "tuple(bytes32 metaHash, bytes32 parentHash, bytes32 blockHash, bytes32 signalRoot, bytes32 graffiti, address prover, uint32 parentGasUsed, uint32 gasUsed, uint16 verifierId, bytes proof)";
    const byEthers = ethers.AbiCoder.defaultAbiCoder().encode([tuple], [evidence]);
    expect(input).to.equal(byEthers);
  });
});
