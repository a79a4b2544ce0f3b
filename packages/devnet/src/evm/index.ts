// The EVM side of the slabridge devnet: anvil chains running the real LayerZero V2 and Wormhole contracts.
export * from "./abis.ts";
export * from "./deployContract.ts";
export * from "./deployDevnetStablecoin.ts";
export * from "./deployLayerZero.ts";
export * from "./deployWormhole.ts";
export * from "./devnetClients.ts";
export { devnetGuardianAddress } from "./devnetGuardian.ts";
export * from "./EvmDevnetError.ts";
export * from "./LayerZeroDevnetRelayer.ts";
export * from "./loadArtifact.ts";
export * from "./readWormholeMessages.ts";
export * from "./signDevnetVaa.ts";
export * from "./startAnvil.ts";
export * from "./startEvmDevnet.ts";
export * from "./submitTransaction.ts";
export * from "./wireDevnetStablecoins.ts";
