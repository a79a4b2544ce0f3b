import { DDSketch } from "@datadog/sketches-js";
import { InvalidSlaInputError } from "./errors.ts";

/** Relative accuracy of every LatencySketch: a quantile is within 1% of the exact one. */
export const LATENCY_SKETCH_RELATIVE_ACCURACY = 0.01;

type Sketch = InstanceType<typeof DDSketch>;

/**
 * A mergeable latency distribution (DDSketch, 1% relative accuracy) in a few kilobytes whatever the sample count:
 * each prober keeps one per (model, epoch), stores it serialized, and the evaluator merges them.
 *
 * `quantile(q)` is within 1% (relative) of the exact lower quantile `sorted[floor(q * (count - 1))]`.
 *
 * @example
 * ```ts
 * const a = new LatencySketch(); a.add(120); a.add(340);
 * const b = LatencySketch.deserialize(storedBytes);
 * a.merge(b);
 * a.quantile(0.95); // ~p95 in ms
 * ```
 */
export class LatencySketch {
  readonly #sketch: Sketch;

  constructor(sketch?: Sketch) {
    this.#sketch = sketch ?? new DDSketch({ relativeAccuracy: LATENCY_SKETCH_RELATIVE_ACCURACY });
  }

  /** Number of latencies added (merged ones included). */
  get count(): number {
    return this.#sketch.count;
  }

  /**
   * Adds one latency in milliseconds.
   *
   * @throws {InvalidSlaInputError} when `ms` is negative or not finite.
   * @example sketch.add(123.4);
   */
  add(ms: number): void {
    // The library would file negatives in a separate store its merge ignores; latencies are never negative anyway.
    if (!Number.isFinite(ms) || ms < 0) throw new InvalidSlaInputError("latencyMs", `${ms} is not a latency`);
    this.#sketch.accept(ms);
  }

  /**
   * Adds every latency of `other` to this sketch (in place; `other` is unchanged). The result answers like a sketch
   * of the union of both inputs.
   *
   * @example total.merge(LatencySketch.deserialize(bytesOfProberB));
   */
  merge(other: LatencySketch): void {
    this.#sketch.merge(other.#sketch);
  }

  /**
   * The latency at quantile `q` in ms (1% relative accuracy); NaN when the sketch is empty.
   *
   * @throws {InvalidSlaInputError} when `q` is outside [0, 1].
   * @example const p95 = sketch.quantile(0.95);
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new InvalidSlaInputError("quantile", `${q} is outside [0, 1]`);
    return this.#sketch.getValueAtQuantile(q);
  }

  /**
   * The sketch as bytes for storage: UTF-8 JSON `{ v: 1, relativeAccuracy: 0.01, zeroCount, bins: [[key, count], ...] }`
   * (only non-empty bins, keys of the logarithmic mapping). Not DDSketch's protobuf: the library's `toProto` needs
   * protobufjs, which it lists as a dev dependency only, so it fails in an installed tree.
   *
   * @example await store.put(key, sketch.serialize());
   */
  serialize(): Uint8Array {
    const { store } = this.#sketch;
    const bins: [number, number][] = [];
    store.bins.forEach((count, index) => {
      if (count > 0) bins.push([index + store.offset, count]);
    });
    const stored: StoredSketch = {
      v: 1,
      relativeAccuracy: LATENCY_SKETCH_RELATIVE_ACCURACY,
      zeroCount: this.#sketch.zeroCount,
      bins,
    };
    return new TextEncoder().encode(JSON.stringify(stored));
  }

  /**
   * A sketch from {@link serialize}'s bytes. Min, max and sum are not stored (quantiles do not need them).
   *
   * @throws {InvalidSlaInputError} when the bytes are not a stored sketch or were written with another accuracy.
   * @example const sketch = LatencySketch.deserialize(await store.get(key));
   */
  static deserialize(bytes: Uint8Array): LatencySketch {
    const stored = parseStored(bytes);
    const sketch = new DDSketch({ relativeAccuracy: LATENCY_SKETCH_RELATIVE_ACCURACY });
    // Bins go straight into the store (re-adding a bin's representative value could land in a neighbour bin).
    for (const [key, count] of stored.bins) {
      sketch.store.add(key, count);
      sketch.count += count;
    }
    sketch.zeroCount = stored.zeroCount;
    sketch.count += stored.zeroCount;
    return new LatencySketch(sketch);
  }
}

interface StoredSketch {
  v: 1;
  relativeAccuracy: number;
  zeroCount: number;
  bins: [number, number][];
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

function parseStored(bytes: Uint8Array): StoredSketch {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new InvalidSlaInputError("sketch", `bytes are not a stored sketch (${String(cause)})`);
  }
  if (typeof value !== "object" || value === null) throw new InvalidSlaInputError("sketch", "not an object");
  const v = value as Record<string, unknown>;
  if (v.v !== 1) throw new InvalidSlaInputError("sketch.v", `unknown version ${String(v.v)}`);
  // Sketches of different accuracies cannot be merged: refuse them at the door.
  if (v.relativeAccuracy !== LATENCY_SKETCH_RELATIVE_ACCURACY) {
    throw new InvalidSlaInputError("sketch.relativeAccuracy", `${String(v.relativeAccuracy)} is not 1%`);
  }
  if (!isCount(v.zeroCount)) throw new InvalidSlaInputError("sketch.zeroCount", "not a count");
  const bins = v.bins;
  if (
    !Array.isArray(bins) ||
    !bins.every(
      (bin: unknown) => Array.isArray(bin) && bin.length === 2 && Number.isSafeInteger(bin[0]) && isCount(bin[1]),
    )
  ) {
    throw new InvalidSlaInputError("sketch.bins", "not a list of [key, count] pairs");
  }
  return { v: 1, relativeAccuracy: LATENCY_SKETCH_RELATIVE_ACCURACY, zeroCount: v.zeroCount, bins };
}
