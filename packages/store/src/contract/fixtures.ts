import type { Cursor, Job, JobBase, JobStatus, PaymentRecord } from "@slabridge/core";

/**
 * Test fixtures for the store contract: a valid job in any status, a cursor, a payment.
 *
 * @example const job = fixtures.job("observed", "refund:31337:1:2");
 */
export const fixtures = {
  job(status: JobStatus, id: string, fields: Partial<JobBase> = {}): Job {
    const base: JobBase = {
      id,
      kind: "refund",
      version: 1,
      source: {
        chainId: 31337,
        transaction: `0x${"ab".repeat(32)}`,
        block: 100n,
        blockHash: `0x${"cd".repeat(32)}`,
        index: 2,
      },
      destinationChainId: 31338,
      transport: "layerzero",
      payload: "0x01020304",
      attempts: 0,
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
      ...fields,
    };
    switch (status) {
      case "observed":
        return { ...base, status };
      case "finalized":
        return { ...base, status, confirmations: 12 };
      case "submitted":
        return { ...base, status, confirmations: 12, destinationTransaction: `0x${"ef".repeat(32)}`, submittedAt: 5 };
      case "confirmed":
        return { ...base, status, destinationTransaction: `0x${"ef".repeat(32)}`, alreadyDone: false, confirmedAt: 6 };
      case "failed":
        return { ...base, status, reason: "rpc timeout", retryable: true, nextAttemptAt: 7 };
      case "dead-lettered":
        return { ...base, status, reason: "peer not allowed", deadLetteredAt: 8 };
    }
  },
  cursor(id: string, version: number, block = 10n): Cursor {
    return { id, block, blockHash: `0x${block.toString(16).padStart(64, "0")}`, version };
  },
  payment(paymentId: string, fields: Partial<PaymentRecord> = {}): PaymentRecord {
    return {
      chainId: 31337,
      modelId: 1n,
      epoch: 42n,
      paymentId,
      buyer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      amount: 1_000_000n,
      transaction: `0x${"12".repeat(32)}`,
      block: 55n,
      blockHash: `0x${"34".repeat(32)}`,
      observedAt: 1_700_000_000_000,
      ...fields,
    };
  },
} as const;
