// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IZKPool} from "./interfaces/IZKPool.sol";
import {IProverPool} from "./taiko/IProverPool.sol";
import {ITaikoL1} from "./taiko/ITaikoL1.sol";
import {TaikoData} from "./taiko/TaikoData.sol";

/// @title ZKPool
/// @notice See IZKPool. Reading order: provers and agents, proofs and shares, harvest and settlement, claims,
/// fee, stake, roles, views.
contract ZKPool is IZKPool, Ownable2Step, Pausable, EIP712 {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using Checkpoints for Checkpoints.Trace208;
    using BitMaps for BitMaps.BitMap;

    // ───────────────────────────── constants ─────────────────────────────

    /// @notice The operator's fee at launch: 20%.
    uint16 public constant INITIAL_FEE_BPS = 2_000;
    /// @notice The fee can never exceed 30%.
    uint16 public constant MAX_FEE_BPS = 3_000;
    uint256 public constant MAX_LABEL_LENGTH = 64;
    bytes32 public constant PROOF_TYPEHASH = keccak256("Proof(uint256 blockId,bytes32 evidenceHash)");
    uint256 private constant _BPS = 10_000;

    // ───────────────────────────── immutables ─────────────────────────────

    IERC20 public immutable TOKEN;
    ITaikoL1 public immutable TAIKO_L1;
    IProverPool public immutable PROVER_POOL;
    uint256 public immutable GENESIS_TIMESTAMP;
    uint256 public immutable EPOCH_LENGTH;
    /// @notice A fee change applies from the first epoch that starts after this delay.
    uint256 public immutable FEE_CHANGE_DELAY;
    /// @notice TaikoL1's blockFeeBaseGas, the fixed part of every block's reward (A4: 20,000).
    uint256 public immutable BLOCK_FEE_BASE_GAS;

    // ───────────────────────────── storage ─────────────────────────────

    address private _treasury;
    mapping(address account => bool) private _relayers;
    mapping(address account => bool) private _pausers;
    uint32 private _minCapacity;
    uint32 private _maxCapacity;

    mapping(address agent => Agent) private _agents;
    /// @dev Blocks the pool has credited: Taiko accepts one proof per block *per parent*, so without this a
    /// relayer and an agent could credit one block again and again with proofs built on made-up parents.
    BitMaps.BitMap private _creditedBlocks;

    mapping(uint256 epoch => mapping(address prover => uint256 shares)) private _shares;
    mapping(uint256 epoch => uint256 shares) private _totalShares;
    /// @dev Rewards harvested in an epoch, plus any rolled over from earlier epochs without shares.
    mapping(uint256 epoch => uint256 amount) private _epochRewards;
    mapping(uint256 epoch => Settlement) private _settlements;
    mapping(uint256 epoch => EpochClaims) private _epochClaims;
    /// @dev The epochs in which a prover earned shares, ascending; claims walk it from the cursor.
    mapping(address prover => uint64[] epochs) private _proverEpochs;
    mapping(address prover => uint256 index) private _claimCursor;
    uint256 private _nextEpochToSettle;

    /// @dev Fee in basis points by the epoch it applies from.
    Checkpoints.Trace208 private _feeSchedule;

    uint256 private _totalHarvested;
    uint256 private _totalClaimed;
    /// @dev Owed to provers for settled epochs, rounding dust included until swept.
    uint256 private _totalClaimable;
    /// @dev Every fee and swept dust ever accrued to the operator, withdrawn or not.
    uint256 private _totalFees;
    uint256 private _feesWithdrawn;
    uint256 private _unsettled;
    /// @dev TTKOe the operator put in for staking, not yet staked: never mixed with rewards.
    uint256 private _stakeFunds;

    // ───────────────────────────── modifiers ─────────────────────────────

    modifier onlyRelayer() {
        if (!_relayers[msg.sender]) revert NotRelayer(msg.sender);
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
        TOKEN = token;
        TAIKO_L1 = taikoL1;
        PROVER_POOL = proverPool;
        GENESIS_TIMESTAMP = block.timestamp;
        EPOCH_LENGTH = epochLength;
        FEE_CHANGE_DELAY = feeChangeDelay;
        BLOCK_FEE_BASE_GAS = taikoL1.getConfig().blockFeeBaseGas;
        _treasury = treasury_;
        _feeSchedule.push(0, INITIAL_FEE_BPS);
        emit TreasuryChanged(treasury_);
        emit FeeChangeScheduled(INITIAL_FEE_BPS, 0);
    }

    // ───────────────────────────── provers and agents ─────────────────────────────

    /// @inheritdoc IZKPool
    function authorizeAgent(address agent, string calldata label) external whenNotPaused {
        if (agent == address(0)) revert ZeroAddress();
        if (bytes(label).length > MAX_LABEL_LENGTH) revert LabelTooLong(bytes(label).length, MAX_LABEL_LENGTH);
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
    function agentOwner(address agent) public view returns (address prover) {
        Agent storage a = _agents[agent];
        return a.revoked ? address(0) : a.prover;
    }

    // ───────────────────────────── proofs and shares ─────────────────────────────

    /// @inheritdoc IZKPool
    function proveBlock(
        uint256 blockId,
        bytes calldata input,
        bytes calldata agentSignature
    ) external onlyRelayer whenNotPaused {
        TaikoData.BlockEvidence memory evidence = abi.decode(input, (TaikoData.BlockEvidence));
        if (evidence.prover != address(this)) revert EvidenceProverNotPool(evidence.prover);

        (address agent, ECDSA.RecoverError error, ) = ECDSA.tryRecover(proofDigest(blockId, input), agentSignature);
        if (error != ECDSA.RecoverError.NoError) revert InvalidAgentSignature();
        address prover = agentOwner(agent);
        if (prover == address(0)) revert NotAuthorizedAgent(agent);

        if (_creditedBlocks.get(blockId)) revert BlockAlreadyCredited(blockId);
        _creditedBlocks.set(blockId);

        // Reverts with Taiko's own error unless Taiko accepts the proof, so only accepted proofs earn.
        TAIKO_L1.proveBlock(blockId, input);

        (, , , , , , , , , uint32 rewardPerGas, ) = TAIKO_L1.getBlock(blockId);
        uint256 shares = (BLOCK_FEE_BASE_GAS + evidence.gasUsed) * rewardPerGas;
        uint256 epoch = currentEpoch();
        _credit(prover, epoch, shares);
        emit ProofCredited(blockId, prover, agent, epoch, shares);
    }

    /// @inheritdoc IZKPool
    function proofDigest(uint256 blockId, bytes calldata input) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(PROOF_TYPEHASH, blockId, keccak256(input))));
    }

    // ───────────────────────────── harvest and settlement ─────────────────────────────

    /// @inheritdoc IZKPool
    function harvest() external returns (uint256 amount) {
        amount = TAIKO_L1.getTaikoTokenBalance(address(this));
        if (amount == 0) return 0;
        uint256 balanceBefore = TOKEN.balanceOf(address(this));
        TAIKO_L1.withdrawTaikoToken(amount);
        // Count what arrived, not what was asked for.
        amount = TOKEN.balanceOf(address(this)) - balanceBefore;
        uint256 epoch = currentEpoch();
        _epochRewards[epoch] += amount;
        _totalHarvested += amount;
        _unsettled += amount;
        emit Harvested(epoch, amount);
    }

    /// @inheritdoc IZKPool
    function settle(uint256 epoch) external {
        uint256 next = _nextEpochToSettle;
        if (epoch != next) revert EpochNotNext(epoch, next);
        uint256 endsAt = epochEndsAt(epoch);
        if (block.timestamp < endsAt) revert EpochNotEnded(epoch, endsAt);
        _nextEpochToSettle = epoch + 1;

        uint256 reward = _epochRewards[epoch];
        uint256 totalShares = _totalShares[epoch];
        if (totalShares == 0) {
            // Nobody earned shares: the rewards wait for the next epoch's provers.
            if (reward != 0) {
                _epochRewards[epoch + 1] += reward;
                emit RewardRolledOver(epoch, epoch + 1, reward);
            }
            emit EpochSettled(epoch, 0, 0, 0, 0);
            return;
        }

        uint256 fee = (reward * feeBps(epoch)) / _BPS;
        uint256 proverReward = reward - fee;
        _settlements[epoch] = Settlement({
            proverReward: proverReward.toUint128(),
            totalShares: totalShares.toUint128()
        });
        _epochClaims[epoch].unclaimed = proverReward.toUint128();
        _unsettled -= reward;
        _totalFees += fee;
        _totalClaimable += proverReward;
        emit EpochSettled(epoch, reward, fee, proverReward, totalShares);
    }

    // ───────────────────────────── claims ─────────────────────────────

    /// @inheritdoc IZKPool
    function claim(uint256 maxEpochs) external returns (uint256 amount) {
        uint64[] storage epochs = _proverEpochs[msg.sender];
        uint256 cursor = _claimCursor[msg.sender];
        uint256 end = epochs.length;
        if (maxEpochs < end - cursor) end = cursor + maxEpochs;
        uint256 settledBelow = _nextEpochToSettle;

        uint256 i = cursor;
        for (; i < end; ++i) {
            uint256 epoch = epochs[i];
            if (epoch >= settledBelow) break; // epochs are ascending: the rest are not settled yet
            uint256 part = _partOf(msg.sender, epoch);
            _recordClaim(epoch, part);
            amount += part;
            emit Claimed(msg.sender, epoch, part);
        }
        if (i == cursor) revert NothingToClaim(msg.sender);

        _claimCursor[msg.sender] = i;
        _totalClaimed += amount;
        _totalClaimable -= amount;
        if (amount != 0) TOKEN.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IZKPool
    function claimable(address prover) external view returns (uint256 amount) {
        uint64[] storage epochs = _proverEpochs[prover];
        uint256 settledBelow = _nextEpochToSettle;
        for (uint256 i = _claimCursor[prover]; i < epochs.length; ++i) {
            uint256 epoch = epochs[i];
            if (epoch >= settledBelow) break;
            amount += _partOf(prover, epoch);
        }
    }

    /// @notice Anyone: send the operator's accrued fees to the treasury.
    function withdrawFees() external returns (uint256 amount) {
        amount = _totalFees - _feesWithdrawn;
        if (amount == 0) return 0;
        _feesWithdrawn += amount;
        address to = _treasury;
        TOKEN.safeTransfer(to, amount);
        emit FeesWithdrawn(to, amount);
    }

    // ───────────────────────────── fee ─────────────────────────────

    /// @notice Owner: change the fee from the first epoch that starts after FEE_CHANGE_DELAY, never above
    /// MAX_FEE_BPS. Epochs already started keep the fee they started with.
    function scheduleFee(uint16 newFeeBps) external onlyOwner {
        if (newFeeBps > MAX_FEE_BPS) revert FeeAboveCap(newFeeBps, MAX_FEE_BPS);
        uint256 fromEpoch = epochAt(block.timestamp + FEE_CHANGE_DELAY) + 1;
        _feeSchedule.push(fromEpoch.toUint48(), newFeeBps);
        emit FeeChangeScheduled(newFeeBps, fromEpoch);
    }

    /// @notice The fee, in basis points, of `epoch`.
    function feeBps(uint256 epoch) public view returns (uint16) {
        return uint16(_feeSchedule.upperLookupRecent(epoch.toUint48()));
    }

    // ───────────────────────────── stake ─────────────────────────────

    /// @notice Owner: bring TTKOe for staking (kept apart from the provers' rewards).
    function fundStake(uint256 amount) external onlyOwner {
        _stakeFunds += amount;
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        emit StakeFunded(msg.sender, amount);
    }

    /// @notice Owner: take back stake funds that are not staked.
    function withdrawStakeFunds(uint256 amount, address to) external onlyOwner {
        if (to == address(0)) revert ZeroAddress();
        if (amount > _stakeFunds) revert InsufficientStakeFunds(amount, _stakeFunds);
        _stakeFunds -= amount;
        TOKEN.safeTransfer(to, amount);
        emit StakeFundsWithdrawn(to, amount);
    }

    /// @notice Owner: stake in ProverPool, or change the stake, ask and capacity (ProverPool's rules apply).
    function stake(uint64 amount, uint32 rewardPerGas, uint32 maxCapacity) external onlyOwner {
        _stakeFromFunds(amount, rewardPerGas, maxCapacity);
    }

    /// @notice Relayer: follow the connected machines' capacity, within the owner's bounds, at the same stake.
    function adjustCapacity(uint32 maxCapacity) external onlyRelayer {
        if (maxCapacity < _minCapacity || maxCapacity > _maxCapacity) {
            revert CapacityOutOfBounds(maxCapacity, _minCapacity, _maxCapacity);
        }
        (, IProverPool.Prover memory current) = PROVER_POOL.getStaker(address(this));
        if (current.stakedAmount == 0) revert NotStaked();
        _stakeFromFunds(current.stakedAmount, current.rewardPerGas, maxCapacity);
    }

    /// @notice Owner: leave ProverPool; the stake comes back through its exit period.
    function exitStake() external onlyOwner {
        PROVER_POOL.exit();
    }

    /// @notice Owner: take a matured exit back into the stake funds.
    function withdrawStake() external onlyOwner {
        uint256 balanceBefore = TOKEN.balanceOf(address(this));
        PROVER_POOL.withdraw();
        _stakeFunds += TOKEN.balanceOf(address(this)) - balanceBefore;
    }

    function setCapacityBounds(uint32 minCapacity, uint32 maxCapacity) external onlyOwner {
        if (minCapacity > maxCapacity) revert InvalidCapacityBounds(minCapacity, maxCapacity);
        _minCapacity = minCapacity;
        _maxCapacity = maxCapacity;
        emit CapacityBoundsSet(minCapacity, maxCapacity);
    }

    // ───────────────────────────── roles ─────────────────────────────

    function setRelayer(address account, bool allowed) external onlyOwner {
        _relayers[account] = allowed;
        emit RelayerSet(account, allowed);
    }

    function setPauser(address account, bool allowed) external onlyOwner {
        _pausers[account] = allowed;
        emit PauserSet(account, allowed);
    }

    function setTreasury(address treasury_) external onlyOwner {
        if (treasury_ == address(0)) revert ZeroAddress();
        _treasury = treasury_;
        emit TreasuryChanged(treasury_);
    }

    /// @notice Pauser: stop new proofs and new agents. Claims, harvests and settlements go on.
    function pause() external {
        if (!_pausers[msg.sender]) revert NotPauser(msg.sender);
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @inheritdoc IZKPool
    function currentEpoch() public view returns (uint256) {
        return epochAt(block.timestamp);
    }

    function epochAt(uint256 timestamp) public view returns (uint256) {
        return (timestamp - GENESIS_TIMESTAMP) / EPOCH_LENGTH;
    }

    function epochEndsAt(uint256 epoch) public view returns (uint256) {
        return GENESIS_TIMESTAMP + (epoch + 1) * EPOCH_LENGTH;
    }

    /// @notice Whether the pool already credited shares for `blockId` (one credit per block, ever).
    function isCredited(uint256 blockId) external view returns (bool) {
        return _creditedBlocks.get(blockId);
    }

    /// @inheritdoc IZKPool
    function sharesOf(address prover, uint256 epoch) external view returns (uint256) {
        return _shares[epoch][prover];
    }

    function totalSharesOf(uint256 epoch) external view returns (uint256) {
        return _totalShares[epoch];
    }

    /// @notice Rewards waiting in an unsettled epoch (harvested in it or rolled over into it).
    function epochRewards(uint256 epoch) external view returns (uint256) {
        return epoch < _nextEpochToSettle ? 0 : _epochRewards[epoch];
    }

    function settlementOf(uint256 epoch) external view returns (Settlement memory, EpochClaims memory) {
        return (_settlements[epoch], _epochClaims[epoch]);
    }

    function nextEpochToSettle() external view returns (uint256) {
        return _nextEpochToSettle;
    }

    /// @notice The ledger's totals; totalClaimed + totalClaimable + totalFees + unsettled == totalHarvested.
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
        return (_totalHarvested, _totalClaimed, _totalClaimable, _totalFees, _unsettled);
    }

    function feesWithdrawn() external view returns (uint256) {
        return _feesWithdrawn;
    }

    function stakeFunds() external view returns (uint256) {
        return _stakeFunds;
    }

    /// @notice The pool's place in ProverPool: its stake, ask, capacity, pending exit and rank among the 32.
    function stakeInfo()
        external
        view
        returns (IProverPool.Staker memory staker, IProverPool.Prover memory prover, uint256 rank)
    {
        (staker, prover) = PROVER_POOL.getStaker(address(this));
        rank = PROVER_POOL.getRank(address(this));
    }

    function treasury() external view returns (address) {
        return _treasury;
    }

    function isRelayer(address account) external view returns (bool) {
        return _relayers[account];
    }

    function isPauser(address account) external view returns (bool) {
        return _pausers[account];
    }

    function capacityBounds() external view returns (uint32 minCapacity, uint32 maxCapacity) {
        return (_minCapacity, _maxCapacity);
    }

    // ───────────────────────────── private ─────────────────────────────

    function _credit(address prover, uint256 epoch, uint256 shares) private {
        uint256 before = _shares[epoch][prover];
        if (before == 0) {
            _proverEpochs[prover].push(epoch.toUint64());
            ++_epochClaims[epoch].proversLeft;
        }
        _shares[epoch][prover] = before + shares;
        _totalShares[epoch] += shares;
    }

    /// @dev proverReward × shares / totalShares, rounded down, of a settled epoch.
    function _partOf(address prover, uint256 epoch) private view returns (uint256) {
        Settlement memory s = _settlements[epoch];
        return (uint256(s.proverReward) * _shares[epoch][prover]) / s.totalShares;
    }

    /// @dev One prover of `epoch` claimed `part`; after the last one, what is left is rounding dust: the fees'.
    function _recordClaim(uint256 epoch, uint256 part) private {
        EpochClaims storage c = _epochClaims[epoch];
        // Σ parts ≤ proverReward (each part is rounded down) and each prover claims an epoch once.
        uint128 unclaimed = c.unclaimed - uint128(part);
        uint32 proversLeft = c.proversLeft - 1;
        if (proversLeft == 0 && unclaimed != 0) {
            _totalClaimable -= unclaimed;
            _totalFees += unclaimed;
            emit DustSwept(epoch, unclaimed);
            unclaimed = 0;
        }
        c.unclaimed = unclaimed;
        c.proversLeft = proversLeft;
    }

    /// @dev Calls ProverPool.stake and pays what it burns out of the stake funds, never out of rewards.
    function _stakeFromFunds(uint64 amount, uint32 rewardPerGas, uint32 maxCapacity) private {
        uint256 balanceBefore = TOKEN.balanceOf(address(this));
        PROVER_POOL.stake(amount, rewardPerGas, maxCapacity);
        uint256 burnt = balanceBefore - TOKEN.balanceOf(address(this));
        if (burnt > _stakeFunds) revert InsufficientStakeFunds(burnt, _stakeFunds);
        _stakeFunds -= burnt;
    }
}
