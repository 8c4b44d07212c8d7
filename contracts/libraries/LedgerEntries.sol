// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WordCache} from "./WordCache.sol";

/// @title LedgerEntries
/// @notice A prover's closed ledger entries (an epoch in which it earned shares, and those shares), two a storage
/// word: entry 2k in the low half of word k, entry 2k + 1 in the high half, each half `epoch << 96 | shares`
/// (a uint32 epoch above a uint96 number of shares). Entries are appended in order and never change.
library LedgerEntries {
    /// @notice Writes entry `i` into `words`, whose half for entry `i` must still be zero (the entries before it
    /// are written, none after it).
    function append(mapping(uint256 => uint256) storage words, uint256 i, uint32 epoch, uint96 shares) internal {
        words[i / 2] |= ((uint256(epoch) << 96) | shares) << ((i % 2) * 128);
    }

    /// @notice Entry `i` of `words`, read through `cache`: from storage only when the cache holds another word,
    /// which it then drops (a walk that reads entries changes none).
    /// @return epoch The entry's epoch (zero for an entry not written).
    /// @return shares The prover's shares in that epoch (zero for an entry not written).
    function read(
        WordCache.Cache memory cache,
        mapping(uint256 => uint256) storage words,
        uint256 i
    ) internal view returns (uint256 epoch, uint256 shares) {
        uint256 index = i / 2;
        if (cache.index != index) {
            cache.index = index;
            cache.word = words[index];
        }
        uint256 half = cache.word >> ((i % 2) * 128);
        return (uint32(half >> 96), uint96(half));
    }
}
