import type { PayoutPublisher } from "@slabridge/core";
import { type JobRun, type JobWorker, NotReadyError } from "@slabridge/core";
import { PayoutsClaimedError } from "./PayoutsClaimedError.ts";
import { pushRefunds } from "./pushRefunds.ts";
import type { SettlementWorkerOptions } from "./SettlementWorkerOptions.ts";
import { settlementOf } from "./settlementOf.ts";

/**
 * Settle jobs: releases a settled (model, epoch) exactly once, then publishes its payouts to the payment chain from
 * the home chain, in payout index order (the escrow gives the rounding dust to the payout that completes 10,000 bps).
 * Refunds still pending are pushed first (the same idempotent loop as a refund job), since the escrow releases only
 * after the last refund. Each payout is checked right before it is published (destination paid bit, home
 * PayoutPublished logs), so a crash between a publish and its record never publishes it again; and one worker at a
 * time publishes: it claims the job's payouts (finalized -> submitted with a `payoutClaim`, one conditional write)
 * first, others wait while the claim holds.
 *
 * @example
 * const settle = new SettleWorker({ settlementTargets, payouts, clock, payoutClaimMs: 300_000 });
 * const engine = new RelayEngine({ ...options, workers: { settle } });
 */
export class SettleWorker implements JobWorker {
  readonly #o: SettlementWorkerOptions;

  constructor(options: SettlementWorkerOptions) {
    this.#o = options;
  }

  async run(run: JobRun): Promise<void> {
    const { job } = run;
    const settlement = settlementOf(job, this.#o.settlementTargets);
    const { target, modelId, epoch } = settlement;
    const now = this.#o.clock.now();
    if (job.status === "submitted") {
      const claimEndsAt = (job.payoutClaim?.claimedAt ?? job.submittedAt) + (this.#o.payoutClaimMs ?? 300_000);
      if (now < claimEndsAt) throw new PayoutsClaimedError(job.id, claimEndsAt);
      // The claim holder died (or is far too slow): back to finalized without spending an attempt, check again.
      throw new NotReadyError("payout claim expired; checking the payouts again", now);
    }
    let release = "";
    let state = await target.state(modelId, epoch);
    if (!state.released) {
      // The release waits for the refunds only: the bond top-up is the refund job's, and cannot hold up the payees.
      release = await pushRefunds(settlement, this.#o, { withTopUps: false });
      try {
        release = (await target.release(modelId, epoch)).transaction;
      } catch (error) {
        // Another worker released between our read and our send (the escrow reverts the second release): go on.
        if (!(await target.state(modelId, epoch)).released) throw error;
      }
      // Refunds were pushed just now: what is left to pay out is known only after them.
      state = await target.state(modelId, epoch);
    }
    const payouts = this.#o.payouts;
    // Every payout of an epoch that released nothing would move 0 across chains: none is published.
    if (state.nothingToRelease) return run.confirm(release, release === "");
    const serves = payouts?.servesChain(job.destinationChainId) ?? false;
    const open = payouts && serves ? await openPayouts(payouts, job.destinationChainId, modelId, epoch) : [];
    if (!payouts || open.length === 0) return run.confirm(release, release === "");

    const claimedAt = this.#o.clock.now();
    const claimed = await run.claimPayouts(release ? { claimedAt, release } : { claimedAt });
    if (!claimed) return; // another worker claimed it: the engine re-reads the job and waits
    let last = release;
    let published = 0;
    for (const index of open) {
      // Asked again right before sending: the claim keeps other workers out, this keeps a stale list honest.
      if ((await payouts.status(job.destinationChainId, modelId, epoch, index)) !== "open") continue;
      last = (await payouts.publish(job.destinationChainId, modelId, epoch, index)).transaction;
      published++;
    }
    await run.confirm(last, last === "" && published === 0);
  }
}

/** Payout indexes of the (model, epoch) not yet paid on `chainId` nor published to it, in index order. */
async function openPayouts(
  payouts: PayoutPublisher,
  chainId: number,
  modelId: bigint,
  epoch: bigint,
): Promise<number[]> {
  const count = await payouts.payoutCount(modelId, epoch);
  const open: number[] = [];
  for (let index = 0; index < count; index++) {
    if ((await payouts.status(chainId, modelId, epoch, index)) === "open") open.push(index);
  }
  return open;
}
