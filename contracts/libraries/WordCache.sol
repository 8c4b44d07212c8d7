// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title WordCache
/// @notice One storage word held in memory while a loop walks consecutive words of a mapping, so that each word
/// is read once (and, for a walk that changes the words, written once) however many packed items it holds.
library WordCache {
    /// @notice The word numbered `index` of the walked mapping, as the walk last saw or changed it.
    struct Cache {
        uint256 index;
        uint256 word;
    }

    /// @dev The index of a cache that holds no word yet: no mapping walked here has that many words.
    uint256 internal constant NO_WORD = type(uint256).max;

    /// @notice A cache that holds no word yet.
    function empty() internal pure returns (Cache memory) {
        return Cache({index: NO_WORD, word: 0});
    }

    /// @notice Word `index` of `words`, read from storage only when the cache holds another word. For walks that
    /// only read: a word the cache held before is dropped, changed or not.
    function read(
        Cache memory cache,
        mapping(uint256 => uint256) storage words,
        uint256 index
    ) internal view returns (uint256) {
        if (cache.index != index) {
            cache.index = index;
            cache.word = words[index];
        }
        return cache.word;
    }

    /// @notice Makes the cache hold word `index` of `words`, writing the word it held before back first.
    function move(Cache memory cache, mapping(uint256 => uint256) storage words, uint256 index) internal {
        if (cache.index != index) {
            if (cache.index != NO_WORD) words[cache.index] = cache.word;
            cache.index = index;
            cache.word = words[index];
        }
    }

    /// @notice Writes the word the cache holds, if any, back to `words`: a walk that changed words ends here.
    function flush(Cache memory cache, mapping(uint256 => uint256) storage words) internal {
        if (cache.index != NO_WORD) words[cache.index] = cache.word;
    }
}
