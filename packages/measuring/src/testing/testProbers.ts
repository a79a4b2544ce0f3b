import type { Hex, ProbingConfig } from "@slabridge/core";
import { type ProberKey, privateKeyProberKey } from "../attest/ProberKey.ts";
import type { ProberRegistry } from "../attest/ProberRegistry.ts";

/**
 * The private keys of anvil's public dev accounts 4, 5 and 6 (well known, test only): the probers of
 * {@link measureManifest}, one per vantage point a, b, c of {@link measureConfig}.
 */
export const TEST_PROBER_PRIVATE_KEYS = [
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
] as const satisfies readonly Hex[];

/** The SlaOracle address the test manifest lists on the home chain (sample sets are bound to it). */
export const TEST_ORACLE: Hex = "0x0000000000000000000000000000000000000206";

/**
 * The test probers' keys, in vantage point order.
 *
 * @example const [a, b, c] = testProberKeys();
 */
export function testProberKeys(): ProberKey[] {
  return TEST_PROBER_PRIVATE_KEYS.map((key) => privateKeyProberKey(key));
}

/**
 * The registered prober set of the test deployment: vantage point i signs with test key i, 2 co-signatures needed.
 *
 * @example const registry = testRegistry(measureConfig().probing);
 */
export function testRegistry(probing: Pick<ProbingConfig, "vantagePoints">, chainId = 31_338): ProberRegistry {
  const keys = testProberKeys();
  return {
    domain: { chainId, verifier: TEST_ORACLE },
    probers: new Map(probing.vantagePoints.map((v, i) => [v.name, keys[i]?.address ?? "0x"])),
    threshold: 2,
  };
}
