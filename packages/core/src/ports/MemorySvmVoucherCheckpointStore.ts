import type { SvmVoucherCheckpoint, SvmVoucherCheckpointStore } from "./SvmVoucherCheckpoints.ts";

/**
 * In-memory {@link SvmVoucherCheckpointStore} with the DynamoDB store's semantics: one checkpoint per (chain, model,
 * epoch, channel), replaced only by one with a higher `totalClaimed`, listed per (chain, model, epoch) in channel-id
 * order. Hex fields are lowercased; checkpoints are copied in and out (as with a real table).
 *
 * @example
 * const checkpoints = new MemorySvmVoucherCheckpointStore();
 * await checkpoints.record(checkpoint); // true
 * await checkpoints.record(checkpoint); // false: not above the stored totalClaimed
 */
export class MemorySvmVoucherCheckpointStore implements SvmVoucherCheckpointStore {
  /** `chainId#model#epoch` -> channelId -> checkpoint. */
  readonly #epochs = new Map<string, Map<string, SvmVoucherCheckpoint>>();

  /** @example await checkpoints.record({ ...checkpoint, totalClaimed: 30n }) */
  async record(checkpoint: SvmVoucherCheckpoint): Promise<boolean> {
    const normalized: SvmVoucherCheckpoint = {
      ...structuredClone(checkpoint),
      channelId: checkpoint.channelId.toLowerCase(),
      salt: checkpoint.salt.toLowerCase(),
      signature: checkpoint.signature.toLowerCase(),
    };
    const key = epochKey(normalized.chainId, normalized.modelId, normalized.epoch);
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

  /** @example await checkpoints.list(SOLANA_CHAIN_ID, 2n, 41n) */
  async list(chainId: number, modelId: bigint, epoch: bigint): Promise<SvmVoucherCheckpoint[]> {
    const channels = this.#epochs.get(epochKey(chainId, modelId, epoch));
    if (channels === undefined) return [];
    return [...channels.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, checkpoint]) => structuredClone(checkpoint));
  }
}

function epochKey(chainId: number, modelId: bigint, epoch: bigint): string {
  return `${chainId}#${modelId}#${epoch}`;
}
