// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title LedgerEntries
/// @notice A prover's closed ledger entries (an epoch in which it earned shares, and those shares), two a storage
/// word: entry 2k in the low half of word k, entry 2k + 1 in the high half, each half `epoch << 96 | shares`
/// (a uint32 epoch above a uint96 number of shares).
library LedgerEntries {
    /// @notice The word that holds entry `i`.
    function wordOf(uint256 i) internal pure returns (uint256) {
        return i / 2;
    }

    /// @notice Entry `i` read from its word.
    /// @return epoch The entry's epoch.
    /// @return shares The prover's shares in that epoch.
    function unpack(uint256 word, uint256 i) internal pure returns (uint256 epoch, uint256 shares) {
        uint256 half = word >> ((i % 2) * 128);
        return (uint32(half >> 96), uint96(half));
    }

    /// @notice Entry `i` in its half of a word and zero in the other half: OR it into the word, whose half for
    /// entry `i` is still zero.
    function pack(uint32 epoch, uint96 shares, uint256 i) internal pure returns (uint256) {
        return ((uint256(epoch) << 96) | shares) << ((i % 2) * 128);
    }
}
