/**
 * slabridge's DynamoDB tables, as plain data. The SST storage stack creates them in AWS and the devnet creates the
 * same tables in its local DynamoDB-compatible server, so both run against one definition.
 *
 * Access is single-item conditional writes only (no transactions: the local server lacks them, and every job step
 * is a one-item state transition anyway).
 *
 * @example
 * for (const table of Object.values(tables)) console.log(table.name, table.primaryIndex.hashKey);
 */
export type AttributeType = "string" | "number" | "binary";

export interface TableDefinition {
  /** Logical name: the SST component name, and the table name prefix locally. */
  readonly name: string;
  readonly fields: Readonly<Record<string, AttributeType>>;
  readonly primaryIndex: { readonly hashKey: string; readonly rangeKey?: string };
  readonly globalIndexes?: Readonly<Record<string, { readonly hashKey: string; readonly rangeKey?: string }>>;
  readonly ttl?: string;
}

export const tables = {
  /** Relay/settlement jobs keyed by their deterministic id; `status` + `updatedAt` find stuck or dead-lettered work. */
  jobs: {
    name: "Jobs",
    fields: { jobId: "string", status: "string", updatedAt: "number" },
    primaryIndex: { hashKey: "jobId" },
    globalIndexes: { byStatus: { hashKey: "status", rangeKey: "updatedAt" } },
  },
  /** Watcher cursors per (chain, contract or emitter): last processed block/slot and its hash for reorg checks. */
  cursors: {
    name: "Cursors",
    fields: { cursorId: "string" },
    primaryIndex: { hashKey: "cursorId" },
  },
  /** Payments seen on every chain, grouped by (model, epoch, chain) so receipt batches and refunds can be listed. */
  payments: {
    name: "Payments",
    fields: { epochKey: "string", paymentId: "string" },
    primaryIndex: { hashKey: "epochKey", rangeKey: "paymentId" },
  },
  /** Nonces of each sender (chain, key), so a restarted sender never reuses or skips one. */
  nonces: {
    name: "Nonces",
    fields: { senderId: "string" },
    primaryIndex: { hashKey: "senderId" },
  },
  /**
   * Probe samples kept as evidence, grouped by (model, epoch) (`sampleKey` = "<modelId>#<epoch>"), one item per
   * sample or per prober batch (`sampleId` starts with the prober's vantage point, so a prober's items are a prefix).
   */
  samples: {
    name: "Samples",
    fields: { sampleKey: "string", sampleId: "string" },
    primaryIndex: { hashKey: "sampleKey", rangeKey: "sampleId" },
  },
  /**
   * x402 batch-settlement channel state of the gateway (one item per channel, `channelId` lowercased): what has been
   * charged, the latest voucher, the in-flight reservation. Every write is conditional on the item's `version`.
   */
  channels: {
    name: "Channels",
    fields: { channelId: "string" },
    primaryIndex: { hashKey: "channelId" },
  },
  /**
   * The latest x402 voucher the gateway accepted per channel and epoch (`epochKey` = "<chainId>#<receiver>#<epoch>",
   * receiver lowercased; `channelId` lowercased): what each model's receiver claims at the epoch's end. A write only
   * replaces a checkpoint with a higher `totalClaimed`. Solana checkpoints share it under `<chainId>#model:<modelId>#<epoch>`
   * (the channel id as 64 hex): what the relay pulls into the Solana vault at the epoch's end.
   */
  voucherCheckpoints: {
    name: "VoucherCheckpoints",
    fields: { epochKey: "string", channelId: "string" },
    primaryIndex: { hashKey: "epochKey", rangeKey: "channelId" },
  },
  /**
   * The gateway's signed usage receipts, one per paid call that reached the host (`epochKey` = "<modelId>#<epoch>",
   * `receiptId` the signature, lowercased): the SLA evidence of paid traffic the evaluator reads beside the samples.
   */
  usageReceipts: {
    name: "UsageReceipts",
    fields: { epochKey: "string", receiptId: "string" },
    primaryIndex: { hashKey: "epochKey", rangeKey: "receiptId" },
  },
  /**
   * The gateway's rate-limit buckets, one item per (buyer, model) key (`bucketKey`), shared by every gateway instance:
   * `fullAtMs`, when the bucket is full again, moved by one conditional update per admitted call. Idle buckets expire
   * by DynamoDB TTL on `expiresAt` (an expired bucket is a full one, so a late deletion changes nothing).
   */
  rateLimits: {
    name: "RateLimits",
    fields: { bucketKey: "string" },
    primaryIndex: { hashKey: "bucketKey" },
    ttl: "expiresAt",
  },
  /**
   * Powertools idempotency records (one per handled event, keyed by Powertools' `id`), expired by DynamoDB TTL on
   * `expiration`. The local devnet server cannot set TTL and ignores it; records there simply never expire.
   */
  idempotency: {
    name: "Idempotency",
    fields: { id: "string" },
    primaryIndex: { hashKey: "id" },
    ttl: "expiration",
  },
} as const satisfies Record<string, TableDefinition>;

export type TableKey = keyof typeof tables;
