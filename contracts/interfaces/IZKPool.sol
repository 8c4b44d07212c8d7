// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IProverPool} from "../taiko/IProverPool.sol";
import {ITaikoL1} from "../taiko/ITaikoL1.sol";

/// @title IZKPool
/// @notice ZKPool stakes TTKOe in Taiko's ProverPool on behalf of many small provers, has their proofs submitted
/// under its own identity, and pays them what Taiko pays for their work, epoch by epoch, less the operator's fee
/// (20% at launch, never above 30%).
///
/// Provers join by authorizing agent keys (their machines), each with the key's consent. A machine puts its
/// agent's address in the proof's `evidence.graffiti`, which Taiko's proof instance binds: re-attributing a proof
/// to another machine means proving the block again. Crediting takes two steps, both open to anyone:
///  1. proveBlock records, per fork choice (block, parent hash, parent gas used), the agent named in the graffiti
///     of the proof that Taiko accepted for the pool. If a copy of the proof reached TaikoL1 first (a front-run
///     from the mempool), the pool checks the proof against that fork choice itself and records it all the same.
///  2. Once Taiko has verified the block, confirm credits the recorded agent's prover with exactly what Taiko
///     paid the pool for it (its BlockVerified proofReward: (blockFeeBaseGas + gasUsed) × rewardPerGas, times
///     rewardOpenMultipler / 100 for an open block or a proof after the assigned prover's window), if and only if
///     the recorded fork choice is the one Taiko verified with the pool as prover. A block is credited once: Taiko
///     verifies one fork choice per block. A proof on a parent that is not verified earns nothing.
///
/// A credit counts in the epoch in which it is confirmed; the relayer confirms each block once Taiko verifies
/// it. Shares are credited TTKOe: an epoch's reward is exactly the sum of its credits, so rewards follow the
/// work, nothing rolls over, and an epoch without credits has no reward. An ended epoch settles, in order, into
/// the operator's fee (the fee scheduled for that epoch, known at least one epoch ahead) and its provers'
/// reward; settling first harvests the pool's Taiko balance if the epoch's credits have not all arrived yet. A
/// prover's part of a settled epoch is proverReward × shares / totalShares, rounded down; the rounding dust of
/// an epoch goes to the operator's fees when the epoch's last prover claims.
///
/// Accounting, in TTKOe base units, holds at every moment (see totals):
///   totalClaimed + totalClaimable + totalFees + unsettled == totalHarvested,
/// where unsettled is harvested TTKOe not yet assigned to a settled epoch: credits of epochs still to settle,
/// and Taiko payouts to the pool that nobody's recorded proof earned (a pool fork choice proven straight on
/// TaikoL1 by someone whose proof was never recorded), which stay in the pool.
///
/// ZKPool is also OpenZeppelin's Ownable2Step and EIP712; their functions are declared here, but their events
/// (OwnershipTransferStarted, OwnershipTransferred, EIP712DomainChanged) and errors (OwnableUnauthorizedAccount,
/// OwnableInvalidOwner), like those of the libraries ZKPool uses (SafeERC20FailedOperation,
/// SafeCastOverflowedUintDowncast, CheckpointUnorderedInsertion, InvalidShortString, StringTooLong), are
/// documented where they are declared: the compiler refuses a second declaration.
interface IZKPool {
    // ───────────────────────────── types ─────────────────────────────

    /// @notice What the pool remembers of an agent key: the prover it proves for, for good, and whether that
    /// prover revoked it.
    struct Agent {
        address prover;
        bool revoked;
    }

    /// @notice A fork choice of a block: the block and the parent its proof is on, as TaikoL1 keys it.
    struct ProofKey {
        uint256 blockId;
        bytes32 parentHash;
        uint32 parentGasUsed;
    }

    /// @notice An epoch as the ledger sees it: shares (credited TTKOe) and provers as blocks are credited; once
    /// settled, what its provers get between them and how many of them have claimed.
    struct EpochInfo {
        uint256 totalShares;
        uint256 provers;
        bool settled;
        uint256 proverReward;
        uint256 proversClaimed;
    }

    // ───────────────────────────── events ─────────────────────────────

