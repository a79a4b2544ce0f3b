import { readFileSync } from "node:fs";
import { Logger } from "@aws-lambda-powertools/logger";
import {
  type DeploymentManifest,
  homeChainOf,
  InvalidManifestError,
  parseDeploymentManifest,
  parseStageConfig,
  type StageConfig,
} from "@slabridge/core";
import { createEvmChainClient, readRegistryModels } from "@slabridge/evm";
import { MissingLinkError } from "./linkedResource.ts";
import { resolveRpcUrl } from "./resolveRpcUrl.ts";

const logger = new Logger({ serviceName: "slabridge-stage" });

/** How long a deployed function serves the models it read before it reads the registry again. */
export const MODELS_REFRESH_MS = 60_000;

/** A deployed function's stage config and deployment manifest, the manifest with the models the stage serves. */
export interface StageFiles {
  config: StageConfig;
  manifest: DeploymentManifest;
  /** `manifest`: the manifest lists its models (the devnet's); `registry`: they were read from the home chain. */
  modelsFrom: "manifest" | "registry";
}

/**
 * The stage config (`SLABRIDGE_CONFIG`) and deployment manifest (`SLABRIDGE_MANIFEST`) bundled with a deployed
 * function. A public stage's manifest lists no models (hosts mint theirs after the deploy), so its models are read
 * from the home chain's ModelRegistry, through the home chain's RPC URL; the devnet's manifest lists its own.
 *
 * @example const { config, manifest } = await readStageFiles(process.env);
 */
export async function readStageFiles(env: NodeJS.ProcessEnv): Promise<StageFiles> {
  const { config, manifest } = readBundledFiles(env);
  if (manifest.models.length > 0) return { config, manifest, modelsFrom: "manifest" };
  const home = homeChainOf(manifest);
  const registry = home.contracts.modelRegistry;
  if (!registry)
    throw new InvalidManifestError([`chains[${home.chainId}].contracts.modelRegistry: the home chain has none`]);
  const homeConfig = config.chains.find((chain) => chain.chainId === home.chainId);
  if (!homeConfig) throw new MissingLinkError(`home chain ${home.chainId}`, "not in the stage config");
  const client = createEvmChainClient({
    chainId: home.chainId,
    rpcUrl: resolveRpcUrl(homeConfig, manifest, env),
    name: homeConfig.name,
    allowNonLoopback: true,
  });
  const { models, rejected } = await readRegistryModels(client, registry, home.chainId);
  for (const { modelId, reason } of rejected) {
    logger.warn("model not served: its registry entry is not valid", { modelId: modelId.toString(), reason });
  }
  return { config, manifest: { ...manifest, models }, modelsFrom: "registry" };
}

/** The stage config and deployment manifest as bundled, for a function that serves no model by itself (a prober). */
export function readBundledFiles(env: NodeJS.ProcessEnv): Omit<StageFiles, "modelsFrom"> {
  const configPath = env.SLABRIDGE_CONFIG;
  const manifestPath = env.SLABRIDGE_MANIFEST;
  if (!configPath || !manifestPath) throw new MissingLinkError("SLABRIDGE_CONFIG/SLABRIDGE_MANIFEST", "not set");
  return {
    config: parseStageConfig(JSON.parse(readFileSync(configPath, "utf8"))),
    manifest: parseDeploymentManifest(JSON.parse(readFileSync(manifestPath, "utf8"))),
  };
}

/**
 * A deployed function's world, built once per container and rebuilt when the stage's models change: a host may mint a
 * model at any time, so models read from the registry are read again at most every {@link MODELS_REFRESH_MS}. A failed
 * re-read keeps the world in use (the next period tries again); a failed first read fails the call.
 *
 * @example export const worldFromEnv = stageWorld((files, env) => buildRelayWorld({ ...files, ...linksOf(env) }));
 */
export function stageWorld<W>(
  build: (files: StageFiles, env: NodeJS.ProcessEnv) => W | Promise<W>,
  options: {
    now?: () => number;
    /** Reads the stage's files (default {@link readStageFiles}). */
    read?: (env: NodeJS.ProcessEnv) => Promise<StageFiles>;
  } = {},
): (env?: NodeJS.ProcessEnv) => Promise<W> {
  const now = options.now ?? Date.now;
  const readFiles = options.read ?? readStageFiles;
  let current: { world: Promise<W>; models: string; modelsFrom: StageFiles["modelsFrom"]; readAt: number } | undefined;
  let reading: Promise<W> | undefined;

  const read = async (env: NodeJS.ProcessEnv): Promise<W> => {
    let files: StageFiles;
    try {
      files = await readFiles(env);
    } catch (error) {
      if (!current) throw error;
      logger.warn("stage models not read again; serving the ones read before", { error: error as Error });
      current.readAt = now();
      return current.world;
    }
    const models = JSON.stringify(files.manifest.models);
    if (current?.models === models) {
      current.readAt = now();
      return current.world;
    }
    const world = Promise.resolve().then(() => build(files, env));
    current = { world, models, modelsFrom: files.modelsFrom, readAt: now() };
    // A world whose build failed is not kept: the next call builds it again.
    world.catch(() => {
      if (current?.world === world) current = undefined;
    });
    return world;
  };

  return (env = process.env) => {
    if (current && (current.modelsFrom === "manifest" || now() - current.readAt < MODELS_REFRESH_MS))
      return current.world;
    reading ??= read(env).finally(() => {
      reading = undefined;
    });
    return reading;
  };
}
