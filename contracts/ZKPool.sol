// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IZKPool} from "./interfaces/IZKPool.sol";
import {IProverPool} from "./taiko/IProverPool.sol";
import {ITaikoL1} from "./taiko/ITaikoL1.sol";
import {LibTaikoHash} from "./taiko/LibTaikoHash.sol";
import {TaikoData} from "./taiko/TaikoData.sol";
import {ClaimRecords} from "./libraries/ClaimRecords.sol";
import {LedgerEntries} from "./libraries/LedgerEntries.sol";
import {WordCache} from "./libraries/WordCache.sol";

/// @title ZKPool
/// @notice See IZKPool. Reading order: provers and agents, proofs and credits, harvest and settlement, claims,
/// fee, stake, roles and ownership, views.
contract ZKPool is IZKPool, Ownable2Step, EIP712 {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using Checkpoints for Checkpoints.Trace208;

    // ───────────────────────────── storage types ─────────────────────────────

    /// @dev The totals a claim or a settlement updates, packed: amounts are below 2^72 (harvest's bound).
    struct Ledger {
        uint64 nextEpochToSettle;
        uint96 totalClaimed;
        /// Owed to provers for settled epochs, rounding dust included until swept.
        uint96 totalClaimable;
    }

    /// @dev One epoch: its shares and provers as proofs come in; what its provers get once settled.
    struct EpochLedger {
        uint88 totalShares;
        /// How many provers earned shares in the epoch.
        uint24 provers;
        uint72 proverReward;
    }

    /// @dev One prover: its latest epoch with shares (the open entry, closed when it earns in a later epoch),
    /// how many closed entries it has, and how many of all its entries it has claimed.
    struct ProverLedger {
        uint32 openEpoch;
        /// Zero until the prover's first credited proof.
        uint96 openShares;
        uint32 closedCount;
        uint32 claimCursor;
    }

    /// @dev The relayer is one key: several relayer processes share it, and its nonces, through their database.
    struct Gate {
        address relayer;
        bool paused;
    }

    /// @dev A proof recorded for a fork choice, until confirm credits or drops it (then its agent is zero): one slot.
    struct ProofRecord {
        address agent;
        uint24 forkChoiceId;
        uint64 blockId;
    }

    // ───────────────────────────── constants ─────────────────────────────

    /// @inheritdoc IZKPool
    uint16 public constant INITIAL_FEE_BPS = 2_000;
    /// @inheritdoc IZKPool
    uint16 public constant MAX_FEE_BPS = 3_000;
    /// @inheritdoc IZKPool
    uint256 public constant MAX_LABEL_LENGTH = 64;
    /// @inheritdoc IZKPool
    bytes32 public constant AGENT_CONSENT_TYPEHASH = keccak256("AgentConsent(address prover)");
    uint256 private constant _BPS = 10_000;
    /// @dev Positions of BlockEvidence's fields read by the pool.
    uint256 private constant _EVIDENCE_PARENT_HASH = 1;
    uint256 private constant _EVIDENCE_GRAFFITI = 4;
    uint256 private constant _EVIDENCE_PROVER = 5;
    uint256 private constant _EVIDENCE_PARENT_GAS_USED = 6;
    /// @dev TaikoL1 numbers a block's fork choices from 1.
    uint24 private constant _FIRST_FORK_CHOICE_ID = 1;
    /// @dev How many blocks' first proofs wait for confirmation in reused slots at most: 8,192 blocks, many hours of
    /// Taiko's blocks, against Taiko's 30-minute verification cooldown.
    uint256 private constant _FIRST_PROOF_SLOTS = 8_192;
    bytes32 private constant _SIGNAL_SERVICE = "signal_service";
    bytes32 private constant _TAIKO = "taiko";
    /// @dev TaikoL1's L1_ALREADY_PROVEN(): a proof on this parent is in already.
    bytes4 private constant _ALREADY_PROVEN = bytes4(keccak256("L1_ALREADY_PROVEN()"));

    // ───────────────────────────── immutables ─────────────────────────────

    /// @inheritdoc IZKPool
    IERC20 public immutable TOKEN;
    /// @inheritdoc IZKPool
    ITaikoL1 public immutable TAIKO_L1;
    /// @inheritdoc IZKPool
    IProverPool public immutable PROVER_POOL;
    /// @inheritdoc IZKPool
    uint256 public immutable GENESIS_TIMESTAMP;
    /// @inheritdoc IZKPool
    uint256 public immutable EPOCH_LENGTH;
    /// @inheritdoc IZKPool
    uint256 public immutable FEE_CHANGE_DELAY;
    /// @inheritdoc IZKPool
    uint256 public immutable BLOCK_FEE_BASE_GAS;
    /// @inheritdoc IZKPool
    uint256 public immutable REWARD_OPEN_MULTIPLIER;
    /// @dev The L2's chain id and the proof instance's limits, from TaikoL1's config (constant in eldfell).
    uint256 private immutable _L2_CHAIN_ID;
    uint64 private immutable _BLOCK_MAX_GAS_LIMIT;
    uint64 private immutable _BLOCK_MAX_TRANSACTIONS;
    uint64 private immutable _BLOCK_MAX_TX_LIST_BYTES;

    // ───────────────────────────── storage ─────────────────────────────

    address private _treasury;
    /// @dev Every proof reads who may submit it and whether the pool is paused: one slot.
    Gate private _gate;
    mapping(address account => bool) private _pausers;
    uint32 private _minCapacity;
    uint32 private _maxCapacity;

    mapping(address agent => Agent) private _agents;

    /// @dev Recorded proofs of blocks' first fork choices (nearly all of the pool's), by block id modulo
    /// _FIRST_PROOF_SLOTS: a slot is reused by a later block once confirm is done with it, so a proof costs a
    /// storage write, not a new slot. TaikoL1 names a block's first fork choice by its key (ForkChoice.key), so
    /// confirm can tell that a (parent hash, parent gas used) is the one such a record is for.
    mapping(uint256 slot => ProofRecord) private _firstProofs;
    /// @dev Every other recorded proof (another fork choice, or a first one whose slot was still taken), by its
    /// fork choice: see _proofKey.
    mapping(bytes32 key => ProofRecord) private _proofs;

    /// @dev What claims and settlements touch on every call, in one slot.
    Ledger private _ledger;
    /// @dev Each epoch's shares, provers and prover reward, in one slot: a proof reads and writes it, a claim
    /// only reads it.
    mapping(uint256 epoch => EpochLedger) private _epochs;
    /// @dev Each settled epoch's claims so far, five epochs a word (ClaimRecords): how many of its provers
    /// claimed, and the low 24 bits of the sum of their parts, which is all the dust sweep needs.
    mapping(uint256 word => uint256 records) private _claimRecords;
    /// @dev Each prover's latest epoch with shares (the open entry) and its claim cursor, in one slot.
    mapping(address prover => ProverLedger) private _provers;
    /// @dev A prover's earlier epochs with shares, ascending, two (epoch, shares) entries a word (LedgerEntries).
    mapping(address prover => mapping(uint256 word => uint256 entries)) private _closedEntries;

    /// @dev Fee in basis points by the epoch it applies from.
    Checkpoints.Trace208 private _feeSchedule;

    uint256 private _totalHarvested;
    /// @dev Every fee and swept dust ever accrued to the operator, withdrawn or not.
    uint256 private _totalFees;
    uint256 private _feesWithdrawn;
    /// @dev Harvested and not yet assigned to a settled epoch.
    uint256 private _unsettled;
    /// @dev TTKOe the operator put in for staking, not yet staked: never mixed with rewards.
    uint256 private _stakeFunds;

    // ───────────────────────────── modifiers ─────────────────────────────

    modifier onlyRelayer() {
        if (msg.sender != _gate.relayer) revert NotRelayer(msg.sender);
        _;
    }

    modifier whenNotPaused() {
        if (_gate.paused) revert EnforcedPause();
        _;
    }

    // ───────────────────────────── constructor ─────────────────────────────

    constructor(
        address owner_,
        IERC20 token,
        ITaikoL1 taikoL1,
        IProverPool proverPool,
        address treasury_,
        uint256 epochLength,
        uint256 feeChangeDelay
    ) Ownable(owner_) EIP712("ZKPool", "1") {
        if (
            address(token) == address(0) ||
            address(taikoL1) == address(0) ||
            address(proverPool) == address(0) ||
            treasury_ == address(0)
        ) revert ZeroAddress();
        if (epochLength == 0) revert InvalidEpochLength();
        if (feeChangeDelay < epochLength) revert FeeChangeDelayTooShort(feeChangeDelay, epochLength);
        TOKEN = token;
        TAIKO_L1 = taikoL1;
        PROVER_POOL = proverPool;
        GENESIS_TIMESTAMP = block.timestamp;
        EPOCH_LENGTH = epochLength;
        FEE_CHANGE_DELAY = feeChangeDelay;
        TaikoData.Config memory config = taikoL1.getConfig();
        BLOCK_FEE_BASE_GAS = config.blockFeeBaseGas;
        REWARD_OPEN_MULTIPLIER = config.rewardOpenMultipler;
        _L2_CHAIN_ID = config.chainId;
        _BLOCK_MAX_GAS_LIMIT = config.blockMaxGasLimit;
        _BLOCK_MAX_TRANSACTIONS = config.blockMaxTransactions;
        _BLOCK_MAX_TX_LIST_BYTES = config.blockMaxTxListBytes;
        _treasury = treasury_;
        _feeSchedule.push(0, INITIAL_FEE_BPS);
        emit TreasuryChanged(treasury_);
        emit FeeChangeScheduled(INITIAL_FEE_BPS, 0);
    }

    // ───────────────────────────── provers and agents ─────────────────────────────

    /// @inheritdoc IZKPool
    function authorizeAgent(address agent, string calldata label, bytes calldata consent) external whenNotPaused {
        if (agent == address(0)) revert ZeroAddress();
        if (bytes(label).length > MAX_LABEL_LENGTH) revert LabelTooLong(bytes(label).length, MAX_LABEL_LENGTH);
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(agentConsentDigest(msg.sender), consent);
        if (error != ECDSA.RecoverError.NoError || signer != agent) revert InvalidAgentConsent(agent);
        Agent storage a = _agents[agent];
        if (a.prover != address(0)) {
            if (a.prover != msg.sender) revert AgentOfAnotherProver(agent, a.prover);
            if (!a.revoked) revert AgentAlreadyAuthorized(agent);
        }
        a.prover = msg.sender;
        a.revoked = false;
        emit AgentAuthorized(msg.sender, agent, label);
    }

    /// @inheritdoc IZKPool
    function revokeAgent(address agent) external {
        Agent storage a = _agents[agent];
        if (a.prover != msg.sender || a.revoked) revert NotAuthorizedAgent(agent);
        a.revoked = true;
        emit AgentRevoked(msg.sender, agent);
    }

    /// @inheritdoc IZKPool
    function agentConsentDigest(address prover) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(AGENT_CONSENT_TYPEHASH, prover)));
    }

    /// @inheritdoc IZKPool
    function agentOwner(address agent) public view returns (address prover) {
        Agent storage a = _agents[agent];
        return a.revoked ? address(0) : a.prover;
    }

    // ───────────────────────────── proofs and credits ─────────────────────────────

    /// @inheritdoc IZKPool
    function proveBlock(uint256 blockId, bytes calldata input) external whenNotPaused {
        address evidenceProver = address(uint160(_evidenceWord(input, _EVIDENCE_PROVER)));
        if (evidenceProver != address(this)) revert EvidenceProverNotPool(evidenceProver);
        uint256 graffiti = _evidenceWord(input, _EVIDENCE_GRAFFITI);
        if (graffiti >> 160 != 0) revert GraffitiNotAnAgent(bytes32(graffiti));
        address agent = address(uint160(graffiti));
        address prover = agentOwner(agent);
        if (prover == address(0)) revert NotAuthorizedAgent(agent);
        bytes32 parentHash = bytes32(_evidenceWord(input, _EVIDENCE_PARENT_HASH));
        // Taiko's own decoding refuses a word wider than its type, so a recorded key is the one Taiko keys.
        uint32 parentGasUsed = uint32(_evidenceWord(input, _EVIDENCE_PARENT_GAS_USED));
        bytes32 key = _proofKey(blockId, parentHash, parentGasUsed);
        uint24 forkChoiceId = _proveOnTaiko(blockId, input, key);
        _record(key, ProofRecord({agent: agent, forkChoiceId: forkChoiceId, blockId: uint64(blockId)}));
        emit ProofRecorded(blockId, parentHash, parentGasUsed, agent, prover, forkChoiceId);
    }

    /// @inheritdoc IZKPool
    function confirm(ProofKey[] calldata proofs) external whenNotPaused returns (uint256 credited) {
        uint256 epoch = currentEpoch();
        for (uint256 i; i < proofs.length; ++i) {
            credited += _confirm(proofs[i], epoch);
        }
    }

    /// @inheritdoc IZKPool
    function proofRecord(
        uint256 blockId,
        bytes32 parentHash,
        uint32 parentGasUsed
    ) external view returns (address agent, uint24 forkChoiceId) {
        (ProofRecord memory record, , ) = _findRecord(blockId, parentHash, parentGasUsed);
        return (record.agent, record.forkChoiceId);
    }

    // ───────────────────────────── harvest and settlement ─────────────────────────────

    /// @inheritdoc IZKPool
    function harvest() public returns (uint256 amount) {
        amount = TAIKO_L1.getTaikoTokenBalance(address(this));
        if (amount == 0) return 0;
        uint256 balanceBefore = TOKEN.balanceOf(address(this));
        TAIKO_L1.withdrawTaikoToken(amount);
        // Count what arrived, not what was asked for.
        amount = TOKEN.balanceOf(address(this)) - balanceBefore;
        _totalHarvested += amount;
        // Every ledger amount is at most what was ever harvested, so this bound lets the ledger pack amounts into
        // 72 bits (4.7e13 TTKOe; TTKOe's whole supply is 1e9) without a settlement or a claim ever overflowing.
        if (_totalHarvested > type(uint72).max) revert LedgerFull(_totalHarvested, type(uint72).max);
        _unsettled += amount;
        emit Harvested(amount);
    }

    /// @inheritdoc IZKPool
    function settle(uint256 epoch) external {
        Ledger memory ledger = _ledger;
        if (epoch != ledger.nextEpochToSettle) revert EpochNotNext(epoch, ledger.nextEpochToSettle);
        uint256 endsAt = epochEndsAt(epoch);
        if (block.timestamp < endsAt) revert EpochNotEnded(epoch, endsAt);
        // Epochs are seconds-long at the shortest: 2^64 of them is beyond reach.
        unchecked {
            ledger.nextEpochToSettle = uint64(epoch + 1);
        }

        EpochLedger storage e = _epochs[epoch];
        // An epoch's reward is its credits: what Taiko paid for the blocks confirmed in it.
        uint256 reward = e.totalShares;
        if (reward == 0) {
            _ledger = ledger;
            emit EpochSettled(epoch, 0, 0, 0, 0);
            return;
        }
        // Each credit was paid into the pool's Taiko balance before it was confirmed.
        if (_unsettled < reward) harvest();
        uint256 unsettled = _unsettled;
        if (unsettled < reward) revert RewardsNotArrived(reward, unsettled);

        uint256 fee = (reward * feeBps(epoch)) / _BPS;
        uint256 proverReward = reward - fee;
        // proverReward ≤ reward ≤ unsettled ≤ everything harvested < 2^72 (harvest's bound): the casts cannot
        // truncate.
        e.proverReward = uint72(proverReward);
        ledger.totalClaimable += uint96(proverReward);
        _ledger = ledger;
        // The settlement, not the epoch's first claimer, pays for the claim record's word going from zero.
        ClaimRecords.reserve(_claimRecords, epoch);
        _unsettled = unsettled - reward;
        _totalFees += fee;
        emit EpochSettled(epoch, reward, fee, proverReward, reward);
    }

    // ───────────────────────────── claims ─────────────────────────────

    /// @inheritdoc IZKPool
    function claim(uint256 maxEpochs) external returns (uint256 amount) {
        ProverLedger memory p = _provers[msg.sender];
        uint256 settledBelow = _ledger.nextEpochToSettle;
        uint256 cursor = p.claimCursor;
        uint256 end = _entryCount(p);
        if (maxEpochs < end - cursor) end = cursor + maxEpochs;

        // The loop reads each storage word once: entries come two a word, claim records five a word, and
        // consecutive entries are consecutive words of both.
        mapping(uint256 => uint256) storage closedEntries = _closedEntries[msg.sender];
        WordCache.Cache memory entries = WordCache.empty();
        WordCache.Cache memory records = WordCache.empty();
        uint256 dust;
        uint256 i = cursor;
        for (; i < end; ++i) {
            (uint256 epoch, uint256 shares) = _entry(entries, closedEntries, p, i);
            if (epoch >= settledBelow) break; // entries are ascending: the rest are not settled yet
            (uint256 part, uint256 swept) = _claimEpoch(records, epoch, shares);
            amount += part;
            dust += swept;
            emit Claimed(msg.sender, epoch, part);
        }
        if (i == cursor) revert NothingToClaim(msg.sender);
        WordCache.flush(records, _claimRecords);

        // i ≤ the prover's entry count, itself a uint32.
        _provers[msg.sender].claimCursor = uint32(i);
        Ledger memory ledger = _ledger;
        // amount + dust ≤ totalClaimable, and totalClaimed ≤ everything harvested < 2^72.
        ledger.totalClaimed += uint96(amount);
        ledger.totalClaimable -= uint96(amount + dust);
        _ledger = ledger;
        if (dust != 0) _totalFees += dust;
        if (amount != 0) TOKEN.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IZKPool
    function claimable(address prover) external view returns (uint256 amount) {
        ProverLedger memory p = _provers[prover];
        uint256 settledBelow = _ledger.nextEpochToSettle;
        uint256 count = _entryCount(p);
        mapping(uint256 => uint256) storage closedEntries = _closedEntries[prover];
        WordCache.Cache memory entries = WordCache.empty();
        for (uint256 i = p.claimCursor; i < count; ++i) {
            (uint256 epoch, uint256 shares) = _entry(entries, closedEntries, p, i);
            if (epoch >= settledBelow) break;
            amount += _partOf(_epochs[epoch], shares);
        }
    }

    /// @inheritdoc IZKPool
    function withdrawFees() external returns (uint256 amount) {
        amount = _totalFees - _feesWithdrawn;
        if (amount == 0) return 0;
        _feesWithdrawn += amount;
        address to = _treasury;
        TOKEN.safeTransfer(to, amount);
        emit FeesWithdrawn(to, amount);
    }

    // ───────────────────────────── fee ─────────────────────────────

    /// @inheritdoc IZKPool
    function scheduleFee(uint16 newFeeBps) external onlyOwner {
        if (newFeeBps > MAX_FEE_BPS) revert FeeAboveCap(newFeeBps, MAX_FEE_BPS);
        uint256 fromEpoch = epochAt(block.timestamp + FEE_CHANGE_DELAY) + 1;
        _feeSchedule.push(fromEpoch.toUint48(), newFeeBps);
        emit FeeChangeScheduled(newFeeBps, fromEpoch);
    }

    /// @inheritdoc IZKPool
    function feeBps(uint256 epoch) public view returns (uint16) {
        return uint16(_feeSchedule.upperLookupRecent(epoch.toUint48()));
    }

    // ───────────────────────────── stake ─────────────────────────────

    /// @inheritdoc IZKPool
    function fundStake(uint256 amount) external onlyOwner {
        _collectReturnedStake();
        _stakeFunds += amount;
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        emit StakeFunded(msg.sender, amount);
    }

    /// @inheritdoc IZKPool
    function withdrawStakeFunds(uint256 amount, address to) external onlyOwner {
        if (to == address(0)) revert ZeroAddress();
        _collectReturnedStake();
        if (amount > _stakeFunds) revert InsufficientStakeFunds(amount, _stakeFunds);
        _stakeFunds -= amount;
        TOKEN.safeTransfer(to, amount);
        emit StakeFundsWithdrawn(to, amount);
    }

    /// @inheritdoc IZKPool
    function stake(uint64 amount, uint32 rewardPerGas, uint32 maxCapacity) external onlyOwner {
        _stakeFromFunds(amount, rewardPerGas, maxCapacity);
    }

    /// @inheritdoc IZKPool
    function adjustCapacity(uint32 maxCapacity) external onlyRelayer {
        if (maxCapacity < _minCapacity || maxCapacity > _maxCapacity) {
            revert CapacityOutOfBounds(maxCapacity, _minCapacity, _maxCapacity);
        }
        (IProverPool.Staker memory staker, IProverPool.Prover memory current) = PROVER_POOL.getStaker(address(this));
        if (current.stakedAmount == 0) revert NotStaked();
        if (staker.exitAmount != 0) revert ExitPending(staker.exitAmount);
        _stakeFromFunds(current.stakedAmount, current.rewardPerGas, maxCapacity);
    }

    /// @inheritdoc IZKPool
    function exitStake() external onlyOwner {
        _collectReturnedStake();
        // ProverPool's exit() first pays out a matured exit: it goes back into the stake funds.
        uint256 balanceBefore = TOKEN.balanceOf(address(this));
        PROVER_POOL.exit();
        _accountStakeMove(balanceBefore);
    }

    /// @inheritdoc IZKPool
    function withdrawStake() external onlyOwner {
        _collectReturnedStake();
        uint256 balanceBefore = TOKEN.balanceOf(address(this));
        PROVER_POOL.withdraw();
        _accountStakeMove(balanceBefore);
    }

    /// @inheritdoc IZKPool
    function setCapacityBounds(uint32 minCapacity, uint32 maxCapacity) external onlyOwner {
        if (minCapacity > maxCapacity) revert InvalidCapacityBounds(minCapacity, maxCapacity);
        _minCapacity = minCapacity;
        _maxCapacity = maxCapacity;
        emit CapacityBoundsSet(minCapacity, maxCapacity);
    }

    // ───────────────────────────── roles ─────────────────────────────

    /// @inheritdoc IZKPool
    function setRelayer(address relayer_) external onlyOwner {
        _gate.relayer = relayer_;
        emit RelayerSet(relayer_);
    }

    /// @inheritdoc IZKPool
    function setPauser(address account, bool allowed) external onlyOwner {
        _pausers[account] = allowed;
        emit PauserSet(account, allowed);
    }

    /// @inheritdoc IZKPool
    function setTreasury(address treasury_) external onlyOwner {
        if (treasury_ == address(0)) revert ZeroAddress();
        _treasury = treasury_;
        emit TreasuryChanged(treasury_);
    }

    /// @inheritdoc IZKPool
    function renounceOwnership() public pure override(Ownable, IZKPool) {
        revert OwnershipCannotBeRenounced();
    }

    /// @inheritdoc IZKPool
    function owner() public view override(Ownable, IZKPool) returns (address) {
        return super.owner();
    }

    /// @inheritdoc IZKPool
    function pendingOwner() public view override(Ownable2Step, IZKPool) returns (address) {
        return super.pendingOwner();
    }

    /// @inheritdoc IZKPool
    function transferOwnership(address newOwner) public override(Ownable2Step, IZKPool) {
        super.transferOwnership(newOwner);
    }

    /// @inheritdoc IZKPool
    function acceptOwnership() public override(Ownable2Step, IZKPool) {
        super.acceptOwnership();
    }

    /// @inheritdoc IZKPool
    function pause() external {
        if (!_pausers[msg.sender]) revert NotPauser(msg.sender);
        if (_gate.paused) revert EnforcedPause();
        _gate.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IZKPool
    function unpause() external onlyOwner {
        if (!_gate.paused) revert ExpectedPause();
        _gate.paused = false;
        emit Unpaused(msg.sender);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @inheritdoc IZKPool
    function eip712Domain()
        public
        view
        override(EIP712, IZKPool)
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return super.eip712Domain();
    }

    /// @inheritdoc IZKPool
    function currentEpoch() public view returns (uint256) {
        return epochAt(block.timestamp);
    }

    /// @inheritdoc IZKPool
    function epochAt(uint256 timestamp) public view returns (uint256) {
        return (timestamp - GENESIS_TIMESTAMP) / EPOCH_LENGTH;
    }

    /// @inheritdoc IZKPool
    function epochEndsAt(uint256 epoch) public view returns (uint256) {
        return GENESIS_TIMESTAMP + (epoch + 1) * EPOCH_LENGTH;
    }

    /// @inheritdoc IZKPool
    function sharesOf(address prover, uint256 epoch) external view returns (uint256) {
        ProverLedger memory p = _provers[prover];
        if (p.openShares != 0 && epoch == p.openEpoch) return p.openShares;
        // Binary search of the closed entries, ascending by epoch.
        mapping(uint256 => uint256) storage closedEntries = _closedEntries[prover];
        WordCache.Cache memory entries = WordCache.empty();
        uint256 low = 0;
        uint256 high = p.closedCount;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            (uint256 e, uint256 shares) = LedgerEntries.read(entries, closedEntries, mid);
            if (e == epoch) return shares;
            if (e < epoch) low = mid + 1;
            else high = mid;
        }
        return 0;
    }

    /// @inheritdoc IZKPool
    function totalSharesOf(uint256 epoch) external view returns (uint256) {
        return _epochs[epoch].totalShares;
    }

    /// @inheritdoc IZKPool
    function epochOf(uint256 epoch) external view returns (EpochInfo memory info) {
        EpochLedger memory e = _epochs[epoch];
        (uint256 claimedBy, ) = ClaimRecords.get(_claimRecords, epoch);
        return
            EpochInfo({
                totalShares: e.totalShares,
                provers: e.provers,
                settled: epoch < _ledger.nextEpochToSettle,
                proverReward: e.proverReward,
                proversClaimed: claimedBy
            });
    }

    /// @inheritdoc IZKPool
    function nextEpochToSettle() external view returns (uint256) {
        return _ledger.nextEpochToSettle;
    }

    /// @inheritdoc IZKPool
    function totals()
        external
        view
        returns (
            uint256 totalHarvested,
            uint256 totalClaimed,
            uint256 totalClaimable,
            uint256 totalFees,
            uint256 unsettled
        )
    {
        Ledger memory ledger = _ledger;
        return (_totalHarvested, ledger.totalClaimed, ledger.totalClaimable, _totalFees, _unsettled);
    }

    /// @inheritdoc IZKPool
    function feesWithdrawn() external view returns (uint256) {
        return _feesWithdrawn;
    }

    /// @inheritdoc IZKPool
    function stakeFunds() external view returns (uint256) {
        return _stakeFunds;
    }

    /// @inheritdoc IZKPool
    function stakeInfo()
        external
        view
        returns (IProverPool.Staker memory staker, IProverPool.Prover memory prover, uint256 rank)
    {
        (staker, prover) = PROVER_POOL.getStaker(address(this));
        if (staker.proverId == 0) return (staker, prover, 0);
        // ProverPool has no rank: 1 + the slots with a larger stake, or an equal one in a lower slot.
        (IProverPool.Prover[] memory slots, address[] memory stakers) = PROVER_POOL.getProvers();
        rank = 1;
        for (uint256 i; i < slots.length; ++i) {
            if (stakers[i] == address(0) || i + 1 == staker.proverId) continue;
            uint64 other = slots[i].stakedAmount;
            if (other > prover.stakedAmount || (other == prover.stakedAmount && i + 1 < staker.proverId)) ++rank;
        }
    }

    /// @inheritdoc IZKPool
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IZKPool
    function relayer() external view returns (address) {
        return _gate.relayer;
    }

    /// @inheritdoc IZKPool
    function paused() external view returns (bool) {
        return _gate.paused;
    }

    /// @inheritdoc IZKPool
    function isPauser(address account) external view returns (bool) {
        return _pausers[account];
    }

    /// @inheritdoc IZKPool
    function capacityBounds() external view returns (uint32 minCapacity, uint32 maxCapacity) {
        return (_minCapacity, _maxCapacity);
    }

    // ───────────────────────────── private ─────────────────────────────

    /// @dev Adds `shares` to the prover's entry of `epoch` (its open entry; a new epoch closes the old one) and
    /// to the epoch's total, counting the prover among the epoch's provers on its first shares there.
    function _credit(address prover, uint256 epoch, uint256 shares) private {
        ProverLedger memory p = _provers[prover];
        EpochLedger memory e = _epochs[epoch];
        // The cast is checked: totalShares fits 88 bits for 10^7 blocks of the largest possible reward in one
        // epoch, so an overflow, which would refuse the proof, is out of reach; each entry is at most the total.
        e.totalShares = (e.totalShares + shares).toUint88();
        if (p.openShares != 0 && p.openEpoch == epoch) {
            p.openShares += uint96(shares);
        } else {
            if (p.openShares != 0) {
                LedgerEntries.append(_closedEntries[prover], p.closedCount, p.openEpoch, p.openShares);
                ++p.closedCount;
            }
            p.openEpoch = epoch.toUint32();
            p.openShares = uint96(shares);
            // Checked: 2^24 − 1 provers in one epoch, far beyond its blocks, bounds the dust sweep (_claimEpoch).
            e.provers = (uint256(e.provers) + 1).toUint24();
        }
        _epochs[epoch] = e;
        _provers[prover] = p;
    }

    /// @dev How many entries a prover has: the closed ones, and the open one once it has shares.
    function _entryCount(ProverLedger memory p) private pure returns (uint256) {
        return uint256(p.closedCount) + (p.openShares == 0 ? 0 : 1);
    }

    /// @dev The prover's `i`-th epoch with shares and its shares there: closed entries first, then the open one.
    /// `cache` holds the last word of the prover's `closedEntries` read, so a walk over consecutive entries reads
    /// each word once.
    function _entry(
        WordCache.Cache memory cache,
        mapping(uint256 => uint256) storage closedEntries,
        ProverLedger memory p,
        uint256 i
    ) private view returns (uint256 epoch, uint256 shares) {
        if (i == p.closedCount) return (p.openEpoch, p.openShares);
        return LedgerEntries.read(cache, closedEntries, i);
    }

    /// @dev proverReward × shares / totalShares, rounded down, of a settled epoch.
    function _partOf(EpochLedger memory e, uint256 shares) private pure returns (uint256) {
        return (uint256(e.proverReward) * shares) / e.totalShares;
    }

    /// @dev One prover of `epoch` claims its part; after the last one, what is left is rounding dust: the fees'.
    /// Each part is rounded down, so the parts add up to proverReward − dust with 0 ≤ dust < provers ≤ 2^24 − 1:
    /// the epoch's claim record (ClaimRecords), its count of claims and the low 24 bits of Σ parts, is enough to
    /// sweep it. `records` holds the claim records' word of the walk's last epoch, written back when it moves on.
    function _claimEpoch(
        WordCache.Cache memory records,
        uint256 epoch,
        uint256 shares
    ) private returns (uint256 part, uint256 dust) {
        EpochLedger memory e = _epochs[epoch];
        part = _partOf(e, shares);
        // Before this claim, fewer than e.provers ≤ 2^24 − 1 claimed: each prover claims an epoch once, and only an
        // epoch it has shares in.
        (uint256 claimedBy, uint256 partsLow) = ClaimRecords.add(records, _claimRecords, epoch, part);
        if (claimedBy == e.provers) {
            dust = ClaimRecords.dust(e.proverReward, partsLow);
            if (dust != 0) emit DustSwept(epoch, dust);
        }
    }

    /// @dev Credits the prover of a recorded proof what Taiko paid for its block, if Taiko verified the block with
    /// the recorded fork choice and the pool as prover (LibVerifying's _verifyBlock), and forgets the record.
    function _confirm(ProofKey calldata key, uint256 epoch) private returns (uint256 reward) {
        (ProofRecord memory record, TaikoData.ForkChoice memory fc, bytes32 recordKey) = _findRecord(
            key.blockId,
            key.parentHash,
            key.parentGasUsed
        );
        if (record.agent == address(0)) revert ProofNotRecorded(key.blockId, key.parentHash, key.parentGasUsed);
        (
            ,
            ,
            ,
            uint24 verifiedForkChoiceId,
            ,
            ,
            ,
            uint64 proposedAt,
            address assignedProver,
            uint32 rewardPerGas,
            uint64 proofWindow
        ) = TAIKO_L1.getBlock(key.blockId);
        if (verifiedForkChoiceId == 0) revert BlockNotVerified(key.blockId);
        // Forgotten: a record in a reused slot keeps its block id, so the slot's next write is not from zero.
        if (recordKey == 0) _firstProofs[key.blockId % _FIRST_PROOF_SLOTS].agent = address(0);
        else delete _proofs[recordKey];
        // An agent's prover is for good once set: a revoked agent's verified work still earns.
        address prover = _agents[record.agent].prover;

        // Taiko's oracle can overwrite a fork choice before it verifies: the payout then goes to its prover.
        if (verifiedForkChoiceId == record.forkChoiceId && fc.prover == address(this)) {
            reward = (BLOCK_FEE_BASE_GAS + fc.gasUsed) * rewardPerGas;
            if (assignedProver != address(this) || fc.provenAt > proposedAt + proofWindow) {
                reward = (reward * REWARD_OPEN_MULTIPLIER) / 100;
            }
        }
        // A credit of zero would count the prover among the epoch's provers without an entry worth claiming, and
        // the epoch's dust would never be swept.
        if (reward == 0) {
            emit ProofNotCredited(key.blockId, prover, record.agent, record.forkChoiceId, verifiedForkChoiceId);
            return 0;
        }
        _credit(prover, epoch, reward);
        emit BlockCredited(key.blockId, prover, record.agent, epoch, reward);
    }

    /// @dev The live record of a fork choice (its agent zero if there is none), TaikoL1's fork choice for it, and
    /// where the record is: its key in _proofs, or zero for the block's slot of _firstProofs, which holds the
    /// record of this fork choice only if TaikoL1 keys its first fork choice by this parent.
    function _findRecord(
        uint256 blockId,
        bytes32 parentHash,
        uint32 parentGasUsed
    ) private view returns (ProofRecord memory record, TaikoData.ForkChoice memory fc, bytes32 recordKey) {
        try TAIKO_L1.getForkChoice(blockId, parentHash, parentGasUsed) returns (TaikoData.ForkChoice memory found) {
            fc = found;
        } catch {
            // No fork choice on this parent: nothing can be recorded for it.
            return (record, fc, 0);
        }
        if (fc.key == LibTaikoHash.keyForForkChoice(parentHash, parentGasUsed)) {
            record = _firstProofs[blockId % _FIRST_PROOF_SLOTS];
            if (record.agent != address(0) && record.blockId == blockId) return (record, fc, 0);
        }
        recordKey = _proofKey(blockId, parentHash, parentGasUsed);
        record = _proofs[recordKey];
    }

    /// @dev Proves the block on TaikoL1 for the pool, or checks the proof against the fork choice a copy of it
    /// made first (unless that fork choice is recorded already); returns the fork choice's id.
    function _proveOnTaiko(uint256 blockId, bytes calldata input, bytes32 key) private returns (uint24) {
        try TAIKO_L1.proveBlock(blockId, input) {
            // A proof Taiko accepts for a prover other than its oracle always opens the block's next fork choice, so
            // nothing is recorded for it yet.
            (, , uint24 nextForkChoiceId, , , , , , , , ) = TAIKO_L1.getBlock(blockId);
            return nextForkChoiceId - 1;
        } catch (bytes memory reason) {
            if (bytes4(reason) != _ALREADY_PROVEN || reason.length != 4) _bubble(reason);
            address recorded = _proofs[key].agent;
            if (recorded != address(0)) revert ProofAlreadyRecorded(blockId, recorded);
            return _matchFirstForkChoice(blockId, input);
        }
    }

    /// @dev Stores a new record: a block's first fork choice in the block's reused slot when that slot is free,
    /// anything else under its key.
    function _record(bytes32 key, ProofRecord memory record) private {
        if (record.forkChoiceId == _FIRST_FORK_CHOICE_ID) {
            uint256 index = record.blockId % _FIRST_PROOF_SLOTS;
            ProofRecord memory held = _firstProofs[index];
            if (held.agent == address(0)) {
                _firstProofs[index] = record;
                return;
            }
            if (held.blockId == record.blockId) revert ProofAlreadyRecorded(record.blockId, held.agent);
            // The slot still holds an unconfirmed block 8,192 blocks older: this record takes a slot of its own.
        }
        _proofs[key] = record;
    }

    /// @dev The fork choice Taiko already has for this proof's parent, checked to be this proof's: it must be the
    /// block's first (TaikoL1 names no other by its key), name the pool with this evidence's block hash, signal
    /// root and gas used, and the proof must verify as LibProving.proveBlock verifies it.
    function _matchFirstForkChoice(uint256 blockId, bytes calldata input) private view returns (uint24) {
        TaikoData.BlockEvidence memory evidence = abi.decode(input, (TaikoData.BlockEvidence));
        TaikoData.ForkChoice memory fc = TAIKO_L1.getForkChoice(blockId, evidence.parentHash, evidence.parentGasUsed);
        if (fc.key != LibTaikoHash.keyForForkChoice(evidence.parentHash, evidence.parentGasUsed)) {
            revert ForkChoiceNotIdentifiable(blockId);
        }
        if (
            fc.prover != address(this) ||
            fc.blockHash != evidence.blockHash ||
            fc.signalRoot != evidence.signalRoot ||
            fc.gasUsed != evidence.gasUsed
        ) revert ForkChoiceMismatch(blockId);
        // The metaHash, which the instance binds and the fork choice does not hold, is the block's: TaikoL1 checks it
        // before it looks for a fork choice (L1_EVIDENCE_MISMATCH), as eldfell's LibProving does.
        if (!_verifies(evidence)) revert InvalidProof(blockId);
        return _FIRST_FORK_CHOICE_ID;
    }

    /// @dev Whether the evidence's proof verifies as TaikoL1 verifies it (LibTaikoHash.proofVerifies), with the
    /// addresses TaikoL1 resolves now and the limits of its config.
    function _verifies(TaikoData.BlockEvidence memory evidence) private view returns (bool) {
        bytes32 instance = LibTaikoHash.hashInstance(
            [
                address(TAIKO_L1.resolve(_SIGNAL_SERVICE, false)),
                address(TAIKO_L1.resolve(_L2_CHAIN_ID, _SIGNAL_SERVICE, false)),
                address(TAIKO_L1.resolve(_L2_CHAIN_ID, _TAIKO, false))
            ],
            evidence,
            [_BLOCK_MAX_GAS_LIMIT, _BLOCK_MAX_TRANSACTIONS, _BLOCK_MAX_TX_LIST_BYTES]
        );
        address verifier = TAIKO_L1.resolve(LibTaikoHash.verifierName(evidence.verifierId), false);
        return LibTaikoHash.proofVerifies(instance, evidence.proof, verifier);
    }

    /// @dev A fork choice's record key: keccak256 of (blockId, parentHash, parentGasUsed), abi-encoded.
    function _proofKey(uint256 blockId, bytes32 parentHash, uint32 parentGasUsed) private pure returns (bytes32) {
        return keccak256(abi.encode(blockId, parentHash, parentGasUsed));
    }

    /// @dev Reverts with `reason`, another contract's revert data, as it came.
    function _bubble(bytes memory reason) private pure {
        assembly {
            revert(add(reason, 32), mload(reason))
        }
    }

    /// @dev Field `field` of the BlockEvidence in `input` = abi.encode(evidence), read where TaikoL1's own
    /// abi.decode finds it (the first word is the tuple's offset) without decoding the rest. Should the word
    /// hold more than its type (an address, a uint32), TaikoL1's decoding reverts, so a proof only earns when
    /// the values read here are the ones Taiko accepted.
    function _evidenceWord(bytes calldata input, uint256 field) private pure returns (uint256) {
        if (input.length < 32) revert MalformedEvidence();
        uint256 at = uint256(bytes32(input[:32]));
        // The static head of BlockEvidence is ten words (the tenth is the proof's offset).
        if (at > input.length || input.length - at < 10 * 32) revert MalformedEvidence();
        at += field * 32;
        return uint256(bytes32(input[at:at + 32]));
    }

    /// @dev Calls ProverPool.stake and pays what it burns out of the stake funds, never out of rewards.
    function _stakeFromFunds(uint64 amount, uint32 rewardPerGas, uint32 maxCapacity) private {
        _collectReturnedStake();
        uint256 balanceBefore = TOKEN.balanceOf(address(this));
        PROVER_POOL.stake(amount, rewardPerGas, maxCapacity);
        _accountStakeMove(balanceBefore);
    }

    /// @dev Books a ProverPool call's net token movement on the stake funds. A call may mint (ProverPool first
    /// pays out a matured exit) as well as burn (new stake): a net gain joins the funds, a net cost comes out
    /// of them and reverts InsufficientStakeFunds beyond them.
    function _accountStakeMove(uint256 balanceBefore) private {
        uint256 balanceAfter = TOKEN.balanceOf(address(this));
        if (balanceAfter > balanceBefore) {
            _stakeFunds += balanceAfter - balanceBefore;
            emit StakeFundsMoved(0, balanceAfter - balanceBefore, _stakeFunds);
        } else if (balanceAfter < balanceBefore) {
            uint256 burnt = balanceBefore - balanceAfter;
            if (burnt > _stakeFunds) revert InsufficientStakeFunds(burnt, _stakeFunds);
            _stakeFunds -= burnt;
            emit StakeFundsMoved(burnt, 0, _stakeFunds);
        }
    }

    /// @dev Joins to the stake funds what ProverPool paid the pool outside its own calls: a matured exit minted
    /// when another staker evicted the pool. Everything the pool holds beyond what it owes (provers' claims, fees
    /// not withdrawn, harvested TTKOe not settled) and its stake funds can only be that, or a gift.
    function _collectReturnedStake() private {
        uint256 held = TOKEN.balanceOf(address(this));
        uint256 accounted = _ledger.totalClaimable + (_totalFees - _feesWithdrawn) + _unsettled + _stakeFunds;
        if (held > accounted) {
            _stakeFunds += held - accounted;
            emit StakeFundsMoved(0, held - accounted, _stakeFunds);
        }
    }
}
