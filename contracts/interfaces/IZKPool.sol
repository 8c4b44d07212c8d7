// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IZKPool
/// @notice ZKPool stakes TTKOe in Taiko's ProverPool on behalf of many small provers, submits their proofs
/// under its own identity, and pays them 80% of what it earns, epoch by epoch, in proportion to the work each
/// one's machines did. The operator keeps the fee (20% at launch).
///
/// Provers join by authorizing agent keys (the keys their machines sign proofs with). A proof earns shares
/// only in the transaction in which Taiko accepts it, only for the owner of the agent that signed that exact
/// proof, weighted by the block's reward: (blockFeeBaseGas + gasUsed) × rewardPerGas.
///
/// Accounting, in TTKOe base units, holds at every moment:
///   totalClaimed + totalClaimable + totalFees + unsettledRewards == totalHarvested.
/// A prover's part of a settled epoch is proverReward × shares / totalShares, rounded down; the rounding dust
/// of an epoch goes to the operator's fees when the epoch's last prover claims.
///
/// A block earns once: only the proof that gives the block its first fork choice in TaikoL1 is credited (Taiko
/// accepts one proof per block per parent, so later proofs of the block can only be on other parents).
interface IZKPool {
    // ───────────────────────────── types ─────────────────────────────

    /// @notice What the pool remembers of an agent key.
    struct Agent {
        address prover;
        bool revoked;
    }

    /// @notice An epoch as the ledger sees it: shares and provers as proofs come in; once settled, what its
    /// provers get between them and how many of them have claimed.
    struct EpochInfo {
        uint256 totalShares;
        uint256 provers;
        bool settled;
        uint256 proverReward;
        uint256 proversClaimed;
    }

    // ───────────────────────────── events ─────────────────────────────

    event AgentAuthorized(address indexed prover, address indexed agent, string label);
    event AgentRevoked(address indexed prover, address indexed agent);
    event ProofCredited(
        uint256 indexed blockId,
        address indexed prover,
        address indexed agent,
        uint256 epoch,
        uint256 shares
    );
    event Harvested(uint256 indexed epoch, uint256 amount);
    event EpochSettled(uint256 indexed epoch, uint256 reward, uint256 fee, uint256 proverReward, uint256 totalShares);
    /// @notice An ended epoch had rewards but no shares: they move on to the next epoch.
    event RewardRolledOver(uint256 indexed fromEpoch, uint256 indexed toEpoch, uint256 amount);
    /// @notice Taiko accepted the proof, but the block already had a proof (fork choice `forkChoiceId` is not its
    /// first), so it earns nothing. It still stands in Taiko, where it may be the one that verifies.
    event ProofNotCredited(
        uint256 indexed blockId,
        address indexed prover,
        address indexed agent,
        uint256 forkChoiceId
    );
    event Claimed(address indexed prover, uint256 indexed epoch, uint256 amount);
    /// @notice The last prover of an epoch claimed: what rounding left over goes to the operator.
    event DustSwept(uint256 indexed epoch, uint256 amount);
    event FeesWithdrawn(address indexed to, uint256 amount);
    event FeeChangeScheduled(uint16 feeBps, uint256 fromEpoch);
    event TreasuryChanged(address indexed treasury);
    event RelayerSet(address indexed relayer);
    event Paused(address account);
    event Unpaused(address account);
    event PauserSet(address indexed account, bool allowed);
    event CapacityBoundsSet(uint32 minCapacity, uint32 maxCapacity);
    event StakeFunded(address indexed from, uint256 amount);
    event StakeFundsWithdrawn(address indexed to, uint256 amount);

    // ───────────────────────────── errors ─────────────────────────────

