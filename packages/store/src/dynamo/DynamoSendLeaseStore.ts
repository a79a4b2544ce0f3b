import type { SendLease, SendLeaseStore } from "@slabridge/core";
import { sendLeaseItem } from "../items/sendLeaseItem.ts";
import { checkLeaseAdvance } from "../rules/checkLeaseAdvance.ts";
import type { DynamoStoreConfig } from "./DynamoStoreConfig.ts";
import { DynamoVersionedStore } from "./DynamoVersionedStore.ts";

/**
 * {@link SendLeaseStore} on the Cursors table (`tableName` is that table): each move is a put conditional on the
 * version it moves from, like a cursor's; the item is marked `record: "send-lease"`.
 *
 * @example const leases = new DynamoSendLeaseStore({ client, tableName: cursorsTable }); await leases.advance(next, lease?.version);
 */
export class DynamoSendLeaseStore extends DynamoVersionedStore<SendLease> implements SendLeaseStore {
  constructor(config: DynamoStoreConfig) {
    super({ item: sendLeaseItem, checkAdvance: checkLeaseAdvance }, config);
  }
}
