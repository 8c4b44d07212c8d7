// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AddressResolver} from "./AddressResolver.sol";
import {IProverPool} from "./IProverPool.sol";
import {TaikoToken} from "./TaikoToken.sol";

/// @title ProverPool
/// @notice The local implementation of Taiko A4's ProverPool, with eldfell's ABI and rules (see IProverPool).
/// It finds TaikoL1 ("taiko") and the token ("taiko_token") by name. Unlike eldfell, whose durations are
/// constants, EXIT_PERIOD and MIN_CHANGE_DELAY are set at deployment (same getters), so that a local network can
/// run on a compressed clock.
contract ProverPool is IProverPool, AddressResolver {
    // ───────────────────────────── constants ─────────────────────────────

    uint32 public constant MIN_CAPACITY = 5;
    /// @notice Base units of TTKOe per unit of capacity (10,000 = 0.0001 TTKOe).
    uint64 public constant MIN_STAKE_PER_CAPACITY = 10_000;
    /// @notice The slash by stake, in basis points of the slashable amount per unit of capacity (0.25%).
    uint64 public constant SLASH_POINTS = 25;
    /// @notice The slash by reward: this multiple of the proof reward TaikoL1 paid for the block.
    uint64 public constant SLASH_MULTIPLIER = 4;
    uint256 public constant MAX_NUM_PROVERS = 32;

    // ───────────────────────────── immutables ─────────────────────────────

    /// @notice How long exiting tokens wait before they can be withdrawn (eldfell: one week).
    uint64 public immutable EXIT_PERIOD;
    /// @notice How long after an exit request a staker in the top 32 cannot change (eldfell: one hour).
    uint256 public immutable MIN_CHANGE_DELAY;

    // ───────────────────────────── storage ─────────────────────────────

    /// @dev Slot 0 is never used: proverId 0 means "not in the top 32". Sized as eldfell's.
    Prover[1024] private _provers;
    mapping(uint256 id => address prover) private _proverIdToAddress;
    mapping(address staker => Staker) private _stakers;

    // ───────────────────────────── modifiers ─────────────────────────────

    modifier onlyFromProtocol() {
        if (resolve("taiko", false) != msg.sender) revert UNAUTHORIZED();
        _;
    }

    // ───────────────────────────── constructor ─────────────────────────────

    constructor(address addressManager_, uint64 exitPeriod, uint64 minChangeDelay) AddressResolver(addressManager_) {
        EXIT_PERIOD = exitPeriod;
        MIN_CHANGE_DELAY = minChangeDelay;
    }

    // ───────────────────────────── staker actions ─────────────────────────────

    /// @inheritdoc IProverPool
    function stake(uint64 amount, uint32 rewardPerGas, uint32 maxCapacity) external {
        _withdraw(msg.sender);
        _exit(msg.sender, true);
        if (amount != 0) {
            _stake(msg.sender, amount, rewardPerGas, maxCapacity);
        } else if (rewardPerGas != 0 || maxCapacity != 0) {
            revert INVALID_PARAMS();
        }
    }

    /// @inheritdoc IProverPool
    function exit() external {
        _withdraw(msg.sender);
        _exit(msg.sender, true);
    }

    /// @inheritdoc IProverPool
    function withdraw() external {
        if (!_withdraw(msg.sender)) revert NO_MATURE_EXIT();
    }

    // ───────────────────────────── protocol hooks ─────────────────────────────

    /// @inheritdoc IProverPool
    function assignProver(
        uint64 blockId,
        uint32 feePerGas
    ) external onlyFromProtocol returns (address prover, uint32 rewardPerGas) {
        (uint256[32] memory weights, uint32[32] memory erpg) = getProverWeights(feePerGas);
        uint256 totalWeight;
        for (uint256 i; i < MAX_NUM_PROVERS; ++i) {
            totalWeight += weights[i];
        }
        if (totalWeight == 0) return (address(0), 0);

        uint256 pick = uint256(keccak256(abi.encode(blockhash(block.number - 1), blockId))) % totalWeight;
        uint256 reached;
        for (uint256 i; i < MAX_NUM_PROVERS; ++i) {
            reached += weights[i];
            if (pick < reached) {
                // A positive weight means free capacity, so this cannot underflow.
                unchecked {
                    --_provers[i + 1].currentCapacity;
                }
                return (_proverIdToAddress[i + 1], erpg[i]);
            }
        }
        // Unreachable: pick < totalWeight, the last value of `reached`.
        assert(false);
    }

    /// @inheritdoc IProverPool
    function releaseProver(address addr) external onlyFromProtocol {
        Staker memory staker = _stakers[addr];
        if (staker.proverId == 0) return; // left the top 32 since: its capacity left with it
        Prover storage prover = _provers[staker.proverId];
        if (prover.currentCapacity < staker.maxCapacity) {
            // Below maxCapacity, a uint32.
            unchecked {
                ++prover.currentCapacity;
            }
        }
    }

    /// @inheritdoc IProverPool
    function slashProver(address addr, uint64 proofReward) external onlyFromProtocol {
        (Staker memory staker, Prover memory prover) = getStaker(addr);
        // Exiting tokens stay slashable until their exit period is over.
        bool exitPending =
            staker.exitRequestedAt != 0 && block.timestamp <= uint256(staker.exitRequestedAt) + EXIT_PERIOD;
        uint256 slashable = exitPending ? uint256(prover.stakedAmount) + staker.exitAmount : prover.stakedAmount;
        if (slashable == 0) return;

        uint256 byStake = (slashable * SLASH_POINTS) / 10_000 / staker.maxCapacity;
        uint256 byReward = uint256(SLASH_MULTIPLIER) * proofReward;
        uint256 amount = byStake > byReward ? byStake : byReward;
        // Both parts fit in uint64 once capped: slashable is at most the token's supply, which is within uint64.
        uint64 slashed = uint64(amount < slashable ? amount : slashable);

        // As eldfell: the exiting tokens go first (matured or not), then the stake, never below zero.
        if (slashed <= staker.exitAmount) {
            _stakers[addr].exitAmount = staker.exitAmount - slashed;
        } else {
            _stakers[addr].exitAmount = 0;
            uint64 fromStake = slashed - staker.exitAmount;
            if (staker.proverId != 0) {
                _provers[staker.proverId].stakedAmount =
                    prover.stakedAmount > fromStake ? prover.stakedAmount - fromStake : 0;
            }
        }
        emit Slashed(addr, slashed);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @inheritdoc IProverPool
    function getStaker(address addr) public view returns (Staker memory staker, Prover memory prover) {
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
    function getProvers() external view returns (Prover[] memory provers_, address[] memory stakers_) {
        provers_ = new Prover[](MAX_NUM_PROVERS);
        stakers_ = new address[](MAX_NUM_PROVERS);
        for (uint256 i; i < MAX_NUM_PROVERS; ++i) {
            provers_[i] = _provers[i + 1];
            stakers_[i] = _proverIdToAddress[i + 1];
        }
    }

    /// @inheritdoc IProverPool
    function getProverWeights(
        uint32 feePerGas
    ) public view returns (uint256[32] memory weights, uint32[32] memory erpg) {
        uint256 low = (uint256(feePerGas) * 75) / 100;
        uint256 high = (uint256(feePerGas) * 125) / 100;
        for (uint256 i; i < MAX_NUM_PROVERS; ++i) {
            Prover memory prover = _provers[i + 1];
            if (prover.currentCapacity == 0) continue;
            uint256 ask = prover.rewardPerGas;
            // high and low are at most 1.25 × a uint32 fee; eldfell computes them in uint32 arithmetic, which
            // only differs for fees above 2^32 / 125.
            uint256 effective = ask > high ? high : (ask < low ? low : ask);
            erpg[i] = uint32(effective);
            if (effective == 0) continue;
            uint256 weight = prover.stakedAmount / effective / effective;
            weights[i] = weight == 0 ? 1 : weight;
        }
    }

    /// @notice A slot, as eldfell's public `provers` array shows it (an emptied slot reads (0, 1, 0)).
    function provers(
        uint256 id
    ) external view returns (uint64 stakedAmount, uint32 rewardPerGas, uint32 currentCapacity) {
        Prover memory prover = _provers[id];
        return (prover.stakedAmount, prover.rewardPerGas, prover.currentCapacity);
    }

    /// @notice The staker in slot `id`, zero for an empty slot.
    function proverIdToAddress(uint256 id) external view returns (address) {
        return _proverIdToAddress[id];
    }

    /// @notice The staker record of `addr`, as eldfell's public `stakers` mapping shows it.
    function stakers(
        address addr
    ) external view returns (uint64 exitRequestedAt, uint64 exitAmount, uint32 maxCapacity, uint32 proverId) {
        Staker memory staker = _stakers[addr];
        return (staker.exitRequestedAt, staker.exitAmount, staker.maxCapacity, staker.proverId);
    }

    // ───────────────────────────── private ─────────────────────────────

    function _stake(address addr, uint64 amount, uint32 rewardPerGas, uint32 maxCapacity) private {
        if (maxCapacity < MIN_CAPACITY || amount / maxCapacity < MIN_STAKE_PER_CAPACITY || rewardPerGas == 0) {
            revert INVALID_PARAMS();
        }

        // The staker's own exiting tokens are staked first; the rest is burnt from its balance.
        Staker storage staker = _stakers[addr];
        uint64 exiting = staker.exitAmount;
        if (exiting >= amount) {
            staker.exitAmount = exiting - amount;
        } else {
            staker.exitAmount = 0;
            _token().burn(addr, amount - exiting);
        }
        // What is left exiting starts its exit period again (eldfell's rule).
        staker.exitRequestedAt = staker.exitAmount == 0 ? 0 : uint64(block.timestamp);
        staker.maxCapacity = maxCapacity;

        uint32 id = _lowestSlot();
        if (_provers[id].stakedAmount >= amount) revert PROVER_NOT_GOOD_ENOUGH();
        address replaced = _proverIdToAddress[id];
        if (replaced != address(0)) {
            _withdraw(replaced);
            _exit(replaced, false);
        }
        _proverIdToAddress[id] = addr;
        staker.proverId = id;
        _provers[id] = Prover({stakedAmount: amount, rewardPerGas: rewardPerGas, currentCapacity: maxCapacity});
        emit Staked(addr, amount, rewardPerGas, maxCapacity);
    }

    /// @dev The slot of the lowest stake, an empty slot counting as 0. Of several slots tied at the lowest, the
    /// lowest-numbered one (eldfell's rule, ProverPool._stake: the scan starts at slot 1 and moves on only to a
    /// strictly smaller stake); its staker, if any, is the one evicted.
    function _lowestSlot() private view returns (uint32 id) {
        id = 1;
        uint64 lowest = _provers[1].stakedAmount;
        for (uint32 i = 2; i <= MAX_NUM_PROVERS; ++i) {
            uint64 staked = _provers[i].stakedAmount;
            if (staked < lowest) {
                lowest = staked;
                id = i;
            }
        }
    }

    /// @dev Leaves the top 32: the stake joins the exiting tokens, whose exit period starts again now.
    function _exit(address addr, bool checkChangeDelay) private {
        Staker storage staker = _stakers[addr];
        uint32 id = staker.proverId;
        if (id == 0) return;
        if (checkChangeDelay && block.timestamp <= staker.exitRequestedAt + MIN_CHANGE_DELAY) {
            revert CHANGE_TOO_FREQUENT();
        }
        uint64 stakedAmount = _provers[id].stakedAmount;
        delete _proverIdToAddress[id];
        // An emptied slot keeps rewardPerGas 1, as eldfell leaves it (a cheaper rewrite there).
        _provers[id] = Prover({stakedAmount: 0, rewardPerGas: 1, currentCapacity: 0});
        staker.exitAmount += stakedAmount;
        staker.exitRequestedAt = uint64(block.timestamp);
        staker.proverId = 0;
        emit Exited(addr, staker.exitAmount);
    }

    /// @dev Mints a matured exit back to `addr`; false when there is none.
    function _withdraw(address addr) private returns (bool) {
        Staker storage staker = _stakers[addr];
        uint64 amount = staker.exitAmount;
        uint64 requestedAt = staker.exitRequestedAt;
        if (amount == 0 || requestedAt == 0 || block.timestamp <= uint256(requestedAt) + EXIT_PERIOD) return false;
        staker.exitRequestedAt = 0;
        staker.exitAmount = 0;
        _token().mint(addr, amount);
        emit Withdrawn(addr, amount);
        return true;
    }

    function _token() private view returns (TaikoToken) {
        return TaikoToken(resolve("taiko_token", false));
    }
}
