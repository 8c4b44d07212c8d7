import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { TTKO } from "@zkpool/common";
import { deployTaikoFixture } from "../../fixtures/taiko";

describe("TaikoToken", function () {
  it("is TTKOe with 8 decimals", async function () {
    const { token } = await loadFixture(deployTaikoFixture);
    expect(await token.symbol()).to.equal("TTKOe");
    expect(await token.name()).to.equal("Taiko Token Eldfell");
    expect(await token.decimals()).to.equal(8n);
    expect(TTKO).to.equal(10n ** 8n);
  });

  it("lets TaikoL1 and ProverPool mint and burn, as the deployment wires them", async function () {
    const { token, taikoL1, proverPool, deployer } = await loadFixture(deployTaikoFixture);
    expect(await token.owner()).to.equal(deployer.address);
    expect(await token.isMinter(await taikoL1.getAddress())).to.equal(true);
    expect(await token.isMinter(await proverPool.getAddress())).to.equal(true);
    expect(await token.isMinter(deployer.address)).to.equal(false);
  });

  describe("mint", function () {
    it("the owner mints", async function () {
      const { token, deployer, outsider } = await loadFixture(deployTaikoFixture);
      const supply = await token.totalSupply();
      await expect(token.connect(deployer).mint(outsider.address, 7n * TTKO)).to.changeTokenBalance(
        token,
        outsider,
        7n * TTKO,
      );
      expect(await token.totalSupply()).to.equal(supply + 7n * TTKO);
    });

    it("a minter mints", async function () {
      const { token, proverA, outsider } = await loadFixture(deployTaikoFixture);
      await expect(token.setMinter(proverA.address, true)).to.emit(token, "MinterSet").withArgs(proverA.address, true);
      await expect(token.connect(proverA).mint(outsider.address, 3n)).to.changeTokenBalance(token, outsider, 3n);
    });

    it("anyone else reverts NotMinter(caller)", async function () {
      const { token, outsider } = await loadFixture(deployTaikoFixture);
      await expect(token.connect(outsider).mint(outsider.address, 1n))
        .to.be.revertedWithCustomError(token, "NotMinter")
        .withArgs(outsider.address);
    });

    it("a minter whose right was withdrawn reverts NotMinter", async function () {
      const { token, proverA, outsider } = await loadFixture(deployTaikoFixture);
      await token.setMinter(proverA.address, true);
      await expect(token.setMinter(proverA.address, false))
        .to.emit(token, "MinterSet")
        .withArgs(proverA.address, false);
      await expect(token.connect(proverA).mint(outsider.address, 1n))
        .to.be.revertedWithCustomError(token, "NotMinter")
        .withArgs(proverA.address);
    });
  });

  describe("burn", function () {
    it("a minter burns from any account, without an allowance", async function () {
      const { token, proverA, outsider } = await loadFixture(deployTaikoFixture);
      await token.mint(outsider.address, 10n * TTKO);
      await token.setMinter(proverA.address, true);
      const supply = await token.totalSupply();
      await expect(token.connect(proverA).burn(outsider.address, 4n * TTKO)).to.changeTokenBalance(
        token,
        outsider,
        -4n * TTKO,
      );
      expect(await token.totalSupply()).to.equal(supply - 4n * TTKO);
    });

    it("the owner, not being a minter, reverts NotMinter(owner)", async function () {
      const { token, deployer } = await loadFixture(deployTaikoFixture);
      await token.mint(deployer.address, 10n);
      await expect(token.connect(deployer).burn(deployer.address, 1n))
        .to.be.revertedWithCustomError(token, "NotMinter")
        .withArgs(deployer.address);
    });

    it("anyone else reverts NotMinter(caller), even burning its own tokens", async function () {
      const { token, outsider } = await loadFixture(deployTaikoFixture);
      await token.mint(outsider.address, 10n);
      await expect(token.connect(outsider).burn(outsider.address, 1n))
        .to.be.revertedWithCustomError(token, "NotMinter")
        .withArgs(outsider.address);
    });

    it("more than the balance reverts ERC20InsufficientBalance", async function () {
      const { token, proverA, outsider } = await loadFixture(deployTaikoFixture);
      await token.mint(outsider.address, 5n);
      await token.setMinter(proverA.address, true);
      await expect(token.connect(proverA).burn(outsider.address, 6n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(outsider.address, 5n, 6n);
    });
  });

  it("only the owner sets minters", async function () {
    const { token, outsider } = await loadFixture(deployTaikoFixture);
    await expect(token.connect(outsider).setMinter(outsider.address, true))
      .to.be.revertedWithCustomError(token, "OwnableUnauthorizedAccount")
      .withArgs(outsider.address);
    expect(await token.isMinter(outsider.address)).to.equal(false);
  });
});
