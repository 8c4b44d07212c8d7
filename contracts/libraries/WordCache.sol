// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title WordCache
/// @notice One storage word held in memory while a loop walks consecutive words of a mapping, so that each word
/// is read once (and, for a walk that changes the words, written once) however many packed items it holds.
/// LedgerEntries.read and ClaimRecords.add walk through one; a walk that changed words ends with `flush`.
library WordCache {
    /// @notice Word `index` of the walked mapping, as the walk last saw or changed it.
    struct Cache {
        uint256 index;
        uint256 word;
    }

    /// @notice The index of a cache that holds no word yet: no mapping walked through a cache has that many words.
    uint256 internal constant NO_WORD = type(uint256).max;

    /// @notice A cache that holds no word yet.
    function empty() internal pure returns (Cache memory) {
        return Cache({index: NO_WORD, word: 0});
    }

    /// @notice Writes the word the cache holds, if any, back to `words`.
    function flush(Cache memory cache, mapping(uint256 => uint256) storage words) internal {
        if (cache.index != NO_WORD) words[cache.index] = cache.word;
    }
}