    /// @notice `prover` authorized `agent` to prove for it (again, if it had revoked it).
    /// @param prover The prover the agent proves for.
    /// @param agent The agent key's address.
    /// @param label The name the prover gave the machine.
    event AgentAuthorized(address indexed prover, address indexed agent, string label);

    /// @notice `prover` revoked `agent`: its later proofs earn nothing.
    /// @param prover The prover the agent proved for.
    /// @param agent The agent key's address.
    event AgentRevoked(address indexed prover, address indexed agent);

    /// @notice Taiko accepted a proof for the pool on this fork choice (or the pool checked a copy that reached
    /// TaikoL1 first): once Taiko verifies it, confirm credits `prover`.
    /// @param blockId The proven block.
    /// @param parentHash The parent the proof is on.
    /// @param parentGasUsed The parent's gas used, the rest of the fork choice's key.
    /// @param agent The agent named in the proof's graffiti.
    /// @param prover The agent's prover, the one to be credited.
    /// @param forkChoiceId The proof's fork choice in TaikoL1, numbered from 1.
    event ProofRecorded(
        uint256 indexed blockId,
        bytes32 parentHash,
        uint32 parentGasUsed,
        address indexed agent,
        address indexed prover,
        uint24 forkChoiceId
    );

    /// @notice Taiko verified the block with the recorded proof's fork choice and paid the pool `reward`: it is
    /// credited to `prover` in `epoch`.
    /// @param blockId The verified block.
    /// @param prover The recorded agent's prover, credited.
    /// @param agent The agent named in the proof's graffiti.
    /// @param epoch The epoch the credit counts in (the one in which it was confirmed).
    /// @param reward What Taiko paid the pool for the block, in TTKOe base units: the shares credited.
    event BlockCredited(
        uint256 indexed blockId,
        address indexed prover,
        address indexed agent,
        uint256 epoch,
        uint256 reward
    );

    /// @notice A recorded proof earns nothing and is forgotten: Taiko verified the block with another fork
    /// choice (another parent, or the oracle prover's), or paid nothing for it (a zero reward per gas).
    /// @param blockId The verified block.
    /// @param prover The recorded agent's prover.
    /// @param agent The agent named in the proof's graffiti.
    /// @param forkChoiceId The recorded fork choice.
    /// @param verifiedForkChoiceId The fork choice Taiko verified.
    event ProofNotCredited(
        uint256 indexed blockId,
        address indexed prover,
        address indexed agent,
        uint24 forkChoiceId,
        uint24 verifiedForkChoiceId
    );

    /// @notice The pool moved its Taiko balance (Taiko's payouts for its verified blocks) into the ledger.
    /// @param amount What arrived, in TTKOe base units.
    event Harvested(uint256 amount);

    /// @notice `epoch` settled: its credits, `reward`, split into the operator's `fee` and its provers'
    /// `proverReward`. All four amounts are zero for an epoch without credits.
    /// @param epoch The settled epoch.
    /// @param reward The epoch's credits, equal to totalShares.
    /// @param fee The operator's fee: reward × feeBps(epoch) / 10,000, rounded down.
    /// @param proverReward reward − fee, what the epoch's provers share.
    /// @param totalShares The epoch's shares, among which proverReward is split.
    event EpochSettled(uint256 indexed epoch, uint256 reward, uint256 fee, uint256 proverReward, uint256 totalShares);

    /// @notice `prover` claimed its part of `epoch`.
    /// @param prover The claiming prover, paid.
    /// @param epoch The settled epoch claimed.
    /// @param amount proverReward × shares / totalShares of the epoch, rounded down.
    event Claimed(address indexed prover, uint256 indexed epoch, uint256 amount);

    /// @notice The last prover of an epoch claimed: what rounding left over goes to the operator.
    /// @param epoch The epoch whose provers have all claimed.
    /// @param amount The epoch's proverReward less the sum of its provers' parts (less than its provers).
    event DustSwept(uint256 indexed epoch, uint256 amount);

    /// @notice The operator's fees went to the treasury.
    /// @param to The treasury.
    /// @param amount The fees sent.
    event FeesWithdrawn(address indexed to, uint256 amount);

