import type { JobRun, JobWorker } from "@slabridge/core";
import { pushRefunds } from "./pushRefunds.ts";
import type { SettlementWorkerOptions } from "./SettlementWorkerOptions.ts";
import { settlementOf } from "./settlementOf.ts";

/**
 * Refund jobs: refunds every payment of a settled (model, epoch) on its payment chain, batch by batch; confirms once
 * the escrow's cursor reached the end. The cursor is on chain, so a crash or a second worker never refunds a payment
 * twice; the engine retries a failed batch.
 *
 * @example
 * const refund = new RefundWorker({ settlementTargets, clock, maxRefundsPerTransaction: 100 });
 * const engine = new RelayEngine({ ...options, workers: { refund } });
 */
export class RefundWorker implements JobWorker {
  readonly #o: SettlementWorkerOptions;

  constructor(options: SettlementWorkerOptions) {
    this.#o = options;
  }

  async run(run: JobRun): Promise<void> {
    const last = await pushRefunds(settlementOf(run.job, this.#o.settlementTargets), this.#o, { withTopUps: true });
    await run.confirm(last, last === "");
  }
}
