// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WordCache} from "../libraries/WordCache.sol";
import {LedgerEntries} from "../libraries/LedgerEntries.sol";

/// @title LedgerEntriesHarness
/// @notice Test only, never deployed: exposes LedgerEntries to test/contracts/libraries/LedgerEntries.test.ts.
contract LedgerEntriesHarness {
    mapping(uint256 index => uint256 word) private _words;

    function set(uint256 index, uint256 word) external {
        _words[index] = word;
    }

    function get(uint256 index) external view returns (uint256) {
        return _words[index];
    }

    function append(uint256 i, uint32 epoch, uint96 shares) external {
        LedgerEntries.append(_words, i, epoch, shares);
    }

    /// @notice Reads entries `indexes` in turn through one cache, clearing each entry's word in storage once it
    /// is read: an entry read from the cache still shows its value, an entry read from storage again shows none.
    function readAll(uint256[] calldata indexes) external returns (uint256[] memory epochs, uint256[] memory shares) {
        WordCache.Cache memory cache = WordCache.empty();
        epochs = new uint256[](indexes.length);
        shares = new uint256[](indexes.length);
        for (uint256 k = 0; k < indexes.length; ++k) {
            (epochs[k], shares[k]) = LedgerEntries.read(cache, _words, indexes[k]);
            delete _words[indexes[k] / 2];
        }
    }
}
