// @zkpool/common: what runs anywhere, the browser included. Node-only parts (files, logs) are in "@zkpool/common/node".
// Names are listed, not `export *`: ESM importers (tsx, Node) only see named exports of this CommonJS-typed
// package when they are written out. test/common/exports.test.ts checks that nothing is missing.
export { blockProofVerifierAbi, proverPoolAbi, taikoL1Abi, taikoTokenAbi, zkPoolAbi } from "./generated/abis";
export {
  A4_PROTOCOL,
  LOCAL_PROTOCOL,
  TTKO,
  TTKO_DECIMALS,
  type ProtocolParams,
  type ProverPoolParams,
  type TaikoConfig,
} from "./protocol";
export {
  L2Chain,
  LOCAL_GENESIS_BLOCK_HASH,
  blockReward,
  encodeProposeInput,
  evidenceFor,
  executeL2Block,
  metaHashOf,
  proposeInputFor,
  type BlockMetadata,
  type BlockMetadataInput,
  type L2Block,
  type L2Parent,
  type ProposedBlock,
} from "./taiko";
export { formatTTKO, shortAddress } from "./format";
export {
  DEFAULT_POOL_PARAMS,
  LOCAL_POOL_PARAMS,
  PROOF_TYPES,
  proofTypedData,
  zkPoolDomain,
  type PoolParams,
} from "./zkpool";
export {
  AGENT_PROTOCOL_VERSION,
  MAX_FRAME_BYTES,
  RpcErrorCode,
  agentMethods,
  authorizeParams,
  cancelParams,
  heartbeatParams,
  jobEvidence,
  loginTypedData,
  notifyParams,
  relayerNotifications,
  submitParams,
  subscribeParams,
  type AgentMethod,
  type AuthorizeParams,
  type AuthorizeResult,
  type CancelParams,
  type HeartbeatParams,
  type HeartbeatResult,
  type JobEvidence,
  type NotifyParams,
  type RelayerNotification,
  type RpcError,
  type RpcNotification,
  type RpcRequest,
  type RpcResponse,
  type SubmitParams,
  type SubmitResult,
  type SubscribeParams,
  type SubscribeResult,
} from "./agentProtocol";
export { backoffDelay, isRetryable, sleep, withRetry, type RetryOptions } from "./retry";
export {
  decodeProof,
  encodeEvidence,
  instanceHash,
  proveInstance,
  shutdownProver,
  splitInstance,
  verifyInstanceProof,
  type BlockEvidence,
  type BlockInstance,
  type InstanceProof,
  type ProverOptions,
  type SolidityProof,
} from "./proof";
