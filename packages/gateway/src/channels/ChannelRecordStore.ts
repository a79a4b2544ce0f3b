import type { Channel } from "@x402/evm/batch-settlement/server";

/** A stored channel and the version its next conditional write must name. */
export interface VersionedChannel {
  readonly channel: Channel;
  /** Starts at 1 and steps by one on every write. */
  readonly version: number;
}

/**
 * The port a channel store implements (memory here, DynamoDB in `@slabridge/store`): single-item reads and
 * version-conditional writes, keyed by the lowercased channel id. {@link VersionedChannelStorage} builds the SDK's
 * atomic `updateChannel` on top of it.
 */
export interface ChannelRecordStore {
  get(channelId: string): Promise<VersionedChannel | undefined>;
  list(): Promise<Channel[]>;
  /**
   * Writes `channel` as version `expectedVersion + 1` (or 1), only if the stored version is still `expectedVersion`
   * (`undefined`: no record yet). `false` when another writer got there first; nothing is written then.
   */
  put(channel: Channel, expectedVersion: number | undefined): Promise<boolean>;
  /** Deletes the record only if it is still at `expectedVersion`; `false` otherwise. */
  delete(channelId: string, expectedVersion: number): Promise<boolean>;
}
