import { type TableDefinition, type TableKey, tables } from "./tables.ts";

/**
 * The storage stack: one DynamoDB table per definition in `tables.ts` (the devnet creates the same tables locally).
 *
 * @example
 * const storage = createStorage(); // inside sst.config.ts run()
 */
export function createStorage(): Record<TableKey, sst.aws.Dynamo> {
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
  };
}
