import path from "node:path";

/** The repository's root directory, whichever package or tool imports this. */
export const repoRoot = path.resolve(__dirname, "..", "..");