    /// @notice The fee becomes `feeBps` from epoch `fromEpoch` on (the constructor announces the launch fee).
    /// @param feeBps The new fee, in basis points of an epoch's rewards.
    /// @param fromEpoch The first epoch that pays it.
    event FeeChangeScheduled(uint16 feeBps, uint256 fromEpoch);

    /// @notice The operator's fees go to `treasury` from now on.
    /// @param treasury The new treasury.
    event TreasuryChanged(address indexed treasury);

    /// @notice `relayer` is the only key that may adjust the pool's capacity from now on.
    /// @param relayer The new relayer key; zero for none.
    event RelayerSet(address indexed relayer);

    /// @notice A pauser paused the pool.
    /// @param account The pauser.
    event Paused(address account);

    /// @notice The owner unpaused the pool.
    /// @param account The owner.
    event Unpaused(address account);

    /// @notice The owner allowed `account` to pause the pool, or took that right away.
    /// @param account The account.
    /// @param allowed Whether it may pause.
    event PauserSet(address indexed account, bool allowed);

    /// @notice The owner set the bounds within which the relayer may set the pool's capacity.
    /// @param minCapacity The lowest capacity adjustCapacity accepts.
    /// @param maxCapacity The highest capacity adjustCapacity accepts.
    event CapacityBoundsSet(uint32 minCapacity, uint32 maxCapacity);

    /// @notice The owner brought TTKOe for staking.
    /// @param from The owner, who paid.
    /// @param amount The TTKOe added to the stake funds.
    event StakeFunded(address indexed from, uint256 amount);

    /// @notice The owner took back stake funds.
    /// @param to Who received them.
    /// @param amount The TTKOe taken from the stake funds.
    event StakeFundsWithdrawn(address indexed to, uint256 amount);

    /// @notice TTKOe moved between the stake funds and ProverPool: ProverPool burnt `staked` out of the funds as
    /// stake, or paid `returned` back into them (a matured exit). Emitted by every call that moves stake funds
    /// (stake, adjustCapacity, exitStake, withdrawStake), and for a matured exit that ProverPool paid the pool
    /// outside them (when another staker evicts the pool): such TTKOe joins the stake funds at the next stake
    /// operation, each one starting with it. Together with StakeFunded and StakeFundsWithdrawn, these events
    /// account for every change of stakeFunds().
    /// @param staked What ProverPool burnt from the pool as stake.
    /// @param returned What ProverPool minted back to the pool.
    /// @param stakeFunds The stake funds after the move.
    event StakeFundsMoved(uint256 staked, uint256 returned, uint256 stakeFunds);

    // ───────────────────────────── errors ─────────────────────────────

    /// @notice An address that must not be zero is zero: the constructor's token, Taiko contracts and treasury,
    /// an agent, a treasury, or where stake funds go.
    error ZeroAddress();

    /// @notice Only the relayer may adjust the capacity.
    /// @param caller The caller, which is not the relayer.
    error NotRelayer(address caller);

    /// @notice Only an account the owner allowed may pause.
    /// @param caller The caller, which is not a pauser.
    error NotPauser(address caller);

    /// @notice The pool is paused: no proofs recorded or confirmed and no new agents until the owner unpauses it
    /// (settlements and claims go on); or a pauser paused it twice.
    error EnforcedPause();

    /// @notice The owner unpaused a pool that is not paused.
    error ExpectedPause();

    /// @notice The agent is unknown, revoked, or belongs to another prover than the caller.
    /// @param agent The agent key's address.
    error NotAuthorizedAgent(address agent);

    /// @notice The caller's agent is authorized already.
    /// @param agent The agent key's address.
    error AgentAlreadyAuthorized(address agent);

    /// @notice An agent belongs to one prover only, for good.
    /// @param agent The agent key's address.
    /// @param prover The prover it belongs to.
    error AgentOfAnotherProver(address agent, address prover);

    /// @notice The label is longer than MAX_LABEL_LENGTH bytes.
    /// @param length The label's length, in bytes.
    /// @param maxLength MAX_LABEL_LENGTH.
    error LabelTooLong(uint256 length, uint256 maxLength);

    /// @notice `consent` is not the agent key's EIP-712 signature of AgentConsent(prover = the caller) for this
    /// pool and chain: only the holder of the key can give it to a prover.
    /// @param agent The agent key's address.
    error InvalidAgentConsent(address agent);

