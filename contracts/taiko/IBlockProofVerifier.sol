// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IBlockProofVerifier
/// @notice A Groth16 verifier over BN254 whose two public inputs are the high and low 128 bits of a block's
/// instance hash (the shape of the verifier snarkjs exports for circuits/block_proof.circom).
interface IBlockProofVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[2] calldata pubSignals
    ) external view returns (bool);
}
