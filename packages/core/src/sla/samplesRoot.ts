import type { Hex } from "../hex/hex.ts";
import { keccak256 } from "../hex/keccak256.ts";
import { merkleRootOf } from "../merkle/paymentsMerkle.ts";
import { assertIntIn, MAX_U32 } from "./checks.ts";
import { InvalidSlaInputError } from "./errors.ts";
import type { ProbeSample } from "./types.ts";

const utf8 = new TextEncoder();

function word(value: bigint): string {
  return value.toString(16).padStart(64, "0");
}

/**
 * Leaf of one sample of model `modelId`:
 * `keccak256(bytes.concat(keccak256(abi.encode(uint256 modelId, uint64 round, bytes32 keccak256(bytes(prober)),
 * uint64 atMs, uint32 latencyMs, bool ok))))` (double hashed like OpenZeppelin's StandardMerkleTree, so a leaf is
 * never mistaken for an inner node; the prober id is hashed as UTF-8 exactly as given). The model and the round are
 * in the leaf, so a sample cannot be replayed into another model's or another round's evidence.
 *
 * @throws {InvalidSlaInputError} when modelId, round, atMs or latencyMs is out of its range.
 * @example const leaf = sampleLeaf(2n, { prober: "p1", round: 1_000, atMs: 1_004, latencyMs: 42, ok: true });
 */
export function sampleLeaf(modelId: bigint, sample: ProbeSample): Hex {
  return leafOf(modelId, sample, keccak256(utf8.encode(sample.prober)));
}

/** {@link sampleLeaf} with the prober id's hash given (a root hashes each of its few probers' ids once). */
function leafOf(modelId: bigint, sample: ProbeSample, proberHash: Hex): Hex {
  if (modelId < 0n || modelId >= 1n << 256n) throw new InvalidSlaInputError("modelId", "not a uint256");
  assertIntIn("round", sample.round, 0, Number.MAX_SAFE_INTEGER);
  assertIntIn("atMs", sample.atMs, 0, Number.MAX_SAFE_INTEGER);
  assertIntIn("latencyMs", sample.latencyMs, 0, MAX_U32);
  // Safe integers (< 2^53) always fit uint64.
  const encoded = `0x${word(modelId)}${word(BigInt(sample.round))}${proberHash.slice(2)}${word(
    BigInt(sample.atMs),
  )}${word(BigInt(sample.latencyMs))}${word(sample.ok ? 1n : 0n)}` as Hex;
  return keccak256(keccak256(encoded));
}

/**
 * Canonical order: by time, then prober, round, latency, outcome; so every prober derives the same root from the
 * same set.
 */
function compareSamples(a: ProbeSample, b: ProbeSample): number {
  if (a.atMs !== b.atMs) return a.atMs - b.atMs;
  if (a.prober !== b.prober) return a.prober < b.prober ? -1 : 1;
  if (a.round !== b.round) return a.round - b.round;
  if (a.latencyMs !== b.latencyMs) return a.latencyMs - b.latencyMs;
  return Number(a.ok) - Number(b.ok);
}

/**
 * Merkle root over a model's samples (an epoch's, or one prober's sample set), the Report's `samplesRoot` (dispute evidence: anyone holding the samples can
 * recompute it, and prove one sample with a sorted-pair proof). Leaves are {@link sampleLeaf}s in canonical order
 * (atMs, prober, round, latencyMs, ok; so arrival order does not matter); each level hashes sorted pairs
 * (`hashPair`, OpenZeppelin `commutativeKeccak256`) and promotes an odd last node unchanged, as `paymentsRoot`
 * does. One sample -> its leaf; no samples -> bytes32(0).
 *
 * @example
 * ```ts
 * samplesRoot(2n, samples) === samplesRoot(2n, [...samples].reverse()); // true
 * ```
 */
export function samplesRoot(modelId: bigint, samples: readonly ProbeSample[]): Hex {
  const proberHashes = new Map<string, Hex>();
  const proberHashOf = (prober: string): Hex => {
    let hash = proberHashes.get(prober);
    if (hash === undefined) {
      hash = keccak256(utf8.encode(prober));
      proberHashes.set(prober, hash);
    }
    return hash;
  };
  return merkleRootOf(
    [...samples].sort(compareSamples).map((sample) => leafOf(modelId, sample, proberHashOf(sample.prober))),
  );
}
