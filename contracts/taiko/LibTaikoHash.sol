// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TaikoData} from "./TaikoData.sol";

/// @title LibTaikoHash
/// @notice The hashes and checks whose results leave TaikoL1 and must equal eldfell's bit for bit: the block's
/// metaHash (eldfell's LibUtils.hashMetadata), the fork choice key (LibUtils.keyForForkChoice), the proof's
/// instance (built inline in eldfell's LibProving.proveBlock), a verifier's name (LibUtils.getVerifierName),
/// and the config checks of eldfell's LibVerifying.init.
library LibTaikoHash {
    /// @notice keccak256 of seven words: id | timestamp | l1Height packed (each 64 bits, from the top), l1Hash,
    /// mixHash, keccak256(abi.encode(depositsProcessed)), txListHash, txListByteStart | txListByteEnd | gasLimit
    /// | beneficiary packed (24, 24, 32 and 160 bits from the top), and treasury in the top 160 bits.
    function hashMetadata(TaikoData.BlockMetadata memory meta) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    (uint256(meta.id) << 192) | (uint256(meta.timestamp) << 128) | (uint256(meta.l1Height) << 64),
                    meta.l1Hash,
                    meta.mixHash,
                    keccak256(abi.encode(meta.depositsProcessed)),
                    meta.txListHash,
                    (uint256(meta.txListByteStart) << 232) |
                        (uint256(meta.txListByteEnd) << 208) |
                        (uint256(meta.gasLimit) << 176) |
                        (uint256(uint160(meta.beneficiary)) << 16),
                    uint256(uint160(meta.treasury)) << 96
                )
            );
    }

    /// @notice keccak256 of the parent's gasUsed (4 bytes) followed by its hash (32 bytes).
    function keyForForkChoice(bytes32 parentHash, uint32 parentGasUsed) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(parentGasUsed, parentHash));
    }

    /// @notice keccak256 of ten words: this chain's signal service, the L2's signal service, the L2's taiko
    /// contract (each an address in the low 160 bits), metaHash, parentHash, blockHash, signalRoot, graffiti,
    /// prover | parentGasUsed | gasUsed packed (160, 32 and 32 bits from the top, the low 32 bits zero), and
    /// blockMaxGasLimit | blockMaxTransactions | blockMaxTxListBytes packed (64 bits each from bit 192, 128 and
    /// 64, the low 64 bits zero).
    /// @param addresses [signal service, L2 signal service, L2 taiko]
    /// @param limits [blockMaxGasLimit, blockMaxTransactions, blockMaxTxListBytes]
    function hashInstance(
        address[3] memory addresses,
        TaikoData.BlockEvidence memory evidence,
        uint64[3] memory limits
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    addresses[0],
                    addresses[1],
                    addresses[2],
                    evidence.metaHash,
                    evidence.parentHash,
                    evidence.blockHash,
                    evidence.signalRoot,
                    evidence.graffiti,
                    (uint256(uint160(evidence.prover)) << 96) |
                        (uint256(evidence.parentGasUsed) << 64) |
                        (uint256(evidence.gasUsed) << 32),
                    (uint256(limits[0]) << 192) | (uint256(limits[1]) << 128) | (uint256(limits[2]) << 64)
                )
            );
    }

    /// @notice Eldfell's proof check (LibProving.proveBlock): the proof's first two words are the instance's high
    /// and low 128 bits, and `verifier` answers a staticcall with the whole proof by keccak256("taiko").
    function proofVerifies(bytes32 instance, bytes memory proof, address verifier) internal view returns (bool) {
        if (proof.length < 64) return false;
        uint256 hi;
        uint256 lo;
        // Reads the first two 32-byte words of `proof`, whose length was checked above.
        assembly ("memory-safe") {
            hi := mload(add(proof, 0x20))
            lo := mload(add(proof, 0x40))
        }
        if (hi != uint256(instance) >> 128 || lo != uint256(uint128(uint256(instance)))) return false;
        (bool ok, bytes memory answer) = verifier.staticcall(proof);
        return ok && answer.length == 32 && bytes32(answer) == keccak256("taiko");
    }

    /// @notice The name the verifier of `id` is registered by.
    function verifierName(uint16 id) internal pure returns (bytes32) {
        return bytes32(uint256(0x1000000) + id);
    }

    /// @notice Eldfell's config checks, plus what this implementation does not do: no txList cache
    /// (blockTxListExpiry must be 0), no signal root relay (relaySignalRoot must be false), and at least
    /// one block proposable (blockMaxProposals nonzero).
    function isValidConfig(TaikoData.Config memory c) internal pure returns (bool) {
        return
            c.chainId > 1 &&
            !c.relaySignalRoot &&
            c.blockMaxProposals > 1 &&
            c.blockRingBufferSize > c.blockMaxProposals + 1 &&
            c.blockMaxGasLimit != 0 &&
            c.blockMaxTransactions != 0 &&
            c.blockMaxTxListBytes != 0 &&
            c.blockMaxTxListBytes <= 128 * 1024 &&
            c.blockTxListExpiry == 0 &&
            c.proofRegularCooldown >= c.proofOracleCooldown &&
            c.proofMinWindow != 0 &&
            c.proofMaxWindow >= c.proofMinWindow &&
            c.ethDepositRingBufferSize > 1 &&
            c.ethDepositMinCountPerBlock != 0 &&
            c.ethDepositMaxCountPerBlock >= c.ethDepositMinCountPerBlock &&
            c.ethDepositMinAmount != 0 &&
            c.ethDepositMaxAmount > c.ethDepositMinAmount &&
            c.ethDepositMaxAmount < type(uint96).max &&
            c.ethDepositGas != 0 &&
            c.ethDepositMaxFee != 0 &&
            c.ethDepositMaxFee < type(uint96).max &&
            c.ethDepositMaxFee < type(uint96).max / c.ethDepositMaxCountPerBlock &&
            c.rewardOpenMultipler >= 100;
    }
}
