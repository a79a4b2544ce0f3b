import type { Clock, RecordSampleResult, SampleRecord, SampleStore } from "@slabridge/core";
import { compareUtf8 } from "../rules/compareUtf8.ts";
import { systemClock } from "../systemClock.ts";
import { type SampleItem, sampleItem } from "./sampleItem.ts";

const TABLE = "Samples";

/**
 * In-memory {@link SampleStore} with the DynamoDB store's semantics: put-if-absent per sample id (a second record of
 * the same id is "exists" and keeps the first), listed per (model, epoch) in sample-id byte order.
 *
 * @example const samples = new MemorySampleStore(); await samples.record(s); // "created"
 */
export class MemorySampleStore implements SampleStore {
  /** sampleKey -> sampleId -> item, like the table's hash and range keys. */
  readonly #epochs = new Map<string, Map<string, SampleItem>>();
  readonly #clock: Clock;

  constructor(config: { clock?: Clock } = {}) {
    this.#clock = config.clock ?? systemClock;
  }

  async record(sample: SampleRecord): Promise<RecordSampleResult> {
    const item = sampleItem.encode(sample);
    if (this.#epochs.get(String(item.sampleKey))?.has(String(item.sampleId))) return "exists";
    this.#put({ ...item, storedAt: this.#clock.now() });
    return "created";
  }

  async get(modelId: bigint, epoch: bigint, sampleId: string): Promise<SampleRecord | undefined> {
    const item = this.#epochs.get(sampleItem.sampleKey(modelId, epoch))?.get(sampleId);
    return item === undefined ? undefined : sampleItem.decode(TABLE, structuredClone(item));
  }

  async listEpoch(modelId: bigint, epoch: bigint): Promise<SampleRecord[]> {
    const items = this.#epochs.get(sampleItem.sampleKey(modelId, epoch));
    if (items === undefined) return [];
    return [...items.entries()]
      .sort(([a], [b]) => compareUtf8(a, b))
      .map(([, item]) => sampleItem.decode(TABLE, structuredClone(item)));
  }

  /**
   * Test hook: stores `item` as-is under its `sampleKey` and `sampleId`, bypassing encoding.
   *
   * @example samples.putRawItem({ sampleKey: "1#2", sampleId: "a#r#1", rttMs: -5 });
   */
  putRawItem(item: Record<string, unknown>): void {
    this.#put(structuredClone(item));
  }

  #put(item: Record<string, unknown>): void {
    const key = String(item.sampleKey);
    let items = this.#epochs.get(key);
    if (items === undefined) {
      items = new Map();
      this.#epochs.set(key, items);
    }
    items.set(String(item.sampleId), item);
  }
}
