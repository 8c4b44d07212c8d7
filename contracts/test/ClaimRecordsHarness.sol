// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WordCache} from "../libraries/WordCache.sol";
import {ClaimRecords} from "../libraries/ClaimRecords.sol";

/// @title ClaimRecordsHarness
/// @notice Test only, never deployed: exposes ClaimRecords to test/contracts/libraries/ClaimRecords.test.ts.
contract ClaimRecordsHarness {
    mapping(uint256 index => uint256 word) private _words;

    function set(uint256 index, uint256 word) external {
        _words[index] = word;
    }

    function get(uint256 index) external view returns (uint256) {
        return _words[index];
    }

    function epochsPerWord() external pure returns (uint256) {
        return ClaimRecords.EPOCHS_PER_WORD;
    }

    function inUse() external pure returns (uint256) {
        return ClaimRecords.IN_USE;
    }

    function reserve(uint256 epoch) external {
        ClaimRecords.reserve(_words, epoch);
    }

    function record(uint256 epoch) external view returns (uint256 claimedBy, uint256 partsLow) {
        return ClaimRecords.get(_words, epoch);
    }

    /// @notice Adds a claim of `parts[k]` to epoch `epochs[k]`, in turn through one cache, then flushes it. Each
    /// word the cache reads is overwritten with `stray` in storage: a record read from storage again, not from the
    /// cache, would count from the stray bits.
    /// @return claimedBy What each add returned as the epoch's claims.
    /// @return partsLow What each add returned as the low bits of the epoch's parts.
    function addAll(
        uint256[] calldata epochs,
        uint256[] calldata parts,
        uint256 stray
    ) external returns (uint256[] memory claimedBy, uint256[] memory partsLow) {
        WordCache.Cache memory cache = WordCache.empty();
        claimedBy = new uint256[](epochs.length);
        partsLow = new uint256[](epochs.length);
        for (uint256 k = 0; k < epochs.length; ++k) {
            uint256 held = cache.index;
            (claimedBy[k], partsLow[k]) = ClaimRecords.add(cache, _words, epochs[k], parts[k]);
            if (cache.index != held) _words[cache.index] = stray;
        }
        WordCache.flush(cache, _words);
    }

    function dust(uint256 proverReward, uint256 partsLow) external pure returns (uint256) {
        return ClaimRecords.dust(proverReward, partsLow);
    }
}
