import { NotReadyError } from "@slabridge/core";
import type { SettlementWorkerOptions } from "./SettlementWorkerOptions.ts";
import type { JobSettlement } from "./settlementOf.ts";

/**
 * Pushes refund batches until the escrow's refund cursor reaches the end; returns the last transaction it sent, or
 * "" when there was nothing left to refund. Throws {@link NotReadyError} while the verdict has not reached the chain.
 *
 * @example const last = await pushRefunds(settlementOf(job, targets), options);
 */
export async function pushRefunds(
  { target, modelId, epoch }: JobSettlement,
  options: Pick<SettlementWorkerOptions, "clock" | "maxRefundsPerTransaction" | "verdictPollMs">,
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
    if (state.refundsDone) return last;
    // The escrow's refund cursor makes each payment refunded at most once, even if we crash right after this.
    const { transaction } = await target.refundNext(modelId, epoch, options.maxRefundsPerTransaction ?? 100);
    last = transaction;
  }
}
