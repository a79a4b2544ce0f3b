import type { Hex } from "../hex/hex.ts";
import type { SlaReport, SlaTerms } from "../sla/types.ts";
import type { VerdictView } from "./ChainStatusReader.ts";
import type { ModelClock } from "./HomeChain.ts";

/**
 * What the home chain recorded and rules for one (model, epoch) verdict, read from the chain itself (never from the
 * status API): what a third party checks a verdict's published evidence against. The EVM adapter reads it
 * (`readRecordedVerdict`); `@slabridge/verify` checks against it.
 */
export interface RecordedVerdict {
  readonly chainId: number;
  /** The SlaOracle the bundle's sample sets are bound to. */
  readonly oracle: Hex;
  /** The oracle's prober signer set (lowercase) and its threshold M. */
  readonly signers: readonly Hex[];
  readonly threshold: number;
  /** The model's epoch clock (registry), for the epoch's window. */
  readonly clock: ModelClock;
  /** The epoch's SLA terms (`ModelRegistry.slaTermsAt`). */
  readonly terms: SlaTerms;
  /** The oracle's verdict: stored refund, report hash and samples root; figures from its `VerdictRecorded` event. */
  readonly verdict: VerdictView;
  /** The oracle's EIP-712 digest of a report (`SlaOracle.hashReport`). */
  reportDigest(report: SlaReport): Promise<Hex>;
}
