/**
 * The parameters of the Taiko A4 protocol as deployed by ZKPool's scripts: A4's own values, and the local
 * network's compressed clock. Durations are seconds; token amounts are TTKOe base units (8 decimals).
 */

/** TTKOe has 8 decimals. */
export const TTKO_DECIMALS = 8;
export const TTKO = 10n ** BigInt(TTKO_DECIMALS);

/**
 * TaikoL1's getConfig(): eldfell's TaikoData.Config, field for field (23 fields, viem's types). Durations are
 * seconds; what is not used here (ETH deposits, the txList cache, the oracle prover) is checked as eldfell checks
 * it and otherwise ignored.
 */
export interface TaikoConfig {
  chainId: bigint;
  relaySignalRoot: boolean;
  blockMaxProposals: bigint;
  blockRingBufferSize: bigint;
  blockMaxVerificationsPerTx: bigint;
  blockMaxGasLimit: number;
  blockFeeBaseGas: number;
  blockMaxTransactions: bigint;
  blockMaxTxListBytes: bigint;
  blockTxListExpiry: bigint;
  proofRegularCooldown: bigint;
  proofOracleCooldown: bigint;
  proofMinWindow: number;
  proofMaxWindow: number;
  ethDepositRingBufferSize: bigint;
  ethDepositMinCountPerBlock: bigint;
  ethDepositMaxCountPerBlock: bigint;
  ethDepositMinAmount: bigint;
  ethDepositMaxAmount: bigint;
  ethDepositGas: bigint;
  ethDepositMaxFee: bigint;
  rewardOpenMultipler: number;
  rewardOpenMaxCount: bigint;
}

/**
 * TaikoL1's constructor Params (getParams()): what eldfell passes to init() (the starting fee per gas and
 * average proof delay) or hard-codes (the moving averages' factor, 7,200), set at deployment here.
 */
export interface TaikoL1Params {
  initFeePerGas: number;
  /** Seconds (uint16). */
  initAvgProofDelay: number;
  feePerGasMAF: number;
  proofDelayMAF: number;
}

/**
 * ProverPool's deploy-time durations (contracts/taiko/ProverPool.sol's constructor), which eldfell has as the
 * constants EXIT_PERIOD and MIN_CHANGE_DELAY. Its other values are eldfell's constants: MIN_CAPACITY 5,
 * MIN_STAKE_PER_CAPACITY 10,000 base units, SLASH_POINTS 25, SLASH_MULTIPLIER 4.
 */
export interface ProverPoolParams {
  /** EXIT_PERIOD: how long exiting tokens wait before they can be withdrawn. */
  exitPeriod: bigint;
  /** MIN_CHANGE_DELAY: how long after an exit request a staker in the top 32 cannot change. */
  changeDelay: bigint;
}

export interface ProtocolParams {
  taiko: TaikoConfig;
  taikoL1: TaikoL1Params;
  proverPool: ProverPoolParams;
}

const MINUTE = 60n;
const HOUR = 60n * MINUTE;

const ETHER = 10n ** 18n;

/** Taiko Alpha-4's rules with A4's clock (eldfell's TaikoConfig): the proof window is 10–90 minutes, the cooldown 30. */
export const A4_PROTOCOL: ProtocolParams = {
  taiko: {
    chainId: 167_006n,
    relaySignalRoot: false,
    blockMaxProposals: 403_200n,
    blockRingBufferSize: 403_210n,
    blockMaxVerificationsPerTx: 10n,
    blockMaxGasLimit: 6_000_000,
    blockFeeBaseGas: 20_000,
    blockMaxTransactions: 79n,
    blockMaxTxListBytes: 120_000n,
    blockTxListExpiry: 0n,
    proofRegularCooldown: 30n * MINUTE,
    proofOracleCooldown: 15n * MINUTE,
    proofMinWindow: 10 * 60,
    proofMaxWindow: 90 * 60,
    ethDepositRingBufferSize: 1_024n,
    ethDepositMinCountPerBlock: 8n,
    ethDepositMaxCountPerBlock: 32n,
    ethDepositMinAmount: ETHER,
    ethDepositMaxAmount: 10_000n * ETHER,
    ethDepositGas: 21_000n,
    ethDepositMaxFee: ETHER / 10n,
    rewardOpenMultipler: 150,
    rewardOpenMaxCount: 201_600n,
  },
  taikoL1: {
    initFeePerGas: 1_000,
    initAvgProofDelay: 15 * 60,
    feePerGasMAF: 7_200,
    proofDelayMAF: 7_200,
  },
  proverPool: {
    exitPeriod: 7n * 24n * HOUR,
    changeDelay: HOUR,
  },
};

/**
 * The same rules on a compressed clock (one A4 minute is about one local second), for `npm start`: blocks
 * are proven within seconds, verified after 20 s, and a missed window shows up as a slash within a minute.
 */
export const LOCAL_PROTOCOL: ProtocolParams = {
  taiko: {
    ...A4_PROTOCOL.taiko,
    blockMaxProposals: 2_048n,
    blockRingBufferSize: 2_058n,
    proofRegularCooldown: 20n,
    proofOracleCooldown: 10n,
    proofMinWindow: 10,
    proofMaxWindow: 90,
    rewardOpenMaxCount: 1_024n,
  },
  taikoL1: {
    ...A4_PROTOCOL.taikoL1,
    initAvgProofDelay: 5,
    feePerGasMAF: 64,
    proofDelayMAF: 64,
  },
  proverPool: {
    exitPeriod: 10n * MINUTE,
    changeDelay: 10n,
  },
};
