/**
 * @slabridge/devnet: the local world slabridge runs on with no cloud account and no network. `startDevnet()` brings
 * everything up on 127.0.0.1; the parts are exported for tests that need only one of them.
 */

export { type DevnetChains, devnetChainsOf } from "./devnetChainsOf.ts";
export { type LocalDynamo, type LocalDynamoOptions, startLocalDynamo } from "./dynamo/startLocalDynamo.ts";
export * from "./evm/index.ts";
export { type GuardianReceiptPublisher, guardianReceiptPublisher } from "./guardian/guardianReceiptPublisher.ts";
export {
  type DevnetGuardian,
  type DevnetGuardianOptions,
  startDevnetGuardian,
} from "./guardian/startDevnetGuardian.ts";
export { startGuardianApi } from "./guardian/startGuardianApi.ts";
export { VaaStore } from "./guardian/VaaStore.ts";
export { createRng } from "./hosts/createRng.ts";
export { type DemoHostPreset, demoHostPresets } from "./hosts/demoHostPresets.ts";
export { type LatencyModel, latencyQuantile } from "./hosts/latencyQuantile.ts";
export { type DemoHost, type DemoHostStats, startDemoHost } from "./hosts/startDemoHost.ts";
export { createDevnetKmsSolanaKeys, localKmsClient } from "./kms/createDevnetKmsKeys.ts";
export { type LocalKms, startLocalKms } from "./kms/startLocalKms.ts";
export { type DevnetExtras, runDevnetCli } from "./runDevnetCli.ts";
export { type LocalS3, startLocalS3 } from "./s3/startLocalS3.ts";
export { demoSlaTerms, mintDemoModel } from "./slabridge/mintDemoModel.ts";
export * from "./solana/index.ts";
export { DEMO_HOST_BOND, type Devnet, type StartDevnetOptions, startDevnet } from "./startDevnet.ts";
export { type DemoPayment, DemoTraffic } from "./traffic/DemoTraffic.ts";
export { DevnetShapeError } from "./traffic/DevnetShapeError.ts";
export { type PaidCall, X402Buyers } from "./traffic/X402Buyers.ts";
export { devnetFacilitatorSigner } from "./x402/devnetFacilitatorSigner.ts";
export { MULTICALL3_ADDRESS, placeX402StandIn, type X402StandIn } from "./x402/placeX402StandIn.ts";
