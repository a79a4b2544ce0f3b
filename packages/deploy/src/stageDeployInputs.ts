import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type DeploymentManifest,
  InvalidStageConfigError,
  type KeyReference,
  manifestRpcUrlOf,
  parseDeploymentManifest,
  parseStageConfig,
  type StageConfig,
} from "@slabridge/core";
import { createEvmChainClient, type EvmChainClient } from "@slabridge/evm";
import { layerZeroAddressOf, layerZeroEndpointIdOf } from "@slabridge/layerzero";
import { wormholeChainOf } from "@slabridge/wormhole";
import { PublicKey } from "@solana/web3.js";
import { circle } from "@wormhole-foundation/sdk-base";
import { type Address, getAddress, type Hex } from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { z } from "zod";
import { DeployError } from "./DeployError.ts";
import type { PayPerCallSettings } from "./deploySlabridge.ts";
import { MAX_MULTISIG_SIGNERS, type SolanaVaultPlan } from "./deploySolanaVault.ts";
import type { ChainProtocols, DeployParameters } from "./planDeployment.ts";
import { type PublicManifestFile, publicManifestFileFields } from "./publicStageManifest.ts";

/** The environment variable an RPC URL secret is read from by the CLI (`{ "secret": "RpcUrlEvmA" }`). */
function secretEnvName(secret: string): string {
  return `SLABRIDGE_SECRET_${secret}`;
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an EVM address");
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "32 bytes of hex");
const base58 = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, "a base58 Solana address");

/**
 * The Solana vault of a public stage: its multisig's operators (KMS Ed25519 keys: the functions sign with them, so
 * the manifest names them as given here) and threshold, and optionally the mint (default: Circle's USDC on the
 * cluster, from the Wormhole SDK's address book).
 */
const solanaVaultFileSchema = z
  .object({
    operators: z
      .array(z.object({ kind: z.literal("kms"), keyId: z.string().min(1), publicKey: base58 }))
      .min(1, "the vault multisig needs at least one operator")
      .max(MAX_MULTISIG_SIGNERS, `an SPL Token multisig has at most ${MAX_MULTISIG_SIGNERS} signers`),
    threshold: z.number().int().min(1),
    mint: base58.optional().describe("the stablecoin mint (default: Circle's USDC on the cluster)"),
  })
  .superRefine((vault, ctx) => {
    if (vault.threshold > vault.operators.length) {
      ctx.addIssue({
        code: "custom",
        path: ["threshold"],
        message: `${vault.threshold} exceeds the ${vault.operators.length} operators`,
      });
    }
    const keys = vault.operators.map((operator) => operator.publicKey);
    if (new Set(keys).size !== keys.length) {
      ctx.addIssue({ code: "custom", path: ["operators"], message: "an operator key is listed twice" });
    }
  });

/**
 * A stage's deploy parameters file (`config/<stage>.deploy.json`): what the contracts are constructed and wired with
 * besides the chains. On the devnet the probers, vaults and Solana emitter come from the devnet's manifest instead.
 */
const deployParametersFileSchema = z.object({
  protocolFeeBps: z.number().int().min(0).max(10_000).describe("protocol fee floor the registry enforces"),
  protocolFeeRecipient: address.optional().describe("on the home chain; default: the deployer"),
  minEpochSeconds: z.number().int().min(1).describe("shortest epoch the registry accepts"),
  hostBond: z.object({
    slashBps: z.number().int().min(0).max(10_000),
    noticeEpochs: z.number().int().min(0).max(65_535),
  }),
  probers: z.array(address).optional().describe("the SLA oracle's signers (their KMS keys' addresses)"),
  proberThreshold: z.number().int().min(1).optional(),
  nettingVaults: z.record(z.string().regex(/^\d+$/), bytes32).optional().describe("bytes32 account by chain id"),
  solana: solanaVaultFileSchema
    .optional()
    .describe("the Solana vault (public stages; the devnet's is in its manifest)"),
  payPerCall: z
    .object({
      operator: address.optional().describe("claims the receivers' vouchers: the relayer key's address"),
      authorizer: address
        .optional()
        .describe("signs buyers' cooperative refunds: the address of the stage's gateway.facilitatorKey"),
      guardian: address.optional().describe("may pause a receiver besides its owner (absent: the owner alone)"),
    })
    .strict()
    .optional()
    .describe("the SLA receivers (the devnet's operator and authorizer come from its manifest)"),
  ...publicManifestFileFields,
});

