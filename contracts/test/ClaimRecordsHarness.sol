// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ClaimRecords} from "../libraries/ClaimRecords.sol";

/// @title ClaimRecordsHarness
/// @notice Test only, never deployed: exposes ClaimRecords to test/contracts/libraries/ClaimRecords.test.ts.
contract ClaimRecordsHarness {
    function epochsPerWord() external pure returns (uint256) {
        return ClaimRecords.EPOCHS_PER_WORD;
    }

    function inUse() external pure returns (uint256) {
        return ClaimRecords.IN_USE;
    }

    function wordOf(uint256 epoch) external pure returns (uint256) {
        return ClaimRecords.wordOf(epoch);
    }

    function unpack(uint256 word, uint256 epoch) external pure returns (uint256 claimedBy, uint256 partsLow) {
        return ClaimRecords.unpack(word, epoch);
    }

    function add(
        uint256 word,
        uint256 epoch,
        uint256 part
    ) external pure returns (uint256 updated, uint256 claimedBy, uint256 partsLow) {
        return ClaimRecords.add(word, epoch, part);
    }

    function dust(uint256 proverReward, uint256 partsLow) external pure returns (uint256) {
        return ClaimRecords.dust(proverReward, partsLow);
    }
}
