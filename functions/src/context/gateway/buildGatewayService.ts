import type {
  DeploymentManifest,
  GatewayModelConfig,
  KeyReference,
  StageConfig,
  VoucherCheckpointStore,
} from "@slabridge/core";
import {
  batchSettlementFacilitator,
  type ChannelRecordStore,
  createGatewayService,
  type Gateway,
  type GatewayModelInput,
  VersionedChannelStorage,
} from "@slabridge/gateway";
import { type Address, isHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { MissingLinkError } from "../linkedResource.ts";

/** What the gateway function is built from (its links, resolved). */
export interface BuildGatewayServiceOptions {
  readonly config: StageConfig;
  readonly manifest: DeploymentManifest;
  readonly stores: { readonly channels: ChannelRecordStore; readonly checkpoints: VoucherCheckpointStore };
  /** The gateway's receipt key (a secret link): never logged, never in an error. */
  readonly receiptKey: string;
  /** RPC URL of every EVM chain of the deployment the facilitator serves. */
  readonly rpcUrls: ReadonlyMap<number, string>;
  readonly allowNonLoopback?: boolean;
  readonly onError?: (error: unknown) => void;
}

/**
 * The gateway function's service: the stage config's gateway models (prices, hosts, rate limits; each model's clock
 * from the manifest, its asset the chain's stablecoin, its SlaReceiver as payTo and receiverAuthorizer), the SDK
 * facilitator on every EVM chain with an RPC URL (sending as the config's facilitator key), the Channels and
 * VoucherCheckpoints stores, and the receipt key. All the logic is `@slabridge/gateway`'s; this only maps config.
 *
 * @example const service = await buildGatewayService({ config, manifest, stores, receiptKey, rpcUrls });
 */
export async function buildGatewayService(options: BuildGatewayServiceOptions): Promise<Gateway> {
  const { config, manifest } = options;
  const gateway = config.gateway;
  const receiptSigner = receiptAccount(options.receiptKey);
  const models = Object.entries(gateway?.models ?? {}).map(([key, model]) => modelInput(key, model, manifest));
  const chains =
    gateway === undefined
      ? []
      : [...options.rpcUrls].map(([chainId, rpcUrl]) => ({
          chainId,
          rpcUrl,
          account: facilitatorAccount(gateway.facilitatorKey),
          ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
        }));
  return createGatewayService({
    models,
    facilitator: batchSettlementFacilitator(chains),
    storage: new VersionedChannelStorage(options.stores.channels),
    checkpoints: options.stores.checkpoints,
    receiptSigner,
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
}

function modelInput(key: string, model: GatewayModelConfig, manifest: DeploymentManifest): GatewayModelInput {
  const chain = manifest.chains.find((candidate) => candidate.chainId === model.chainId);
  if (chain?.family !== "evm") {
    throw new MissingLinkError(`gateway model ${key}`, `chain ${model.chainId} is not an EVM chain of the manifest`);
  }
  const listed = manifest.models.find((candidate) => candidate.modelId === model.modelId);
  if (listed === undefined) {
    throw new MissingLinkError(`gateway model ${key}`, `model ${model.modelId} is not in the manifest's models`);
  }
  return {
    key,
    model: model.model,
    modelId: model.modelId,
    network: `eip155:${model.chainId}`,
    asset: chain.stablecoin.address,
    assetName: model.asset.name,
    assetVersion: model.asset.version,
    payTo: model.receiver,
    // The SlaReceiver claims each epoch itself: it is its channels' receiverAuthorizer.
    receiverAuthorizer: model.receiver,
    hostUrl: model.hostUrl,
    ...(model.hostTimeoutMs === undefined ? {} : { hostTimeoutMs: model.hostTimeoutMs }),
    price: model.price,
    clock: { genesis: BigInt(listed.genesis), epochSeconds: BigInt(listed.epochSeconds) },
    rateLimit: model.rateLimit,
  };
}

function facilitatorAccount(key: KeyReference): Address {
  if (key.kind === "anvil-dev-account") return key.address;
  throw new MissingLinkError(
    "gateway.facilitatorKey",
    `${key.kind} keys are not supported by this build yet (KMS signing comes with deployment)`,
  );
}

function receiptAccount(key: string) {
  // The key itself never goes into the error.
  if (!isHex(key) || key.length !== 66) throw new MissingLinkError("GatewayReceiptKey", "not a 0x 32-byte hex key");
  return privateKeyToAccount(key);
}
