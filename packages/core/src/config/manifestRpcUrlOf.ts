import { SlabridgeError } from "../errors/SlabridgeError.ts";
import type { ChainManifest } from "./deploymentManifest.ts";

/** A chain's URL was asked of a manifest that does not hold it (a public stage's: its stage config names a secret). */
export class ManifestUrlMissingError extends SlabridgeError {
  override readonly name = "ManifestUrlMissingError" as const;
  constructor(chainName: string, field: "rpcUrl" | "wsUrl") {
    super(`the manifest has no ${field} for ${chainName}: its stage config names a secret (resolveRpcUrl reads it)`, {
      retryable: false,
    });
  }
}

/**
 * A chain's RPC URL from the manifest, where the manifest holds one (the devnet always does; the schema refuses a
 * devnet manifest without). Public stages leave it out: their URLs are secrets.
 *
 * @throws {ManifestUrlMissingError} when the chain's entry has none.
 * @example const url = manifestRpcUrlOf(devnet.manifest.chains[0]);
 */
export function manifestRpcUrlOf(chain: ChainManifest): string {
  if (chain.rpcUrl === undefined) throw new ManifestUrlMissingError(chain.name, "rpcUrl");
  return chain.rpcUrl;
}

/**
 * A Solana cluster's websocket URL from the manifest (the devnet's); see {@link manifestRpcUrlOf}.
 *
 * @example const ws = manifestWsUrlOf(solana);
 */
export function manifestWsUrlOf(chain: Extract<ChainManifest, { family: "solana" }>): string {
  if (chain.wsUrl === undefined) throw new ManifestUrlMissingError(chain.name, "wsUrl");
  return chain.wsUrl;
}
