import type { KMSClient } from "@aws-sdk/client-kms";
import { modelRegistryAbi } from "@slabridge/contracts";
import {
  type Clock,
  type DeploymentManifest,
  type Hex,
  homeChainOf,
  type KeyReference,
  type SampleStore,
  type StageConfig,
} from "@slabridge/core";
import {
  anvilDevAccount,
  createEvmChainClient,
  kmsEvmAccount,
  readContractTyped,
  slaReportTypedData,
} from "@slabridge/evm";
import {
  type BlobStore,
  MeasureConfigError,
  type ProberKey,
  type ProberWorld,
  privateKeyProberKey,
  proberRegistryOf,
  UnsupportedSignerError,
} from "@slabridge/measuring";
import { bytesToHex, hashTypedData } from "viem";
import { buildProbePayer, gatewayProbeRoutes, type ProbePaidCall, proberPayerKeyOf } from "./buildProbePayer.ts";

/** Options of {@link buildProberWorld}. */
export interface BuildProberWorldOptions {
  manifest: DeploymentManifest;
  /** Must have a `probing` section listing `vantage`. */
  config: StageConfig;
  /** The vantage point this prober function is. */
  vantage: string;
  samples: SampleStore;
  /** Where the evaluator publishes report evidence (the same store it writes). */
  blobs: BlobStore;
  /** The home chain's RPC URL (reads only: the model clock, the epoch's terms; nothing is sent). */
  homeRpcUrl: string;
  clock?: Clock;
  allowNonLoopback?: boolean;
  /** Signs with a `kms` prober key (AWS KMS in a Lambda, the devnet's KMS stand-in locally). */
  kms?: KMSClient | undefined;
  /** RPC URL per EVM chain the prober's payer may pay a gateway on (default: the home chain only). */
  rpcUrls?: ReadonlyMap<number, string>;
  /** Told about every paid probe call's channel (the main job counts the deposits left in them). */
  onPaid?: (call: ProbePaidCall) => void;
}

/** A key whose address is known (the registry's) but that cannot sign here: it fails, typed, at its first use. */
function unusableKey(address: Hex, error: () => Error): ProberKey {
  return {
    address,
    signDigest: async () => {
      throw error();
    },
  };
}

/**
 * The prober's own key: a KMS key (with a KMS client), or an anvil dev account's key derived from the devnet
 * mnemonic. Any other kind, a KMS key without a client, and
 * a dev account whose address is not the mnemonic's cannot sign: the function still starts (its address is the
 * registered one) and fails, typed, at its first signature.
 */
function proberKeyOf(
  ref: KeyReference | undefined,
  index: number,
  registered: Hex | undefined,
  kms: KMSClient | undefined,
): ProberKey {
  const kind = ref?.kind ?? "missing";
  if (ref?.kind === "kms" && kms) {
    // A KMS account's signature over a digest is the 65-byte r ‖ s ‖ v (27/28) a ProberKey gives.
    const account = kmsEvmAccount({ kms, keyId: ref.keyId, publicKey: ref.publicKey as Hex });
    return { address: account.address.toLowerCase() as Hex, signDigest: (digest) => account.sign({ hash: digest }) };
  }
  if (ref?.kind !== "anvil-dev-account") {
    if (registered === undefined) throw new UnsupportedSignerError(kind, index);
    return unusableKey(registered, () => new UnsupportedSignerError(kind, index));
  }
  const privateKey = anvilDevAccount(ref.index).getHdKey().privateKey;
  const key = privateKey ? privateKeyProberKey(bytesToHex(privateKey)) : undefined;
  if (key?.address !== ref.address.toLowerCase()) {
    const address = ref.address.toLowerCase() as Hex;
    return unusableKey(
      address,
      () => new MeasureConfigError(`prober key ${index}: anvil account ${ref.index} is not ${ref.address}`),
    );
  }
  return key;
}

/**
 * The world of one vantage point's prober function: its own key (vantage point i of the config is the manifest's
 * prober key i; it signs this vantage point's samples and the reports it co-signs, and no other function holds it),
 * the registered prober set, the samples table, the evidence store, and read-only home chain access (model clock,
 * terms, the oracle's report digest) to recompute a report before co-signing it.
 *
 * @example const world = buildProberWorld({ manifest, config, vantage: "local-1", samples, blobs, homeRpcUrl });
 */
export function buildProberWorld(options: BuildProberWorldOptions): ProberWorld {
  const { manifest, config, vantage } = options;
  const probing = config.probing;
  if (!probing) throw new MeasureConfigError("the stage config has no probing section");
  const index = probing.vantagePoints.findIndex((v) => v.name === vantage);
  if (index < 0) throw new MeasureConfigError(`vantage point ${vantage} is not in the probing config`);
  const home = homeChainOf(manifest);
  const { modelRegistry, slaOracle } = home?.contracts ?? {};
  if (!home || !modelRegistry || !slaOracle) {
    throw new MeasureConfigError(`home chain ${manifest.homeChainId} has no ModelRegistry/SlaOracle in the manifest`);
  }
  const client = createEvmChainClient({
    chainId: home.chainId,
    rpcUrl: options.homeRpcUrl,
    name: home.name,
    ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
  });
  const target = { chainId: home.chainId, oracle: slaOracle };
  const registry = proberRegistryOf(manifest, probing, { chainId: home.chainId, verifier: slaOracle });
  // Gateway-sold models are probed as a paying buyer, with the prober's own payer key (never its signing key).
  const payerKey = proberPayerKeyOf(manifest, index);
  if (payerKey === undefined && gatewayProbeRoutes(config.gateway, manifest.homeChainId) !== undefined) {
    throw new MeasureConfigError(`the gateway is probed, but vantage point ${vantage} has no prober payer key`);
  }
  const payer =
    payerKey === undefined
      ? undefined
      : buildProbePayer({
          ref: payerKey,
          vantage,
          rpcUrls: options.rpcUrls ?? new Map([[home.chainId, options.homeRpcUrl]]),
          ...(options.onPaid ? { onPaid: options.onPaid } : {}),
          ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
          kms: options.kms,
        });
  return {
    ...(payer ? { payer } : {}),
    samples: options.samples,
    probing,
    clock: options.clock ?? { now: () => Date.now() },
    key: proberKeyOf(manifest.keys.probers[index], index, registry.probers.get(vantage), options.kms),
    registry,
    blobs: options.blobs,
    gatewaySigners: options.config.gateway?.receiptSigners ?? [],
    home: {
      async modelClock(modelId) {
        const core = await readContractTyped(client, modelRegistry, modelRegistryAbi, "coreOf", [modelId]);
        return { genesis: BigInt(core.genesis), epochSeconds: BigInt(core.epochSeconds) };
      },
      slaTermsAt: (modelId, epoch) =>
        readContractTyped(client, modelRegistry, modelRegistryAbi, "slaTermsAt", [modelId, epoch]),
      reportDigest: async (report) => hashTypedData(slaReportTypedData(report, target)),
    },
  };
}
