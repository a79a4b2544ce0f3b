import { NotReadyError } from "@slabridge/core";
import type { SettlementWorkerOptions } from "./SettlementWorkerOptions.ts";
import type { JobSettlement } from "./settlementOf.ts";

/**
 * Pushes refund batches until the escrow's refund cursor reaches the end, and with `withTopUps` until every payment
 * also got its share of the verdict's bond top-up; returns the last transaction it sent, or "" when there was
 * nothing left to do. Throws {@link NotReadyError} while the verdict has not reached the chain.
 *
 * @example const last = await pushRefunds(settlementOf(job, targets), options, { withTopUps: true });
 */
export async function pushRefunds(
  { target, modelId, epoch }: JobSettlement,
  options: Pick<SettlementWorkerOptions, "clock" | "maxRefundsPerTransaction" | "verdictPollMs">,
  { withTopUps }: { withTopUps: boolean },
): Promise<string> {
  let last = "";
  for (;;) {
    const state = await target.state(modelId, epoch);
    if (!state.verdictApplied) {
      throw new NotReadyError(
        "no verdict on the payment chain yet",
        options.clock.now() + (options.verdictPollMs ?? 60_000),
      );
    }
    if (state.refundsDone && (!withTopUps || state.topUpsDone !== false)) return last;
    // The escrow's cursors make each payment refunded (and topped up) at most once, even if we crash right after this.
    try {
      const { transaction } = await target.refundNext(modelId, epoch, options.maxRefundsPerTransaction ?? 100);
      last = transaction;
    } catch (error) {
      // Another worker (the sweep's job beside the watcher's, a handed-back message) pushed the last batch between
      // our read and our send, so the escrow refuses ours: nothing is left to do, which is not a failure.
      const after = await target.state(modelId, epoch);
      if (after.refundsDone && (!withTopUps || after.topUpsDone !== false)) return last;
      throw error;
    }
  }
}