    error ZeroAddress();
    error NotRelayer(address caller);
    error NotPauser(address caller);
    /// @notice The pool is paused: no proofs and no new agents until the owner unpauses it (claims go on).
    error EnforcedPause();
    error ExpectedPause();
    /// @notice The agent is unknown, revoked, or belongs to another prover than the caller.
    error NotAuthorizedAgent(address agent);
    error AgentAlreadyAuthorized(address agent);
    /// @notice An agent belongs to one prover only, for good.
    error AgentOfAnotherProver(address agent, address prover);
    error LabelTooLong(uint256 length, uint256 maxLength);
    /// @notice `consent` is not the agent key's EIP-712 signature of AgentConsent(prover = the caller) for this
    /// pool and chain: only the holder of the key can give it to a prover.
    error InvalidAgentConsent(address agent);
    /// @notice The constructor's epoch length is zero.
    error InvalidEpochLength();
    /// @notice A fee change must be announced at least one epoch ahead.
    error FeeChangeDelayTooShort(uint256 feeChangeDelay, uint256 epochLength);
    /// @notice The pool always has an owner: ownership can be transferred, never renounced.
    error OwnershipCannotBeRenounced();
    /// @notice The proof's signature does not recover to an address.
    error InvalidAgentSignature();
    /// @notice The proof's input is not an abi-encoded BlockEvidence.
    error MalformedEvidence();
    /// @notice The evidence names another prover than the pool: Taiko would pay someone else.
    error EvidenceProverNotPool(address prover);
    error EpochNotEnded(uint256 epoch, uint256 endsAt);
    /// @notice Epochs settle one by one, in order; `next` is the one to settle now.
    error EpochNotNext(uint256 epoch, uint256 next);
    error FeeAboveCap(uint16 feeBps, uint16 maxFeeBps);
    error InvalidCapacityBounds(uint32 minCapacity, uint32 maxCapacity);
    error CapacityOutOfBounds(uint32 capacity, uint32 minCapacity, uint32 maxCapacity);
    /// @notice The pool is not staked in ProverPool, so there is no stake to adjust.
    error NotStaked();
    error InsufficientStakeFunds(uint256 needed, uint256 available);
    error NothingToClaim(address prover);
    /// @notice Harvesting would take the ledger's total past what it can count (2^72 − 1 base units, far above
    /// TTKOe's supply): the rewards stay in TaikoL1, untouched.
    error LedgerFull(uint256 harvested, uint256 limit);

    // ───────────────────────────── provers and agents ─────────────────────────────

    /// @notice Authorize `agent` (the address of an access key) to prove for the caller, who becomes its
    /// prover, with the key's consent: nobody can take a key that another prover is about to authorize (a
    /// front-run authorization would otherwise give the key, and every proof it signs, to someone else).
    /// @param agent The access key's address.
    /// @param label Names the machine for people (at most 64 bytes).
    /// @param consent The agent key's EIP-712 signature of AgentConsent(address prover) with prover = the
    /// caller, in the pool's domain (name "ZKPool", version "1", this chain, this pool): see agentConsentDigest.
    function authorizeAgent(address agent, string calldata label, bytes calldata consent) external;

    /// @notice The EIP-712 digest an agent key signs to consent to prove for `prover` in this pool.
    /// @param prover The prover the key will prove for.
    /// @return The digest of AgentConsent(prover) in the pool's domain.
    function agentConsentDigest(address prover) external view returns (bytes32);

    /// @notice Revoke one of the caller's agents: its later proofs earn nothing and the relayer refuses it.
    function revokeAgent(address agent) external;

    /// @notice The prover an agent proves for; zero when unknown or revoked.
    function agentOwner(address agent) external view returns (address prover);

    // ───────────────────────────── proofs ─────────────────────────────

    /// @notice Relayer only. Submits a proof to TaikoL1 under the pool's identity and credits its shares to
    /// the owner of the agent that signed it (EIP-712 `Proof(uint256 blockId,bytes32 evidenceHash)` with
    /// evidenceHash = keccak256(input)). A Taiko revert comes back with Taiko's own error. A proof of a block
    /// that already had one is accepted by Taiko but earns nothing (ProofNotCredited).
    function proveBlock(uint256 blockId, bytes calldata input, bytes calldata agentSignature) external;

    /// @notice The EIP-712 digest an agent signs for a proof.
    function proofDigest(uint256 blockId, bytes calldata input) external view returns (bytes32);

    // ───────────────────────────── rewards ─────────────────────────────

    /// @notice Anyone: move the pool's Taiko reward balance into the pool, as rewards of the current epoch.
    function harvest() external returns (uint256 amount);

    /// @notice Anyone, once `epoch` has ended and every earlier epoch is settled: split its rewards.
    function settle(uint256 epoch) external;

    /// @notice Pay the caller its part of up to `maxEpochs` of its settled, unclaimed epochs, oldest first.
    /// Works while the pool is paused.
    function claim(uint256 maxEpochs) external returns (uint256 amount);

    /// @notice Everything `prover` can claim now.
    function claimable(address prover) external view returns (uint256);

    function currentEpoch() external view returns (uint256);

    function sharesOf(address prover, uint256 epoch) external view returns (uint256);
}
