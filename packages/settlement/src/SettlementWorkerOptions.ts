import type { Clock, PayoutPublisher, SettlementTarget } from "@slabridge/core";

/** What the refund and settle workers need, as ports. */
export interface SettlementWorkerOptions {
  /** Escrows (or the Solana vault) that refund and release, by payment chain id. */
  settlementTargets: ReadonlyMap<number, SettlementTarget>;
  /**
   * Publishes a released epoch's payouts from the home chain (settle jobs). Absent: a settle job ends at the release.
   */
  payouts?: PayoutPublisher | undefined;
  clock: Clock;
  /** Payments refunded per refund transaction (stage config `batching.maxRefundsPerTransaction`). Default 100. */
  maxRefundsPerTransaction?: number;
  /**
   * How long a refund or settle job waits before looking again when the verdict has not reached its chain yet (it
   * comes whenever the probers report and the message is delivered, so there is no date to wait for). Default 60 s.
   */
  verdictPollMs?: number;
  /**
   * How long a settle job's claim on publishing payouts holds (default 5 min, the relay engine's and the sweep's
   * `stuckAfterMs`): other workers wait while it holds; after it, the claim holder is taken for dead and the payouts
   * are checked again.
   */
  payoutClaimMs?: number;
}
