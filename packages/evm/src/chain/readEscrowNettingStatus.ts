import type { ChainNettingStatus } from "@slabridge/core";
import { type EpochBook, releasesNothing } from "../contracts/EpochBook.ts";

const ALL_BPS = 10_000;

/**
 * Where one EVM payment chain stands with a (model, epoch) for netting, read from the model's book (its SLA receiver
 * or the Escrow): buyers
 * paid it (`count > 0`), and its payouts are all made (`Released` with 10,000 bps paid out, or nothing to release
 * because every payment was refunded).
 *
 * @example
 * ```ts
 * const status = await readEscrowNettingStatus(books.of(1n), 31337, 1n, 7n);
 * status; // { chainId: 31337, paid: true, paidOut: false }
 * ```
 */
export async function readEscrowNettingStatus(
  book: EpochBook,
  chainId: number,
  modelId: bigint,
  epoch: bigint,
): Promise<ChainNettingStatus> {
  const record = await book.epochRecord(modelId, epoch);
  return {
    chainId,
    paid: record.count > 0,
    paidOut: record.status === "released" && (record.paidOutBps === ALL_BPS || releasesNothing(record)),
  };
}