/** A Solana cluster's vault to set up, with the operators' key references the manifest names. */
export interface SolanaVaultInputs {
  plan: SolanaVaultPlan;
  operatorRefs: KeyReference[];
  decimals: number | undefined;
}

/** Everything a deploy of one stage needs, resolved from its files (and the devnet's manifest). */
export interface StageDeployInputs {
  config: StageConfig;
  chains: ChainProtocols[];
  parameters: DeployParameters;
  /** The vault of each Solana cluster of the stage (its multisig and token account are set up before the EVM side). */
  solanaVaults: SolanaVaultInputs[];
  /** RPC URL per chain id; a chain whose secret is not set has none (a dry run shows it unknown). */
  rpcUrls: Map<number, string>;
  /** What is missing to deploy for real (a run refuses, a dry run lists them). */
  unknowns: string[];
  /** The devnet's manifest, when the stage is the devnet (the base of the manifest written back). */
  devnetManifest?: DeploymentManifest;
  /** Who the SLA receivers answer to; absent: no receivers (a devnet started without pay per call). */
  payPerCall?: PayPerCallSettings;
  /** Where the state file goes by default. */
  defaultStatePath: string;
  /** A public stage's manifest section of its deploy file (keys, guardian API, AWS region). */
  publicManifestFile?: PublicManifestFile;
}

/**
 * Reads and validates `config/<stage>.json` and `config/<stage>.deploy.json`, and resolves each EVM chain's protocol
 * addresses: on the devnet (a stage without a network) from the running devnet's manifest; on a public network from
 * the protocols' npm address books (Wormhole core and Circle's USDC from `@wormhole-foundation/sdk-base`, the
 * LayerZero endpoint id from `@layerzerolabs/lz-definitions`). Nothing is typed by hand.
 *
 * @throws {DeployError} `invalid-config` for a config that fails validation or a missing file.
 * @example const inputs = stageDeployInputs({ stage: "testnet", configDir: "config", env: process.env });
 */
