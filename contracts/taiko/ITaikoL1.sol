// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TaikoData} from "./TaikoData.sol";

/// @title ITaikoL1
/// @notice The prover-facing surface of Taiko's Alpha-4 ("eldfell") L1 contract, with eldfell's function
/// signatures, events and errors, so a tool written for Taiko's A4 contracts works against this implementation.
/// README's "What is and is not eldfell's" lists the few additions and differences.
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
    /// @notice `blockFee` is getBlockFee(gasUsed) at the fee per gas of the moment of verification.
    event BlockVerified(
        uint256 indexed blockId,
        bytes32 blockHash,
        address prover,
        uint64 blockFee,
        uint64 proofReward
    );
    event CrossChainSynced(uint256 indexed srcHeight, bytes32 blockHash, bytes32 signalRoot);

    error L1_ALREADY_PROVEN();
    error L1_BLOCK_ID();
    error L1_EVIDENCE_MISMATCH(bytes32 expected, bytes32 actual);
    error L1_FORK_CHOICE_NOT_FOUND();
    error L1_INSUFFICIENT_TOKEN();
    error L1_INVALID_CONFIG();
    error L1_INVALID_EVIDENCE();
    error L1_INVALID_METADATA();
    error L1_INVALID_PARAM();
    error L1_INVALID_PROOF();
    error L1_NOT_PROVEABLE();
    error L1_TOO_MANY_BLOCKS();
    error L1_TOO_MANY_OPEN_BLOCKS();
    error L1_TX_LIST_HASH();
    error L1_TX_LIST_RANGE();
    error L1_TX_LIST();
    /// @notice resolve() of a name TaikoL1 has no address for.
    error RESOLVER_ZERO_ADDR(uint256 chainId, bytes32 name);

    /// @notice Propose an L2 block. `input` is abi.encode(BlockMetadataInput). The block fee,
    /// getBlockFee(gasLimit), is taken from the proposer's internal balance, a prover is assigned by the
    /// ProverPool (none: an open block), and up to blockMaxVerificationsPerTx blocks are verified on the way.
    function proposeBlock(
        bytes calldata input,
        bytes calldata txList
    ) external returns (TaikoData.BlockMetadata memory meta);

    /// @notice Prove a block. `input` is abi.encode(BlockEvidence). The caller is never compared with
    /// evidence.prover: the prover address is bound into the proof's instance. Inside the proof window only
    /// the assigned prover's evidence is accepted. `evidence.proof` must begin with the instance's high and low
    /// 128 bits, and the verifier named by verifierId, staticcall'ed with the whole proof, must return
    /// keccak256("taiko").
    function proveBlock(uint256 blockId, bytes calldata input) external;

    /// @notice Verify up to `maxBlocks` proven blocks whose cooldown has passed, paying their provers.
    function verifyBlocks(uint256 maxBlocks) external;

    function depositTaikoToken(uint256 amount) external;

    function withdrawTaikoToken(uint256 amount) external;

    function getTaikoTokenBalance(address addr) external view returns (uint256);

    /// @notice feePerGas × (gasLimit + the anchor transaction's 180,000 gas + blockFeeBaseGas).
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

    /// @notice The transition proven for `blockId` from the given parent: L1_BLOCK_ID for a block never
    /// proposed, L1_FORK_CHOICE_NOT_FOUND when that parent has no proof.
    function getForkChoice(
        uint256 blockId,
        bytes32 parentHash,
        uint32 parentGasUsed
    ) external view returns (TaikoData.ForkChoice memory);

    /// @notice The hash of a verified block; blockId 0 means the last verified one; zero when not verified.
    function getCrossChainBlockHash(uint256 blockId) external view returns (bytes32);

    /// @notice The signal root of a verified block; blockId 0 means the last verified one.
    function getCrossChainSignalRoot(uint256 blockId) external view returns (bytes32);

    function getStateVariables() external view returns (TaikoData.StateVariables memory);

    /// @notice The protocol's parameters. Eldfell declares it `pure` (its config is compiled in); this one's
    /// is set at deployment, so it is `view`: same selector, same output.
    function getConfig() external view returns (TaikoData.Config memory);

    /// @notice The name the verifier of `id` is resolved by: bytes32(0x1000000 + id).
    function getVerifierName(uint16 id) external pure returns (bytes32);

    /// @notice The address registered for `name` on this chain (names: taiko_token, prover_pool,
    /// signal_service, and each verifier's getVerifierName); reverts RESOLVER_ZERO_ADDR for an unknown name
    /// unless `allowZeroAddress`.
    function resolve(bytes32 name, bool allowZeroAddress) external view returns (address payable);

    /// @notice The address registered for `name` on chain `chainId` (for config.chainId, the L2: taiko,
    /// signal_service, treasury).
    function resolve(uint256 chainId, bytes32 name, bool allowZeroAddress) external view returns (address payable);
}
