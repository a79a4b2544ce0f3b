import type {
  GatewayConfig,
  NonceStore,
  StageConfig,
  SvmVoucherCheckpointStore,
  UsageReceiptStore,
  VoucherCheckpointStore,
} from "@slabridge/core";
import { manifestRpcUrlOf } from "@slabridge/core";
import { type Devnet, devnetChainsOf } from "@slabridge/devnet";
import {
  type ChannelRecordStore,
  type LoopbackServer,
  type ModelPauses,
  type RateLimiter,
  type SvmChannelStore,
  serveOnLoopback,
} from "@slabridge/gateway";
import { type Address, erc20Abi, type Hex } from "viem";
import { devnetKmsClient } from "../context/createKmsClient.ts";
import { buildGatewayService } from "../context/gateway/buildGatewayService.ts";
import { MainJobShapeError } from "./settlementReport.ts";

/**
 * What a demo call costs, in stablecoin base units (6 decimals): 0.0001 per prompt token, 0.0003 per completion
 * token, at most 0.01 per call (the escrow's price per request).
 */
const DEMO_PRICE = { perInputToken: "100", perOutputToken: "300", ceiling: "10000" } as const;
/** The CAIP-2 network the devnet's Solana cluster is sold under (the buyers' SVM client scheme matches `solana:*`). */
const DEVNET_SOLANA_NETWORK = "solana:slabridge-devnet";
/** Generous for the demo buyers (a few calls a second each), tight enough that a runaway client meets 429s. */
const DEMO_RATE_LIMIT = { burst: 20, perSecond: 10 } as const;

/** One demo host's gateway on loopback. */
export interface LocalGateway {
  readonly host: string;
  readonly url: string;
  /** The host's model name (the chat requests name it). */
  readonly model: string;
}

