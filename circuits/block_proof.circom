pragma circom 2.1.0;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

// The block proof of ZKPool's local Taiko A4 protocol.
//
// Public inputs: the keccak256 "instance hash" of a block's evidence (see instanceHash in
// common/src/proof.ts), split into its high and low 128 bits so that each half fits in the BN254
// scalar field. There are no public outputs, so snarkjs' publicSignals are [instanceHi, instanceLo]
// and the Solidity verifier takes uint256[2] public signals in that order.
//
// The proof shows knowledge of nothing secret: it stands in for a block's validity proof and makes the
// prover pay real proving work, which grows linearly with ROUNDS (the difficulty):
//   h_0 = Poseidon(instanceHi, instanceLo),  h_i = Poseidon(h_{i-1}, i) for i in 1..ROUNDS.
// The setup script instantiates `component main {public [instanceHi, instanceLo]} = BlockProof(N)`.
template BlockProof(ROUNDS) {
    assert(ROUNDS >= 1);

    signal input instanceHi;
    signal input instanceLo;

    // Bind both public inputs into constraints and reject values that are not 128-bit halves: without
    // this, instanceHi + p would alias instanceHi (the verifier also rejects inputs >= p).
    component hiBits = Num2Bits(128);
    hiBits.in <== instanceHi;
    component loBits = Num2Bits(128);
    loBits.in <== instanceLo;

    component chain[ROUNDS + 1];
    signal h[ROUNDS + 1];

    chain[0] = Poseidon(2);
    chain[0].inputs[0] <== instanceHi;
    chain[0].inputs[1] <== instanceLo;
    h[0] <== chain[0].out;

    for (var i = 1; i <= ROUNDS; i++) {
        chain[i] = Poseidon(2);
        chain[i].inputs[0] <== h[i - 1];
        chain[i].inputs[1] <== i;
        h[i] <== chain[i].out;
    }

    // A nonlinear constraint on the final digest keeps the whole chain in the constraint system.
    signal digestSquared;
    digestSquared <== h[ROUNDS] * h[ROUNDS];
}
