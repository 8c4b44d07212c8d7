// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Groth16BlockVerifier} from "../generated/Groth16BlockVerifier.sol";

/// @title BlockProofVerifier
/// @notice The block proof verifier behind eldfell's verifier call: TaikoL1 staticcalls it with a block's whole
/// `evidence.proof` as calldata (no selector), and it answers keccak256("taiko") for a valid proof.
/// The proof is ten words, `instanceHi ‖ instanceLo ‖ abi.encode(uint256[2] a, uint256[2][2] b,
/// uint256[2] c)`: the instance's high and low 128 bits (which TaikoL1 checks against the instance it computes),
/// then a Groth16 proof of circuits/block_proof.circom whose two public inputs are those halves.
/// verifyProof(a, b, c, [hi, lo]) of the generated Groth16 verifier is also callable directly.
contract BlockProofVerifier is Groth16BlockVerifier {
    /// @notice The answer to a valid proof, eldfell's.
    bytes32 public constant VALID = keccak256("taiko");
    /// @notice Length of the proof bytes: two instance words and eight Groth16 words.
    uint256 public constant PROOF_LENGTH = 10 * 32;

    /// @notice The proof is not PROOF_LENGTH bytes, a half is not below 2^128, or the Groth16 proof fails.
    error InvalidBlockProof();

    /// @notice Eldfell's verifier call: the calldata is the proof; returns abi.encode(keccak256("taiko")) or
    /// reverts InvalidBlockProof.
    // The fallback is the interface: eldfell's TaikoL1 calls the verifier with the proof bytes and no selector.
    // solhint-disable-next-line no-complex-fallback
    fallback(bytes calldata proof) external returns (bytes memory) {
        if (proof.length != PROOF_LENGTH) revert InvalidBlockProof();
        (uint256 hi, uint256 lo, uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = abi.decode(
            proof,
            (uint256, uint256, uint256[2], uint256[2][2], uint256[2])
        );
        if (hi >> 128 != 0 || lo >> 128 != 0) revert InvalidBlockProof();
        // An external call: the generated verifyProof ends its frame with assembly `return`, so an internal
        // call would return its raw bool from this fallback.
        if (!this.verifyProof(a, b, c, [hi, lo])) revert InvalidBlockProof();
        return abi.encode(VALID);
    }
}