    /// @notice The constructor's epoch length is zero.
    error InvalidEpochLength();

    /// @notice A fee change must be announced at least one epoch ahead.
    /// @param feeChangeDelay The constructor's fee change delay, in seconds.
    /// @param epochLength The constructor's epoch length, in seconds.
    error FeeChangeDelayTooShort(uint256 feeChangeDelay, uint256 epochLength);

    /// @notice The pool always has an owner: ownership can be transferred, never renounced.
    error OwnershipCannotBeRenounced();

    /// @notice The evidence's graffiti is not an agent's address (an address in its low 20 bytes, the rest zero):
    /// the machine that proves must put its agent's address there.
    /// @param graffiti The evidence's graffiti.
    error GraffitiNotAnAgent(bytes32 graffiti);

    /// @notice This fork choice of the block has a recorded proof already: it is credited once Taiko verifies it.
    /// @param blockId The block.
    /// @param agent The agent already recorded.
    error ProofAlreadyRecorded(uint256 blockId, address agent);

    /// @notice Taiko had a proof on this parent already (L1_ALREADY_PROVEN), and it is not this proof's: its fork
    /// choice has another prover than the pool, or another block hash, signal root or gas used.
    /// @param blockId The block.
    error ForkChoiceMismatch(uint256 blockId);

    /// @notice Taiko had a proof on this parent already, but not as the block's first fork choice: TaikoL1 shows
    /// the pool a fork choice's id only for the first one, and the pool records no proof whose fork choice it
    /// cannot name. (A copy landing after a proof on another parent; a sound verifier rules out the latter.)
    /// @param blockId The block.
    error ForkChoiceNotIdentifiable(uint256 blockId);

    /// @notice The proof does not verify for its evidence (checked by the pool when a copy reached TaikoL1
    /// first): the instance halves in front of it are not its evidence's, or Taiko's verifier refuses it.
    /// @param blockId The block.
    error InvalidProof(uint256 blockId);

    /// @notice No proof is recorded for this fork choice (never recorded, or confirmed already).
    /// @param blockId The block.
    /// @param parentHash The parent hash of the fork choice asked for.
    /// @param parentGasUsed The parent gas used of the fork choice asked for.
    error ProofNotRecorded(uint256 blockId, bytes32 parentHash, uint32 parentGasUsed);

    /// @notice Taiko has not verified the block yet: confirm it after its BlockVerified event.
    /// @param blockId The block.
    error BlockNotVerified(uint256 blockId);

    /// @notice The epoch's credits have not all reached the pool: its Taiko balance and harvested TTKOe fall short
    /// of them. (Credits follow Taiko's payouts, so this means a TaikoL1 that does not pay as eldfell does.)
    /// @param needed The epoch's credits.
    /// @param available The harvested TTKOe not yet assigned to a settled epoch.
    error RewardsNotArrived(uint256 needed, uint256 available);

    /// @notice The proof's input is not an abi-encoded BlockEvidence.
    error MalformedEvidence();

    /// @notice The evidence names another prover than the pool: Taiko would pay someone else.
    /// @param prover The prover the evidence names.
    error EvidenceProverNotPool(address prover);

    /// @notice An epoch settles only once it has ended.
    /// @param epoch The epoch to settle.
    /// @param endsAt When it ends (epochEndsAt(epoch)).
    error EpochNotEnded(uint256 epoch, uint256 endsAt);

    /// @notice Epochs settle one by one, in order; `next` is the one to settle now.
    /// @param epoch The epoch asked for.
    /// @param next The next epoch to settle.
    error EpochNotNext(uint256 epoch, uint256 next);

    /// @notice The fee can never exceed MAX_FEE_BPS.
    /// @param feeBps The fee asked for, in basis points.
    /// @param maxFeeBps MAX_FEE_BPS.
    error FeeAboveCap(uint16 feeBps, uint16 maxFeeBps);

    /// @notice The lower capacity bound is above the upper one.
    /// @param minCapacity The lower bound asked for.
    /// @param maxCapacity The upper bound asked for.
    error InvalidCapacityBounds(uint32 minCapacity, uint32 maxCapacity);

