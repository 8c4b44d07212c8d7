import { expect } from "chai";
import { ethers } from "hardhat";
import type { Result } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import {
  A4_PROTOCOL,
  LOCAL_GENESIS_BLOCK_HASH,
  LOCAL_TAIKO_ADDRESSES,
  TTKO,
  metaHashOf,
  shutdownProver,
} from "@zkpool/common";
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
import { avgProofDelay, blockFee, eventsIn, mined, proofWindow, proposeRaw } from "../../helpers/taiko";

const DEPOSITS_TYPE = "tuple(address recipient, uint96 amount, uint64 id)[]";
const META_TYPE =
  "tuple(uint64 id, uint64 timestamp, uint64 l1Height, bytes32 l1Hash, bytes32 mixHash, bytes32 txListHash, uint24 txListByteStart, uint24 txListByteEnd, uint32 gasLimit, address beneficiary, address treasury, tuple(address recipient, uint96 amount, uint64 id)[] depositsProcessed)";

/** At most three proposed-but-unverified blocks. */
async function threeProposalsFixture(): Promise<TaikoFixture> {
  return deployTaikoFixture({ ...A4_PROTOCOL, taiko: { ...A4_PROTOCOL.taiko, blockMaxProposals: 3n } });
}

/** Average proof delay 1 minute: 3 × 1 min is below the 10-minute floor. */
async function shortDelayFixture(): Promise<TaikoFixture> {
  return deployTaikoFixture({ ...A4_PROTOCOL, taikoL1: { ...A4_PROTOCOL.taikoL1, initAvgProofDelay: 60 } });
}

/** Average proof delay 200 s: 3 × 200 s is exactly the 10-minute floor. */
async function floorDelayFixture(): Promise<TaikoFixture> {
  return deployTaikoFixture({ ...A4_PROTOCOL, taikoL1: { ...A4_PROTOCOL.taikoL1, initAvgProofDelay: 200 } });
}

