// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProverPool} from "./IProverPool.sol";
import {ITaikoL1} from "./ITaikoL1.sol";
import {LibTaikoHash} from "./LibTaikoHash.sol";
import {TaikoData} from "./TaikoData.sol";
import {TaikoToken} from "./TaikoToken.sol";

/// @title TaikoL1
/// @notice The local implementation of what Taiko's Alpha-4 ("eldfell") L1 contract did for proposers and
/// provers: block fees, prover assignment through the ProverPool, proof windows, proofs checked by a verifier
/// behind eldfell's verifier call, the proof cooldown, rewards at verification and slashing of provers that
/// miss their window. Its ABI is eldfell's where eldfell has the item (see ITaikoL1).
contract TaikoL1 is ITaikoL1 {
    // ───────────────────────────── types ─────────────────────────────

    /// @notice What eldfell's init() and hard-coded constants fix, here set at deployment.
    struct Params {
        /// eldfell's init(_initFeePerGas)
        uint32 initFeePerGas;
        /// eldfell's init(_initAvgProofDelay), seconds
        uint16 initAvgProofDelay;
        /// Each verified in-time proof moves feePerGas and avgProofDelay by 1/MAF of its sample (eldfell: 7,200).
        uint16 feePerGasMAF;
        uint16 proofDelayMAF;
    }

    /// @notice The addresses eldfell's AddressManager names and the proof's instance hashes.
    struct Addresses {
        /// This chain's signal service: resolve("signal_service").
        address signalService;
        /// The L2's: resolve(config.chainId, "signal_service").
        address l2SignalService;
        /// The L2's TaikoL2 contract: resolve(config.chainId, "taiko").
        address l2Taiko;
        /// Where block metadata says the L2 fees go: resolve(config.chainId, "treasury").
        address treasury;
    }

    /// @dev A proposed block, with what getBlock returns.
    struct Block {
        bytes32 metaHash;
        address proposer;
        uint64 proposedAt;
        uint32 gasLimit;
        uint24 nextForkChoiceId;
        uint24 verifiedForkChoiceId;
        bool proverReleased;
        address assignedProver;
        uint32 feePerGas;
        uint32 rewardPerGas;
        uint64 proofWindow;
    }

    // ───────────────────────────── constants ─────────────────────────────

    /// @notice Gas of the L2 anchor transaction every block carries (eldfell's LibL2Consts.ANCHOR_GAS_COST).
    uint32 public constant ANCHOR_GAS_COST = 180_000;
    /// @notice The proof window is this many times the average proof delay, clamped (eldfell: 3).
    uint256 public constant PROOF_WINDOW_MULTIPLIER = 3;
    /// @notice The verifier of evidence.verifierId must answer its staticcall with this word.
    bytes32 public constant VERIFIER_OK = keccak256("taiko");

    // ───────────────────────────── immutables ─────────────────────────────

    TaikoToken public immutable TOKEN;
    IProverPool public immutable PROVER_POOL;
    uint64 private immutable _GENESIS_HEIGHT;
    uint64 private immutable _GENESIS_TIMESTAMP;

    // ───────────────────────────── storage ─────────────────────────────

    TaikoData.Config private _config;
    Params private _params;
    Addresses private _addresses;
    mapping(uint16 verifierId => address verifier) private _verifiers;
    mapping(address account => uint256 balance) private _balances;

    mapping(uint256 blockId => Block) private _blocks;
    mapping(uint256 blockId => mapping(uint256 forkChoiceId => TaikoData.ForkChoice)) private _forkChoices;
    mapping(uint256 blockId => mapping(bytes32 key => uint24 forkChoiceId)) private _forkChoiceIds;

    uint64 private _numBlocks;
    uint64 private _numOpenBlocks;
    uint64 private _lastVerifiedAt;
    uint64 private _lastVerifiedBlockId;
    uint32 private _currentFeePerGas;
    uint16 private _avgProofDelay;

    // ───────────────────────────── constructor ─────────────────────────────

    /// @param verifiers verifier addresses by verifierId (index): each answers eldfell's verifier call
    /// @param genesisBlockHash the L2 genesis block, verified from the start
    constructor(
        TaikoToken token,
        IProverPool proverPool,
        address[] memory verifiers,
        TaikoData.Config memory config,
        Params memory params,
        Addresses memory addresses,
        bytes32 genesisBlockHash
    ) {
        if (
            !LibTaikoHash.isValidConfig(config) ||
            params.initFeePerGas == 0 ||
            params.feePerGasMAF == 0 ||
            params.proofDelayMAF == 0 ||
            addresses.signalService == address(0) ||
            addresses.l2SignalService == address(0) ||
            addresses.l2Taiko == address(0) ||
            addresses.treasury == address(0) ||
            genesisBlockHash == 0 ||
            verifiers.length == 0
        ) revert L1_INVALID_CONFIG();
        TOKEN = token;
        PROVER_POOL = proverPool;
        _config = config;
        _params = params;
        _addresses = addresses;
        for (uint256 i; i < verifiers.length; ++i) {
            _verifiers[uint16(i)] = verifiers[i];
        }
        _GENESIS_HEIGHT = uint64(block.number);
        _GENESIS_TIMESTAMP = uint64(block.timestamp);
        _lastVerifiedAt = uint64(block.timestamp);
        _currentFeePerGas = params.initFeePerGas;
        _avgProofDelay = params.initAvgProofDelay;
        _numBlocks = 1;

        // The genesis block: verified, with one fork choice (eldfell's layout: nextForkChoiceId 2).
        Block storage genesis = _blocks[0];
        genesis.proposedAt = uint64(block.timestamp);
        genesis.nextForkChoiceId = 2;
        genesis.verifiedForkChoiceId = 1;
        TaikoData.ForkChoice storage fc = _forkChoices[0][1];
        fc.blockHash = genesisBlockHash;
        fc.provenAt = uint64(block.timestamp);
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
        uint64 blockId = _numBlocks;
        uint32 feePerGas = _currentFeePerGas;

        (address assignedProver, uint32 rewardPerGas) = PROVER_POOL.assignProver(blockId, feePerGas);
        _validateBlock(config, blockInput, txList, blockId);

        meta.id = blockId;
        meta.timestamp = uint64(block.timestamp);
        meta.l1Height = uint64(block.number - 1);
        meta.l1Hash = blockhash(block.number - 1);
        // Several L2 blocks can share an L1 block: eldfell salts prevrandao with the block id (wrapping).
        unchecked {
            meta.mixHash = bytes32(block.prevrandao * blockId);
        }
        meta.txListHash = blockInput.txListHash;
        meta.txListByteStart = blockInput.txListByteStart;
        meta.txListByteEnd = blockInput.txListByteEnd;
        meta.gasLimit = blockInput.gasLimit;
        meta.beneficiary = blockInput.beneficiary;
        meta.treasury = _addresses.treasury;

        Block storage blk = _blocks[blockId];
        blk.metaHash = LibTaikoHash.hashMetadata(meta);
        blk.proposer = msg.sender;
        blk.proposedAt = uint64(block.timestamp);
        blk.gasLimit = blockInput.gasLimit;
        blk.nextForkChoiceId = 1;
        blk.feePerGas = feePerGas;
        blk.proofWindow = _currentProofWindow(config);
        if (assignedProver == address(0)) {
            if (_numOpenBlocks >= config.rewardOpenMaxCount) revert L1_TOO_MANY_OPEN_BLOCKS();
            // An open block pays the current fee per gas (times rewardOpenMultipler), as in eldfell.
            blk.rewardPerGas = feePerGas;
            ++_numOpenBlocks;
        } else {
            blk.assignedProver = assignedProver;
            blk.rewardPerGas = rewardPerGas;
        }

        uint64 blockFee = _blockFee(blockInput.gasLimit, feePerGas);
        if (_balances[msg.sender] < blockFee) revert L1_INSUFFICIENT_TOKEN();
        unchecked {
            // Checked just above.
            _balances[msg.sender] -= blockFee;
            // A uint64 counter that grows by one per block.
            _numBlocks = blockId + 1;
        }

        emit BlockProposed(blockId, blk.assignedProver, blk.rewardPerGas, feePerGas, meta);

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

        Block storage blk = _blocks[blockId];
        if (blk.metaHash != evidence.metaHash) revert L1_EVIDENCE_MISMATCH(blk.metaHash, evidence.metaHash);
        // The L2 block's gas limit is gasLimit plus the anchor's; eldfell asserts this at verification.
        if (evidence.gasUsed > uint256(blk.gasLimit) + ANCHOR_GAS_COST) revert L1_INVALID_EVIDENCE();

        address assignedProver = blk.assignedProver;
        if (
            assignedProver != address(0) &&
            evidence.prover != assignedProver &&
            block.timestamp <= blk.proposedAt + blk.proofWindow
        ) revert L1_NOT_PROVEABLE();

        bytes32 key = LibTaikoHash.keyForForkChoice(evidence.parentHash, evidence.parentGasUsed);
        if (_forkChoiceIds[blockId][key] != 0) revert L1_ALREADY_PROVEN();

        _verifyProof(evidence);

        uint24 fcId = blk.nextForkChoiceId;
        // Fork choices per block are bounded by distinct parents anyone bothered to prove; 2^24 is unreachable.
        unchecked {
            blk.nextForkChoiceId = fcId + 1;
        }
        _forkChoiceIds[blockId][key] = fcId;
        _forkChoices[blockId][fcId] = TaikoData.ForkChoice({
            // eldfell writes the key of the first fork choice only
            key: fcId == 1 ? key : bytes32(0),
            blockHash: evidence.blockHash,
            signalRoot: evidence.signalRoot,
            prover: evidence.prover,
            provenAt: uint64(block.timestamp),
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
        return _blockFee(gasLimit, _currentFeePerGas);
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
        Block storage blk = _blocks[blockId];
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
        if (blockId >= _numBlocks) revert L1_BLOCK_ID();
        uint24 fcId = _forkChoiceIds[blockId][LibTaikoHash.keyForForkChoice(parentHash, parentGasUsed)];
        if (blockId == 0) fcId = 1; // the genesis block's only fork choice has no parent
        if (fcId == 0) revert L1_FORK_CHOICE_NOT_FOUND();
        return _forkChoices[blockId][fcId];
    }

    /// @inheritdoc ITaikoL1
    function getCrossChainBlockHash(uint256 blockId) external view returns (bytes32) {
        (bool found, TaikoData.ForkChoice storage fc) = _verifiedForkChoice(blockId);
        return found ? fc.blockHash : bytes32(0);
    }

    /// @inheritdoc ITaikoL1
    function getCrossChainSignalRoot(uint256 blockId) external view returns (bytes32) {
        (bool found, TaikoData.ForkChoice storage fc) = _verifiedForkChoice(blockId);
        return found ? fc.signalRoot : bytes32(0);
    }

    /// @notice The hash of verified block `blockId` (the genesis block for 0); zero while it is not verified.
    /// Not eldfell's: its getCrossChainBlockHash(0) means the last verified block.
    function getVerifiedBlockHash(uint256 blockId) external view returns (bytes32) {
        if (blockId > _lastVerifiedBlockId) return 0;
        return _forkChoices[blockId][_blocks[blockId].verifiedForkChoiceId].blockHash;
    }

    /// @inheritdoc ITaikoL1
    function getStateVariables() external view returns (TaikoData.StateVariables memory) {
        return
            TaikoData.StateVariables({
                feePerGas: _currentFeePerGas,
                genesisHeight: _GENESIS_HEIGHT,
                genesisTimestamp: _GENESIS_TIMESTAMP,
                numBlocks: _numBlocks,
                lastVerifiedBlockId: _lastVerifiedBlockId,
                nextEthDepositToProcess: 0,
                numEthDeposits: 0
            });
    }

    /// @notice Eldfell's public `state` getter: TaikoData.State's fields but its mappings and gap, in order
    /// (the reserved words and the ETH deposit counters are zero here).
    function state()
        external
        view
        returns (
            uint64 genesisHeight,
            uint64 genesisTimestamp,
            uint64 __reserved70,
            uint64 __reserved71,
            uint64 numOpenBlocks,
            uint64 numEthDeposits,
            uint64 numBlocks,
            uint64 nextEthDepositToProcess,
            uint64 lastVerifiedAt,
            uint64 lastVerifiedBlockId,
            uint64 __reserved90,
            uint32 feePerGas,
            uint16 avgProofDelay
        )
    {
        return (
            _GENESIS_HEIGHT,
            _GENESIS_TIMESTAMP,
            0,
            0,
            _numOpenBlocks,
            0,
            _numBlocks,
            0,
            _lastVerifiedAt,
            _lastVerifiedBlockId,
            0,
            _currentFeePerGas,
            _avgProofDelay
        );
    }

    /// @inheritdoc ITaikoL1
    function getConfig() external view returns (TaikoData.Config memory) {
        return _config;
    }

    /// @notice The parameters eldfell fixes in init() or in code (see Params).
    function getParams() external view returns (Params memory) {
        return _params;
    }

    /// @inheritdoc ITaikoL1
    function getVerifierName(uint16 id) public pure returns (bytes32) {
        return LibTaikoHash.verifierName(id);
    }

    /// @inheritdoc ITaikoL1
    function resolve(bytes32 name, bool allowZeroAddress) public view returns (address payable) {
        return _checked(block.chainid, name, _resolveHere(name), allowZeroAddress);
    }

    /// @inheritdoc ITaikoL1
    function resolve(uint256 chainId, bytes32 name, bool allowZeroAddress) public view returns (address payable) {
        address addr;
        if (chainId == block.chainid) {
            addr = _resolveHere(name);
        } else if (chainId == _config.chainId) {
            if (name == "taiko") addr = _addresses.l2Taiko;
            else if (name == "signal_service") addr = _addresses.l2SignalService;
            else if (name == "treasury") addr = _addresses.treasury;
        }
        return _checked(chainId, name, addr, allowZeroAddress);
    }

    /// @notice The instance hash a proof for `evidence` must carry (eldfell's LibProving computes it inline).
    function getInstance(TaikoData.BlockEvidence calldata evidence) external view returns (bytes32) {
        return _instance(evidence);
    }

    // ───────────────────────────── private ─────────────────────────────

    function _validateBlock(
        TaikoData.Config memory config,
        TaikoData.BlockMetadataInput memory input,
        bytes calldata txList,
        uint64 blockId
    ) private view {
        if (input.beneficiary == address(0) || input.gasLimit == 0 || input.gasLimit > config.blockMaxGasLimit) {
            revert L1_INVALID_METADATA();
        }
        if (blockId >= _lastVerifiedBlockId + config.blockMaxProposals + 1) revert L1_TOO_MANY_BLOCKS();
        if (txList.length > config.blockMaxTxListBytes) revert L1_TX_LIST();
        // No txList cache (blockTxListExpiry is 0): each proposal covers its whole txList, as in eldfell.
        if (input.txListByteStart != 0 || input.txListByteEnd != txList.length) revert L1_TX_LIST_RANGE();
        if (keccak256(txList) != input.txListHash) revert L1_TX_LIST_HASH();
    }

    /// @dev Eldfell's proof check: see LibTaikoHash.proofVerifies.
    function _verifyProof(TaikoData.BlockEvidence memory evidence) private view {
        address verifier = resolve(getVerifierName(evidence.verifierId), false);
        if (!LibTaikoHash.proofVerifies(_instance(evidence), evidence.proof, verifier)) revert L1_INVALID_PROOF();
    }

    function _instance(TaikoData.BlockEvidence memory evidence) private view returns (bytes32) {
        TaikoData.Config storage config = _config;
        return
            LibTaikoHash.hashInstance(
                [_addresses.signalService, _addresses.l2SignalService, _addresses.l2Taiko],
                evidence,
                [config.blockMaxGasLimit, config.blockMaxTransactions, config.blockMaxTxListBytes]
            );
    }

    /// @dev Verifies, in order, each block whose proven parent is the last verified block and whose proof
    /// has cooled down, up to `maxBlocks`.
    function _verifyBlocks(TaikoData.Config memory config, uint256 maxBlocks) private {
        uint64 blockId = _lastVerifiedBlockId;
        TaikoData.ForkChoice storage parent = _forkChoices[blockId][_blocks[blockId].verifiedForkChoiceId];
        bytes32 parentHash = parent.blockHash;
        uint32 parentGasUsed = parent.gasUsed;
        bytes32 signalRoot;
        uint64 numBlocks = _numBlocks;
        uint64 verified;
        unchecked {
            // Bounded by _numBlocks.
            ++blockId;
        }
        while (blockId < numBlocks && verified < maxBlocks) {
            uint24 fcId = _forkChoiceIds[blockId][LibTaikoHash.keyForForkChoice(parentHash, parentGasUsed)];
            if (fcId == 0) break;
            TaikoData.ForkChoice storage fc = _forkChoices[blockId][fcId];
            if (block.timestamp < fc.provenAt + config.proofRegularCooldown) break;

            _verifyBlock(config, blockId, fcId, fc);
            parentHash = fc.blockHash;
            parentGasUsed = fc.gasUsed;
            signalRoot = fc.signalRoot;
            unchecked {
                // Both are bounded by _numBlocks and maxBlocks.
                ++blockId;
                ++verified;
            }
        }
        if (verified != 0) {
            _lastVerifiedAt = uint64(block.timestamp);
            _lastVerifiedBlockId = blockId - 1;
            emit CrossChainSynced(blockId - 1, parentHash, signalRoot);
        }
    }

    function _verifyBlock(
        TaikoData.Config memory config,
        uint64 blockId,
        uint24 fcId,
        TaikoData.ForkChoice storage fc
    ) private {
        Block storage blk = _blocks[blockId];
        address assignedProver = blk.assignedProver;
        address prover = fc.prover;
        uint64 provenAt = fc.provenAt;
        uint32 gasUsed = fc.gasUsed;

        uint64 reward = uint64((uint256(config.blockFeeBaseGas) + gasUsed) * blk.rewardPerGas);
        uint64 proofReward = reward;
        if (assignedProver == address(0)) {
            unchecked {
                --_numOpenBlocks;
            }
            proofReward = uint64((uint256(reward) * config.rewardOpenMultipler) / 100);
        } else {
            if (!blk.proverReleased) {
                blk.proverReleased = true;
                PROVER_POOL.releaseProver(assignedProver);
            }
            if (prover == assignedProver && provenAt <= blk.proposedAt + blk.proofWindow) {
                // Only the assigned prover's proofs in time move the averages, as in eldfell.
                Params memory params = _params;
                _avgProofDelay = uint16(
                    _movingAverage(_avgProofDelay, provenAt - blk.proposedAt, params.proofDelayMAF)
                );
                _currentFeePerGas = uint32(_movingAverage(_currentFeePerGas, blk.rewardPerGas, params.feePerGasMAF));
            } else {
                proofReward = uint64((uint256(reward) * config.rewardOpenMultipler) / 100);
                PROVER_POOL.slashProver(assignedProver, proofReward);
            }
        }

        blk.verifiedForkChoiceId = fcId;
        // The proposer paid for gasLimit plus the anchor's gas and gets back what the block did not use.
        _balances[blk.proposer] += (uint256(blk.gasLimit) + ANCHOR_GAS_COST - gasUsed) * blk.feePerGas;
        _balances[prover] += proofReward;

        emit BlockVerified(blockId, fc.blockHash, prover, _blockFee(gasUsed, _currentFeePerGas), proofReward);
    }

    function _verifiedForkChoice(uint256 blockId) private view returns (bool found, TaikoData.ForkChoice storage fc) {
        uint256 id = blockId == 0 ? _lastVerifiedBlockId : blockId;
        uint24 fcId = _blocks[id].verifiedForkChoiceId;
        fc = _forkChoices[id][fcId];
        found = id <= _lastVerifiedBlockId && fcId != 0;
    }

    function _currentProofWindow(TaikoData.Config memory config) private view returns (uint64) {
        uint256 window = uint256(_avgProofDelay) * PROOF_WINDOW_MULTIPLIER;
        if (window < config.proofMinWindow) return config.proofMinWindow;
        if (window > config.proofMaxWindow) return config.proofMaxWindow;
        return uint64(window);
    }

    /// @dev feePerGas × (gas + the anchor's gas + blockFeeBaseGas), eldfell's LibUtils.getBlockFee.
    function _blockFee(uint32 gas, uint32 feePerGas) private view returns (uint64) {
        return uint64((uint256(gas) + ANCHOR_GAS_COST + _config.blockFeeBaseGas) * feePerGas);
    }

    function _resolveHere(bytes32 name) private view returns (address addr) {
        if (name == "taiko_token") return address(TOKEN);
        if (name == "prover_pool") return address(PROVER_POOL);
        if (name == "signal_service") return _addresses.signalService;
        uint256 id = uint256(name);
        if (id >= 0x1000000 && id <= 0x1000000 + type(uint16).max) return _verifiers[uint16(id - 0x1000000)];
    }

    function _checked(
        uint256 chainId,
        bytes32 name,
        address addr,
        bool allowZeroAddress
    ) private pure returns (address payable) {
        if (addr == address(0) && !allowZeroAddress) revert RESOLVER_ZERO_ADDR(chainId, name);
        return payable(addr);
    }

    /// @dev Each new sample weighs 1/maf; an empty average takes the sample; an average never drops to zero.
    function _movingAverage(uint256 average, uint256 sample, uint256 maf) private pure returns (uint256) {
        if (average == 0) return sample;
        uint256 next = (average * (maf - 1) + sample) / maf;
        return next > 0 ? next : average;
    }
}
