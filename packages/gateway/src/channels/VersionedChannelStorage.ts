import type { Channel, ChannelStorage, ChannelUpdateResult } from "@x402/evm/batch-settlement/server";
import type { ChannelRecordStore } from "./ChannelRecordStore.ts";
import { ChannelWriteConflictError } from "./ChannelWriteConflictError.ts";

const DEFAULT_ATTEMPTS = 16;

/**
 * The SDK server's `ChannelStorage` over a {@link ChannelRecordStore}: `updateChannel` reads the record, runs the
 * SDK's callback, and writes the result on the version it read, again from the read when another writer (another
 * request, another gateway instance) moved the record first. So the SDK's reserve-serve-commit steps are atomic
 * across instances, and the charge of a call is recorded by exactly one conditional write: a crash before it leaves
 * the call uncharged, a replay after it finds the cumulative moved on.
 *
 * The callback may run more than once; the SDK's callbacks are pure functions of `current` (their last run is the
 * one written), which is what this relies on.
 *
 * @example
 * const storage = new VersionedChannelStorage(new MemoryChannelRecordStore());
 * const scheme = new BatchSettlementEvmScheme(payTo, { storage });
 */
export class VersionedChannelStorage implements ChannelStorage {
  constructor(
    private readonly records: ChannelRecordStore,
    private readonly attempts: number = DEFAULT_ATTEMPTS,
  ) {}

  /** @example await storage.get("0xabc…") */
  async get(channelId: string): Promise<Channel | undefined> {
    return (await this.records.get(channelId.toLowerCase()))?.channel;
  }

  /** @example (await storage.list()).length */
  list(): Promise<Channel[]> {
    return this.records.list();
  }

  /** @example await storage.updateChannel(id, (current) => current && { ...current, lastRequestTimestamp: Date.now() }) */
  async updateChannel(
    channelId: string,
    update: (current: Channel | undefined) => Channel | undefined,
  ): Promise<ChannelUpdateResult> {
    const id = channelId.toLowerCase();
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      const stored = await this.records.get(id);
      const current = stored?.channel;
      const next = update(current);
      if (next === current) return { channel: current, status: "unchanged" };
      if (next === undefined) {
        if (stored === undefined) return { channel: undefined, status: "unchanged" };
        if (await this.records.delete(id, stored.version)) return { channel: undefined, status: "deleted" };
        continue;
      }
      if (next.channelId.toLowerCase() !== id) {
        throw new ChannelWriteConflictError(id, `the update names another channel (${next.channelId})`);
      }
      if (await this.records.put(next, stored?.version)) return { channel: next, status: "updated" };
    }
    throw new ChannelWriteConflictError(id, `still contended after ${this.attempts} attempts`);
  }
}
