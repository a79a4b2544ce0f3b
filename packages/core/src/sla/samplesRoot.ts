import type { Hex } from "../hex/hex.ts";
import { keccak256 } from "../hex/keccak256.ts";
import { hashPair, ZERO_BYTES32 } from "../merkle/paymentsMerkle.ts";
import { assertIntIn, MAX_U32 } from "./checks.ts";
import type { ProbeSample } from "./types.ts";

const utf8 = new TextEncoder();

function word(value: bigint): string {
  return value.toString(16).padStart(64, "0");
}

/**
 * Leaf of one sample:
 * `keccak256(bytes.concat(keccak256(abi.encode(bytes32 keccak256(bytes(prober)), uint64 atMs, uint32 latencyMs, bool ok))))`
 * (double hashed like OpenZeppelin's StandardMerkleTree, so a leaf is never mistaken for an inner node; the prober
 * id is hashed as UTF-8 exactly as given, so use one spelling, e.g. lowercase addresses).
 *
 * @throws {InvalidSlaInputError} when atMs or latencyMs is out of its range.
 * @example const leaf = sampleLeaf({ prober: "p1", atMs: 1_000, latencyMs: 42, ok: true });
 */
export function sampleLeaf(sample: ProbeSample): Hex {
  assertIntIn("atMs", sample.atMs, 0, Number.MAX_SAFE_INTEGER);
  assertIntIn("latencyMs", sample.latencyMs, 0, MAX_U32);
  // Safe integers (< 2^53) always fit uint64.
  const atMs = BigInt(sample.atMs);
  const encoded =
    `0x${keccak256(utf8.encode(sample.prober)).slice(2)}${word(atMs)}${word(BigInt(sample.latencyMs))}${word(
      sample.ok ? 1n : 0n,
    )}` as Hex;
  return keccak256(keccak256(encoded));
}

/** Canonical order: by time, then prober, latency, outcome; so every prober derives the same root from the same set. */
function compareSamples(a: ProbeSample, b: ProbeSample): number {
  if (a.atMs !== b.atMs) return a.atMs - b.atMs;
  if (a.prober !== b.prober) return a.prober < b.prober ? -1 : 1;
  if (a.latencyMs !== b.latencyMs) return a.latencyMs - b.latencyMs;
  return Number(a.ok) - Number(b.ok);
}

/**
 * Merkle root over an epoch's samples, the Report's `samplesRoot` (dispute evidence: anyone holding the samples can
 * recompute it, and prove one sample with a sorted-pair proof). Leaves are {@link sampleLeaf}s in canonical order
 * (atMs, prober, latencyMs, ok; so arrival order does not matter); each level hashes sorted pairs
 * (`hashPair`, OpenZeppelin `commutativeKeccak256`) and promotes an odd last node unchanged, as `paymentsRoot`
 * does. One sample -> its leaf; no samples -> bytes32(0).
 *
 * @example
 * ```ts
 * samplesRoot(samples) === samplesRoot([...samples].reverse()); // true
 * ```
 */
export function samplesRoot(samples: readonly ProbeSample[]): Hex {
  let level = [...samples].sort(compareSamples).map(sampleLeaf);
  if (level.length === 0) return ZERO_BYTES32;
  while (level.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Hex;
      const right = level[i + 1];
      next.push(right === undefined ? left : hashPair(left, right));
    }
    level = next;
  }
  return level[0] as Hex;
}
