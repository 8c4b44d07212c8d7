import { HardhatUserConfig, subtask, task } from "hardhat/config";
import { TASK_COMPILE, TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import solcPackage from "solc/package.json";
import { exportAbis } from "./scripts/hardhat/export-abis";

const SOLC_VERSION = solcPackage.version;

// Hardhat downloads solc by default; this machine has no internet beyond the npm registry,
// so compile with the solc-js build that ships in the pinned `solc` package.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion === SOLC_VERSION) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const solc = require("solc") as { version(): string };
    return {
      compilerPath: require.resolve("solc/soljson.js"),
      isSolcJs: true,
      version: args.solcVersion,
      longVersion: solc.version(),
    };
  }
  return runSuper();
});

// Every compile also refreshes the ABIs that the TypeScript packages import from @zkpool/common.
task(TASK_COMPILE).setAction(async (args, hre, runSuper) => {
  const result: unknown = await runSuper(args);
  await exportAbis(hre);
  return result;
});

/** The compiler's settings, optimized for `runs` calls of each function. */
function solidity(runs: number) {
  return {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs },
      evmVersion: "cancun",
      viaIR: false,
      // Storage layouts, for the tests that put the ledger at its limits (test/helpers/storage.ts); NatSpec, for
      // the test that IZKPool documents all of ZKPool (test/contracts/zkpool/ZKPool.natspec.test.ts).
      outputSelection: { "*": { "*": ["storageLayout", "userdoc", "devdoc"] } },
    },
  };
}

const config: HardhatUserConfig = {
  solidity: {
    compilers: [solidity(10_000)],
    overrides: {
      // ZKPool is optimized for a smaller size: at 10,000 runs it is past EIP-170's 24,576 bytes, which a public
      // chain refuses to deploy (test/contracts/zkpool/ZKPool.size.test.ts).
      "contracts/ZKPool.sol": solidity(500),
    },
  },
  networks: {
    hardhat: { allowBlocksWithSameTimestamp: true, accounts: { count: 48 } },
    localhost: { url: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  mocha: { timeout: 120_000 },
  gasReporter: { enabled: false },
};

export default config;
