import type { ChainNettingStatus } from "@slabridge/core";
import type { EscrowReader } from "../contracts/EscrowReader.ts";

const RELEASED = 2; // EpochStatus.Released
const ALL_BPS = 10_000;

/**
 * Where one EVM payment chain stands with a (model, epoch) for netting, read from its Escrow's epoch record: buyers
 * paid it (`count > 0`), and its payouts are all made (`Released` with 10,000 bps paid out, or nothing to release
 * because every payment was refunded).
 *
 * @example
 * ```ts
 * const status = await readEscrowNettingStatus(new EscrowReader(client, escrow), 31337, 1n, 7n);
 * status; // { chainId: 31337, paid: true, paidOut: false }
 * ```
 */
export async function readEscrowNettingStatus(
  escrow: EscrowReader,
  chainId: number,
  modelId: bigint,
  epoch: bigint,
): Promise<ChainNettingStatus> {
  const record = await escrow.epochRecord(modelId, epoch);
  const nothingReleased = record.paid === record.refunded;
  return {
    chainId,
    paid: record.count > 0,
    paidOut: record.status === RELEASED && (record.paidOutBps === ALL_BPS || nothingReleased),
  };
}
