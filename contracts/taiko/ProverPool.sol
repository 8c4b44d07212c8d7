// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProverPool} from "./IProverPool.sol";
import {TaikoToken} from "./TaikoToken.sol";

/// @title ProverPool
/// @notice The local implementation of Taiko A4's ProverPool. See IProverPool for the rules.
contract ProverPool is IProverPool {
    // ───────────────────────────── constants ─────────────────────────────

    uint256 public constant MAX_NUM_PROVERS = 32;
    uint256 private constant _BPS = 10_000;

    // ───────────────────────────── immutables ─────────────────────────────

    TaikoToken public immutable TOKEN;
    address private immutable _DEPLOYER;
    /// @notice How long an exiting stake waits before it can be withdrawn (A4: one week).
    uint64 public immutable EXIT_PERIOD;
    /// @notice The shortest time between two changes of a staker (A4: one hour).
    uint64 public immutable CHANGE_DELAY;
    uint32 public immutable MIN_CAPACITY;
    uint64 public immutable MIN_STAKE_PER_CAPACITY;
    /// @notice Slash at least this share of stake per unit of capacity (A4: 25 bps = 0.25%).
    uint16 public immutable SLASH_RATE_BPS;
    /// @notice …or this multiple of the block's reward, whichever is larger (A4: 4).
    uint16 public immutable SLASH_REWARD_MULTIPLIER;

    // ───────────────────────────── storage ─────────────────────────────

    address private _taikoL1;
    /// @dev Slot 0 is never used: proverId 0 means "not in the top 32".
    Prover[MAX_NUM_PROVERS + 1] private _provers;
    address[MAX_NUM_PROVERS + 1] private _proverAddresses;
    mapping(address staker => Staker) private _stakers;

    // ───────────────────────────── modifiers ─────────────────────────────

    modifier onlyTaikoL1() {
        if (msg.sender != _taikoL1) revert UNAUTHORIZED(msg.sender);
        _;
    }

    // ───────────────────────────── constructor ─────────────────────────────

    struct Params {
        uint64 exitPeriod;
        uint64 changeDelay;
        uint32 minCapacity;
        uint64 minStakePerCapacity;
        uint16 slashRateBps;
        uint16 slashRewardMultiplier;
    }

    constructor(TaikoToken token, Params memory params) {
        if (params.minCapacity == 0 || params.slashRateBps > _BPS) revert INVALID_PARAMS();
        TOKEN = token;
        _DEPLOYER = msg.sender;
        EXIT_PERIOD = params.exitPeriod;
        CHANGE_DELAY = params.changeDelay;
        MIN_CAPACITY = params.minCapacity;
        MIN_STAKE_PER_CAPACITY = params.minStakePerCapacity;
        SLASH_RATE_BPS = params.slashRateBps;
        SLASH_REWARD_MULTIPLIER = params.slashRewardMultiplier;
    }

    /// @notice Wires in the TaikoL1 that may assign, release and slash. Once, by the deployer.
    function init(address taikoL1_) external {
        if (msg.sender != _DEPLOYER || _taikoL1 != address(0) || taikoL1_ == address(0)) {
            revert UNAUTHORIZED(msg.sender);
        }
        _taikoL1 = taikoL1_;
    }

    // ───────────────────────────── staker actions ─────────────────────────────

    /// @inheritdoc IProverPool
    function stake(uint64 amount, uint32 rewardPerGas, uint32 maxCapacity) external {
        if (rewardPerGas == 0) revert INVALID_PARAMS();
        if (maxCapacity < MIN_CAPACITY) revert CAPACITY_TOO_LOW(maxCapacity, MIN_CAPACITY);
        uint256 minimum = uint256(MIN_STAKE_PER_CAPACITY) * maxCapacity;
        if (amount < minimum) revert STAKE_TOO_LOW(amount, minimum);

        Staker storage staker = _stakers[msg.sender];
        _takeChange(staker);

        uint8 id = staker.proverId;
        uint32 currentCapacity;
        if (id == 0) {
            id = _claimSlot(amount);
            staker.proverId = id;
            _proverAddresses[id] = msg.sender;
            _collect(staker, amount);
            currentCapacity = maxCapacity;
        } else {
            Prover storage current = _provers[id];
            uint64 before = current.stakedAmount;
            if (amount > before) {
                _collect(staker, amount - before);
            } else if (amount < before) {
                _startExit(staker, before - amount);
            }
            // Blocks already assigned keep their capacity taken under the new maximum.
            uint32 inFlight =
                staker.maxCapacity > current.currentCapacity ? staker.maxCapacity - current.currentCapacity : 0;
            currentCapacity = maxCapacity > inFlight ? maxCapacity - inFlight : 0;
        }
        staker.maxCapacity = maxCapacity;
        _provers[id] = Prover({stakedAmount: amount, rewardPerGas: rewardPerGas, currentCapacity: currentCapacity});
        emit Staked(msg.sender, amount, rewardPerGas, currentCapacity);
    }

    /// @inheritdoc IProverPool
    function exit() external {
        Staker storage staker = _stakers[msg.sender];
        if (staker.proverId == 0) revert NOT_STAKED(msg.sender);
        _takeChange(staker);
        _leave(msg.sender, staker);
    }

    /// @inheritdoc IProverPool
    function withdraw() external {
        Staker storage staker = _stakers[msg.sender];
        uint64 amount = staker.exitAmount;
        uint64 maturesAt = amount == 0 ? 0 : staker.exitRequestedAt + EXIT_PERIOD;
        if (amount == 0 || block.timestamp < maturesAt) revert NO_MATURE_EXIT(amount, maturesAt);
        staker.exitAmount = 0;
        staker.exitRequestedAt = 0;
        TOKEN.mint(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ───────────────────────────── protocol hooks ─────────────────────────────

    /// @inheritdoc IProverPool
    function assignProver(
        uint64 blockId,
        uint32 feePerGas
    ) external onlyTaikoL1 returns (address prover, uint32 rewardPerGas) {
        uint256[MAX_NUM_PROVERS + 1] memory weights;
        uint32[MAX_NUM_PROVERS + 1] memory erpgs;
        uint256 totalWeight;
        for (uint256 id = 1; id <= MAX_NUM_PROVERS; ++id) {
            Prover memory p = _provers[id];
            if (p.currentCapacity == 0 || p.stakedAmount == 0) continue;
            uint32 erpg = _effectiveRewardPerGas(p.rewardPerGas, feePerGas);
            erpgs[id] = erpg;
            weights[id] = (uint256(p.stakedAmount) << 64) / (uint256(erpg) * erpg);
            totalWeight += weights[id];
        }
        if (totalWeight == 0) return (address(0), feePerGas);

        uint256 pick = uint256(keccak256(abi.encode(blockhash(block.number - 1), blockId))) % totalWeight;
        uint256 chosen;
        for (uint256 id = 1; id <= MAX_NUM_PROVERS; ++id) {
            if (pick < weights[id]) {
                chosen = id;
                break;
            }
            pick -= weights[id];
        }
        // `pick < totalWeight`, so the loop always chooses a slot with a positive weight, hence capacity > 0.
        unchecked {
            --_provers[chosen].currentCapacity;
        }
        return (_proverAddresses[chosen], erpgs[chosen]);
    }

    /// @inheritdoc IProverPool
    function releaseProver(address prover) external onlyTaikoL1 {
        Staker storage staker = _stakers[prover];
        uint8 id = staker.proverId;
        if (id == 0) return; // left the top 32 since: its capacity left with it
        Prover storage p = _provers[id];
        if (p.currentCapacity < staker.maxCapacity) {
            // Bounded by maxCapacity, a uint32.
            unchecked {
                ++p.currentCapacity;
            }
        }
    }

    /// @inheritdoc IProverPool
    function slashProver(uint64, address prover, uint64 proofReward) external onlyTaikoL1 {
        Staker storage staker = _stakers[prover];
        uint8 id = staker.proverId;
        uint64 staked = id == 0 ? staker.exitAmount : _provers[id].stakedAmount;
        uint64 amount = slashAmount(staked, staker.maxCapacity, proofReward);
        if (amount == 0) return;
        // slashAmount never exceeds `staked`.
        unchecked {
            if (id == 0) staker.exitAmount = staked - amount;
            else _provers[id].stakedAmount = staked - amount;
        }
        emit Slashed(prover, amount);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @inheritdoc IProverPool
    function getProvers() external view returns (Prover[] memory provers, address[] memory stakers) {
        provers = new Prover[](MAX_NUM_PROVERS);
        stakers = new address[](MAX_NUM_PROVERS);
        for (uint256 i; i < MAX_NUM_PROVERS; ++i) {
            provers[i] = _provers[i + 1];
            stakers[i] = _proverAddresses[i + 1];
        }
    }

    /// @inheritdoc IProverPool
    function getStaker(address addr) external view returns (Staker memory staker, Prover memory prover) {
        staker = _stakers[addr];
        if (staker.proverId != 0) prover = _provers[staker.proverId];
    }

    /// @inheritdoc IProverPool
    function getCapacity() external view returns (uint256 capacity) {
        for (uint256 id = 1; id <= MAX_NUM_PROVERS; ++id) {
            capacity += _provers[id].currentCapacity;
        }
    }

    /// @inheritdoc IProverPool
    function getRank(address addr) external view returns (uint256 rank) {
        uint256 own = _stakers[addr].proverId;
        if (own == 0) return 0;
        uint64 ownStake = _provers[own].stakedAmount;
        rank = 1;
        for (uint256 id = 1; id <= MAX_NUM_PROVERS; ++id) {
            if (_proverAddresses[id] == address(0) || id == own) continue;
            uint64 other = _provers[id].stakedAmount;
            if (other > ownStake || (other == ownStake && id < own)) ++rank;
        }
    }

    function taikoL1() external view returns (address) {
        return _taikoL1;
    }

    /// @inheritdoc IProverPool
    function slashAmount(uint64 stakedAmount, uint32 maxCapacity, uint64 proofReward) public view returns (uint64) {
        uint256 byStake = maxCapacity == 0 ? 0 : (uint256(stakedAmount) * SLASH_RATE_BPS) / _BPS / maxCapacity;
        uint256 byReward = uint256(proofReward) * SLASH_REWARD_MULTIPLIER;
        uint256 amount = byStake > byReward ? byStake : byReward;
        return amount > stakedAmount ? stakedAmount : uint64(amount);
    }

    // ───────────────────────────── private ─────────────────────────────

    /// @dev Enforces the change delay and records this change.
    function _takeChange(Staker storage staker) private {
        uint64 allowedAt = staker.lastChangeAt == 0 ? 0 : staker.lastChangeAt + CHANGE_DELAY;
        if (block.timestamp < allowedAt) revert CHANGE_TOO_FREQUENT(allowedAt);
        staker.lastChangeAt = uint64(block.timestamp);
    }

    /// @dev A free slot, or the slot of the lowest stake, whose owner is forced to exit. Of several stakers tied
    /// at the lowest stake, the one in the lowest-numbered slot goes (eldfell's rule: the scan keeps the first
    /// slot and moves on only to a strictly smaller stake); the newcomer must stake strictly more than it.
    function _claimSlot(uint64 amount) private returns (uint8 id) {
        uint256 lowestId;
        uint64 lowest = type(uint64).max;
        for (uint256 i = 1; i <= MAX_NUM_PROVERS; ++i) {
            if (_proverAddresses[i] == address(0)) return uint8(i);
            uint64 staked = _provers[i].stakedAmount;
            if (staked < lowest) {
                lowest = staked;
                lowestId = i;
            }
        }
        if (amount <= lowest) revert PROVER_NOT_GOOD_ENOUGH(amount, lowest);
        address evicted = _proverAddresses[lowestId];
        _leave(evicted, _stakers[evicted]);
        return uint8(lowestId);
    }

    /// @dev Takes `amount` of new stake: first from the staker's own exiting tokens, then burnt from its balance.
    function _collect(Staker storage staker, uint64 amount) private {
        uint64 reused = staker.exitAmount < amount ? staker.exitAmount : amount;
        if (reused != 0) staker.exitAmount -= reused;
        if (amount > reused) TOKEN.burn(msg.sender, amount - reused);
    }

    function _startExit(Staker storage staker, uint64 amount) private {
        staker.exitAmount += amount;
        staker.exitRequestedAt = uint64(block.timestamp);
    }

    function _leave(address addr, Staker storage staker) private {
        uint8 id = staker.proverId;
        uint64 amount = _provers[id].stakedAmount;
        delete _provers[id];
        delete _proverAddresses[id];
        staker.proverId = 0;
        _startExit(staker, amount);
        emit Exited(addr, amount);
    }

    function _effectiveRewardPerGas(uint32 ask, uint32 feePerGas) private pure returns (uint32) {
        uint256 low = (uint256(feePerGas) * 75) / 100;
        uint256 high = (uint256(feePerGas) * 125) / 100;
        uint256 erpg = ask < low ? low : (ask > high ? high : ask);
        return erpg == 0 ? 1 : uint32(erpg);
    }
}
