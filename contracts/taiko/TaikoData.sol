// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title TaikoData
/// @notice The structs of Taiko's Alpha-4 ("eldfell") protocol, with A4's field names and layouts so that
/// tools written for Taiko's A4 contracts decode ours.
library TaikoData {
    /// @notice Every parameter of the protocol, fixed at deployment so a local network can run A4's rules
    /// on a compressed clock.
    struct Config {
        /// Largest gasLimit a proposer may ask for.
        uint32 blockMaxGasLimit;
        /// Largest txList a proposer may post, in bytes.
        uint24 blockMaxTxListBytes;
        /// Most proposed-but-unverified blocks at any time.
        uint64 blockMaxProposals;
        /// How many blocks each proposeBlock call tries to verify on the way.
        uint64 blockMaxVerificationsPerTx;
        /// The gas every block is charged and rewarded for on top of its own (A4: 20,000).
        uint32 blockFeeBaseGas;
        /// How long a proof waits before it can verify its block (A4: 30 minutes).
        uint64 proofCooldownPeriod;
        /// The proof window is `proofWindowMultiplier` × the average proof delay, clamped to
        /// [proofWindowMin, proofWindowMax] (A4: 3×, 10 minutes, 90 minutes).
        uint64 proofWindowMin;
        uint64 proofWindowMax;
        uint16 proofWindowMultiplier;
        /// Starting points of the two moving averages.
        uint64 initialAvgProofDelay;
        uint32 initialFeePerGas;
        /// Moving-average factors: each new sample weighs 1/maf.
        uint16 feePerGasMAF;
        uint16 proofDelayMAF;
        /// Reward of an open block or a late proof, in percent of the block's reward (A4: 150).
        uint16 rewardOpenMultiplierPct;
    }

    /// @notice What a proposer submits, abi-encoded, as proposeBlock's `input`.
    struct BlockMetadataInput {
        bytes32 txListHash;
        address beneficiary;
        uint32 gasLimit;
        uint24 txListByteStart;
        uint24 txListByteEnd;
        bool cacheTxListInfo;
    }

    struct EthDeposit {
        address recipient;
        uint96 amount;
        uint64 id;
    }

    /// @notice The metadata of a proposed block; its keccak256(abi.encode(meta)) is the block's metaHash.
    struct BlockMetadata {
        uint64 id;
        uint64 timestamp;
        uint64 l1Height;
        bytes32 l1Hash;
        bytes32 mixHash;
        bytes32 txListHash;
        uint24 txListByteStart;
        uint24 txListByteEnd;
        uint32 gasLimit;
        address beneficiary;
        address treasury;
        EthDeposit[] depositsProcessed;
    }

    /// @notice What a prover submits, abi-encoded, as proveBlock's `input`. `proof` is the Groth16 proof
    /// abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c) for the instance hash of the other fields.
    struct BlockEvidence {
        bytes32 metaHash;
        bytes32 parentHash;
        bytes32 blockHash;
        bytes32 signalRoot;
        bytes32 graffiti;
        address prover;
        uint32 parentGasUsed;
        uint32 gasUsed;
        uint16 verifierId;
        bytes proof;
    }

    /// @notice One proven transition of a block, from a given parent.
    struct ForkChoice {
        bytes32 key; // keccak256(parentHash, parentGasUsed)
        bytes32 blockHash;
        bytes32 signalRoot;
        uint64 provenAt;
        address prover;
        uint32 gasUsed;
    }

    struct Block {
        bytes32 metaHash;
        address proposer;
        uint64 proposedAt;
        uint32 gasLimit;
        uint24 nextForkChoiceId;
        uint24 verifiedForkChoiceId;
        bool proverReleased;
        address assignedProver;
        uint32 feePerGas;
        uint32 rewardPerGas;
        uint64 proofWindow;
    }

    struct StateVariables {
        uint64 genesisHeight;
        uint64 genesisTimestamp;
        uint64 numBlocks;
        uint64 lastVerifiedBlockId;
        uint64 avgProofDelay;
        uint32 feePerGas;
    }
}