    /// @notice The relayer asked for a capacity outside the owner's bounds.
    /// @param capacity The capacity asked for.
    /// @param minCapacity The lower bound.
    /// @param maxCapacity The upper bound.
    error CapacityOutOfBounds(uint32 capacity, uint32 minCapacity, uint32 maxCapacity);

    /// @notice The pool is not staked in ProverPool, so there is no stake to adjust.
    error NotStaked();

    /// @notice The relayer may not adjust the capacity while the owner's tokens are exiting ProverPool: a restake
    /// would start their exit period, and ProverPool's change delay, again, so the owner could never withdraw
    /// them.
    /// @param exitAmount The tokens exiting.
    error ExitPending(uint256 exitAmount);

    /// @notice The stake funds do not cover what is asked of them.
    /// @param needed What a stake would burn, or what the owner asked to withdraw.
    /// @param available The stake funds.
    error InsufficientStakeFunds(uint256 needed, uint256 available);

    /// @notice The caller has no settled, unclaimed epoch (or asked for none).
    /// @param prover The caller.
    error NothingToClaim(address prover);

    /// @notice Harvesting would take the ledger's total past what it can count (2^72 − 1 base units, far above
    /// TTKOe's supply): the rewards stay in TaikoL1, untouched.
    /// @param harvested What would have been harvested in all, this harvest included.
    /// @param limit 2^72 − 1.
    error LedgerFull(uint256 harvested, uint256 limit);

    // ───────────────────────────── constants and immutables ─────────────────────────────

    /// @notice The operator's fee at launch.
    /// @return The fee, in basis points: 2,000 (20%).
    function INITIAL_FEE_BPS() external view returns (uint16);

    /// @notice The highest fee the owner can schedule.
    /// @return The fee cap, in basis points: 3,000 (30%).
    function MAX_FEE_BPS() external view returns (uint16);

    /// @notice The longest label an agent can have.
    /// @return The length, in bytes: 64.
    function MAX_LABEL_LENGTH() external view returns (uint256);

    /// @notice The EIP-712 type an agent key gives its consent to a prover with.
    /// @return keccak256("AgentConsent(address prover)").
    function AGENT_CONSENT_TYPEHASH() external view returns (bytes32);

    /// @notice The token the pool stakes and earns: TTKOe.
    /// @return The token.
    function TOKEN() external view returns (IERC20);

    /// @notice The TaikoL1 the pool proves blocks in and earns from.
    /// @return TaikoL1.
    function TAIKO_L1() external view returns (ITaikoL1);

    /// @notice The ProverPool the pool stakes in.
    /// @return ProverPool.
    function PROVER_POOL() external view returns (IProverPool);

    /// @notice When epoch 0 started: the pool's deployment.
    /// @return A timestamp, in seconds.
    function GENESIS_TIMESTAMP() external view returns (uint256);

    /// @notice How long an epoch lasts.
    /// @return A duration, in seconds.
    function EPOCH_LENGTH() external view returns (uint256);

    /// @notice A fee change applies from the first epoch that starts after this delay.
    /// @return A duration, in seconds, at least EPOCH_LENGTH.
    function FEE_CHANGE_DELAY() external view returns (uint256);

    /// @notice TaikoL1's blockFeeBaseGas, the fixed part of every block's reward (A4: 20,000).
    /// @return The gas, as TaikoL1's config had it at deployment.
    function BLOCK_FEE_BASE_GAS() external view returns (uint256);

    /// @notice TaikoL1's rewardOpenMultipler: an open block, or one proven after its assigned prover's window,
    /// pays this many hundredths of its reward.
    /// @return The multiplier, in percent, as TaikoL1's config had it at deployment.
    function REWARD_OPEN_MULTIPLIER() external view returns (uint256);

    // ───────────────────────────── provers and agents ─────────────────────────────

    /// @notice Authorize `agent` (the address of an access key) to prove for the caller, who becomes its
    /// prover, with the key's consent: nobody can take a key that another prover is about to authorize (a
    /// front-run authorization would otherwise give the key, and every proof it makes, to someone else). A
    /// prover can authorize again an agent it revoked. Not while paused.
    /// @param agent The access key's address.
    /// @param label Names the machine for people (at most 64 bytes).
    /// @param consent The agent key's EIP-712 signature of AgentConsent(address prover) with prover = the
    /// caller, in the pool's domain (name "ZKPool", version "1", this chain, this pool): see agentConsentDigest.
    function authorizeAgent(address agent, string calldata label, bytes calldata consent) external;

