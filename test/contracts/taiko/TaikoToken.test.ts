import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { TTKO } from "@zkpool/common";
import { TaikoToken__factory } from "../../../typechain-types";
import { deployTaikoFixture, type TaikoFixture } from "../../fixtures/taiko";

/** An AddressManager name, left-aligned in a bytes32 as Solidity's "taiko" literal. */
const name = (label: string) => ethers.encodeBytes32String(label);

/** Points `label` at `address` in the fixture's AddressManager, on this chain. */
async function setName(f: TaikoFixture, label: string, address: string) {
  const { chainId } = await ethers.provider.getNetwork();
  await f.addressManager.setAddress(chainId, name(label), address);
}

// eldfell's rule (taiko-mono@3b3317ad, packages/protocol/contracts/L1/TaikoToken.sol, mint and burn:
// onlyFromNamed4("taiko", "prover_pool", "dao", "token_vault")): whoever the AddressManager names so, nobody else.
const MINTERS = ["taiko", "prover_pool", "dao", "token_vault"];

describe("TaikoToken", function () {
  it("is TTKOe with 8 decimals", async function () {
    const { token } = await loadFixture(deployTaikoFixture);
    expect(await token.symbol()).to.equal("TTKOe");
    expect(await token.name()).to.equal("Taiko Token Eldfell");
    expect(await token.decimals()).to.equal(8n);
    expect(TTKO).to.equal(10n ** 8n);
  });

  it('the deployment names TaikoL1 "taiko", ProverPool "prover_pool" and the deployer "dao"', async function () {
    const { token, taikoL1, proverPool, deployer, addressManager } = await loadFixture(deployTaikoFixture);
    expect(await token.addressManager()).to.equal(addressManager.target);
    const resolve = (label: string) => token["resolve(bytes32,bool)"](name(label), true);
    expect(await resolve("taiko")).to.equal(await taikoL1.getAddress());
    expect(await resolve("prover_pool")).to.equal(await proverPool.getAddress());
    expect(await resolve("dao")).to.equal(deployer.address);
    expect(await resolve("token_vault")).to.equal(ethers.ZeroAddress);
  });

  describe("mint and burn", function () {
    for (const label of MINTERS) {
      it(`the address named "${label}" mints to and burns from any account, without an allowance`, async function () {
        const f = await loadFixture(deployTaikoFixture);
        await setName(f, label, f.proverA.address);
        const token = f.token.connect(f.proverA);
        const supply = await token.totalSupply();
        const minted = token.mint(f.outsider.address, 10n * TTKO);
        await expect(minted).to.changeTokenBalance(token, f.outsider, 10n * TTKO);
        await expect(minted)
          .to.emit(token, "Mint")
          .withArgs(f.outsider.address, 10n * TTKO);
        const burnt = token.burn(f.outsider.address, 4n * TTKO);
        await expect(burnt).to.changeTokenBalance(token, f.outsider, -4n * TTKO);
        await expect(burnt)
          .to.emit(token, "Burn")
          .withArgs(f.outsider.address, 4n * TTKO);
        expect(await token.totalSupply()).to.equal(supply + 6n * TTKO);
      });
    }

    it("anyone else reverts RESOLVER_DENIED(): an outsider, a holder burning its own tokens, another name", async function () {
      const f = await loadFixture(deployTaikoFixture);
      await f.token.mint(f.outsider.address, 10n);
      await setName(f, "bridge", f.proverB.address);
      for (const caller of [f.outsider, f.proverB]) {
        await expect(f.token.connect(caller).mint(caller.address, 1n)).to.be.revertedWithCustomError(
          f.token,
          "RESOLVER_DENIED",
        );
        await expect(f.token.connect(caller).burn(f.outsider.address, 1n)).to.be.revertedWithCustomError(
          f.token,
          "RESOLVER_DENIED",
        );
      }
    });

    it("the right follows the name: renamed away, the old holder is denied", async function () {
      const f = await loadFixture(deployTaikoFixture);
      await f.token.connect(f.deployer).mint(f.outsider.address, 1n); // the deployer is the local "dao"
      await setName(f, "dao", f.proverC.address);
      await expect(f.token.connect(f.deployer).mint(f.outsider.address, 1n)).to.be.revertedWithCustomError(
        f.token,
        "RESOLVER_DENIED",
      );
      await expect(f.token.connect(f.proverC).mint(f.outsider.address, 1n)).to.changeTokenBalance(
        f.token,
        f.outsider,
        1n,
      );
    });

    it("more than the balance reverts ERC20InsufficientBalance", async function () {
      const { token, outsider } = await loadFixture(deployTaikoFixture);
      await token.mint(outsider.address, 5n);
      await expect(token.burn(outsider.address, 6n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(outsider.address, 5n, 6n);
    });

    it("the supply never exceeds type(uint64).max: TKO_MINT_DISALLOWED()", async function () {
      const { token, outsider } = await loadFixture(deployTaikoFixture);
      const room = 2n ** 64n - 1n - (await token.totalSupply());
      await expect(token.mint(outsider.address, room + 1n)).to.be.revertedWithCustomError(token, "TKO_MINT_DISALLOWED");
      await token.mint(outsider.address, room);
      expect(await token.totalSupply()).to.equal(2n ** 64n - 1n);
      await expect(token.mint(outsider.address, 1n)).to.be.revertedWithCustomError(token, "TKO_MINT_DISALLOWED");
    });
  });

  it("no transfer to the token itself: TKO_INVALID_ADDR()", async function () {
    const { token, outsider, proverA } = await loadFixture(deployTaikoFixture);
    await token.mint(outsider.address, 10n);
    await expect(token.connect(outsider).transfer(token.target, 1n)).to.be.revertedWithCustomError(
      token,
      "TKO_INVALID_ADDR",
    );
    await token.connect(outsider).approve(proverA.address, 10n);
    await expect(token.connect(proverA).transferFrom(outsider.address, token.target, 1n)).to.be.revertedWithCustomError(
      token,
      "TKO_INVALID_ADDR",
    );
    await expect(token.connect(proverA).transferFrom(outsider.address, proverA.address, 1n)).to.changeTokenBalance(
      token,
      proverA,
      1n,
    );
  });

  it("the constructor premints (eldfell's init) and wants as many amounts as recipients", async function () {
    const f = await loadFixture(deployTaikoFixture);
    const factory = new TaikoToken__factory(f.deployer);
    const am = f.addressManager.target as string;
    const token = await factory.deploy(am, "T", "T", [f.proverA.address, f.proverB.address], [3n, 4n]);
    expect([await token.balanceOf(f.proverA.address), await token.balanceOf(f.proverB.address)]).to.deep.equal([
      3n,
      4n,
    ]);
    await expect(factory.deploy(am, "T", "T", [f.proverA.address], [])).to.be.revertedWithCustomError(
      factory,
      "TKO_INVALID_PREMINT_PARAMS",
    );
    await expect(factory.deploy(ethers.ZeroAddress, "T", "T", [], [])).to.be.revertedWithCustomError(
      factory,
      "RESOLVER_INVALID_ADDR",
    );
  });
});
