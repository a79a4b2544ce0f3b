import type { Clock } from "@slabridge/core";
import { MemorySampleStore } from "../samples/MemorySampleStore.ts";
import { MemoryCursorStore } from "./MemoryCursorStore.ts";
import { MemoryJobStore } from "./MemoryJobStore.ts";
import { MemoryNonceStore } from "./MemoryNonceStore.ts";
import { MemoryPaymentStore } from "./MemoryPaymentStore.ts";
import { MemorySendLeaseStore } from "./MemorySendLeaseStore.ts";

/**
 * The in-memory stores {@link createMemoryStores} returns.
 *
 * @example const { nonces }: MemoryStores = createMemoryStores();
 */
export interface MemoryStores {
  jobs: MemoryJobStore;
  cursors: MemoryCursorStore;
  nonces: MemoryNonceStore;
  payments: MemoryPaymentStore;
  leases: MemorySendLeaseStore;
  samples: MemorySampleStore;
}

/**
 * All stores in memory, for unit tests: the same shape as `createStores` returns for DynamoDB.
 *
 * @example const { jobs, cursors, nonces, payments } = createMemoryStores();
 */
export function createMemoryStores(config: { clock?: Clock } = {}): MemoryStores {
  const clockConfig = config.clock === undefined ? {} : { clock: config.clock };
  return {
    jobs: new MemoryJobStore(clockConfig),
    cursors: new MemoryCursorStore(clockConfig),
    nonces: new MemoryNonceStore(clockConfig),
    payments: new MemoryPaymentStore(clockConfig),
    leases: new MemorySendLeaseStore(clockConfig),
    samples: new MemorySampleStore(clockConfig),
  };
}
