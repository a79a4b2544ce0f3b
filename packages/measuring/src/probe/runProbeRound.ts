import type { Clock } from "@slabridge/core";
import { ProbeConfigError } from "./ProbeConfigError.ts";
import { type ProbeOutcome, type ProbeSample, probeOutcomes } from "./ProbeSample.ts";
import {
  assertProbeOptions,
  type FetchLike,
  isProbeSkip,
  type PaidFetchLike,
  type ProbeResult,
  type ProbeSkip,
  probeHost,
  probeViaGateway,
} from "./probeHost.ts";
import type { ProbePrompt } from "./promptCorpus.ts";

/** One host to probe in a round: a listed model's endpoint and its SLA timeout. */
export interface ProbeTarget {
  readonly modelId: string;
  readonly url: string;
  readonly model: string;
  readonly timeoutMs: number;
  /** Extra request headers (e.g. an API key). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Set when `url` is the model's x402 gateway URL: the prober's paying fetch, so the probe is a paid call like a
   * buyer's (see `probeViaGateway`; a probe that says nothing about the host is a skip, not a sample).
   */
  readonly pay?: PaidFetchLike;
}

/** Options for {@link runProbeRound}. */
export interface ProbeRoundOptions {
  readonly targets: readonly ProbeTarget[];
  /** The vantage point's name. */
  readonly prober: string;
  /** Most probes in flight at once (>= 1). */
  readonly concurrency: number;
  readonly fetch?: FetchLike;
  readonly clock?: Clock;
  readonly hrtime?: () => number;
  /**
   * Called as each sample completes, and awaited before that worker takes the next target (e.g. to persist it at
   * once, so a round cut short keeps everything measured so far); a throw here fails the round.
   */
  readonly onSample?: (sample: ProbeSample, index: number) => void | Promise<void>;
  /**
   * The round's deadline. When it aborts, probes still in flight end at once as `timeout` samples (their host was
   * holding the round: host side) and targets not started yet are left out (`notStarted`: the prober's own budget
   * ran out before it reached them, which says nothing about those hosts).
   */
  readonly signal?: AbortSignal;
  /**
   * Each probe starts after a random delay in [0, startJitterMs) (default 0), so probes do not arrive on the round's
   * tick like a schedule a host could recognise; the deadline still applies during the wait.
   */
  readonly startJitterMs?: number;
  /** Draws each probe's prompt; default `probeHost`'s own draw from the corpus (tests pin it). */
  readonly drawPrompt?: () => ProbePrompt;
  /** Uniform draw in [0, 1) for the jitter; default `Math.random`. */
  readonly random?: () => number;
}

/** What a round did, in numbers. */
export interface ProbeRoundSummary {
  readonly prober: string;
  /** Wall clock at round start, Unix milliseconds. */
  readonly startedAt: number;
  /** Round duration, high-resolution milliseconds. */
  readonly durationMs: number;
  readonly total: number;
  /** Gateway probes that said nothing about the host (payment refused, gateway failure, a deposit): no sample. */
  readonly skipped: number;
  /** Samples per outcome; every outcome is present, zero when unseen. */
  readonly outcomes: Readonly<Record<ProbeOutcome, number>>;
  /** `ok / total` (1 for an empty round). */
  readonly okRatio: number;
  /** Most probes that were in flight at once; never above `concurrency`. */
  readonly maxInFlight: number;
}

/** The result of {@link runProbeRound}: samples in target order, and the summary. */
export interface ProbeRound {
  /** One per probed target, in target order (targets in `notStarted` have none). */
  readonly samples: readonly ProbeSample[];
  /** Indexes of the targets the round's deadline came before (never probed, no sample). */
  readonly notStarted: readonly number[];
  /** Gateway probes recorded as nothing, with the target's index and why. */
  readonly skips: readonly (ProbeSkip & { readonly index: number })[];
  readonly summary: ProbeRoundSummary;
}

/**
 * Probes every target once, at most `concurrency` at a time, and returns the samples in target order with a summary;
 * with a `signal`, the round ends when it aborts (see {@link ProbeRoundOptions.signal}).
 * All targets are checked before the first request, so a bad target throws {@link ProbeConfigError} and sends nothing;
 * host failures never throw (they are samples).
 *
 * @example
 * const { samples, summary } = await runProbeRound({
 *   targets: [{ modelId: "1", url: "http://127.0.0.1:8080", model: "llama-demo", timeoutMs: 2000 }],
 *   prober: "us-east-1",
 *   concurrency: 8,
 * });
 */
export async function runProbeRound(options: ProbeRoundOptions): Promise<ProbeRound> {
  const { targets, prober, concurrency } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ProbeConfigError("round concurrency", `concurrency must be an integer >= 1, got ${concurrency}`);
  }
  const hrtime = options.hrtime ?? (() => performance.now());
  const probeOptions = targets.map((target) => ({
    ...target,
    prober,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.hrtime === undefined ? {} : { hrtime: options.hrtime }),
    ...(options.signal === undefined ? {} : { roundSignal: options.signal }),
    ...(options.drawPrompt === undefined ? {} : { prompt: options.drawPrompt() }),
  }));
  for (const probe of probeOptions) assertProbeOptions(probe);

  const jitterMs = options.startJitterMs ?? 0;
  const cut = () => options.signal?.aborted === true;
  const random = options.random ?? Math.random;
  const startedAt = Math.floor((options.clock ?? { now: () => Date.now() }).now());
  const t0 = hrtime();
  const slots: (ProbeResult | undefined)[] = new Array(targets.length).fill(undefined);
  let next = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  // A fixed pool of workers pulling the next index: at most `concurrency` probes can ever be pending.
  const worker = async (): Promise<void> => {
    while (next < probeOptions.length && !cut()) {
      const index = next++;
      const probe = probeOptions[index];
      if (probe === undefined) return;
      if (jitterMs > 0) await pause(Math.floor(random() * jitterMs), options.signal);
      // The deadline came while waiting: this target was never started.
      if (cut()) return;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const { pay, ...direct } = probe;
        const result = pay === undefined ? await probeHost(direct) : await probeViaGateway({ ...direct, pay });
        slots[index] = result;
        if (!isProbeSkip(result)) await options.onSample?.(result, index);
      } finally {
        inFlight--;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));

  const samples = slots.filter((slot) => slot !== undefined && !isProbeSkip(slot)) as ProbeSample[];
  const skips = slots.flatMap((slot, index) => (slot !== undefined && isProbeSkip(slot) ? [{ ...slot, index }] : []));
  const notStarted = slots.flatMap((slot, index) => (slot === undefined ? [index] : []));
  const outcomes = Object.fromEntries(probeOutcomes.map((o) => [o, 0])) as Record<ProbeOutcome, number>;
  for (const sample of samples) outcomes[sample.outcome]++;
  return {
    samples,
    notStarted,
    skips,
    summary: {
      prober,
      startedAt,
      durationMs: hrtime() - t0,
      total: samples.length,
      skipped: skips.length,
      outcomes,
      okRatio: samples.length === 0 ? 1 : outcomes.ok / samples.length,
      maxInFlight,
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
