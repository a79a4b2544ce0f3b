import type { Clock, SendLease, SendLeaseStore } from "@slabridge/core";
import { sendLeaseItem } from "../items/sendLeaseItem.ts";
import { checkLeaseAdvance } from "../rules/checkLeaseAdvance.ts";
import { MemoryVersionedStore } from "./MemoryVersionedStore.ts";

/**
 * In-memory {@link SendLeaseStore} with the DynamoDB store's semantics (version-conditional advance, same items).
 *
 * @example const leases = new MemorySendLeaseStore(); await leases.advance({ id, state: "sending", takenAt: 1, version: 1 }, undefined);
 */
export class MemorySendLeaseStore extends MemoryVersionedStore<SendLease> implements SendLeaseStore {
  constructor(config: { clock?: Clock } = {}) {
    super({ item: sendLeaseItem, checkAdvance: checkLeaseAdvance }, config);
  }
}
