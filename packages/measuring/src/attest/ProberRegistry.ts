import {
  type DeploymentManifest,
  type Hex,
  hexToBytes,
  keccak256,
  type ProbingConfig,
  type SampleSetDomain,
} from "@slabridge/core";
import { MeasureConfigError } from "../errors.ts";

/**
 * The registered prober set: which key each vantage point signs with (the SlaOracle's signers, from the manifest),
 * how many co-signatures a report needs, and the domain their sample-set signatures are bound to. Public data: the
 * evaluator, every prober and any third party build the same one.
 */
export interface ProberRegistry {
  readonly domain: SampleSetDomain;
  /** Vantage point name -> its key's address (lowercase). */
  readonly probers: ReadonlyMap<string, Hex>;
  /** Co-signatures a report needs (the oracle's threshold M). */
  readonly threshold: number;
}

function addressOfKey(ref: DeploymentManifest["keys"]["probers"][number], vantage: string): Hex {
  if ("address" in ref) return ref.address.toLowerCase() as Hex;
  // A KMS (or key-file) key's public key (uncompressed, 0x04 ...) gives its address as any secp256k1 key does.
  let publicKey: Uint8Array;
  try {
    publicKey = hexToBytes(ref.publicKey as Hex);
  } catch {
    throw new MeasureConfigError(`prober key of ${vantage}: the KMS public key is not hex`);
  }
  if (publicKey.length !== 65 || publicKey[0] !== 4) {
    throw new MeasureConfigError(`prober key of ${vantage}: the KMS public key is not an uncompressed secp256k1 key`);
  }
  return `0x${keccak256(publicKey.slice(1)).slice(-40)}` as Hex;
}

/**
 * The prober set of a deployment: vantage point i (config order) signs with the manifest's prober key i, reports
 * need `keys.proberThreshold` co-signatures, sample sets are bound to the home chain and its SlaOracle.
 *
 * @throws {MeasureConfigError} with fewer prober keys than vantage points, or a malformed KMS public key.
 * @example const registry = proberRegistryOf(manifest, config.probing, { chainId: 31338, verifier: oracle });
 */
export function proberRegistryOf(
  manifest: Pick<DeploymentManifest, "keys">,
  probing: Pick<ProbingConfig, "vantagePoints">,
  domain: SampleSetDomain,
): ProberRegistry {
  const keys = manifest.keys.probers;
  if (keys.length < probing.vantagePoints.length) {
    throw new MeasureConfigError(
      `${probing.vantagePoints.length} vantage points but ${keys.length} prober keys: each vantage point signs with its own`,
    );
  }
  const probers = new Map<string, Hex>();
  probing.vantagePoints.forEach((vantage, i) => {
    const key = keys[i];
    if (key) probers.set(vantage.name, addressOfKey(key, vantage.name));
  });
  if (new Set(probers.values()).size !== probers.size) {
    throw new MeasureConfigError("two vantage points share a prober key: they would be one trust domain");
  }
  return { domain, probers, threshold: manifest.keys.proberThreshold };
}