/** The devnet's gateways: one loopback server per demo host, selling its model on every EVM chain. */
export interface LocalGateways {
  readonly gateways: readonly LocalGateway[];
  /** The chat completions URL of `modelId` paid on `chainId` (undefined: not sold per call there). */
  urlOf(modelId: bigint, chainId: number): string | undefined;
  /** The host model name of `modelId`. */
  modelNameOf(modelId: bigint): string | undefined;
  /**
   * Where the probers probe `modelId` as paying buyers: its gateway URL (`<gateway>/models/<key>`) on the home chain
   * when it is sold there, else on its first EVM chain (undefined: not sold per call on EVM).
   */
  probeRouteOf(modelId: bigint): { url: string; chainId: number } | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the gateway function's service once per demo host on 127.0.0.1, built by the same code as the Lambda
 * (`buildGatewayService`): the stage config's gateway section is written here from the devnet (each model's
 * SlaReceiver per EVM chain, its host, the chain's stablecoin), the facilitator sends deposits with the devnet's
 * facilitator key (through the devnet's KMS when it is a kms key), channel state and voucher checkpoints live in the devnet's DynamoDB tables (where the relay's
 * claims read them), and each run gets a fresh receipt key.
 *
 * @example const gateways = await startLocalGateways({ devnet, config, stores }); gateways.urlOf(1n, 31337);
 */
export async function startLocalGateways(options: {
  devnet: Devnet;
  config: StageConfig;
  /** The key that signs every gateway's usage receipts (its address is in `config.gateway.receiptSigners`). */
  receiptKey: Hex;
  stores: {
    channels: ChannelRecordStore;
    checkpoints: VoucherCheckpointStore;
    usageReceipts: UsageReceiptStore;
    /** The rate limits per buyer and model (the devnet's RateLimits table, as in AWS). */
    rateLimits: RateLimiter;
    /** The facilitator key's nonces (the bot's Nonces table, as in AWS): every gateway sends through one sender. */
    nonces: NonceStore;
    /** Solana pay per call (absent: the gateways sell on the EVM chains only). */
    svmCheckpoints?: SvmVoucherCheckpointStore | undefined;
    svmChannels?: SvmChannelStore | undefined;
  };
  /** The operators' model pauses (the local bot's kill switch), as the gateway function reads them in AWS. */
  modelPauses?: ModelPauses;
}): Promise<LocalGateways> {
  const { devnet, config } = options;
  const { manifest } = devnet;
  const facilitatorKey = manifest.keys.x402Facilitator;
  if (!facilitatorKey) throw new MainJobShapeError("the devnet was started without pay per call (no facilitator key)");
  const evmChains = devnetChainsOf(manifest).evm;
  const solana = options.stores.svmCheckpoints ? devnetChainsOf(manifest).solana : undefined;
  const rpcUrls = new Map(evmChains.map((chain) => [chain.chainId, manifestRpcUrlOf(chain)]));
  // The facilitator's kms key signs through the devnet's KMS stand-in.
  const kms = devnetKmsClient(devnet);
  // The stablecoin's EIP-712 domain name (its ERC-3009 signatures), read from each chain's token.
  const assetNames = new Map<number, string>();
  for (const chain of evmChains) {
    const { publicClient } = devnet.evm.clients(chain.chainId);
    assetNames.set(
      chain.chainId,
      await publicClient.readContract({
        address: chain.stablecoin.address as Address,
        abi: erc20Abi,
        functionName: "name",
      }),
    );
  }
  const keyOf = (host: string, chainName: string) => `${host.toLowerCase()}-${chainName}`;
  const servers: LoopbackServer[] = [];
  const gateways: LocalGateway[] = [];
  const urls = new Map<string, string>();
  const modelNames = new Map<string, string>();
  const probeRoutes = new Map<string, { url: string; chainId: number }>();
  try {
    for (const host of devnet.hosts) {
      const listed = manifest.hosts.find((h) => h.url === host.url);
      if (!listed) continue;
      const models: GatewayConfig["models"] = {};
      for (const chain of evmChains) {
        const receiver = chain.contracts.slaReceivers?.[listed.modelId];
        if (!receiver) continue;
        models[keyOf(host.name, chain.name)] = {
          modelId: listed.modelId,
          chainId: chain.chainId,
          model: host.model,
          hostUrl: host.url,
          receiver,
          asset: { name: assetNames.get(chain.chainId) ?? "", version: "2" },
          price: DEMO_PRICE,
          rateLimit: DEMO_RATE_LIMIT,
          hostTimeoutMs: 2_000,
        };
      }
      if (solana) {
        // The vault multisig is the payee; buyers approve it as delegate and pay by ed25519 voucher.
        models[keyOf(host.name, solana.name)] = {
          modelId: listed.modelId,
          chainId: solana.chainId,
          network: DEVNET_SOLANA_NETWORK,
          model: host.model,
          hostUrl: host.url,
          price: DEMO_PRICE,
          rateLimit: DEMO_RATE_LIMIT,
          hostTimeoutMs: 2_000,
        };
      }
      if (Object.keys(models).length === 0) continue;
      const service = await buildGatewayService({
        config: { ...config, gateway: { receiptSigners: [], ...config.gateway, models, facilitatorKey } },
        manifest,
        stores: options.stores,
        receiptKey: options.receiptKey,
        rpcUrls,
        kms,
        ...(options.modelPauses === undefined ? {} : { modelPauses: options.modelPauses }),
      });
      const server = await serveOnLoopback(service.handle);
      servers.push(server);
      gateways.push({ host: host.name, url: server.url, model: host.model });
      modelNames.set(listed.modelId, host.model);
      const probeChain =
        evmChains.find((chain) => chain.chainId === manifest.homeChainId && models[keyOf(host.name, chain.name)]) ??
        evmChains.find((chain) => models[keyOf(host.name, chain.name)]);
      if (probeChain) {
        probeRoutes.set(listed.modelId, {
          url: `${server.url}/models/${keyOf(host.name, probeChain.name)}`,
          chainId: probeChain.chainId,
        });
      }
      for (const chain of [...evmChains, ...(solana ? [solana] : [])]) {
        if (models[keyOf(host.name, chain.name)]) {
          urls.set(
            `${listed.modelId}:${chain.chainId}`,
            `${server.url}/models/${keyOf(host.name, chain.name)}/v1/chat/completions`,
          );
        }
      }
    }
  } catch (error) {
    await Promise.allSettled(servers.map((server) => server.close()));
    throw error;
  }
  return {
    gateways,
    urlOf: (modelId, chainId) => urls.get(`${modelId}:${chainId}`),
    modelNameOf: (modelId) => modelNames.get(modelId.toString()),
    probeRouteOf: (modelId) => probeRoutes.get(modelId.toString()),
    stop: async () => {
      await Promise.allSettled(servers.map((server) => server.close()));
    },
  };
}
