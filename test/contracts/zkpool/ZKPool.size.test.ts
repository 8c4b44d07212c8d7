import { expect } from "chai";
import { artifacts, ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployPoolFixture } from "../../fixtures/zkpool";

/** EIP-170: the largest contract code a chain deploys. */
const MAX_CODE_SIZE = 24_576;

describe("ZKPool size", function () {
  it("is deployable: its code is at most EIP-170's 24,576 bytes", async function () {
    const { deployedBytecode } = await artifacts.readArtifact("ZKPool");
    const size = ethers.dataLength(deployedBytecode);
    expect(
      size,
      `ZKPool's code is ${size} bytes, over EIP-170's limit: make it smaller, or lower its optimizer runs in hardhat.config.ts`,
    ).to.be.at.most(MAX_CODE_SIZE);
    // The artifact's code (immutables still zero) is as long as the code a deployment leaves on the chain.
    const { pool } = await loadFixture(deployPoolFixture);
    expect(ethers.dataLength(await ethers.provider.getCode(await pool.getAddress()))).to.equal(size);
  });
});