    /// @notice The EIP-712 digest an agent key signs to consent to prove for `prover` in this pool.
    /// @param prover The prover the key will prove for.
    /// @return The digest of AgentConsent(prover) in the pool's domain.
    function agentConsentDigest(address prover) external view returns (bytes32);

    /// @notice Revoke one of the caller's agents: its proofs are no longer recorded (those recorded before still
    /// earn once confirmed) and the relayer refuses it.
    /// @param agent The agent key's address.
    function revokeAgent(address agent) external;

    /// @notice The prover an agent proves for.
    /// @param agent The agent key's address.
    /// @return prover Its prover; zero when unknown or revoked.
    function agentOwner(address agent) external view returns (address prover);

    // ───────────────────────────── proofs ─────────────────────────────

    /// @notice Anyone, not while paused: submit a proof to TaikoL1 with the pool as prover and record, for its
    /// fork choice, the agent named in its graffiti (ProofRecorded). If Taiko already has a proof on this parent
    /// (L1_ALREADY_PROVEN: a copy of this one sent straight to TaikoL1 first), the pool records this proof only
    /// if that fork choice is the block's first and names the pool with this evidence's block hash, signal root
    /// and gas used, and if the proof verifies as TaikoL1 would verify it. Any other Taiko revert comes back with
    /// Taiko's own error.
    /// @param blockId The block proven.
    /// @param input The abi-encoded BlockEvidence, as TaikoL1.proveBlock takes it: its prover must be the pool,
    /// its graffiti the address of an authorized agent (in the low 20 bytes).
    function proveBlock(uint256 blockId, bytes calldata input) external;

    /// @notice Anyone, not while paused: credit blocks that Taiko has verified. For each recorded fork choice:
    /// if Taiko verified the block with it and paid the pool, the recorded agent's prover is credited what Taiko
    /// paid, in the current epoch (BlockCredited); if Taiko verified another fork choice or paid nothing, the
    /// record is dropped (ProofNotCredited). Reverts if a block is not verified yet or a fork choice has no
    /// record.
    /// @param proofs The fork choices to confirm.
    /// @return credited The sum credited.
    function confirm(ProofKey[] calldata proofs) external returns (uint256 credited);

    /// @notice The proof recorded for a fork choice, awaiting confirmation.
    /// @param blockId The block.
    /// @param parentHash The parent the proof is on.
    /// @param parentGasUsed The parent's gas used.
    /// @return agent The agent named in the proof's graffiti; zero if none is recorded (or it was confirmed).
    /// @return forkChoiceId Its fork choice in TaikoL1.
    function proofRecord(
        uint256 blockId,
        bytes32 parentHash,
        uint32 parentGasUsed
    ) external view returns (address agent, uint24 forkChoiceId);

    // ───────────────────────────── rewards ─────────────────────────────

    /// @notice Anyone: move the pool's Taiko balance (its payouts for verified blocks) into the pool.
    /// @return amount What arrived, in TTKOe base units; zero when there was nothing to harvest.
    function harvest() external returns (uint256 amount);

    /// @notice Anyone, once `epoch` has ended and every earlier epoch is settled: split its credits into the fee and
    /// its provers' reward, harvesting first if the pool does not hold them yet.
    /// @param epoch The epoch to settle: nextEpochToSettle().
    function settle(uint256 epoch) external;

    /// @notice Pay the caller its part of up to `maxEpochs` of its settled, unclaimed epochs, oldest first.
    /// Works while the pool is paused.
    /// @param maxEpochs The most epochs to claim in this call.
    /// @return amount What the caller was paid.
    function claim(uint256 maxEpochs) external returns (uint256 amount);

    /// @notice Everything `prover` can claim now.
    /// @param prover The prover.
    /// @return amount Its parts of its settled, unclaimed epochs.
    function claimable(address prover) external view returns (uint256 amount);

    /// @notice Anyone: send the operator's accrued fees to the treasury.
    /// @return amount The fees sent; zero when there were none.
    function withdrawFees() external returns (uint256 amount);

