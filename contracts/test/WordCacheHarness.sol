// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WordCache} from "../libraries/WordCache.sol";

/// @title WordCacheHarness
/// @notice Test only, never deployed: exposes WordCache to test/contracts/libraries/WordCache.test.ts. A walk is
/// one call: the words it visits, and what it does at each (add to the word, or only read it).
contract WordCacheHarness {
    using WordCache for WordCache.Cache;

    mapping(uint256 index => uint256 word) private _words;

    function set(uint256 index, uint256 word) external {
        _words[index] = word;
    }

    function get(uint256 index) external view returns (uint256) {
        return _words[index];
    }

    /// @notice Reads words `indexes` in turn through one cache.
    /// @return words What each read returned.
    /// @return loads How many times the cache read storage.
    function read(uint256[] calldata indexes) external view returns (uint256[] memory words, uint256 loads) {
        WordCache.Cache memory cache = WordCache.empty();
        words = new uint256[](indexes.length);
        for (uint256 i = 0; i < indexes.length; ++i) {
            if (cache.index != indexes[i]) ++loads;
            words[i] = cache.read(_words, indexes[i]);
        }
    }

    /// @notice Adds `amounts[i]` to word `indexes[i]` through one cache, then flushes it.
    /// @return stores How many words the walk wrote back before the flush.
    function addAll(uint256[] calldata indexes, uint256[] calldata amounts) external returns (uint256 stores) {
        WordCache.Cache memory cache = WordCache.empty();
        for (uint256 i = 0; i < indexes.length; ++i) {
            if (cache.index != indexes[i] && cache.index != WordCache.NO_WORD) ++stores;
            cache.move(_words, indexes[i]);
            cache.word += amounts[i];
        }
        cache.flush(_words);
    }

    /// @notice Flushes a cache that never held a word: writes nothing.
    function flushEmpty() external {
        WordCache.Cache memory cache = WordCache.empty();
        cache.flush(_words);
    }
}
