// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IProverPool
/// @notice Taiko A4's staking contest for provers: the 32 largest stakers are assigned blocks, at random,
/// weighted by stake and by how little they ask per gas. A newcomer must out-stake the smallest of a full
/// set, who is then forced to exit.
interface IProverPool {
    /// @notice A staker's slot in the top 32, packed in one storage slot so assignment reads 32 words.
    struct Prover {
        uint64 stakedAmount;
        uint32 rewardPerGas;
        uint32 currentCapacity;
    }

    /// @notice What the pool remembers of an address, in or out of the top 32.
    struct Staker {
        uint64 exitRequestedAt;
        uint64 exitAmount;
        uint64 lastChangeAt;
        uint32 maxCapacity;
        uint8 proverId; // 1..32 while in the top 32, 0 otherwise
    }

    event Staked(address indexed addr, uint64 amount, uint32 rewardPerGas, uint32 currentCapacity);
    event Exited(address indexed addr, uint64 amount);
    event Withdrawn(address indexed addr, uint64 amount);
    event Slashed(address indexed addr, uint64 amount);

    /// @notice Only TaikoL1 may assign, release and slash; only the deployer may wire TaikoL1 in, once.
    error UNAUTHORIZED(address caller);
    /// @notice rewardPerGas must be positive.
    error INVALID_PARAMS();
    /// @notice maxCapacity is below the protocol's minimum capacity.
    error CAPACITY_TOO_LOW(uint32 maxCapacity, uint32 minCapacity);
    /// @notice The stake does not cover the minimum stake per unit of capacity.
    error STAKE_TOO_LOW(uint64 amount, uint256 minimum);
    /// @notice The set is full and the amount does not beat its lowest stake.
    error PROVER_NOT_GOOD_ENOUGH(uint64 amount, uint64 lowestStake);
    /// @notice Stake and exit changes are rate limited; the next one is allowed at `allowedAt`.
    error CHANGE_TOO_FREQUENT(uint64 allowedAt);
    /// @notice exit() from an address that is not in the top 32.
    error NOT_STAKED(address addr);
    /// @notice Nothing to withdraw yet: `amount` matures at `maturesAt` (0 and 0 when nothing is exiting).
    error NO_MATURE_EXIT(uint64 amount, uint64 maturesAt);

    /// @notice Enter the top 32, or change your stake, ask and capacity. Tokens are burnt from the caller
    /// (reusing any of its own still-exiting stake first); a lowered stake leaves through the exit period.
    function stake(uint64 amount, uint32 rewardPerGas, uint32 maxCapacity) external;

    /// @notice Leave the top 32; the stake can be withdrawn after the exit period.
    function exit() external;

    /// @notice Take back a matured exit.
    function withdraw() external;

    /// @notice TaikoL1 only: pick the prover of a new block, or address(0) when nobody has capacity.
    /// @return prover the assigned prover
    /// @return rewardPerGas the prover's ask clamped to 75–125% of feePerGas (feePerGas for an open block)
    function assignProver(uint64 blockId, uint32 feePerGas) external returns (address prover, uint32 rewardPerGas);

    /// @notice TaikoL1 only: give back the capacity a block took.
    function releaseProver(address prover) external;

    /// @notice TaikoL1 only: slash a prover that let its block go unproven in its window.
    function slashProver(uint64 blockId, address prover, uint64 proofReward) external;

    /// @notice The 32 slots (empty ones have a zero address).
    function getProvers() external view returns (Prover[] memory provers, address[] memory stakers);

    function getStaker(address addr) external view returns (Staker memory staker, Prover memory prover);

    /// @notice The sum of the free capacity of the top 32.
    function getCapacity() external view returns (uint256 capacity);

    /// @notice 1 for the largest stake, up to 32; 0 when `addr` is not in the top 32. Ties rank by slot.
    function getRank(address addr) external view returns (uint256 rank);

    /// @notice The slashing formula: max(slashRateBps of stake / maxCapacity, slashRewardMultiplier × proofReward),
    /// capped at the stake.
    function slashAmount(uint64 stakedAmount, uint32 maxCapacity, uint64 proofReward) external view returns (uint64);
}
