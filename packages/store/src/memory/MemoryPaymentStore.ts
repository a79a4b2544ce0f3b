import type { Clock, PaymentRecord, PaymentStore, RecordPaymentResult } from "@slabridge/core";
import { ConflictingRecordError } from "../errors/ConflictingRecordError.ts";
import { type PaymentItem, paymentItem } from "../items/paymentItem.ts";
import { compareUtf8 } from "../rules/compareUtf8.ts";
import { systemClock } from "../systemClock.ts";

const TABLE = "Payments";

/**
 * In-memory {@link PaymentStore} with the DynamoDB store's semantics: write-once, the identical record again is
 * "exists", a different one under the same key is a {@link ConflictingRecordError}.
 *
 * @example const payments = new MemoryPaymentStore(); await payments.record(p); // "created"
 */
export class MemoryPaymentStore implements PaymentStore {
  /** epochKey -> paymentId -> item, like the table's hash and range keys. */
  readonly #epochs = new Map<string, Map<string, PaymentItem>>();
  readonly #clock: Clock;

  constructor(config: { clock?: Clock } = {}) {
    this.#clock = config.clock ?? systemClock;
  }

  async record(payment: PaymentRecord): Promise<RecordPaymentResult> {
    const item = paymentItem.encode(payment);
    const epochKey = String(item.epochKey);
    const stored = this.#epochs.get(epochKey)?.get(payment.paymentId);
    if (stored === undefined) {
      this.#put({ ...item, storedAt: this.#clock.now() });
      return "created";
    }
    paymentItem.decode(TABLE, structuredClone(stored)); // a corrupt stored payment is reported, not compared
    const field = paymentItem.differingField(stored, item);
    if (field !== undefined) throw new ConflictingRecordError(TABLE, `${epochKey}/${payment.paymentId}`, field);
    return "exists";
  }

  async listEpoch(chainId: number, modelId: bigint, epoch: bigint): Promise<PaymentRecord[]> {
    const epochItems = this.#epochs.get(paymentItem.epochKey(chainId, modelId, epoch));
    if (epochItems === undefined) return [];
    return [...epochItems.entries()]
      .sort(([a], [b]) => compareUtf8(a, b))
      .map(([, item]) => paymentItem.decode(TABLE, structuredClone(item)));
  }

  async listEpochPage(
    chainId: number,
    modelId: bigint,
    epoch: bigint,
    page: { after?: string | undefined; limit: number },
  ): Promise<PaymentRecord[]> {
    const { after } = page;
    const all = await this.listEpoch(chainId, modelId, epoch);
    return all.filter((p) => after === undefined || compareUtf8(p.paymentId, after) > 0).slice(0, page.limit);
  }

  /**
   * Test hook: stores `item` as-is under its `epochKey` and `paymentId`, bypassing encoding.
   *
   * @example payments.putRawItem({ epochKey: "31337:1:2", paymentId: "0x01", amount: "-5" });
   */
  putRawItem(item: Record<string, unknown>): void {
    this.#put(structuredClone(item));
  }

  #put(item: Record<string, unknown>): void {
    const epochKey = String(item.epochKey);
    let epochItems = this.#epochs.get(epochKey);
    if (epochItems === undefined) {
      epochItems = new Map();
      this.#epochs.set(epochKey, epochItems);
    }
    epochItems.set(String(item.paymentId), item);
  }
}
