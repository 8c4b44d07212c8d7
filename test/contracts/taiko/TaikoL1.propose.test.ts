import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { A4_PROTOCOL, LOCAL_GENESIS_BLOCK_HASH, TTKO, metaHashOf, shutdownProver } from "@zkpool/common";
import { TaikoL1__factory } from "../../../typechain-types";
import {
  deployTaikoFixture,
  L2Chain,
  proposeBlock,
  proveEvidence,
  stake,
  type TaikoFixture,
} from "../../fixtures/taiko";
import { loadWithInvariants } from "../../helpers/invariants";
import { eventsIn, gasCost, mined, proofWindow, proposeRaw } from "../../helpers/taiko";

const META_TYPE =
  "tuple(uint64 id, uint64 timestamp, uint64 l1Height, bytes32 l1Hash, bytes32 mixHash, bytes32 txListHash, uint24 txListByteStart, uint24 txListByteEnd, uint32 gasLimit, address beneficiary, address treasury, tuple(address recipient, uint96 amount, uint64 id)[] depositsProcessed)";

/** At most three proposed-but-unverified blocks. */
async function threeProposalsFixture(): Promise<TaikoFixture> {
  return deployTaikoFixture({ ...A4_PROTOCOL, taiko: { ...A4_PROTOCOL.taiko, blockMaxProposals: 3n } });
}

/** Average proof delay 1 minute: 3 × 1 min is below the 10-minute floor. */
async function shortDelayFixture(): Promise<TaikoFixture> {
  return deployTaikoFixture({ ...A4_PROTOCOL, taiko: { ...A4_PROTOCOL.taiko, initialAvgProofDelay: 60n } });
}

/** Average proof delay 200 s: 3 × 200 s is exactly the 10-minute floor. */
async function floorDelayFixture(): Promise<TaikoFixture> {
  return deployTaikoFixture({ ...A4_PROTOCOL, taiko: { ...A4_PROTOCOL.taiko, initialAvgProofDelay: 200n } });
}

/** Average proof delay 1 hour: 3 × 1 h is above the 90-minute ceiling. */
async function longDelayFixture(): Promise<TaikoFixture> {
  return deployTaikoFixture({ ...A4_PROTOCOL, taiko: { ...A4_PROTOCOL.taiko, initialAvgProofDelay: 3_600n } });
}

