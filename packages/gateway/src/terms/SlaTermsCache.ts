import type { SlaTerms } from "@slabridge/core";

/**
 * Where a model's SLA terms for an epoch are read: the home chain's ModelRegistry `slaTermsAt` in AWS and on the devnet
 * (the gateway function reads it with `@slabridge/evm`'s `readContractTyped`).
 */
export interface SlaTermsSource {
  /** The terms of `modelId` in force in `epoch`. Throws when they cannot be read now (the home chain is down). */
  termsAt(modelId: bigint, epoch: bigint): Promise<SlaTerms>;
}

/** The terms a buyer sees in the 402's `extra.slabridge.sla`, as JSON (the epoch they are the terms of included). */
export type ShownSlaTerms = Record<string, unknown>;

/** How long a failed read keeps a model from being read again, by default. */
export const SLA_TERMS_RETRY_MS = 5_000;

interface Entry {
  readonly epoch: bigint;
  terms?: ShownSlaTerms | undefined;
  reading?: Promise<void> | undefined;
  failedAt?: number | undefined;
}

export interface SlaTermsCacheOptions {
  /** Monotonic ms (the backoff's clock). */
  readonly now?: () => number;
  /** How long after a failed read the next one may start. */
  readonly retryAfterMs?: number;
  /** Told of every failed read (the 402 goes out without terms meanwhile). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Each model's SLA terms of the running epoch, read lazily from a {@link SlaTermsSource}: once per (model, epoch),
 * read again when the epoch changes, and a failed read retried no sooner than `retryAfterMs` later (told to
 * `onError`). {@link shown} never waits for a read, so no paid call waits on the home chain; {@link ready} lets an
 * unpaid 402 wait for a read in flight.
 *
 * @example
 * const terms = new SlaTermsCache({ termsAt: (id, epoch) => home.slaTermsAt(id, epoch) }, { onError });
 * await terms.ready(modelId, epoch); const sla = terms.shown(modelId, epoch);
 */
export class SlaTermsCache {
  readonly #source: SlaTermsSource;
  readonly #now: () => number;
  readonly #retryAfterMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #entries = new Map<bigint, Entry>();

  constructor(source: SlaTermsSource, options: SlaTermsCacheOptions = {}) {
    this.#source = source;
    this.#now = options.now ?? (() => performance.now());
    this.#retryAfterMs = options.retryAfterMs ?? SLA_TERMS_RETRY_MS;
    this.#onError = options.onError ?? (() => {});
  }

  /** The terms of `modelId` in `epoch` if read; otherwise undefined, and a read is started unless one may not yet. */
  shown(modelId: bigint, epoch: bigint): ShownSlaTerms | undefined {
    const entry = this.#entryOf(modelId, epoch);
    this.#startRead(modelId, entry);
    return entry.terms;
  }

  /** Waits for the read of `modelId`'s terms in `epoch` if one is in flight or may start now (never throws). */
  async ready(modelId: bigint, epoch: bigint): Promise<void> {
    const entry = this.#entryOf(modelId, epoch);
    this.#startRead(modelId, entry);
    await entry.reading;
  }

  #entryOf(modelId: bigint, epoch: bigint): Entry {
    const known = this.#entries.get(modelId);
    // Terms are per epoch: a new epoch starts from nothing (a later epoch's terms may differ).
    if (known !== undefined && known.epoch >= epoch) return known;
    const entry: Entry = { epoch };
    this.#entries.set(modelId, entry);
    return entry;
  }

  #startRead(modelId: bigint, entry: Entry): void {
    if (entry.terms !== undefined || entry.reading !== undefined) return;
    if (entry.failedAt !== undefined && this.#now() - entry.failedAt < this.#retryAfterMs) return;
    entry.reading = this.#source
      .termsAt(modelId, entry.epoch)
      .then(
        (terms) => {
          entry.terms = shownTerms(terms, entry.epoch);
          entry.failedAt = undefined;
        },
        (error: unknown) => {
          entry.failedAt = this.#now();
          this.#onError(error);
        },
      )
      .finally(() => {
        entry.reading = undefined;
      });
  }
}

function shownTerms(terms: SlaTerms, epoch: bigint): ShownSlaTerms {
  return {
    asOfEpoch: epoch.toString(),
    maxP95LatencyMs: terms.maxP95LatencyMs,
    minUptimeBps: terms.minUptimeBps,
    probeTimeoutMs: terms.probeTimeoutMs,
    latencyBreachRefundBps: terms.latencyBreachRefundBps,
    refundTiers: terms.tiers.map((tier) => ({ uptimeBelowBps: tier.uptimeBelowBps, refundBps: tier.refundBps })),
  };
}
