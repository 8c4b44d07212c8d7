// @zkpool/common: what runs anywhere, the browser included. Node-only parts (files, the prover) are in ./node.
export * from "./generated/abis";
export * from "./protocol";
export * from "./taiko";
export * from "./format";
export * from "./zkpool";
export * from "./agentProtocol";
export * from "./retry";
export * from "./proof";