describe("TaikoL1: proposing", function () {
  const load = loadWithInvariants();
  after(shutdownProver);

  it("starts from the genesis block with A4's configuration", async function () {
    const f = await load(deployTaikoFixture);
    const state = await f.taikoL1.getStateVariables();
    expect(state.numBlocks).to.equal(1n);
    expect(state.lastVerifiedBlockId).to.equal(0n);
    expect(state.feePerGas).to.equal(1_000n);
    expect(state.avgProofDelay).to.equal(15n * 60n);
    expect(await f.taikoL1.getVerifiedBlockHash(0)).to.equal(LOCAL_GENESIS_BLOCK_HASH);
    const config = await f.taikoL1.getConfig();
    expect(config.blockFeeBaseGas).to.equal(20_000n);
    expect(config.proofCooldownPeriod).to.equal(30n * 60n);
    expect([config.proofWindowMin, config.proofWindowMax, config.proofWindowMultiplier]).to.deep.equal([
      600n,
      5_400n,
      3n,
    ]);
    expect(config.rewardOpenMultiplierPct).to.equal(150n);
    expect(await f.taikoL1.getVerifier(0)).to.equal(await f.verifier.getAddress());
  });

  describe("block fee", function () {
    it("charges (blockFeeBaseGas + gasLimit) × feePerGas from the proposer's TaikoL1 balance", async function () {
      const f = await load(deployTaikoFixture);
      const gasLimit = 1_234_567;
      const fee = (20_000n + 1_234_567n) * 1_000n;
      expect(await f.taikoL1.getBlockFee(gasLimit)).to.equal(fee);
      expect(gasCost(f, gasLimit, 1_000n)).to.equal(fee);

      const before = await f.taikoL1.getTaikoTokenBalance(f.proposer.address);
      const walletBefore = await f.token.balanceOf(f.proposer.address);
      await proposeBlock(f, gasLimit);
      expect(await f.taikoL1.getTaikoTokenBalance(f.proposer.address)).to.equal(before - fee);
      expect(await f.token.balanceOf(f.proposer.address)).to.equal(walletBefore);
    });

    it("charges the same for an assigned block as for an open one", async function () {
      const f = await load(deployTaikoFixture);
      const start = await f.taikoL1.getTaikoTokenBalance(f.proposer.address);
      const open = await proposeBlock(f, 2_000_000);
      await stake(f, f.proverA, 1_000_000n * TTKO, 1_250, 16);
      const assigned = await proposeBlock(f, 2_000_000);
      expect([open.assignedProver, assigned.assignedProver]).to.deep.equal([ethers.ZeroAddress, f.proverA.address]);
      expect(await f.taikoL1.getTaikoTokenBalance(f.proposer.address)).to.equal(start - 2n * 2_020_000n * 1_000n);
    });

    it("without enough TaikoL1 balance reverts L1_INSUFFICIENT_TOKEN; exactly the fee is enough", async function () {
      const f = await load(deployTaikoFixture);
      const fee = await f.taikoL1.getBlockFee(1_000_000);
      await f.token.mint(f.outsider.address, fee);
      await expect(proposeRaw(f, {}, { from: f.outsider })).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_INSUFFICIENT_TOKEN",
      );
      await f.taikoL1.connect(f.outsider).depositTaikoToken(fee - 1n);
      await expect(proposeRaw(f, {}, { from: f.outsider })).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_INSUFFICIENT_TOKEN",
      );
      await f.taikoL1.connect(f.outsider).depositTaikoToken(1n);
      await expect(proposeRaw(f, {}, { from: f.outsider })).to.emit(f.taikoL1, "BlockProposed");
      expect(await f.taikoL1.getTaikoTokenBalance(f.outsider.address)).to.equal(0n);
      expect((await f.taikoL1.getBlock(1)).proposer).to.equal(f.outsider.address);
    });
  });

  describe("input checks", function () {
    it("a zero gasLimit, a zero beneficiary or a gasLimit above the maximum reverts L1_INVALID_METADATA", async function () {
      const f = await load(deployTaikoFixture);
      await expect(proposeRaw(f, { gasLimit: 0 })).to.be.revertedWithCustomError(f.taikoL1, "L1_INVALID_METADATA");
      await expect(proposeRaw(f, { beneficiary: ethers.ZeroAddress })).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_INVALID_METADATA",
      );
      await expect(proposeRaw(f, { gasLimit: 6_000_001 })).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_INVALID_METADATA",
      );
      await expect(proposeRaw(f, { gasLimit: 6_000_000 })).to.emit(f.taikoL1, "BlockProposed");
    });

    it("a txListHash that is not keccak256(txList) reverts L1_TX_LIST_HASH", async function () {
      const f = await load(deployTaikoFixture);
      await expect(proposeRaw(f, { txListHash: ethers.id("another txList") })).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_TX_LIST_HASH",
      );
    });

    it("a byte range outside the txList or reversed reverts L1_TX_LIST_RANGE", async function () {
      const f = await load(deployTaikoFixture);
      const txList = ethers.toUtf8Bytes("0123456789");
      await expect(proposeRaw(f, { txListByteStart: 0, txListByteEnd: 11 }, { txList })).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_TX_LIST_RANGE",
      );
      await expect(proposeRaw(f, { txListByteStart: 6, txListByteEnd: 5 }, { txList })).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_TX_LIST_RANGE",
      );
      await expect(proposeRaw(f, { txListByteStart: 10, txListByteEnd: 10 }, { txList })).to.emit(
        f.taikoL1,
        "BlockProposed",
      );
    });

    it("a txList above blockMaxTxListBytes reverts L1_TX_LIST", async function () {
      const f = await load(deployTaikoFixture);
      const tooLong = new Uint8Array(120_001).fill(0x61);
      await expect(proposeRaw(f, {}, { txList: tooLong })).to.be.revertedWithCustomError(f.taikoL1, "L1_TX_LIST");
      await expect(proposeRaw(f, {}, { txList: tooLong.subarray(1) })).to.emit(f.taikoL1, "BlockProposed");
    });

    it("more than blockMaxProposals unverified blocks reverts L1_TOO_MANY_BLOCKS until one verifies", async function () {
      const f = await load(threeProposalsFixture);
      const chain = new L2Chain();
      const first = await proposeBlock(f);
      await proposeBlock(f);
      await proposeBlock(f);
      await expect(proposeRaw(f)).to.be.revertedWithCustomError(f.taikoL1, "L1_TOO_MANY_BLOCKS");

      const { input } = await proveEvidence(chain, first, f.proverA.address);
      await f.taikoL1.connect(f.proverA).proveBlock(first.id, input);
      await time.increase(f.params.taiko.proofCooldownPeriod);
      await f.taikoL1.verifyBlocks(1);
      expect((await f.taikoL1.getStateVariables()).lastVerifiedBlockId).to.equal(1n);

      const fourth = await proposeBlock(f);
      expect(fourth.id).to.equal(4n);
      await expect(proposeRaw(f)).to.be.revertedWithCustomError(f.taikoL1, "L1_TOO_MANY_BLOCKS");
    });
  });

  describe("internal balances", function () {
    it("depositTaikoToken burns wallet tokens into the TaikoL1 balance; withdrawTaikoToken mints them back", async function () {
      const f = await load(deployTaikoFixture);
      await f.token.mint(f.outsider.address, 100n * TTKO);
      const supply = await f.token.totalSupply();

      const deposit = f.taikoL1.connect(f.outsider).depositTaikoToken(60n * TTKO);
      await expect(deposit).to.changeTokenBalance(f.token, f.outsider, -60n * TTKO);
      expect(await f.taikoL1.getTaikoTokenBalance(f.outsider.address)).to.equal(60n * TTKO);
      expect(await f.token.totalSupply()).to.equal(supply - 60n * TTKO);
      expect(await f.token.balanceOf(await f.taikoL1.getAddress())).to.equal(0n);

      const withdrawal = f.taikoL1.connect(f.outsider).withdrawTaikoToken(25n * TTKO);
      await expect(withdrawal).to.changeTokenBalance(f.token, f.outsider, 25n * TTKO);
      expect(await f.taikoL1.getTaikoTokenBalance(f.outsider.address)).to.equal(35n * TTKO);
      expect(await f.token.totalSupply()).to.equal(supply - 35n * TTKO);
    });

    it("withdrawing more than the balance reverts L1_INSUFFICIENT_TOKEN; all of it works", async function () {
      const f = await load(deployTaikoFixture);
      await f.token.mint(f.outsider.address, 10n);
      await f.taikoL1.connect(f.outsider).depositTaikoToken(10n);
      await expect(f.taikoL1.connect(f.outsider).withdrawTaikoToken(11n)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_INSUFFICIENT_TOKEN",
      );
      await expect(f.taikoL1.connect(f.outsider).withdrawTaikoToken(10n)).to.changeTokenBalance(
        f.token,
        f.outsider,
        10n,
      );
      expect(await f.taikoL1.getTaikoTokenBalance(f.outsider.address)).to.equal(0n);
    });

    it("zero amounts revert L1_INVALID_PARAM; a deposit without tokens reverts ERC20InsufficientBalance", async function () {
      const f = await load(deployTaikoFixture);
      await expect(f.taikoL1.connect(f.outsider).depositTaikoToken(0)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_INVALID_PARAM",
      );
      await expect(f.taikoL1.connect(f.outsider).withdrawTaikoToken(0)).to.be.revertedWithCustomError(
        f.taikoL1,
        "L1_INVALID_PARAM",
      );
      await expect(f.taikoL1.connect(f.outsider).depositTaikoToken(1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientBalance")
        .withArgs(f.outsider.address, 0n, 1n);
    });
  });

  describe("the proposed block", function () {
    it("BlockProposed carries the metadata whose keccak256(abi.encode) getBlock stores as metaHash", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 1_000_000n * TTKO, 900, 16);
      const txList = ethers.toUtf8Bytes("txs of block one, bytes 3 to 12");
      const receipt = await mined(
        proposeRaw(
          f,
          { gasLimit: 2_500_000, beneficiary: f.outsider.address, txListByteStart: 3, txListByteEnd: 12 },
          { txList },
        ),
      );
      const [event] = eventsIn(receipt, f.taikoL1, "BlockProposed");
      const { blockId, assignedProver, rewardPerGas, feePerGas, meta } = event!.args;
      expect([blockId, assignedProver, rewardPerGas, feePerGas]).to.deep.equal([1n, f.proverA.address, 900n, 1_000n]);

      const mined_ = await ethers.provider.getBlock(receipt.blockNumber);
      const parent = await ethers.provider.getBlock(receipt.blockNumber - 1);
      expect(meta.id).to.equal(1n);
      expect(meta.timestamp).to.equal(BigInt(mined_!.timestamp));
      expect(meta.l1Height).to.equal(BigInt(receipt.blockNumber - 1));
      expect(meta.l1Hash).to.equal(parent!.hash);
      // block.prevrandao, which the JSON-RPC block reports as mixHash.
      const raw = (await ethers.provider.send("eth_getBlockByNumber", [
        ethers.toQuantity(receipt.blockNumber),
        false,
      ])) as {
        mixHash: string;
      };
      expect(raw.mixHash).to.not.equal(ethers.ZeroHash);
      expect(meta.mixHash).to.equal(raw.mixHash);
      expect(meta.txListHash).to.equal(ethers.keccak256(txList));
      expect([meta.txListByteStart, meta.txListByteEnd, meta.gasLimit]).to.deep.equal([3n, 12n, 2_500_000n]);
      expect(meta.beneficiary).to.equal(f.outsider.address);
      expect(meta.treasury).to.equal(f.deployer.address);
      expect(meta.depositsProcessed).to.have.length(0);

      const metaHash = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode([META_TYPE], [meta]));
      const blk = await f.taikoL1.getBlock(1);
      expect(blk.metaHash).to.equal(metaHash);
      // The shared library computes the same hash from the same metadata.
      expect(
        metaHashOf({
          ...meta.toObject(),
          txListByteStart: Number(meta.txListByteStart),
          txListByteEnd: Number(meta.txListByteEnd),
          gasLimit: Number(meta.gasLimit),
          depositsProcessed: [],
        } as Parameters<typeof metaHashOf>[0]),
      ).to.equal(metaHash);

      expect(blk.gasLimit).to.equal(2_500_000n);
      expect(blk.nextForkChoiceId).to.equal(1n);
      expect(blk.verifiedForkChoiceId).to.equal(0n);
      expect(blk.proverReleased).to.equal(false);
      expect(blk.proposer).to.equal(f.proposer.address);
      expect(blk.feePerGas).to.equal(1_000n);
      expect(blk.proposedAt).to.equal(BigInt(mined_!.timestamp));
      expect(blk.assignedProver).to.equal(f.proverA.address);
      expect(blk.rewardPerGas).to.equal(900n);
      expect(blk.proofWindow).to.equal(3n * 15n * 60n);
    });

    it("numbers blocks from 1 up and knows no block beyond the last: L1_BLOCK_ID", async function () {
      const f = await load(deployTaikoFixture);
      const a = await proposeBlock(f);
      const b = await proposeBlock(f);
      expect([a.id, b.id]).to.deep.equal([1n, 2n]);
      expect((await f.taikoL1.getStateVariables()).numBlocks).to.equal(3n);
      await expect(f.taikoL1.getBlock(3)).to.be.revertedWithCustomError(f.taikoL1, "L1_BLOCK_ID");
    });

    it("the proposer's call returns the metadata it emitted", async function () {
      const f = await load(deployTaikoFixture);
      const txList = ethers.toUtf8Bytes("static");
      const input = ethers.AbiCoder.defaultAbiCoder().encode(
        ["tuple(bytes32,address,uint32,uint24,uint24,bool)"],
        [[ethers.keccak256(txList), f.proposer.address, 777_777, 0, txList.length, false]],
      );
      const meta = await f.taikoL1.connect(f.proposer).proposeBlock.staticCall(input, txList);
      expect([meta.id, meta.gasLimit, meta.txListHash]).to.deep.equal([1n, 777_777n, ethers.keccak256(txList)]);
    });
  });

  describe("proof window", function () {
    const cases: [string, () => Promise<TaikoFixture>, bigint][] = [
      ["3 × 15 min = 45 min", deployTaikoFixture, 2_700n],
      ["3 × 1 min, raised to the 10-minute floor", shortDelayFixture, 600n],
      ["3 × 200 s, exactly the floor", floorDelayFixture, 600n],
      ["3 × 60 min, cut to the 90-minute ceiling", longDelayFixture, 5_400n],
    ];
    for (const [name, fixture, expected] of cases) {
      it(`is clamp(3 × avgProofDelay, 10 min, 90 min): ${name}`, async function () {
        const f = await load(fixture);
        const { avgProofDelay } = await f.taikoL1.getStateVariables();
        expect(proofWindow(f, avgProofDelay)).to.equal(expected);
        const block = await proposeBlock(f);
        expect((await f.taikoL1.getBlock(block.id)).proofWindow).to.equal(expected);
      });
    }
  });

  describe("deployment", function () {
    it("rejects an invalid configuration: L1_INVALID_CONFIG", async function () {
      const f = await load(deployTaikoFixture);
      const factory = new TaikoL1__factory(f.deployer);
      const args = async (
        taiko: typeof A4_PROTOCOL.taiko,
        verifiers?: string[],
        genesis: string = LOCAL_GENESIS_BLOCK_HASH,
      ) =>
        [
          await f.token.getAddress(),
          await f.proverPool.getAddress(),
          verifiers ?? [await f.verifier.getAddress()],
          taiko,
          genesis,
          f.deployer.address,
        ] as const;
      const base = A4_PROTOCOL.taiko;
      const invalid: [string, Awaited<ReturnType<typeof args>>][] = [
        ["zero max gas limit", await args({ ...base, blockMaxGasLimit: 0 })],
        ["zero max proposals", await args({ ...base, blockMaxProposals: 0n })],
        ["window min above max", await args({ ...base, proofWindowMin: 5_401n })],
        ["zero window min", await args({ ...base, proofWindowMin: 0n })],
        ["zero fee per gas", await args({ ...base, initialFeePerGas: 0 })],
        ["zero fee MAF", await args({ ...base, feePerGasMAF: 0 })],
        ["open reward below 100%", await args({ ...base, rewardOpenMultiplierPct: 99 })],
        ["no verifier", await args(base, [])],
        ["zero genesis hash", await args(base, undefined, ethers.ZeroHash)],
      ];
      for (const [name, a] of invalid) {
        await expect(factory.deploy(...a), name).to.be.revertedWithCustomError(factory, "L1_INVALID_CONFIG");
      }
      // The valid one verifies its genesis block on deployment.
      const valid = await factory.deploy(...(await args(base)));
      await expect(valid.deploymentTransaction())
        .to.emit(valid, "BlockVerified")
        .withArgs(0, LOCAL_GENESIS_BLOCK_HASH, ethers.ZeroAddress, 0, 0);
    });
  });
});
