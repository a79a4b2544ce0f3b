import type { Channel } from "@x402/evm/batch-settlement/server";
import type { ChannelRecordStore, VersionedChannel } from "./ChannelRecordStore.ts";

/**
 * In-memory {@link ChannelRecordStore} with the same conditional semantics as the DynamoDB one; records are copied
 * in and out, so a caller's later mutation never reaches the store (as with a real table).
 *
 * @example const storage = new VersionedChannelStorage(new MemoryChannelRecordStore());
 */
export class MemoryChannelRecordStore implements ChannelRecordStore {
  private readonly records = new Map<string, VersionedChannel>();

  /** @example await store.get(id) */
  async get(channelId: string): Promise<VersionedChannel | undefined> {
    const record = this.records.get(channelId.toLowerCase());
    return record && { channel: structuredClone(record.channel), version: record.version };
  }

  /** @example await store.list() */
  async list(): Promise<Channel[]> {
    return [...this.records.values()].map((record) => structuredClone(record.channel));
  }

  /** @example await store.put(channel, undefined) // true: created as version 1 */
  async put(channel: Channel, expectedVersion: number | undefined): Promise<boolean> {
    const id = channel.channelId.toLowerCase();
    if (this.records.get(id)?.version !== expectedVersion) return false;
    this.records.set(id, { channel: structuredClone(channel), version: (expectedVersion ?? 0) + 1 });
    return true;
  }

  /** @example await store.delete(id, 3) */
  async delete(channelId: string, expectedVersion: number): Promise<boolean> {
    const id = channelId.toLowerCase();
    if (this.records.get(id)?.version !== expectedVersion) return false;
    this.records.delete(id);
    return true;
  }
}
