/** What the gateway keeps per Solana channel: what it charged, the latest voucher, and the reservation of a call. */
export interface SvmChannelRecord {
  /** 0x + 64 hex. */
  channelId: string;
  payer: string;
  tokenAccount: string;
  /** Sum of the charges so far (decimal). */
  chargedCumulativeAmount: string;
  /** The cumulative of the latest voucher a charge was made under (decimal), and its signature (base58). */
  signedCumulativeAmount: string;
  signature: string;
  /** A call verified and not yet charged or released: one at a time per channel. */
  pending?: { id: string; expiresAt: number };
}

/** A record and the version its next conditional write must name. */
export interface VersionedSvmChannel {
  record: SvmChannelRecord;
  /** Starts at 1, steps by one per write. */
  version: number;
}

/**
 * The port an SVM channel store implements: single-item reads and version-conditional writes, keyed by channel id
 * (the same contract as the EVM `ChannelRecordStore`, so a DynamoDB adapter is the same conditional put).
 */
export interface SvmChannelStore {
  get(channelId: string): Promise<VersionedSvmChannel | undefined>;
  /** Writes `record` as `expectedVersion + 1` (or 1) only if the stored version is still `expectedVersion`. */
  put(record: SvmChannelRecord, expectedVersion: number | undefined): Promise<boolean>;
}

/**
 * In-memory {@link SvmChannelStore} with the conditional semantics of a real table; records are copied in and out.
 *
 * @example const store = new MemorySvmChannelStore();
 */
export class MemorySvmChannelStore implements SvmChannelStore {
  private readonly records = new Map<string, VersionedSvmChannel>();

  /** @example await store.get(channelId) */
  async get(channelId: string): Promise<VersionedSvmChannel | undefined> {
    const found = this.records.get(channelId.toLowerCase());
    return found && { record: structuredClone(found.record), version: found.version };
  }

  /** @example await store.put(record, undefined) // true: created as version 1 */
  async put(record: SvmChannelRecord, expectedVersion: number | undefined): Promise<boolean> {
    const id = record.channelId.toLowerCase();
    if (this.records.get(id)?.version !== expectedVersion) return false;
    this.records.set(id, { record: structuredClone(record), version: (expectedVersion ?? 0) + 1 });
    return true;
  }
}

/** What an update decided: write `next`, or leave the record alone and report `result`. */
export type SvmChannelUpdate<T> = { write: SvmChannelRecord; result: T } | { keep: true; result: T };

/**
 * Read-modify-write of one channel record by conditional put, retried on a lost race (`attempts`, default 5), so
 * concurrent gateway instances serialize their reservations and charges. `undefined` when every attempt lost.
 *
 * @example
 * const r = await updateSvmChannel(store, id, (current) => ({ write: { ...current!, pending: undefined }, result: true }));
 */
export async function updateSvmChannel<T>(
  store: SvmChannelStore,
  channelId: string,
  update: (current: SvmChannelRecord | undefined) => SvmChannelUpdate<T>,
  attempts = 5,
): Promise<{ result: T } | undefined> {
  for (let i = 0; i < attempts; i++) {
    const current = await store.get(channelId);
    const decided = update(current?.record);
    if ("keep" in decided) return { result: decided.result };
    if (await store.put(decided.write, current?.version)) return { result: decided.result };
  }
  return undefined;
}