export function stageDeployInputs(options: {
  stage: string;
  configDir: string;
  env: Readonly<Record<string, string | undefined>>;
  devnetManifestPath?: string | undefined;
}): StageDeployInputs {
  if (!/^[a-z0-9-]+$/.test(options.stage)) throw new DeployError("invalid-config", `bad stage name "${options.stage}"`);
  const config = readStageConfig(path.join(options.configDir, `${options.stage}.json`));
  const file = readJson(path.join(options.configDir, `${options.stage}.deploy.json`));
  const parsed = deployParametersFileSchema.safeParse(file);
  if (!parsed.success) {
    throw new DeployError(
      "invalid-config",
      `config/${options.stage}.deploy.json: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const fixed = parsed.data;
  const evmChains = config.chains.filter((chain) => chain.family === "evm");
  const home = homeChainOf(config);
  const unknowns: string[] = [];
  const rpcUrls = new Map<number, string>();

  if (config.network === undefined) {
    const manifestPath = options.devnetManifestPath ?? ".devnet/manifest.json";
    if (!existsSync(manifestPath)) {
      throw new DeployError(
        "invalid-config",
        `stage ${options.stage} deploys onto a running devnet: no manifest at ${manifestPath} (start one with "npm run devnet", or pass --devnet-manifest)`,
      );
    }
    let manifest: DeploymentManifest;
    try {
      manifest = parseDeploymentManifest(readJson(manifestPath));
    } catch (error) {
      throw new DeployError("invalid-config", `${manifestPath} is not a valid deployment manifest`, { cause: error });
    }
    const chains = evmChains.map((chain): ChainProtocols => {
      const deployed = manifest.chains.find((c) => c.chainId === chain.chainId);
      if (deployed?.family !== "evm") {
        throw new DeployError(
          "invalid-config",
          `chain ${chain.chainId} (${chain.name}) is not an EVM chain of the devnet`,
        );
      }
      rpcUrls.set(chain.chainId, rpcUrlOf(chain.rpcUrl, deployed.rpcUrl, options.env) ?? manifestRpcUrlOf(deployed));
      return {
        name: chain.name,
        chainId: chain.chainId,
        layerZero: { eid: deployed.layerZero.eid, endpointV2: getAddress(deployed.layerZero.endpointV2) },
        wormhole: { chainId: deployed.wormhole.chainId, core: getAddress(deployed.wormhole.core) },
        stablecoin: getAddress(deployed.stablecoin.address),
      };
    });
    const deployer = manifest.keys.deployer;
    // The devnet's mint is the devnet's (protocol side); its operators are the keys the devnet made.
    const solanaVaults = manifest.chains.flatMap((chain): SolanaVaultInputs[] => {
      if (chain.family !== "solana") return [];
      rpcUrls.set(chain.chainId, manifestRpcUrlOf(chain));
      return [
        {
          plan: {
            name: chain.name,
            chainId: chain.chainId,
            mint: new PublicKey(chain.mint),
            operators: chain.operators.map((ref) => solanaKeyOf(ref)),
            threshold: chain.threshold,
          },
          operatorRefs: chain.operators,
          decimals: chain.decimals,
        },
      ];
    });
    const solana = manifest.chains.find((c) => c.family === "solana");
    const parameters: DeployParameters = {
      homeChainId: manifest.homeChainId,
      probers: manifest.keys.probers.map((ref) => evmAddressOf(ref)),
      proberThreshold: manifest.keys.proberThreshold,
      protocolFee: {
        minBps: fixed.protocolFeeBps,
        recipient: getAddress(fixed.protocolFeeRecipient ?? evmAddressOf(deployer)),
      },
      minEpochSeconds: fixed.minEpochSeconds,
      hostBond: fixed.hostBond,
      nettingVaults: new Map((manifest.keys.nettingVaults ?? []).map((vault) => [vault.chainId, vault.account as Hex])),
      solanaEmitter: solana?.family === "solana" ? (solana.wormholeEmitter as Hex) : undefined,
    };
    if (home !== manifest.homeChainId) {
      throw new DeployError(
        "invalid-config",
        `config/${options.stage}.json's home chain ${home} is not the devnet's (${manifest.homeChainId})`,
      );
    }
    const statePath = path.join(path.dirname(manifestPath), "deploy-state.json");
    // A devnet started with pay per call names its facilitator key; the relay bot's executor claims the vouchers.
    const facilitator = manifest.keys.x402Facilitator;
    const payPerCall: PayPerCallSettings | undefined =
      facilitator === undefined
        ? undefined
        : {
            operator: evmAddressOf(manifest.keys.layerZeroExecutor),
            authorizer: evmAddressOf(facilitator),
            ...(fixed.payPerCall?.guardian === undefined ? {} : { guardian: getAddress(fixed.payPerCall.guardian) }),
          };
    return {
      config,
      chains,
      parameters,
      solanaVaults,
      rpcUrls,
      unknowns,
      devnetManifest: manifest,
      defaultStatePath: statePath,
      ...(payPerCall ? { payPerCall } : {}),
    };
  }

  const network = config.network;
  const circleNetwork = network === "mainnet" ? "Mainnet" : "Testnet";
  const chains = evmChains.map((chain): ChainProtocols => {
    const url = rpcUrlOf(chain.rpcUrl, undefined, options.env);
    if (url === undefined) {
      const secret = "secret" in chain.rpcUrl ? chain.rpcUrl.secret : "?";
      unknowns.push(`${chain.name}: RPC URL (set ${secretEnvName(secret)})`);
    } else rpcUrls.set(chain.chainId, url);
    const wormhole = wormholeChainOf(chain, network);
    const usdc = circle.usdcContract.get(circleNetwork, wormhole.name as never) as string | undefined;
    if (usdc === undefined)
      throw new DeployError("invalid-config", `${chain.name}: Circle lists no USDC on ${wormhole.name}`);
    const eid = layerZeroEndpointIdOf(chain, network);
    // lz-definitions names endpoint ids only; their addresses are in LayerZero's address book, installed for a deploy.
    const endpoint = layerZeroAddressOf(eid, "EndpointV2");
    return {
      name: chain.name,
      chainId: chain.chainId,
      layerZero: { eid, endpointV2: endpoint.found ? endpoint.address : undefined },
      wormhole: { chainId: wormhole.chainId, core: getAddress(wormhole.coreBridge) },
      stablecoin: getAddress(usdc),
    };
  });
  const probers = (fixed.probers ?? []).map((p) => getAddress(p));
  const solanaVaults = config.chains.flatMap((chain): SolanaVaultInputs[] => {
    if (chain.family !== "solana") return [];
    const url = rpcUrlOf(chain.rpcUrl, undefined, options.env);
    if (url === undefined) {
      const secret = "secret" in chain.rpcUrl ? chain.rpcUrl.secret : "?";
      unknowns.push(`${chain.name}: RPC URL (set ${secretEnvName(secret)})`);
    } else rpcUrls.set(chain.chainId, url);
    const vault = fixed.solana;
    if (vault === undefined) {
      unknowns.push(
        `${chain.name}: the vault's operators and threshold (solana in config/${options.stage}.deploy.json)`,
      );
    }
    const wormhole = wormholeChainOf(chain, network);
    const usdc = circle.usdcContract.get(circleNetwork, wormhole.name as never) as string | undefined;
    const mint = vault?.mint ?? usdc;
    if (mint === undefined) {
      throw new DeployError(
        "invalid-config",
        `${chain.name}: Circle lists no USDC on ${wormhole.name}: set solana.mint`,
      );
    }
    return [
      {
        plan: {
          name: chain.name,
          chainId: chain.chainId,
          mint: new PublicKey(mint),
          operators: (vault?.operators ?? []).map((ref) => new PublicKey(ref.publicKey)),
          threshold: vault?.threshold ?? 0,
        },
        operatorRefs: vault?.operators ?? [],
        // Circle's USDC has 6 decimals; a configured mint's are read from the chain.
        decimals: vault?.mint === undefined ? 6 : undefined,
      },
    ];
  });
  const parameters: DeployParameters = {
    homeChainId: home,
    probers,
    proberThreshold: fixed.proberThreshold ?? probers.length,
    protocolFee: {
      minBps: fixed.protocolFeeBps,
      // Replaced by the deployer's address once it is known (see runDeployCli).
      recipient: getAddress(fixed.protocolFeeRecipient ?? "0x0000000000000000000000000000000000000000"),
    },
    minEpochSeconds: fixed.minEpochSeconds,
    hostBond: fixed.hostBond,
    nettingVaults: new Map(Object.entries(fixed.nettingVaults ?? {}).map(([id, vault]) => [Number(id), vault as Hex])),
    // Set from the Solana vault's multisig (derived from the Solana deployer's key) once it is known.
    solanaEmitter: undefined,
  };
  const payPerCall = payPerCallOf(fixed.payPerCall, config, options.stage);
  if (payPerCall === undefined) {
    unknowns.push(
      `the SLA receivers' operator and refund authorizer (payPerCall.operator and .authorizer in config/${options.stage}.deploy.json)`,
    );
  }
  return {
    config,
    chains,
    parameters,
    solanaVaults,
    rpcUrls,
    unknowns,
    defaultStatePath: path.join("deployments", `${options.stage}.state.json`),
    ...(payPerCall ? { payPerCall } : {}),
    publicManifestFile: { keys: fixed.keys, guardian: fixed.guardian, awsRegion: fixed.awsRegion },
  };
}