    // ───────────────────────────── fee ─────────────────────────────

    /// @notice Owner: change the fee from the first epoch that starts after FEE_CHANGE_DELAY, never above
    /// MAX_FEE_BPS. Epochs already started keep the fee they started with.
    /// @param newFeeBps The new fee, in basis points.
    function scheduleFee(uint16 newFeeBps) external;

    /// @notice The fee of `epoch`, as scheduled so far.
    /// @param epoch The epoch.
    /// @return The fee, in basis points of the epoch's rewards.
    function feeBps(uint256 epoch) external view returns (uint16);

    // ───────────────────────────── stake ─────────────────────────────

    /// @notice Owner: bring TTKOe for staking (kept apart from the provers' rewards), paid from the caller.
    /// @param amount The TTKOe to add to the stake funds.
    function fundStake(uint256 amount) external;

    /// @notice Owner: take back stake funds that are not staked.
    /// @param amount The TTKOe to take.
    /// @param to Who receives it.
    function withdrawStakeFunds(uint256 amount, address to) external;

    /// @notice Owner: stake in ProverPool, or change the stake, ask and capacity (ProverPool's rules apply).
    /// What ProverPool burns comes out of the stake funds.
    /// @param amount The stake.
    /// @param rewardPerGas The ask, per gas.
    /// @param maxCapacity How many blocks the pool proves at once.
    function stake(uint64 amount, uint32 rewardPerGas, uint32 maxCapacity) external;

    /// @notice Relayer: follow the connected machines' capacity, within the owner's bounds, at the same stake and
    /// ask. Not while tokens of the pool are exiting ProverPool (ExitPending): the owner's exit comes first.
    /// @param maxCapacity How many blocks the pool proves at once.
    function adjustCapacity(uint32 maxCapacity) external;

    /// @notice Owner: leave ProverPool; the stake comes back through its exit period.
    function exitStake() external;

    /// @notice Owner: take a matured exit back into the stake funds.
    function withdrawStake() external;

    /// @notice Owner: the bounds within which the relayer may set the capacity (both zero until set).
    /// @param minCapacity The lowest capacity the relayer may set.
    /// @param maxCapacity The highest capacity the relayer may set.
    function setCapacityBounds(uint32 minCapacity, uint32 maxCapacity) external;

    // ───────────────────────────── roles ─────────────────────────────

    /// @notice Owner: the relayer key, which replaces the one before; zero leaves nobody to adjust the capacity
    /// (proofs are recorded and confirmed by anyone).
    /// @param relayer The new relayer key.
    function setRelayer(address relayer) external;

    /// @notice Owner: allow `account` to pause the pool, or take that right away.
    /// @param account The account.
    /// @param allowed Whether it may pause.
    function setPauser(address account, bool allowed) external;

    /// @notice Owner: where the operator's fees go.
    /// @param treasury The new treasury.
    function setTreasury(address treasury) external;

    /// @notice Pauser: stop recording and confirming proofs, and new agents. Claims, harvests and settlements go on.
    function pause() external;

    /// @notice Owner: let proofs, confirmations and new agents in again.
    function unpause() external;

    /// @notice The owner, who sets the fee, the roles and the stake.
    /// @return The owner.
    function owner() external view returns (address);

    /// @notice The account the owner offered ownership to, until it accepts.
    /// @return The pending owner; zero when none.
    function pendingOwner() external view returns (address);

    /// @notice Owner: offer ownership to `newOwner`, who becomes the owner once it accepts (zero cancels).
    /// @param newOwner The next owner.
    function transferOwnership(address newOwner) external;

    /// @notice Pending owner: accept ownership.
    function acceptOwnership() external;

    /// @notice Always reverts (OwnershipCannotBeRenounced): ownership moves in two steps (transferOwnership, then
    /// acceptOwnership) and is never renounced, since a pool without an owner could never be unpaused, nor its
    /// stake exited and withdrawn.
    function renounceOwnership() external pure;

    // ───────────────────────────── views ─────────────────────────────

