import type { KMSClient } from "@aws-sdk/client-kms";
import { modelRegistryAbi } from "@slabridge/contracts";
import type {
  DeploymentManifest,
  GatewayEvmModelConfig,
  GatewayModelConfig,
  GatewaySolanaModelConfig,
  KeyReference,
  NonceStore,
  StageConfig,
  SvmVoucherCheckpointStore,
  UsageReceiptStore,
  VoucherCheckpointStore,
} from "@slabridge/core";
import { manifestRpcUrlOf } from "@slabridge/core";
import {
  createEvmChainClient,
  EvmConfigError,
  type EvmSigner,
  evmSignerOf,
  processEvmSenders,
  readContractTyped,
  typedDataSignerOf,
} from "@slabridge/evm";
import {
  batchSettlementFacilitator,
  type ChannelRecordStore,
  createGatewayService,
  type Gateway,
  type GatewayModelInput,
  type GatewaySvmModelInput,
  type ModelPauses,
  type RateLimiter,
  type SlaTermsSource,
  type SvmChannelStore,
  VersionedChannelStorage,
} from "@slabridge/gateway";
import { type Address, type Hex, isHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { MissingLinkError } from "../linkedResource.ts";

/** What the gateway function is built from (its links, resolved). */
export interface BuildGatewayServiceOptions {
  readonly config: StageConfig;
  readonly manifest: DeploymentManifest;
  readonly stores: {
    readonly channels: ChannelRecordStore;
    readonly checkpoints: VoucherCheckpointStore;
    /** The rate limits per buyer and model, shared by every instance (`DynamoRateLimiter`). */
    readonly rateLimits: RateLimiter;
    /** Every paid call's signed usage receipt: paid traffic's SLA evidence. */
    readonly usageReceipts: UsageReceiptStore;
    /** The facilitator key's nonces on each chain, shared by every gateway instance (the Nonces table in AWS). */
    readonly nonces: NonceStore;
    /** The Solana voucher checkpoints; required when a model is sold on a Solana cluster. */
    readonly svmCheckpoints?: SvmVoucherCheckpointStore | undefined;
    /**
     * Solana channel state shared by every instance (`DynamoSvmChannelStore` in AWS). Absent: in memory, right only
     * for one gateway process (the devnet).
     */
    readonly svmChannels?: SvmChannelStore | undefined;
  };
  /** The gateway's receipt key (a secret link): never logged, never in an error. */
  readonly receiptKey: string;
  /** RPC URL of every EVM chain of the deployment the facilitator serves. */
  readonly rpcUrls: ReadonlyMap<number, string>;
  /** RPC URL of a Solana cluster a model is sold on, by slabridge chain id; default: the manifest's. */
  readonly solanaRpcUrls?: ReadonlyMap<number, string>;
  readonly allowNonLoopback?: boolean;
  /** Signs with a `kms` facilitator key (AWS KMS in a Lambda, the devnet's KMS stand-in locally). */
  readonly kms?: KMSClient | undefined;
  readonly onError?: (error: unknown) => void;
  /** The operators' model pauses (the kill switch's records in the Cursors table). */
  readonly modelPauses?: ModelPauses;
}

/**
 * The gateway function's service: the stage config's gateway models (prices, hosts, rate limits; each model's clock
 * from the manifest; on an EVM chain its asset the chain's stablecoin, its SlaReceiver as payTo and
 * receiverAuthorizer; on a Solana cluster the mint, the vault multisig as payTo and the vault, see
 * {@link solanaModelInput}), the SDK facilitator on every EVM chain with an RPC URL (sending as the config's
 * facilitator key) and on each Solana network sold, the Channels and VoucherCheckpoints stores (EVM and Solana), the
 * shared rate limiter, and the receipt key. All the logic is `@slabridge/gateway`'s; this only maps config.
 *
 * @example const service = await buildGatewayService({ config, manifest, stores, receiptKey, rpcUrls });
 */
export async function buildGatewayService(options: BuildGatewayServiceOptions): Promise<Gateway> {
  const { config, manifest } = options;
  const gateway = config.gateway;
  const receiptSigner = receiptAccount(options.receiptKey);
  const models = Object.entries(gateway?.models ?? {}).map(([key, model]) =>
    modelInput(key, model, manifest, options.solanaRpcUrls),
  );
  const slaTerms = slaTermsSource(options);
  const svmNetworks = models.flatMap((model) => (isSolanaInput(model) ? [model.network] : []));
  // One account for every chain: a KMS account checks its key once, not once per chain.
  const account = gateway === undefined ? undefined : facilitatorAccount(gateway.facilitatorKey, options.kms);
  const allowNonLoopback = options.allowNonLoopback ? { allowNonLoopback: true } : {};
  const chainClients = [...options.rpcUrls].map(([chainId, rpcUrl]) => ({
    chainId,
    rpcUrl,
    client: createEvmChainClient({ chainId, rpcUrl, name: `chain-${chainId}`, ...allowNonLoopback }),
  }));
  const chains =
    account === undefined
      ? []
      : chainClients.map(({ chainId, rpcUrl, client }) => {
          // Deposits go out through the key's one nonce-safe sender: concurrent buyers' deposits, every gateway of
          // the process and every instance (through the nonce store) take distinct nonces.
          const sender = processEvmSenders.sender({ client, account, nonceStore: options.stores.nonces });
          const send = async (transaction: { to: Address; data: Hex; gas?: bigint }) =>
            (await sender.send(transaction)).receipt.transactionHash;
          return { chainId, rpcUrl, account, send, ...allowNonLoopback };
        });
  // The facilitator key is also the SlaReceivers' refund authorizer (the deploy sets it as each one's `authorizer`):
  // it signs a buyer's cooperative refund of what it deposited and was not charged. An unlocked node account (the
  // devnet without KMS) signs through a node; a KMS key signs itself.
  const signingClient = chainClients[0]?.client;
  const refundSigner =
    account === undefined || signingClient === undefined ? undefined : typedDataSignerOf(account, signingClient);
  return createGatewayService({
    models,
    facilitator: batchSettlementFacilitator(chains, svmNetworks),
    storage: new VersionedChannelStorage(options.stores.channels),
    checkpoints: options.stores.checkpoints,
    usageReceipts: options.stores.usageReceipts,
    rateLimiter: options.stores.rateLimits,
    ...(options.stores.svmCheckpoints === undefined ? {} : { svmCheckpoints: options.stores.svmCheckpoints }),
    ...(options.stores.svmChannels === undefined ? {} : { svmChannels: options.stores.svmChannels }),
    receiptSigner,
    ...(slaTerms === undefined ? {} : { slaTerms }),
    ...(refundSigner === undefined ? {} : { refundSigner }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    ...(options.modelPauses === undefined ? {} : { modelPauses: options.modelPauses }),
  });
}

/**
 * The home chain's registry as the gateway's SLA terms source (each model's terms of the running epoch in the 402's
 * `extra.slabridge.sla`, read and refreshed by the gateway), or none when the gateway has no RPC URL of the home
 * chain. The client waits 3 s at most and never retries: an unpaid 402 may wait for this read.
 */
function slaTermsSource(options: BuildGatewayServiceOptions): SlaTermsSource | undefined {
  const { manifest } = options;
  const home = manifest.chains.find((chain) => chain.chainId === manifest.homeChainId);
  const registry = home?.family === "evm" ? home.contracts.modelRegistry : undefined;
  const rpcUrl = options.rpcUrls.get(manifest.homeChainId);
  if (registry === undefined || rpcUrl === undefined) return undefined;
  const client = createEvmChainClient({
    chainId: manifest.homeChainId,
    rpcUrl,
    name: "home",
    timeoutMs: 3_000,
    retryCount: 0,
    ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
  });
  return {
    termsAt: (modelId, epoch) => readContractTyped(client, registry, modelRegistryAbi, "slaTermsAt", [modelId, epoch]),
  };
}

function modelInput(
  key: string,
  model: GatewayModelConfig,
  manifest: DeploymentManifest,
  solanaRpcUrls: ReadonlyMap<number, string> | undefined,
): GatewayModelInput {
  return "network" in model
    ? solanaModelInput(key, model, manifest, solanaRpcUrls)
    : evmModelInput(key, model, manifest);
}

function isSolanaInput(model: GatewayModelInput): model is GatewaySvmModelInput {
  return model.network.startsWith("solana:");
}

/**
 * A Solana model entry: the cluster's mint as the asset, its vault multisig as payTo (the delegate the buyers approve),
 * its vault as where the pulls land; the clock from the manifest's model.
 *
 * @example solanaModelInput("demo-sol", { modelId: "1", chainId: 900, network: "solana:slabridge-devnet", ... }, manifest, undefined)
 */
export function solanaModelInput(
  key: string,
  model: GatewaySolanaModelConfig,
  manifest: DeploymentManifest,
  solanaRpcUrls: ReadonlyMap<number, string> | undefined,
): GatewaySvmModelInput {
  const chain = manifest.chains.find((candidate) => candidate.chainId === model.chainId);
  if (chain?.family !== "solana") {
    throw new MissingLinkError(
      `gateway model ${key}`,
      `chain ${model.chainId} is not a Solana cluster of the manifest`,
    );
  }
  const listed = manifest.models.find((candidate) => candidate.modelId === model.modelId);
  if (listed === undefined) {
    throw new MissingLinkError(`gateway model ${key}`, `model ${model.modelId} is not in the manifest's models`);
  }
  return {
    key,
    model: model.model,
    modelId: model.modelId,
    network: networkOf(model.network),
    chainId: chain.chainId,
    rpcUrl: solanaRpcUrls?.get(chain.chainId) ?? manifestRpcUrlOf(chain),
    asset: chain.mint,
    decimals: chain.decimals,
    payTo: chain.multisig,
    vault: chain.vault,
    hostUrl: model.hostUrl,
    ...(model.hostTimeoutMs === undefined ? {} : { hostTimeoutMs: model.hostTimeoutMs }),
    price: model.price,
    clock: { genesis: BigInt(listed.genesis), epochSeconds: BigInt(listed.epochSeconds) },
    rateLimit: model.rateLimit,
  };
}

/** The config's network, typed (the stage config checked its form). */
function networkOf(network: string): `solana:${string}` {
  if (!network.startsWith("solana:")) throw new MissingLinkError("gateway model network", `${network} is not solana:`);
  return `solana:${network.slice("solana:".length)}`;
}

function evmModelInput(key: string, model: GatewayEvmModelConfig, manifest: DeploymentManifest): GatewayModelInput {
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

function facilitatorAccount(key: KeyReference, kms: KMSClient | undefined): EvmSigner {
  try {
    return evmSignerOf(key, "gateway.facilitatorKey", { kms });
  } catch (error) {
    if (error instanceof EvmConfigError) throw new MissingLinkError("gateway.facilitatorKey", error.shortMessage);
    throw error;
  }
}

function receiptAccount(key: string) {
  // The key itself never goes into the error.
  if (!isHex(key) || key.length !== 66) throw new MissingLinkError("GatewayReceiptKey", "not a 0x 32-byte hex key");
  return privateKeyToAccount(key);
}
