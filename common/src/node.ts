// @zkpool/common/node: the parts that need Node.js (files, logs). Everything else is in "@zkpool/common".
export { repoRoot } from "./paths";
export {
  DEPLOYED_CONTRACTS,
  DeploymentError,
  TAIKO_CONTRACTS,
  deploymentPath,
  parseDeployment,
  readDeployment,
  writeDeployment,
  type DeployedAt,
  type DeployedContract,
  type Deployment,
  type TaikoContract,
  type TaikoDeploymentFile,
} from "./deployment";
export { createLogger, type Logger, type LoggerOptions } from "./log";
