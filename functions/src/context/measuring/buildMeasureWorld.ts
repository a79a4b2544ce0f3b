import type { KMSClient } from "@aws-sdk/client-kms";
import {
  type Clock,
  type DeploymentManifest,
  type EscrowVerdicts,
  type EvmChainManifest,
  homeChainOf,
  type KeyReference,
  matchFamily,
  type NonceStore,
  type SampleStore,
  type StageConfig,
  type UsageReceiptStore,
} from "@slabridge/core";
import {
  createEvmChainClient,
  EpochBooks,
  type EvmChainClient,
  EvmConfigError,
  EvmHomeChain,
  type EvmSenderRegistry,
  type EvmSigner,
  evmSignerOf,
  processEvmSenders,
} from "@slabridge/evm";
import {
  type BlobStore,
  MeasureConfigError,
  type MeasureWorld,
  type ProbeRoutes,
  ProberInvoker,
  proberRegistryOf,
} from "@slabridge/measuring";
import { gatewayProbeRoutes } from "./buildProbePayer.ts";

/** Options of {@link buildMeasureWorld}. */
export interface BuildMeasureWorldOptions {
  manifest: DeploymentManifest;
  /** Must have a `probing` section. */
  config: StageConfig;
  /** `usageReceipts`: the gateway's signed receipts, paid traffic's evidence (absent: no model is sold per call). */
  stores: { samples: SampleStore; nonces: NonceStore; usageReceipts?: UsageReceiptStore | undefined };
  /** Where report evidence is published (memory locally; the stage's S3 bucket in AWS). */
  blobs: BlobStore;
  /** RPC URL per EVM chain (resolved by the caller, as for the relay world). */
  rpcUrls: ReadonlyMap<number, string>;
  /** The local Lambda Invoke API (LambdaInvokeServer) the coordinator fans out to; absent in AWS. */
  lambdaEndpoint?: string;
  clock?: Clock;
  /** Lets non-loopback RPC URLs and AWS's Lambda endpoints through (AWS); the devnet and tests never set it. */
  allowNonLoopback?: boolean;
  /** Where EVM senders come from (default: the process's registry: the relay world's executor sender is this one). */
  senders?: EvmSenderRegistry;
  /** Models probed through their x402 gateway (default: from the stage's `gateway.url`, else none). */
  probeRoutes?: ProbeRoutes;
  /** Signs with a `kms` executor key (AWS KMS in a Lambda, the devnet's stand-in locally). */
  kms?: KMSClient | undefined;
}

function executorSigner(ref: KeyReference, kms: KMSClient | undefined): EvmSigner {
  try {
    return evmSignerOf(ref, "layerZeroExecutor", { kms });
  } catch (error) {
    if (error instanceof EvmConfigError) throw new MeasureConfigError(error.shortMessage);
    throw error;
  }
}

/**
 * The composition root of the measuring functions, built like the relay world: a client per EVM chain from the
 * manifest, the home chain's registry/oracle behind {@link EvmHomeChain} with a nonce-safe sender of the executor
 * key (the same key and nonce sequence the relay uses; the NonceStore keeps them apart), escrow readers of the
 * payment chains, the prober invoker (local Lambda endpoint, or AWS with `allowNonLoopback`), the registered prober
 * set and the evidence store. It holds no prober key: each prober co-signs (see buildProberWorld).
 *
 * @example const world = buildMeasureWorld({ manifest, config, stores: { samples, nonces }, blobs, rpcUrls, lambdaEndpoint });
 */
export function buildMeasureWorld(options: BuildMeasureWorldOptions): MeasureWorld {
  const { manifest, config } = options;
  const probing = config.probing;
  if (!probing) throw new MeasureConfigError("the stage config has no probing section");
  const clock = options.clock ?? { now: () => Date.now() };
  const clients = new Map<number, EvmChainClient>();
  const books = new Map<number, EpochBooks>();
  for (const chain of measuredChains(manifest)) {
    const rpcUrl = options.rpcUrls.get(chain.chainId);
    if (!rpcUrl) throw new MeasureConfigError(`no RPC URL for chain ${chain.name}`);
    const client = createEvmChainClient({
      chainId: chain.chainId,
      rpcUrl,
      name: chain.name,
      ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
    });
    clients.set(chain.chainId, client);
    books.set(chain.chainId, new EpochBooks(client, chain.contracts));
  }
  const homeManifest = homeChainOf(manifest);
  const homeClient = clients.get(manifest.homeChainId);
  const { modelRegistry, slaOracle } = homeManifest?.contracts ?? {};
  if (!homeClient || !modelRegistry || !slaOracle) {
    throw new MeasureConfigError(`home chain ${manifest.homeChainId} has no ModelRegistry/SlaOracle in the manifest`);
  }
  const executor = executorSigner(manifest.keys.layerZeroExecutor, options.kms);
  // The process's one sender of the executor key on the home chain (the relay world's, when it runs here too).
  const sender = (options.senders ?? processEvmSenders).sender({
    client: homeClient,
    account: executor,
    nonceStore: options.stores.nonces,
  });
  const home = new EvmHomeChain({
    chainId: homeManifest.chainId,
    client: homeClient,
    registry: modelRegistry,
    oracle: slaOracle,
    messengers: {
      layerzero: homeManifest.contracts.layerZeroMessenger,
      wormhole: homeManifest.contracts.wormholeMessenger,
    },
    sender,
    // The evaluator holds no prober key: reports are submitted with the probers' own co-signatures.
    signers: () => [],
    maxBlockRange: config.chains.find((c) => c.chainId === homeManifest.chainId)?.maxBlockRange ?? 2_000,
  });

  const escrows: EscrowVerdicts = {
    async verdictApplied(chainId, modelId, epoch) {
      const book = books.get(chainId)?.of(modelId);
      if (!book) return undefined;
      const record = await book.epochRecord(modelId, epoch);
      return record.status !== "open";
    },
  };

  const invoker = new ProberInvoker({
    vantagePoints: probing.vantagePoints,
    ...(options.lambdaEndpoint === undefined ? {} : { localEndpoint: options.lambdaEndpoint }),
    ...(options.allowNonLoopback && options.lambdaEndpoint === undefined ? { useAws: true } : {}),
  });
  const registry = proberRegistryOf(manifest, probing, { chainId: homeManifest.chainId, verifier: slaOracle });
  const probeRoutes = options.probeRoutes ?? gatewayProbeRoutes(config.gateway, manifest.homeChainId);
  return {
    ...(probeRoutes ? { probeRoutes } : {}),
    manifest,
    config,
    probing,
    samples: options.stores.samples,
    ...(options.stores.usageReceipts === undefined ? {} : { usageReceipts: options.stores.usageReceipts }),
    gatewaySigners: config.gateway?.receiptSigners ?? [],
    clock,
    home,
    escrows,
    invoker,
    registry,
    blobs: options.blobs,
  };
}

/**
 * The chains the measuring functions read: the home chain (registry, oracle) and the EVM escrows whose applied
 * verdicts make a publish unnecessary. A Solana vault holds no verdict state the evaluator could read: publishing to
 * it is made idempotent by the home chain's VerdictPublished logs instead.
 *
 * @example const urls = measuredChains(manifest).map((chain) => chain.rpcUrl);
 */
export function measuredChains(manifest: Pick<DeploymentManifest, "chains">): EvmChainManifest[] {
  return manifest.chains.flatMap((chain) =>
    matchFamily<EvmChainManifest[]>(chain, { evm: (evm) => [evm], solana: () => [] }),
  );
}