/** Average proof delay 1 hour: 3 × 1 h is above the 90-minute ceiling. */
async function longDelayFixture(): Promise<TaikoFixture> {
  return deployTaikoFixture({ ...A4_PROTOCOL, taikoL1: { ...A4_PROTOCOL.taikoL1, initAvgProofDelay: 3_600 } });
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
    expect([state.nextEthDepositToProcess, state.numEthDeposits]).to.deep.equal([0n, 0n]);
    expect(await avgProofDelay(f)).to.equal(15n * 60n);
    expect(await f.taikoL1.getVerifiedBlockHash(0)).to.equal(LOCAL_GENESIS_BLOCK_HASH);
    expect(await f.taikoL1.getCrossChainBlockHash(0)).to.equal(LOCAL_GENESIS_BLOCK_HASH);
    const genesis = await f.taikoL1.getForkChoice(0, ethers.ZeroHash, 0);
    expect(genesis.blockHash).to.equal(LOCAL_GENESIS_BLOCK_HASH);
    const config = await f.taikoL1.getConfig();
    // eldfell's TaikoConfig, field for field
    expect((config as unknown as Result).toObject()).to.deep.equal({
      chainId: 167_006n,
      relaySignalRoot: false,
      blockMaxProposals: 403_200n,
      blockRingBufferSize: 403_210n,
      blockMaxVerificationsPerTx: 10n,
      blockMaxGasLimit: 6_000_000n,
      blockFeeBaseGas: 20_000n,
      blockMaxTransactions: 79n,
      blockMaxTxListBytes: 120_000n,
      blockTxListExpiry: 0n,
      proofRegularCooldown: 30n * 60n,
      proofOracleCooldown: 15n * 60n,
      proofMinWindow: 600n,
      proofMaxWindow: 5_400n,
      ethDepositRingBufferSize: 1_024n,
      ethDepositMinCountPerBlock: 8n,
      ethDepositMaxCountPerBlock: 32n,
      ethDepositMinAmount: 10n ** 18n,
      ethDepositMaxAmount: 10_000n * 10n ** 18n,
      ethDepositGas: 21_000n,
      ethDepositMaxFee: 10n ** 17n,
      rewardOpenMultipler: 150n,
      rewardOpenMaxCount: 201_600n,
    });
    const verifierName = await f.taikoL1.getVerifierName(0);
    expect(verifierName).to.equal(ethers.toBeHex(0x1000000, 32));
    expect(await f.taikoL1["resolve(bytes32,bool)"](verifierName, false)).to.equal(await f.verifier.getAddress());
    await expect(f.taikoL1["resolve(bytes32,bool)"](await f.taikoL1.getVerifierName(1), false))
      .to.be.revertedWithCustomError(f.taikoL1, "RESOLVER_ZERO_ADDR")
      .withArgs(31_337n, ethers.toBeHex(0x1000001, 32));
    expect(
      await f.taikoL1["resolve(uint256,bytes32,bool)"](167_006n, ethers.encodeBytes32String("taiko"), false),
    ).to.equal(LOCAL_TAIKO_ADDRESSES.l2Taiko);
  });

  describe("block fee", function () {
    it("charges (gasLimit + the anchor's 180,000 + blockFeeBaseGas) × feePerGas from the proposer's TaikoL1 balance", async function () {
      const f = await load(deployTaikoFixture);
      const gasLimit = 1_234_567;
      const fee = (1_234_567n + 180_000n + 20_000n) * 1_000n;
      expect(await f.taikoL1.getBlockFee(gasLimit)).to.equal(fee);
      expect(blockFee(f, gasLimit, 1_000n)).to.equal(fee);

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
      expect(await f.taikoL1.getTaikoTokenBalance(f.proposer.address)).to.equal(start - 2n * 2_200_000n * 1_000n);
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

    it("a byte range other than the whole txList reverts L1_TX_LIST_RANGE (no txList cache, as eldfell's with blockTxListExpiry 0)", async function () {
      const f = await load(deployTaikoFixture);
      const txList = ethers.toUtf8Bytes("0123456789");
      for (const [start, end] of [
        [0, 11],
        [6, 5],
        [3, 10],
        [0, 9],
      ]) {
        await expect(
          proposeRaw(f, { txListByteStart: start, txListByteEnd: end }, { txList }),
          `${start}..${end}`,
        ).to.be.revertedWithCustomError(f.taikoL1, "L1_TX_LIST_RANGE");
      }
      await expect(proposeRaw(f, { txListByteStart: 0, txListByteEnd: 10 }, { txList })).to.emit(
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
      await time.increase(f.params.taiko.proofRegularCooldown);
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
    it("BlockProposed carries the metadata whose eldfell hashMetadata getBlock stores as metaHash", async function () {
      const f = await load(deployTaikoFixture);
      await stake(f, f.proverA, 1_000_000n * TTKO, 900, 16);
      const txList = ethers.toUtf8Bytes("txs of block one");
      const receipt = await mined(
        proposeRaw(f, { gasLimit: 2_500_000, beneficiary: f.outsider.address, txListByteEnd: 16 }, { txList }),
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
      // block.prevrandao (the JSON-RPC block's mixHash) times the block id, wrapping, as eldfell salts it.
      const raw = (await ethers.provider.send("eth_getBlockByNumber", [
        ethers.toQuantity(receipt.blockNumber),
        false,
      ])) as {
        mixHash: string;
      };
      expect(raw.mixHash).to.not.equal(ethers.ZeroHash);
      expect(meta.mixHash).to.equal(ethers.toBeHex((BigInt(raw.mixHash) * meta.id) % 2n ** 256n, 32));
      expect(meta.txListHash).to.equal(ethers.keccak256(txList));
      expect([meta.txListByteStart, meta.txListByteEnd, meta.gasLimit]).to.deep.equal([0n, 16n, 2_500_000n]);
      expect(meta.beneficiary).to.equal(f.outsider.address);
      expect(meta.treasury).to.equal(f.deployer.address);
      expect(meta.depositsProcessed).to.have.length(0);

      // eldfell's LibUtils.hashMetadata, written out word by word
      const words = [
        (meta.id << 192n) | (meta.timestamp << 128n) | (meta.l1Height << 64n),
        BigInt(meta.l1Hash),
        BigInt(meta.mixHash),
        BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode([DEPOSITS_TYPE], [[]]))),
        BigInt(meta.txListHash),
        (meta.txListByteStart << 232n) |
          (meta.txListByteEnd << 208n) |
          (meta.gasLimit << 176n) |
          (BigInt(meta.beneficiary) << 16n),
        BigInt(meta.treasury) << 96n,
      ];
      const metaHash = ethers.solidityPackedKeccak256(Array(7).fill("uint256"), words);
      expect(metaHash).to.not.equal(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode([META_TYPE], [meta])));
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
        expect(proofWindow(f, await avgProofDelay(f))).to.equal(expected);
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
        options: {
          params?: typeof A4_PROTOCOL.taikoL1;
          verifiers?: string[];
          genesis?: string;
          l2Taiko?: string;
        } = {},
      ) =>
        [
          await f.token.getAddress(),
          await f.proverPool.getAddress(),
          options.verifiers ?? [await f.verifier.getAddress()],
          taiko,
          options.params ?? A4_PROTOCOL.taikoL1,
          {
            ...LOCAL_TAIKO_ADDRESSES,
            l2Taiko: options.l2Taiko ?? LOCAL_TAIKO_ADDRESSES.l2Taiko,
            treasury: f.deployer.address,
          },
          options.genesis ?? LOCAL_GENESIS_BLOCK_HASH,
        ] as const;
      const base = A4_PROTOCOL.taiko;
      const invalid: [string, Awaited<ReturnType<typeof args>>][] = [
        ["L2 chain id 1", await args({ ...base, chainId: 1n })],
        ["zero max gas limit", await args({ ...base, blockMaxGasLimit: 0 })],
        ["one max proposal", await args({ ...base, blockMaxProposals: 1n })],
        ["ring buffer not above max proposals + 1", await args({ ...base, blockRingBufferSize: 403_201n })],
        ["zero max transactions", await args({ ...base, blockMaxTransactions: 0n })],
        ["txList above 128 KiB", await args({ ...base, blockMaxTxListBytes: 128n * 1024n + 1n })],
        ["a txList cache", await args({ ...base, blockTxListExpiry: 1n })],
        ["signal root relay", await args({ ...base, relaySignalRoot: true })],
        ["oracle cooldown above the regular one", await args({ ...base, proofOracleCooldown: 30n * 60n + 1n })],
        ["window min above max", await args({ ...base, proofMinWindow: 5_401 })],
        ["zero window min", await args({ ...base, proofMinWindow: 0 })],
        ["deposit max fee too high", await args({ ...base, ethDepositMaxFee: 2n ** 96n / 32n })],
        ["open reward below 100%", await args({ ...base, rewardOpenMultipler: 99 })],
        ["zero fee per gas", await args(base, { params: { ...A4_PROTOCOL.taikoL1, initFeePerGas: 0 } })],
        ["zero fee MAF", await args(base, { params: { ...A4_PROTOCOL.taikoL1, feePerGasMAF: 0 } })],
        ["no L2 taiko address", await args(base, { l2Taiko: ethers.ZeroAddress })],
        ["no verifier", await args(base, { verifiers: [] })],
        ["zero genesis hash", await args(base, { genesis: ethers.ZeroHash })],
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
