/**
 * @slabridge/devnet/testing: a running devnet seen from an end-to-end test, with no bot code. One scenario object
 * holds the devnet-level actions every test needs (pay, pass time, sign and publish verdicts, read balances and
 * escrow records), so the tests state what happens and what must hold, not how to reach the chains.
 */

export {
  DevnetScenario,
  demoMeasurements,
  type EpochOnChain,
  epochsOf,
  type PublishedMessage,
  type RecordedVerdict,
  type SlaMeasurement,
} from "./DevnetScenario.ts";
export {
  type DevnetStageOptions,
  devnetEvmRoutes,
  devnetPaymentChainRoutes,
  devnetStageConfig,
} from "./devnetStageConfig.ts";
