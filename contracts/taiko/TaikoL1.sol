// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBlockProofVerifier} from "./IBlockProofVerifier.sol";
import {IProverPool} from "./IProverPool.sol";
import {ITaikoL1} from "./ITaikoL1.sol";
import {TaikoData} from "./TaikoData.sol";
import {TaikoToken} from "./TaikoToken.sol";

/// @title TaikoL1
/// @notice The local implementation of what Taiko's Alpha-4 L1 contract did for proposers and provers:
/// block fees, prover assignment through the ProverPool, proof windows, real zk proof verification, the
/// proof cooldown, rewards at verification and slashing of provers that miss their window.
contract TaikoL1 is ITaikoL1 {
    // ───────────────────────────── immutables ─────────────────────────────

    TaikoToken public immutable TOKEN;
    IProverPool public immutable PROVER_POOL;
    /// @notice Where block metadata says the L2 fees go; informational here, as in A4's metadata.
    address public immutable TREASURY;

    // ───────────────────────────── storage ─────────────────────────────

    TaikoData.Config private _config;
    mapping(uint16 verifierId => address verifier) private _verifiers;
    mapping(address account => uint256 balance) private _balances;

    mapping(uint256 blockId => TaikoData.Block) private _blocks;
    mapping(uint256 blockId => mapping(uint256 forkChoiceId => TaikoData.ForkChoice)) private _forkChoices;
    mapping(uint256 blockId => mapping(bytes32 key => uint24 forkChoiceId)) private _forkChoiceIds;
    mapping(uint256 blockId => bytes32 blockHash) private _verifiedBlockHashes;

    uint64 private immutable _GENESIS_HEIGHT;
    uint64 private immutable _GENESIS_TIMESTAMP;
    uint64 private _numBlocks;
    uint64 private _lastVerifiedBlockId;
    uint32 private _lastVerifiedGasUsed;
    uint32 private _feePerGas;
    uint64 private _avgProofDelay;

    // ───────────────────────────── constructor ─────────────────────────────

    /// @param verifiers verifier addresses by verifierId (index)
    /// @param genesisBlockHash the L2 genesis block, verified from the start
    constructor(
        TaikoToken token,
        IProverPool proverPool,
        address[] memory verifiers,
        TaikoData.Config memory config,
        bytes32 genesisBlockHash,
        address treasury
    ) {
        if (
            config.blockMaxGasLimit == 0 ||
            config.blockMaxProposals == 0 ||
            config.proofWindowMin == 0 ||
            config.proofWindowMin > config.proofWindowMax ||
            config.proofWindowMultiplier == 0 ||
            config.initialFeePerGas == 0 ||
            config.feePerGasMAF == 0 ||
            config.proofDelayMAF == 0 ||
            config.rewardOpenMultiplierPct < 100 ||
            genesisBlockHash == 0 ||
            verifiers.length == 0
        ) revert L1_INVALID_CONFIG();
        TOKEN = token;
        PROVER_POOL = proverPool;
        TREASURY = treasury;
        _config = config;
        for (uint256 i; i < verifiers.length; ++i) {
            _verifiers[uint16(i)] = verifiers[i];
        }
        _GENESIS_HEIGHT = uint64(block.number);
        _GENESIS_TIMESTAMP = uint64(block.timestamp);
        _feePerGas = config.initialFeePerGas;
        _avgProofDelay = config.initialAvgProofDelay;
        _verifiedBlockHashes[0] = genesisBlockHash;
        _numBlocks = 1;
        emit BlockVerified(0, genesisBlockHash, address(0), 0, 0);
    }

    // ───────────────────────────── proposing ─────────────────────────────

    /// @inheritdoc ITaikoL1
    function proposeBlock(
        bytes calldata input,
        bytes calldata txList
    ) external returns (TaikoData.BlockMetadata memory meta) {
        TaikoData.Config memory config = _config;
        TaikoData.BlockMetadataInput memory blockInput = abi.decode(input, (TaikoData.BlockMetadataInput));
        if (blockInput.beneficiary == address(0) || blockInput.gasLimit == 0) revert L1_INVALID_METADATA();
        if (blockInput.gasLimit > config.blockMaxGasLimit) revert L1_INVALID_METADATA();
        if (txList.length > config.blockMaxTxListBytes) revert L1_TX_LIST();
        if (blockInput.txListByteStart > blockInput.txListByteEnd || blockInput.txListByteEnd > txList.length) {
            revert L1_TX_LIST_RANGE();
        }
        if (keccak256(txList) != blockInput.txListHash) revert L1_TX_LIST_HASH();

        uint64 blockId = _numBlocks;
        if (blockId > _lastVerifiedBlockId + config.blockMaxProposals) revert L1_TOO_MANY_BLOCKS();

        uint32 feePerGas = _feePerGas;
        uint64 blockFee = _blockFee(blockInput.gasLimit, feePerGas);
        if (_balances[msg.sender] < blockFee) revert L1_INSUFFICIENT_TOKEN();
        unchecked {
            // Checked just above.
            _balances[msg.sender] -= blockFee;
            // A uint64 counter that grows by one per block.
            _numBlocks = blockId + 1;
        }

        (address assignedProver, uint32 rewardPerGas) = PROVER_POOL.assignProver(blockId, feePerGas);
        // ProverPool answers (0, 0) when nobody has capacity: an open block pays at the fee per gas.
        if (assignedProver == address(0)) rewardPerGas = feePerGas;

        meta.id = blockId;
        meta.timestamp = uint64(block.timestamp);
        meta.l1Height = uint64(block.number - 1);
        meta.l1Hash = blockhash(block.number - 1);
        meta.mixHash = bytes32(block.prevrandao);
        meta.txListHash = blockInput.txListHash;
        meta.txListByteStart = blockInput.txListByteStart;
        meta.txListByteEnd = blockInput.txListByteEnd;
        meta.gasLimit = blockInput.gasLimit;
        meta.beneficiary = blockInput.beneficiary;
        meta.treasury = TREASURY;

        TaikoData.Block storage blk = _blocks[blockId];
        blk.metaHash = keccak256(abi.encode(meta));
        blk.proposer = msg.sender;
        blk.proposedAt = uint64(block.timestamp);
        blk.gasLimit = blockInput.gasLimit;
        blk.nextForkChoiceId = 1;
        blk.assignedProver = assignedProver;
        blk.feePerGas = feePerGas;
        blk.rewardPerGas = rewardPerGas;
        blk.proofWindow = _proofWindow(config);

        emit BlockProposed(blockId, assignedProver, rewardPerGas, feePerGas, meta);

        if (config.blockMaxVerificationsPerTx != 0) _verifyBlocks(config, config.blockMaxVerificationsPerTx);
    }

    // ───────────────────────────── proving ─────────────────────────────

    /// @inheritdoc ITaikoL1
    function proveBlock(uint256 blockId, bytes calldata input) external {
        TaikoData.BlockEvidence memory evidence = abi.decode(input, (TaikoData.BlockEvidence));
        if (
            evidence.prover == address(0) ||
            evidence.parentHash == 0 ||
            evidence.blockHash == 0 ||
            evidence.blockHash == evidence.parentHash ||
            evidence.signalRoot == 0 ||
            evidence.gasUsed == 0
        ) revert L1_INVALID_EVIDENCE();
        if (blockId <= _lastVerifiedBlockId || blockId >= _numBlocks) revert L1_BLOCK_ID();

        TaikoData.Block storage blk = _blocks[blockId];
        if (blk.metaHash != evidence.metaHash) revert L1_EVIDENCE_MISMATCH(blk.metaHash, evidence.metaHash);
        if (evidence.gasUsed > blk.gasLimit) revert L1_INVALID_EVIDENCE();

        address assignedProver = blk.assignedProver;
        if (
            assignedProver != address(0) &&
            evidence.prover != assignedProver &&
            block.timestamp <= blk.proposedAt + blk.proofWindow
        ) revert L1_NOT_PROVEABLE();

        bytes32 key = _forkChoiceKey(evidence.parentHash, evidence.parentGasUsed);
        if (_forkChoiceIds[blockId][key] != 0) revert L1_ALREADY_PROVEN();

        _verifyProof(evidence);

        uint24 fcId = blk.nextForkChoiceId;
        // Fork choices per block are bounded by distinct parents anyone bothered to prove; 2^24 is unreachable.
        unchecked {
            blk.nextForkChoiceId = fcId + 1;
        }
        _forkChoiceIds[blockId][key] = fcId;
        _forkChoices[blockId][fcId] = TaikoData.ForkChoice({
            key: key,
            blockHash: evidence.blockHash,
            signalRoot: evidence.signalRoot,
            provenAt: uint64(block.timestamp),
            prover: evidence.prover,
            gasUsed: evidence.gasUsed
        });

        if (!blk.proverReleased && assignedProver != address(0) && assignedProver == evidence.prover) {
            blk.proverReleased = true;
            PROVER_POOL.releaseProver(assignedProver);
        }

        emit BlockProven(
            blockId,
            evidence.parentHash,
            evidence.blockHash,
            evidence.signalRoot,
            evidence.prover,
            evidence.parentGasUsed
        );
    }

    // ───────────────────────────── verifying ─────────────────────────────

    /// @inheritdoc ITaikoL1
    function verifyBlocks(uint256 maxBlocks) external {
        if (maxBlocks == 0) revert L1_INVALID_PARAM();
        _verifyBlocks(_config, maxBlocks);
    }

    // ───────────────────────────── token balances ─────────────────────────────

    /// @inheritdoc ITaikoL1
    function depositTaikoToken(uint256 amount) external {
        if (amount == 0) revert L1_INVALID_PARAM();
        TOKEN.burn(msg.sender, amount);
        _balances[msg.sender] += amount;
    }

    /// @inheritdoc ITaikoL1
    function withdrawTaikoToken(uint256 amount) external {
        if (amount == 0) revert L1_INVALID_PARAM();
        uint256 balance = _balances[msg.sender];
        if (balance < amount) revert L1_INSUFFICIENT_TOKEN();
        unchecked {
            // Checked just above.
            _balances[msg.sender] = balance - amount;
        }
        TOKEN.mint(msg.sender, amount);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @inheritdoc ITaikoL1
    function getTaikoTokenBalance(address addr) external view returns (uint256) {
        return _balances[addr];
    }

    /// @inheritdoc ITaikoL1
    function getBlockFee(uint32 gasLimit) external view returns (uint64) {
        return _blockFee(gasLimit, _feePerGas);
    }

    /// @inheritdoc ITaikoL1
    function getBlock(
        uint256 blockId
    )
        external
        view
        returns (
            bytes32 metaHash,
            uint32 gasLimit,
            uint24 nextForkChoiceId,
            uint24 verifiedForkChoiceId,
            bool proverReleased,
            address proposer,
            uint32 feePerGas,
            uint64 proposedAt,
            address assignedProver,
            uint32 rewardPerGas,
            uint64 proofWindow
        )
    {
        if (blockId >= _numBlocks) revert L1_BLOCK_ID();
        TaikoData.Block storage blk = _blocks[blockId];
        return (
            blk.metaHash,
            blk.gasLimit,
            blk.nextForkChoiceId,
            blk.verifiedForkChoiceId,
            blk.proverReleased,
            blk.proposer,
            blk.feePerGas,
            blk.proposedAt,
            blk.assignedProver,
            blk.rewardPerGas,
            blk.proofWindow
        );
    }

    /// @inheritdoc ITaikoL1
    function getForkChoice(
        uint256 blockId,
        bytes32 parentHash,
        uint32 parentGasUsed
    ) external view returns (TaikoData.ForkChoice memory) {
        uint24 fcId = _forkChoiceIds[blockId][_forkChoiceKey(parentHash, parentGasUsed)];
        if (fcId == 0) revert L1_BLOCK_ID();
        return _forkChoices[blockId][fcId];
    }

    /// @inheritdoc ITaikoL1
    function getStateVariables() external view returns (TaikoData.StateVariables memory) {
        return
            TaikoData.StateVariables({
                genesisHeight: _GENESIS_HEIGHT,
                genesisTimestamp: _GENESIS_TIMESTAMP,
                numBlocks: _numBlocks,
                lastVerifiedBlockId: _lastVerifiedBlockId,
                avgProofDelay: _avgProofDelay,
                feePerGas: _feePerGas
            });
    }

    /// @inheritdoc ITaikoL1
    function getConfig() external view returns (TaikoData.Config memory) {
        return _config;
    }

    /// @inheritdoc ITaikoL1
    function getVerifiedBlockHash(uint256 blockId) external view returns (bytes32) {
        return _verifiedBlockHashes[blockId];
    }

    function getVerifier(uint16 verifierId) external view returns (address) {
        return _verifiers[verifierId];
    }

    /// @inheritdoc ITaikoL1
    function getInstance(TaikoData.BlockEvidence calldata evidence) external pure returns (bytes32) {
        return _instance(evidence);
    }

    // ───────────────────────────── private ─────────────────────────────

    function _verifyProof(TaikoData.BlockEvidence memory evidence) private view {
        address verifier = _verifiers[evidence.verifierId];
        if (verifier == address(0) || evidence.proof.length != 256) revert L1_INVALID_PROOF();
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = abi.decode(
            evidence.proof,
            (uint256[2], uint256[2][2], uint256[2])
        );
        uint256 instance = uint256(_instance(evidence));
        uint256[2] memory publicInputs = [instance >> 128, uint256(uint128(instance))];
        if (!IBlockProofVerifier(verifier).verifyProof(a, b, c, publicInputs)) revert L1_INVALID_PROOF();
    }

    /// @dev Verifies, in order, each block whose proven parent is the last verified block and whose proof
    /// has cooled down, up to `maxBlocks`.
    function _verifyBlocks(TaikoData.Config memory config, uint256 maxBlocks) private {
        uint64 blockId = _lastVerifiedBlockId + 1;
        uint64 numBlocks = _numBlocks;
        bytes32 parentHash = _verifiedBlockHashes[blockId - 1];
        uint32 parentGasUsed = _lastVerifiedGasUsed;
        uint256 verified;
        while (blockId < numBlocks && verified < maxBlocks) {
            uint24 fcId = _forkChoiceIds[blockId][_forkChoiceKey(parentHash, parentGasUsed)];
            if (fcId == 0) break;
            TaikoData.ForkChoice storage fc = _forkChoices[blockId][fcId];
            if (block.timestamp < fc.provenAt + config.proofCooldownPeriod) break;

            _verifyBlock(config, blockId, fcId, fc);
            parentHash = fc.blockHash;
            parentGasUsed = fc.gasUsed;
            unchecked {
                // Both are bounded by _numBlocks and maxBlocks.
                ++blockId;
                ++verified;
            }
        }
        if (verified != 0) {
            _lastVerifiedBlockId = blockId - 1;
            _lastVerifiedGasUsed = parentGasUsed;
        }
    }

    function _verifyBlock(
        TaikoData.Config memory config,
        uint64 blockId,
        uint24 fcId,
        TaikoData.ForkChoice storage fc
    ) private {
        TaikoData.Block storage blk = _blocks[blockId];
        address assignedProver = blk.assignedProver;
        address prover = fc.prover;
        uint64 provenAt = fc.provenAt;

        uint64 reward = uint64((uint256(config.blockFeeBaseGas) + fc.gasUsed) * blk.rewardPerGas);
        bool open = assignedProver == address(0);
        bool late = provenAt > blk.proposedAt + blk.proofWindow;
        uint64 proofReward = open || late ? uint64((uint256(reward) * config.rewardOpenMultiplierPct) / 100) : reward;

        if (!open) {
            if (!blk.proverReleased) {
                blk.proverReleased = true;
                PROVER_POOL.releaseProver(assignedProver);
            }
            if (late) PROVER_POOL.slashProver(assignedProver, proofReward);
        }
        _balances[prover] += proofReward;

        blk.verifiedForkChoiceId = fcId;
        _verifiedBlockHashes[blockId] = fc.blockHash;
        _feePerGas = uint32(_movingAverage(_feePerGas, blk.rewardPerGas, config.feePerGasMAF));
        _avgProofDelay = uint64(_movingAverage(_avgProofDelay, provenAt - blk.proposedAt, config.proofDelayMAF));

        emit BlockVerified(blockId, fc.blockHash, prover, _blockFee(blk.gasLimit, blk.feePerGas), proofReward);
    }

    function _proofWindow(TaikoData.Config memory config) private view returns (uint64) {
        uint256 window = uint256(_avgProofDelay) * config.proofWindowMultiplier;
        if (window < config.proofWindowMin) return config.proofWindowMin;
        if (window > config.proofWindowMax) return config.proofWindowMax;
        return uint64(window);
    }

    function _blockFee(uint32 gasLimit, uint32 feePerGas) private view returns (uint64) {
        return uint64((uint256(_config.blockFeeBaseGas) + gasLimit) * feePerGas);
    }

    /// @dev Each new sample weighs 1/maf; an empty average takes the sample as it is.
    function _movingAverage(uint256 average, uint256 sample, uint256 maf) private pure returns (uint256) {
        if (average == 0) return sample;
        return (average * (maf - 1) + sample) / maf;
    }

    function _forkChoiceKey(bytes32 parentHash, uint32 parentGasUsed) private pure returns (bytes32) {
        return keccak256(abi.encode(parentHash, parentGasUsed));
    }

    /// @dev The proof's public instance: every field the proof attests, the prover's address included, so a
    /// proof made for one block or one prover is worthless for any other.
    function _instance(TaikoData.BlockEvidence memory e) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    e.metaHash,
                    e.parentHash,
                    e.blockHash,
                    e.signalRoot,
                    e.graffiti,
                    e.prover,
                    e.parentGasUsed,
                    e.gasUsed
                )
            );
    }
}