    /// @notice The pool's EIP-712 domain (EIP-5267), in which agent keys sign their consent to a prover.
    /// @return fields 0x0f: name, version, chainId and verifyingContract are set.
    /// @return name "ZKPool".
    /// @return version "1".
    /// @return chainId This chain.
    /// @return verifyingContract This pool.
    /// @return salt Zero.
    /// @return extensions None.
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        );

    /// @notice The epoch now.
    /// @return epochAt(block.timestamp).
    function currentEpoch() external view returns (uint256);

    /// @notice The epoch of a moment; reverts before genesis.
    /// @param timestamp The moment, at or after GENESIS_TIMESTAMP.
    /// @return (timestamp − GENESIS_TIMESTAMP) / EPOCH_LENGTH.
    function epochAt(uint256 timestamp) external view returns (uint256);

    /// @notice When `epoch` ends: the first second of the next one, from which it can settle.
    /// @param epoch The epoch.
    /// @return GENESIS_TIMESTAMP + (epoch + 1) × EPOCH_LENGTH.
    function epochEndsAt(uint256 epoch) external view returns (uint256);

    /// @notice A prover's shares in an epoch.
    /// @param prover The prover.
    /// @param epoch The epoch.
    /// @return The shares (TTKOe credited) its proofs earned in the epoch.
    function sharesOf(address prover, uint256 epoch) external view returns (uint256);

    /// @notice All provers' shares in an epoch: its credits, which are its reward.
    /// @param epoch The epoch.
    /// @return The epoch's shares, in TTKOe base units.
    function totalSharesOf(uint256 epoch) external view returns (uint256);

    /// @notice An epoch's shares and provers, and once settled what its provers get and how many claimed.
    /// @param epoch The epoch.
    /// @return info The epoch as the ledger sees it.
    function epochOf(uint256 epoch) external view returns (EpochInfo memory info);

    /// @notice The epoch that settles next: every earlier one is settled.
    /// @return The epoch.
    function nextEpochToSettle() external view returns (uint256);

    /// @notice The ledger's totals, in TTKOe base units; totalClaimed + totalClaimable + totalFees + unsettled ==
    /// totalHarvested.
    /// @return totalHarvested Everything ever harvested.
    /// @return totalClaimed Everything provers claimed.
    /// @return totalClaimable Owed to provers for settled epochs, rounding dust included until swept.
    /// @return totalFees Every fee and swept dust ever accrued to the operator, withdrawn or not.
    /// @return unsettled Harvested and not assigned to a settled epoch: credits still to settle, and payouts that
    /// no recorded proof earned.
    function totals()
        external
        view
        returns (
            uint256 totalHarvested,
            uint256 totalClaimed,
            uint256 totalClaimable,
            uint256 totalFees,
            uint256 unsettled
        );

    /// @notice The operator's fees sent to the treasury so far.
    /// @return The fees withdrawn; totals().totalFees minus this is what withdrawFees sends.
    function feesWithdrawn() external view returns (uint256);

    /// @notice TTKOe the owner brought for staking, not staked: never mixed with rewards.
    /// @return The stake funds.
    function stakeFunds() external view returns (uint256);

    /// @notice The pool's place in ProverPool: its stake, ask, capacity, pending exit and rank among the 32.
    /// @return staker ProverPool's record of the pool: pending exit, capacity, slot.
    /// @return prover The pool's slot in the top 32: stake, ask, free capacity.
    /// @return rank 1 for the largest stake, up to 32; 0 when the pool is not in the top 32.
    function stakeInfo()
        external
        view
        returns (IProverPool.Staker memory staker, IProverPool.Prover memory prover, uint256 rank);

    /// @notice Where the operator's fees go.
    /// @return The treasury.
    function treasury() external view returns (address);

    /// @notice The only key that may adjust the capacity.
    /// @return The relayer; zero for none.
    function relayer() external view returns (address);

    /// @notice Whether the pool is paused (no proofs, no new agents).
    /// @return True while paused.
    function paused() external view returns (bool);

    /// @notice Whether `account` may pause the pool.
    /// @param account The account.
    /// @return True for a pauser.
    function isPauser(address account) external view returns (bool);

    /// @notice The bounds within which the relayer may set the capacity.
    /// @return minCapacity The lowest capacity adjustCapacity accepts.
    /// @return maxCapacity The highest capacity adjustCapacity accepts.
    function capacityBounds() external view returns (uint32 minCapacity, uint32 maxCapacity);
}
