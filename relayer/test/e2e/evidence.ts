/** Reading a proveBlock's input back, for the end-to-end tests and their outsider (common only encodes it). */
import { decodeAbiParameters, type Hex } from "viem";
import type { BlockEvidence } from "@zkpool/common";

const EVIDENCE = [
  {
    type: "tuple",
    components: [
      { name: "metaHash", type: "bytes32" },
      { name: "parentHash", type: "bytes32" },
      { name: "blockHash", type: "bytes32" },
      { name: "signalRoot", type: "bytes32" },
      { name: "graffiti", type: "bytes32" },
      { name: "prover", type: "address" },
      { name: "parentGasUsed", type: "uint32" },
      { name: "gasUsed", type: "uint32" },
      { name: "verifierId", type: "uint16" },
      { name: "proof", type: "bytes" },
    ],
  },
] as const;

/** The BlockEvidence in `input` = abi.encode(evidence): encodeEvidence's inverse. */
export function decodeEvidence(input: Hex): BlockEvidence {
  const [evidence] = decodeAbiParameters(EVIDENCE, input);
  return evidence;
}