/**
 * A public stage's SLA receiver settings: both keys named, and the authorizer the stage's facilitator key (the key
 * the gateway signs refunds with) when the stage config names one, or every cooperative refund would be refused.
 */
function payPerCallOf(
  file: z.infer<typeof deployParametersFileSchema>["payPerCall"],
  config: StageConfig,
  stage: string,
): PayPerCallSettings | undefined {
  if (file?.operator === undefined || file.authorizer === undefined) return undefined;
  const authorizer = getAddress(file.authorizer);
  const facilitatorKey = config.gateway?.facilitatorKey;
  const facilitator = facilitatorKey === undefined ? undefined : evmAddressOf(facilitatorKey);
  if (facilitator !== undefined && facilitator !== authorizer) {
    throw new DeployError(
      "invalid-config",
      `config/${stage}.deploy.json: payPerCall.authorizer: ${authorizer} is not the address of the stage's gateway.facilitatorKey (${facilitator}), which signs the refunds`,
    );
  }
  return {
    operator: getAddress(file.operator),
    authorizer,
    ...(file.guardian === undefined ? {} : { guardian: getAddress(file.guardian) }),
  };
}

/**
 * A public client on an RPC URL (evm's `createEvmChainClient`: a chain object with only that URL, never viem's public
 * defaults). Only a secret's URL may leave the machine: config literals are loopback by the stage schema.
 *
 * @example const client = publicClientOf("http://127.0.0.1:8545", 31337, "evm-a");
 */
