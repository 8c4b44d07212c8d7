// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TaikoData} from "./TaikoData.sol";

/// @title ITaikoL1
/// @notice The prover-facing surface of Taiko's Alpha-4 L1 contract, with A4's function signatures,
/// events and errors, so a tool written for Taiko's A4 contracts works against this implementation.
interface ITaikoL1 {
    event BlockProposed(
        uint256 indexed blockId,
        address indexed assignedProver,
        uint32 rewardPerGas,
        uint64 feePerGas,
        TaikoData.BlockMetadata meta
    );
    event BlockProven(
        uint256 indexed blockId,
        bytes32 parentHash,
        bytes32 blockHash,
        bytes32 signalRoot,
        address prover,
        uint32 parentGasUsed
    );
    event BlockVerified(
        uint256 indexed blockId,
        bytes32 blockHash,
        address prover,
        uint64 blockFee,
        uint64 proofReward
    );

    error L1_ALREADY_PROVEN();
    error L1_BLOCK_ID();
    error L1_EVIDENCE_MISMATCH(bytes32 expected, bytes32 actual);
    error L1_INSUFFICIENT_TOKEN();
    error L1_INVALID_CONFIG();
    error L1_INVALID_EVIDENCE();
    error L1_INVALID_METADATA();
    error L1_INVALID_PARAM();
    error L1_INVALID_PROOF();
    error L1_NOT_PROVEABLE();
    error L1_TOO_MANY_BLOCKS();
    error L1_TX_LIST_HASH();
    error L1_TX_LIST_RANGE();
    error L1_TX_LIST();

    /// @notice Propose an L2 block. `input` is abi.encode(BlockMetadataInput). The block fee is taken from the
    /// proposer's internal balance, a prover is assigned by the ProverPool (none: an open block), and up to
    /// blockMaxVerificationsPerTx blocks are verified on the way.
    function proposeBlock(
        bytes calldata input,
        bytes calldata txList
    ) external returns (TaikoData.BlockMetadata memory meta);

    /// @notice Prove a block. `input` is abi.encode(BlockEvidence). The caller is never compared with
    /// evidence.prover: the prover address is bound into the proof's public instance. Inside the proof window
    /// only the assigned prover's evidence is accepted.
    function proveBlock(uint256 blockId, bytes calldata input) external;

    /// @notice Verify up to `maxBlocks` proven blocks whose cooldown has passed, paying their provers.
    function verifyBlocks(uint256 maxBlocks) external;

    function depositTaikoToken(uint256 amount) external;

    function withdrawTaikoToken(uint256 amount) external;

    function getTaikoTokenBalance(address addr) external view returns (uint256);

    /// @notice What proposing a block with this gas limit costs now: (blockFeeBaseGas + gasLimit) × feePerGas.
    function getBlockFee(uint32 gasLimit) external view returns (uint64);

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
        );

    /// @notice The transition proven for `blockId` from the given parent (reverts when there is none).
    function getForkChoice(
        uint256 blockId,
        bytes32 parentHash,
        uint32 parentGasUsed
    ) external view returns (TaikoData.ForkChoice memory);

    function getStateVariables() external view returns (TaikoData.StateVariables memory);

    function getConfig() external view returns (TaikoData.Config memory);

    /// @notice The hash of a verified L2 block (zero when `blockId` is not verified yet).
    function getVerifiedBlockHash(uint256 blockId) external view returns (bytes32);

    /// @notice The instance hash a proof for `evidence` must carry as its public input.
    function getInstance(TaikoData.BlockEvidence calldata evidence) external pure returns (bytes32);
}
