// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LedgerEntries} from "../libraries/LedgerEntries.sol";

/// @title LedgerEntriesHarness
/// @notice Test only, never deployed: exposes LedgerEntries to test/contracts/libraries/LedgerEntries.test.ts.
contract LedgerEntriesHarness {
    function wordOf(uint256 i) external pure returns (uint256) {
        return LedgerEntries.wordOf(i);
    }

    function unpack(uint256 word, uint256 i) external pure returns (uint256 epoch, uint256 shares) {
        return LedgerEntries.unpack(word, i);
    }

    function pack(uint32 epoch, uint96 shares, uint256 i) external pure returns (uint256) {
        return LedgerEntries.pack(epoch, shares, i);
    }
}
