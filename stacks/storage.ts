import { type TableDefinition, type TableKey, tables } from "@slabridge/topology";

/**
 * The storage stack owns slabridge's DynamoDB tables: one per definition in `@slabridge/topology`'s `tables` (jobs,
 * watcher cursors, payments, sender nonces, probe samples, Powertools idempotency records, the gateway's x402
 * channels, the voucher checkpoints its receivers claim, its usage receipts and its shared rate-limit buckets). The devnet creates the same tables locally from the same definitions, so the relay runs against one
 * schema in both places.
 *
 * @example
 * const storage = createStorage(); // inside sst.config.ts run()
 */
export type Storage = Record<TableKey, sst.aws.Dynamo>;

export function createStorage(): Storage {
  const create = (table: TableDefinition) =>
    new sst.aws.Dynamo(table.name, {
      fields: { ...table.fields },
      primaryIndex: { ...table.primaryIndex },
      ...(table.globalIndexes ? { globalIndexes: { ...table.globalIndexes } } : {}),
      ...(table.ttl ? { ttl: table.ttl } : {}),
    });
  return {
    jobs: create(tables.jobs),
    cursors: create(tables.cursors),
    payments: create(tables.payments),
    nonces: create(tables.nonces),
    samples: create(tables.samples),
    idempotency: create(tables.idempotency),
    channels: create(tables.channels),
    voucherCheckpoints: create(tables.voucherCheckpoints),
    usageReceipts: create(tables.usageReceipts),
    rateLimits: create(tables.rateLimits),
  };
}

/**
 * The evidence bucket, in the app's home region: the evaluator publishes each report's signed sample-set bundle there
 * (content-addressed, `blobs/<keccak256>`, and `names/verdict/<model>/<epoch>`), every prober reads it to recompute a
 * report before co-signing, and the status API serves it to buyers (`npm run verify`). Private: readers check hashes.
 *
 * @example const evidence = createEvidenceBucket(); // inside sst.config.ts run()
 */
export function createEvidenceBucket(): sst.aws.Bucket {
  return new sst.aws.Bucket("Evidence");
}
