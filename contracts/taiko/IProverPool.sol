// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IProverPool
/// @notice Taiko A4's staking contest for provers, with eldfell's ABI (taiko-mono@3b3317ad,
/// packages/protocol/contracts/L1/ProverPool.sol): the 32 largest stakers are assigned blocks, at random,
/// weighted by stake and by how little they ask per gas. A newcomer must out-stake the smallest of a full set,
/// who is then forced to exit. Every stake change is a full exit followed by a new stake, which reuses the
/// staker's own exiting tokens before burning new ones.
interface IProverPool {
    /// @notice A slot of the top 32, in one storage word.
    struct Prover {
        uint64 stakedAmount;
        uint32 rewardPerGas;
        uint32 currentCapacity;
    }

    /// @notice What the pool remembers of an address, in or out of the top 32, in one storage word.
    struct Staker {
        uint64 exitRequestedAt; // when the tokens now exiting started their exit period (0: nothing exiting)
        uint64 exitAmount; // tokens on their way out, withdrawable after the exit period
        uint32 maxCapacity; // the capacity of the last stake
        uint32 proverId; // the slot, 1..32, while in the top 32; 0 otherwise
    }

    /// @notice Matured exiting tokens were minted back to `addr`.
    event Withdrawn(address indexed addr, uint64 amount);
    /// @notice `addr` left the top 32 (by itself, by a stake change, or evicted); `amount` is everything it
    /// now has exiting, the stake it left with included.
    event Exited(address indexed addr, uint64 amount);
    /// @notice `amount` was taken from `addr`'s exiting tokens first, then from its stake.
    event Slashed(address indexed addr, uint64 amount);
    /// @notice `addr` holds a slot with this stake, ask and (all free) capacity.
    event Staked(address indexed addr, uint64 amount, uint32 rewardPerGas, uint32 currentCapacity);

    /// @notice A staker in the top 32 changed within MIN_CHANGE_DELAY of its exiting tokens' exit request.
    error CHANGE_TOO_FREQUENT();
    /// @notice maxCapacity below MIN_CAPACITY, less than MIN_STAKE_PER_CAPACITY per unit of capacity, a zero
    /// rewardPerGas, or stake(0, …) with a non-zero ask or capacity.
    error INVALID_PARAMS();
    /// @notice withdraw() with nothing exiting, or before the exit period is over.
    error NO_MATURE_EXIT();
    /// @notice The stake does not beat the lowest stake of the 32 slots (an empty slot counts as 0).
    error PROVER_NOT_GOOD_ENOUGH();
    /// @notice assignProver, releaseProver and slashProver are for the address named "taiko" only.
    error UNAUTHORIZED();

    /// @notice Enter the top 32, or change your stake, ask and capacity: the caller's matured exit is
    /// withdrawn, its slot (if any) is left as by exit(), then `amount` is staked, from its own exiting tokens
    /// first and burnt from its balance for the rest. stake(0, 0, 0) only exits.
    function stake(uint64 amount, uint32 rewardPerGas, uint32 maxCapacity) external;

    /// @notice Withdraw a matured exit, then leave the top 32 (nothing more when not in it); the stake can be
    /// withdrawn after the exit period.
    function exit() external;

    /// @notice Take back a matured exit.
    function withdraw() external;

    /// @notice The address named "taiko" only: pick the prover of a new block, or (address(0), 0) when no
    /// prover has free capacity.
    /// @return prover the assigned prover
    /// @return rewardPerGas the prover's ask clamped to 75–125% of feePerGas
    function assignProver(uint64 blockId, uint32 feePerGas) external returns (address prover, uint32 rewardPerGas);

    /// @notice The address named "taiko" only: give back one unit of the capacity a block took.
    function releaseProver(address addr) external;

    /// @notice The address named "taiko" only: slash `addr` for a block it did not prove in its window:
    /// min(max(slashable × SLASH_POINTS / 10,000 / maxCapacity, SLASH_MULTIPLIER × proofReward), slashable), where
    /// slashable is the stake plus the exiting tokens whose exit period is not over.
    function slashProver(address addr, uint64 proofReward) external;

    /// @notice The staker record of `addr` and, while it is in the top 32, its slot.
    function getStaker(address addr) external view returns (Staker memory staker, Prover memory prover);

    /// @notice The sum of the free capacity of the 32 slots.
    function getCapacity() external view returns (uint256 capacity);

    /// @notice The 32 slots and their stakers (a zero address for an empty slot).
    function getProvers() external view returns (Prover[] memory provers, address[] memory stakers);

    /// @notice Each slot's assignment weight and effective reward per gas at `feePerGas`: slots with free
    /// capacity weigh stake / erpg / erpg (at least 1), with erpg the ask clamped to 75–125% of feePerGas.
    function getProverWeights(
        uint32 feePerGas
    ) external view returns (uint256[32] memory weights, uint32[32] memory erpg);
}