export function publicClientOf(url: string, chainId: number, name: string): EvmChainClient {
  const loopback = /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url);
  try {
    return createEvmChainClient({
      chainId,
      rpcUrl: url,
      name,
      allowNonLoopback: true,
      // Fast polling for a devnet's instant blocks, slow for a public RPC's rate limits.
      pollingIntervalMs: loopback ? 25 : 2_000,
      retryCount: 2,
    });
  } catch (error) {
    throw new DeployError("invalid-config", `${name}: bad RPC URL`, { cause: error });
  }
}

/** The home chain: where every receipt batch goes (the stage's routes say so). */
function homeChainOf(config: StageConfig): number {
  const homes = new Set(
    config.routes.filter((route) => route.kind === "ReceiptBatch").map((route) => route.destination),
  );
  const [home] = homes;
  if (homes.size !== 1 || home === undefined) {
    throw new DeployError("invalid-config", `the stage's receipt batch routes name ${homes.size} home chains, not one`);
  }
  if (!config.chains.some((chain) => chain.chainId === home && chain.family === "evm")) {
    throw new DeployError("invalid-config", `home chain ${home} is not an EVM chain of the stage`);
  }
  return home;
}

function rpcUrlOf(
  source: StageConfig["chains"][number]["rpcUrl"],
  fromManifest: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if ("url" in source) return source.url;
  if ("manifest" in source) return fromManifest;
  const value = env[secretEnvName(source.secret)];
  return value === undefined || value === "" ? undefined : value;
}

function solanaKeyOf(ref: KeyReference): PublicKey {
  if (ref.kind === "kms" || ref.kind === "devnet-key-file") return new PublicKey(ref.publicKey);
  throw new DeployError("invalid-config", `a ${ref.kind} key has no Solana key`);
}

function evmAddressOf(ref: DeploymentManifest["keys"]["deployer"]): Address {
  if ("address" in ref && typeof ref.address === "string") return getAddress(ref.address);
  if (ref.kind === "kms") return publicKeyToAddress(ref.publicKey as Hex);
  throw new DeployError("invalid-config", `a ${ref.kind} key has no EVM address`);
}

function readStageConfig(file: string): StageConfig {
  try {
    return parseStageConfig(readJson(file));
  } catch (error) {
    if (error instanceof InvalidStageConfigError) {
      throw new DeployError("invalid-config", `${file} fails validation: ${error.issues.join("; ")}`, { cause: error });
    }
    throw error;
  }
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new DeployError("invalid-config", `cannot read ${file}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DeployError("invalid-config", `${file} is not JSON`, { cause: error });
  }
}
