/**
 * The parameters of the Taiko A4 protocol as deployed by ZKPool's scripts: A4's own values, and the local
 * network's compressed clock. Durations are seconds; token amounts are TTKOe base units (8 decimals).
 */

/** TTKOe has 8 decimals. */
export const TTKO_DECIMALS = 8;
export const TTKO = 10n ** BigInt(TTKO_DECIMALS);

/** TaikoL1's Config struct (contracts/taiko/TaikoData.sol), field for field. */
export interface TaikoConfig {
  blockMaxGasLimit: number;
  blockMaxTxListBytes: number;
  blockMaxProposals: bigint;
  blockMaxVerificationsPerTx: bigint;
  blockFeeBaseGas: number;
  proofCooldownPeriod: bigint;
  proofWindowMin: bigint;
  proofWindowMax: bigint;
  proofWindowMultiplier: number;
  initialAvgProofDelay: bigint;
  initialFeePerGas: number;
  feePerGasMAF: number;
  proofDelayMAF: number;
  rewardOpenMultiplierPct: number;
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
  proverPool: ProverPoolParams;
}

const MINUTE = 60n;
const HOUR = 60n * MINUTE;

/** Taiko Alpha-4's rules with A4's clock: the proof window is 10–90 minutes, the cooldown 30 minutes. */
export const A4_PROTOCOL: ProtocolParams = {
  taiko: {
    blockMaxGasLimit: 6_000_000,
    blockMaxTxListBytes: 120_000,
    blockMaxProposals: 403_200n,
    blockMaxVerificationsPerTx: 10n,
    blockFeeBaseGas: 20_000,
    proofCooldownPeriod: 30n * MINUTE,
    proofWindowMin: 10n * MINUTE,
    proofWindowMax: 90n * MINUTE,
    proofWindowMultiplier: 3,
    initialAvgProofDelay: 15n * MINUTE,
    initialFeePerGas: 1_000,
    feePerGasMAF: 1_024,
    proofDelayMAF: 1_024,
    rewardOpenMultiplierPct: 150,
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
    proofCooldownPeriod: 20n,
    proofWindowMin: 10n,
    proofWindowMax: 90n,
    initialAvgProofDelay: 5n,
    feePerGasMAF: 64,
    proofDelayMAF: 64,
  },
  proverPool: {
    exitPeriod: 10n * MINUTE,
    changeDelay: 10n,
  },
};
