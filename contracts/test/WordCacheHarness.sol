// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WordCache} from "../libraries/WordCache.sol";

/// @title WordCacheHarness
/// @notice Test only, never deployed: exposes WordCache to test/contracts/libraries/WordCache.test.ts.
contract WordCacheHarness {
    mapping(uint256 index => uint256 word) private _words;

    function set(uint256 index, uint256 word) external {
        _words[index] = word;
    }

    function get(uint256 index) external view returns (uint256) {
        return _words[index];
    }

    function empty() external pure returns (uint256 index, uint256 word) {
        WordCache.Cache memory cache = WordCache.empty();
        return (cache.index, cache.word);
    }

    function noWord() external pure returns (uint256) {
        return WordCache.NO_WORD;
    }

    /// @notice Flushes a cache holding `word` as word `index` (NO_WORD: a cache that never held a word).
    function flush(uint256 index, uint256 word) external {
        WordCache.flush(WordCache.Cache({index: index, word: word}), _words);
    }
}
