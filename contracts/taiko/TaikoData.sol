// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title TaikoData
/// @notice The structs of Taiko's Alpha-4 ("eldfell") protocol that cross TaikoL1's ABI, with eldfell's field
/// names, types and order, so that tools written for Taiko's A4 contracts decode ours (and ours decode theirs).
/// Storage is TaikoL1's own business and is not laid out as eldfell's.
library TaikoData {
    /// @notice The protocol's parameters as eldfell's getConfig() returns them (23 fields). Every duration is
    /// in seconds and is set at deployment, so a local network runs A4's rules on a compressed clock.
    struct Config {
        // general
        /// The L2 chain id (A4: 167,006); the instance hashes addresses TaikoL1 resolves for that chain.
        uint256 chainId;
        /// Eldfell sends each verified signal root to the signal service when true; not implemented (false).
        bool relaySignalRoot;
        // blocks
        /// Most proposed-but-unverified blocks at any time.
        uint256 blockMaxProposals;
        /// Eldfell's ring buffer of blocks; here only checked to exceed blockMaxProposals + 1.
        uint256 blockRingBufferSize;
        /// How many blocks each proposeBlock call tries to verify on the way.
        uint256 blockMaxVerificationsPerTx;
        /// Largest gasLimit a proposer may ask for.
        uint32 blockMaxGasLimit;
        /// The gas every block is charged and rewarded for on top of its own (A4: 20,000).
        uint32 blockFeeBaseGas;
        /// Hashed into every proof's instance (A4: 79).
        uint64 blockMaxTransactions;
        /// Largest txList a proposer may post, in bytes; hashed into every proof's instance.
        uint64 blockMaxTxListBytes;
        /// Eldfell's txList cache; must be 0 here (no caching: each proposal covers its whole txList).
        uint256 blockTxListExpiry;
        // proofs
        /// How long a proof waits before it can verify its block (A4: 30 minutes).
        uint256 proofRegularCooldown;
        /// The oracle prover's cooldown; there is no oracle prover here, only checked not to exceed the above.
        uint256 proofOracleCooldown;
        /// The proof window is 3 × the average proof delay, clamped to [proofMinWindow, proofMaxWindow]
        /// (A4: 10 and 90 minutes).
        uint16 proofMinWindow;
        uint16 proofMaxWindow;
        // ETH deposits: eldfell's, checked as eldfell checks them; no ETH deposits are processed here.
        uint256 ethDepositRingBufferSize;
        uint64 ethDepositMinCountPerBlock;
        uint64 ethDepositMaxCountPerBlock;
        uint96 ethDepositMinAmount;
        uint96 ethDepositMaxAmount;
        uint256 ethDepositGas;
        uint256 ethDepositMaxFee;
        // tokenomics
        /// Reward of an open block or a late proof, in percent of the block's reward (A4: 150).
        uint8 rewardOpenMultipler;
        /// Most open (unassigned) blocks unverified at any time.
        uint256 rewardOpenMaxCount;
    }

    /// @notice getStateVariables(), as eldfell returns it.
    struct StateVariables {
        uint32 feePerGas;
        uint64 genesisHeight;
        uint64 genesisTimestamp;
        uint64 numBlocks;
        uint64 lastVerifiedBlockId;
        uint64 nextEthDepositToProcess;
        uint64 numEthDeposits;
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

    /// @notice The metadata of a proposed block; LibTaikoHash.hashMetadata of it is the block's metaHash.
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

    /// @notice What a prover submits, abi-encoded, as proveBlock's `input`. `proof` begins with the high and
    /// the low 128 bits of the block's instance hash, each in a 32-byte word; the rest is the verifier's.
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

    /// @notice One proven transition of a block, from a given parent. As in eldfell, `key` is written for the
    /// block's first fork choice only (zero for the others).
    struct ForkChoice {
        bytes32 key; // keccak256(abi.encodePacked(parentGasUsed, parentHash))
        bytes32 blockHash;
        bytes32 signalRoot;
        address prover;
        uint64 provenAt;
        uint32 gasUsed;
    }

    struct EthDeposit {
        address recipient;
        uint96 amount;
        uint64 id;
    }
}
