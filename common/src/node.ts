// @zkpool/common/node: the parts that need Node.js (the file system, snarkjs), on top of everything in ".".
export * from "./index";
export * from "./paths";
export * from "./deployment";
export * from "./log";
