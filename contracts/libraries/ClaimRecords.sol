// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {WordCache} from "./WordCache.sol";

/// @title ClaimRecords
/// @notice What a settled epoch remembers of its claims, five epochs a storage word: epoch e's record is bits
/// [48k, 48k + 48) of word e / 5, k = e % 5; its low 24 bits count the epoch's claims, its high 24 bits hold the
/// low 24 bits of the sum of the parts claimed. That sum's low bits are all the dust sweep needs: the parts are
/// rounded down, so proverReward − Σ parts is below the epoch's number of provers, itself below 2^24.
/// The top bit of a word (five records use 240 bits) marks it in use, so that no claim pays for a word going from
/// zero to non-zero.
library ClaimRecords {
    /// @notice How many epochs' records one word holds.
    uint256 internal constant EPOCHS_PER_WORD = 5;
    /// @notice Set in a word by `reserve`; no record uses the bit.
    uint256 internal constant IN_USE = 1 << 255;
    uint256 private constant _LOW_24_BITS = (1 << 24) - 1;
    uint256 private constant _RECORD_MASK = (1 << 48) - 1;

    /// @notice Marks epoch `epoch`'s word of `words` in use if it is still zero, so that the epoch's first claim
    /// (or any other epoch's of the word) does not pay for it going from zero. The epoch's record stays empty.
    function reserve(mapping(uint256 => uint256) storage words, uint256 epoch) internal {
        uint256 index = epoch / EPOCHS_PER_WORD;
        if (words[index] == 0) words[index] = IN_USE;
    }

    /// @notice Epoch `epoch`'s record in `words`.
    /// @return claimedBy How many of the epoch's provers have claimed.
    /// @return partsLow The low 24 bits of the sum of their parts.
    function get(
        mapping(uint256 => uint256) storage words,
        uint256 epoch
    ) internal view returns (uint256 claimedBy, uint256 partsLow) {
        uint256 record = words[epoch / EPOCHS_PER_WORD] >> ((epoch % EPOCHS_PER_WORD) * 48);
        return (record & _LOW_24_BITS, (record >> 24) & _LOW_24_BITS);
    }

    /// @notice Records one more claim of `part` in epoch `epoch`'s record, in `cache`: the cache moves to the
    /// epoch's word of `words` first (writing the word it held back, reading the epoch's), and the walk ends with
    /// WordCache.flush. The epoch must have had fewer than 2^24 − 1 claims before (its provers are fewer than 2^24).
    /// @return claimedBy The epoch's claims, this one included.
    /// @return partsLow The low 24 bits of the sum of the parts claimed, this one included.
    function add(
        WordCache.Cache memory cache,
        mapping(uint256 => uint256) storage words,
        uint256 epoch,
        uint256 part
    ) internal returns (uint256 claimedBy, uint256 partsLow) {
        uint256 index = epoch / EPOCHS_PER_WORD;
        if (cache.index != index) {
            if (cache.index != WordCache.NO_WORD) words[cache.index] = cache.word;
            cache.index = index;
            cache.word = words[index];
        }
        uint256 word = cache.word;
        uint256 shift = (epoch % EPOCHS_PER_WORD) * 48;
        claimedBy = (word >> shift) & _LOW_24_BITS;
        partsLow = (word >> (shift + 24)) & _LOW_24_BITS;
        // claimedBy < 2^24 − 1 (the caller's precondition), and the sum of the parts keeps its low 24 bits: it
        // wraps on purpose.
        unchecked {
            ++claimedBy;
            partsLow = (partsLow + part) & _LOW_24_BITS;
        }
        cache.word = (word & ~(_RECORD_MASK << shift)) | (((partsLow << 24) | claimedBy) << shift);
    }

    /// @notice The rounding dust of an epoch whose provers have all claimed: proverReward − Σ parts, from the low
    /// 24 bits of Σ parts, exact because the dust is below 2^24.
    function dust(uint256 proverReward, uint256 partsLow) internal pure returns (uint256) {
        // partsLow ≤ Σ parts ≤ proverReward, so the difference cannot wrap for an epoch's record; for any other
        // input it wraps, which keeps its low 24 bits.
        unchecked {
            return (proverReward - partsLow) & _LOW_24_BITS;
        }
    }
}
