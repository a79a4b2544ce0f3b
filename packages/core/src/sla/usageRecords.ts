import type { Hex } from "../hex/hex.ts";
import { keccak256 } from "../hex/keccak256.ts";
import { merkleRootOf } from "../merkle/paymentsMerkle.ts";
import { assertIntIn, MAX_U32 } from "./checks.ts";
import { InvalidSlaInputError } from "./errors.ts";

/**
 * What the gateway recorded of one paid call that reached the host: the SLA evidence of real traffic. Calls refused
 * before the host (402, 429, a bad payment) are not the host's doing and leave no record.
 *
 * @example
 * ```ts
 * const r: UsageRecord = { chainId: 31337, payer: `0x${"00".repeat(12)}${"ab".repeat(20)}`, requestHash,
 *   startedAt: 1_700_000_000_000, ttfbMs: 80, latencyMs: 95, served: true, charge: 1_200n };
 * ```
 */
export interface UsageRecord {
  /** The chain the call was paid on (its slabridge chain id). */
  readonly chainId: number;
  /** The paying account as 32 bytes (an EVM address left-padded, a Solana key as is), lowercase hex. */
  readonly payer: Hex;
  /** keccak256 of the request (method, path, body): tells two calls of one payer apart. */
  readonly requestHash: Hex;
  /** When the gateway received the call, unix ms. */
  readonly startedAt: number;
  /** Time to the host's first byte and to its whole answer, ms (the timeout when it never answered). */
  readonly ttfbMs: number;
  readonly latencyMs: number;
  /** Whether the host answered with a valid completion (false: timeout, refused, 5xx, garbage; not charged). */
  readonly served: boolean;
  /** What the call was charged, in the asset's base units (0 when not served). */
  readonly charge: bigint;
}

const BYTES32 = /^0x[0-9a-f]{64}$/;

function word(value: bigint): string {
  return value.toString(16).padStart(64, "0");
}

/**
 * Leaf of one usage record of model `modelId`: `keccak256(bytes.concat(keccak256(abi.encode(uint256 modelId,
 * uint32 chainId, bytes32 payer, bytes32 requestHash, uint64 startedAt, uint32 ttfbMs, uint32 latencyMs, bool served,
 * uint256 charge))))`, double hashed like {@link sampleLeaf}, with the model inside so a record cannot be replayed
 * into another model's evidence.
 *
 * @throws {InvalidSlaInputError} when a field is out of its range or not lowercase 32-byte hex.
 * @example const leaf = usageRecordLeaf(2n, record);
 */
export function usageRecordLeaf(modelId: bigint, record: UsageRecord): Hex {
  if (modelId < 0n || modelId >= 1n << 256n) throw new InvalidSlaInputError("modelId", "not a uint256");
  assertIntIn("chainId", record.chainId, 0, MAX_U32);
  if (!BYTES32.test(record.payer)) throw new InvalidSlaInputError("payer", "not lowercase 32-byte hex");
  if (!BYTES32.test(record.requestHash)) throw new InvalidSlaInputError("requestHash", "not lowercase 32-byte hex");
  assertIntIn("startedAt", record.startedAt, 0, Number.MAX_SAFE_INTEGER);
  assertIntIn("ttfbMs", record.ttfbMs, 0, MAX_U32);
  assertIntIn("latencyMs", record.latencyMs, 0, MAX_U32);
  if (record.charge < 0n || record.charge >= 1n << 256n) throw new InvalidSlaInputError("charge", "not a uint256");
  const encoded = `0x${word(modelId)}${word(BigInt(record.chainId))}${record.payer.slice(2)}${record.requestHash.slice(
    2,
  )}${word(BigInt(record.startedAt))}${word(BigInt(record.ttfbMs))}${word(BigInt(record.latencyMs))}${word(
    record.served ? 1n : 0n,
  )}${word(record.charge)}` as Hex;
  return keccak256(keccak256(encoded));
}

/**
 * Merkle root over a model's usage records, the Report's `receiptsRoot`: leaves ({@link usageRecordLeaf}) sorted by
 * value, then sorted-pair hashing with an odd last node promoted, as `samplesRoot` does; so any order of the same
 * records gives the same root, and anyone holding them can prove one. No records -> bytes32(0).
 *
 * @example usageRecordsRoot(2n, records) === usageRecordsRoot(2n, [...records].reverse()); // true
 */
export function usageRecordsRoot(modelId: bigint, records: readonly UsageRecord[]): Hex {
  return merkleRootOf(records.map((record) => usageRecordLeaf(modelId, record)).sort());
}

/** What paid traffic says of one time bucket: how many distinct payers were served, and how many only failed. */
export interface PaidBucket {
  readonly servedPayers: number;
  readonly failedPayers: number;
}

/**
 * Paid traffic per time bucket (`floor(startedAt / bucketMs)`): a payer counts as served in a bucket when any of its
 * calls there was served, and as failed when it had calls there and none was served; like a prober, one success is
 * enough. Counting payers, not calls, keeps one busy buyer from outvoting the rest.
 *
 * @example const buckets = paidBuckets(records, 60_000);
 */
export function paidBuckets(records: readonly UsageRecord[], bucketMs: number): Map<number, PaidBucket> {
  const served = new Map<number, Set<string>>();
  const called = new Map<number, Set<string>>();
  for (const record of records) {
    const bucket = Math.floor(record.startedAt / bucketMs);
    setOf(called, bucket).add(record.payer);
    if (record.served) setOf(served, bucket).add(record.payer);
  }
  const out = new Map<number, PaidBucket>();
  for (const [bucket, payers] of called) {
    const servedPayers = served.get(bucket)?.size ?? 0;
    out.set(bucket, { servedPayers, failedPayers: payers.size - servedPayers });
  }
  return out;
}

function setOf(map: Map<number, Set<string>>, key: number): Set<string> {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}
