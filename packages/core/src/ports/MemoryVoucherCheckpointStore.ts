import type { VoucherCheckpoint, VoucherCheckpointStore } from "./VoucherCheckpoints.ts";

/**
 * In-memory {@link VoucherCheckpointStore} with the DynamoDB store's semantics: one checkpoint per (chain, receiver,
 * epoch, channel), replaced only by one with a higher `totalClaimed`, listed per (chain, receiver, epoch) in channel-id
 * order. Receiver and channel id are lowercased; checkpoints are copied in and out, so a caller's later mutation never
 * reaches the store (as with a real table).
 *
 * @example
 * const checkpoints = new MemoryVoucherCheckpointStore();
 * await checkpoints.record(checkpoint); // true
 * await checkpoints.record(checkpoint); // false: not above the stored totalClaimed
 */
export class MemoryVoucherCheckpointStore implements VoucherCheckpointStore {
  /** `chainId#receiver#epoch` -> channelId -> checkpoint, like the table's partition and sort keys. */
  readonly #epochs = new Map<string, Map<string, VoucherCheckpoint>>();

  /** @example await checkpoints.record({ ...checkpoint, totalClaimed: 30n }) */
  async record(checkpoint: VoucherCheckpoint): Promise<boolean> {
    const normalized: VoucherCheckpoint = {
      ...structuredClone(checkpoint),
      receiver: lower(checkpoint.receiver),
      channelId: lower(checkpoint.channelId),
    };
    const key = epochKey(normalized.chainId, normalized.receiver, normalized.epoch);
    let channels = this.#epochs.get(key);
    if (channels === undefined) {
      channels = new Map();
      this.#epochs.set(key, channels);
    }
    const stored = channels.get(normalized.channelId);
    if (stored !== undefined && stored.totalClaimed >= normalized.totalClaimed) return false;
    channels.set(normalized.channelId, normalized);
    return true;
  }

  /** @example await checkpoints.list(31337, receiver, 42n) */
  async list(chainId: number, receiver: string, epoch: bigint): Promise<VoucherCheckpoint[]> {
    const channels = this.#epochs.get(epochKey(chainId, receiver.toLowerCase(), epoch));
    if (channels === undefined) return [];
    // Ids are lowercase hex, so string order is the byte order DynamoDB sorts range keys in.
    return [...channels.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, checkpoint]) => structuredClone(checkpoint));
  }
}

function lower(value: `0x${string}`): `0x${string}` {
  return `0x${value.slice(2).toLowerCase()}`;
}

function epochKey(chainId: number, receiver: string, epoch: bigint): string {
  return `${chainId}#${receiver}#${epoch}`;
}
