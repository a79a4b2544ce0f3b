import type { ChainConfig, DeploymentManifest } from "@slabridge/core";
import { linkedResource, linkedSecret, MissingLinkError } from "./linkedResource.ts";

/**
 * A chain's RPC URL from its stage-config source: inline, an SST Secret linked to the function (URLs with API keys
 * never sit in config or code), or the deployment manifest (the devnet, whose ports are picked at start).
 *
 * @example const url = resolveRpcUrl(config.chains[0], manifest);
 */
export function resolveRpcUrl(chain: ChainConfig, manifest: DeploymentManifest, env = process.env): string {
  const source = chain.rpcUrl;
  if ("url" in source) return source.url;
  if ("secret" in source) return linkedResource(source.secret, linkedSecret, env).value;
  const url = manifest.chains.find((candidate) => candidate.chainId === chain.chainId)?.rpcUrl;
  if (!url) throw new MissingLinkError(`rpcUrl of ${chain.name}`, "not in the deployment manifest");
  return url;
}
