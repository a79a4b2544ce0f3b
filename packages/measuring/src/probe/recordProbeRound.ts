import { type SampleRecord, sampleIdOf } from "@slabridge/core";
import { signSampleRecord } from "../attest/signedSamples.ts";
import { MeasureConfigError } from "../errors.ts";
import type { ProbePayer, ProberWorld } from "../MeasureWorld.ts";
import { isProbeableEndpoint, type ProbeRoundPayload, type ProbeTargetPayload } from "../probeRoundPayload.ts";
import type { ProbeSample } from "./ProbeSample.ts";
import { type FetchLike, type PaidFetchLike, probeViaGateway } from "./probeHost.ts";
import { runProbeRound } from "./runProbeRound.ts";

/** How long a warm-up call (a deposit, then the host's answer) may take, ms. */
const WARM_UP_TIMEOUT_MS = 30_000;

/** The payers' gateway model URLs with a paid call in flight (a channel takes one call at a time). */
const inFlight = new WeakMap<ProbePayer, Set<string>>();

/** Why a paid probe was not sent: the payer's own state, nothing about the host. */
class PaidCallNotSent extends Error {
  override readonly name = "PaidCallNotSent";
}

/**
 * The payer's fetch for one gateway model, one call at a time: a round that overlaps the previous one (a slow host)
 * skips the model instead of meeting the gateway's `channel_busy`; and no call starts after the route's `payUntil`.
 */
function oneCallPerChannel(
  payer: ProbePayer,
  route: { url: string; chainId: number; payUntil?: number | undefined },
  clock: { now(): number },
): PaidFetchLike {
  const pay = payer.fetchOn(route.chainId);
  const busy = inFlight.get(payer) ?? new Set<string>();
  inFlight.set(payer, busy);
  return async (input, init, seen) => {
    if (route.payUntil !== undefined && clock.now() > route.payUntil) {
      throw new PaidCallNotSent("the route's paid window closed before the probe started");
    }
    if (busy.has(route.url)) throw new PaidCallNotSent("this prober's previous paid call to the model is in flight");
    busy.add(route.url);
    try {
      return await pay(input, init, seen);
    } finally {
      busy.delete(route.url);
    }
  };
}

/** Time kept back from the function's remaining time for the last writes after the round's deadline, ms. */
export const ROUND_DEADLINE_MARGIN_MS = 3_000;

/** What one prober did with a round. */
export interface RecordProbeRoundResult {
  roundId: string;
  vantage: string;
  /** Probes sent now. */
  probed: number;
  /** Samples stored now. */
  recorded: number;
  /** Targets this vantage point had already recorded for the round (a duplicate or retried invocation). */
  alreadyRecorded: number;
  /** Targets the round's deadline came before (not probed, nothing recorded: the prober's budget, not the host). */
  notStarted: number;
  /** Samples per outcome of the probes sent now. */
  outcomes: Record<string, number>;
  /** Warm-up calls through gateways (the prober's first paid call to a model opens its channel; never a sample). */
  warmUps: number;
  /**
   * Gateway probes that said nothing about the host (payment refused, a gateway failure, a deposit), and warm-up
   * calls that did not open their channel: nothing recorded for them.
   */
  skipped: { modelId: string; reason: string }[];
}

/** Options of {@link recordProbeRound}. */
export interface RecordProbeRoundOptions {
  fetch?: FetchLike;
  /**
   * The invoking function's remaining time (Lambda `context.getRemainingTimeInMillis`): the round ends
   * `deadlineMarginMs` before it, hosts still pending then are recorded as timeouts. Default: no deadline.
   */
  remainingTimeMs?: () => number;
  /** Default {@link ROUND_DEADLINE_MARGIN_MS}. */
  deadlineMarginMs?: number;
  /**
   * Random start delay per probe, ms; default half the shorter of the probe period and the uptime bucket, so probes
   * are spread over the round without leaving its bucket.
   */
  startJitterMs?: number;
}

/**
 * Runs one probe round from one vantage point and records its samples: targets already recorded for this
 * (vantage, round) are left out before anything is sent, the rest are probed with bounded concurrency and the SLA
 * timeout (`runProbeRound`), and each sample is stored as soon as its probe ends (a conditional put under
 * `<vantage>#<roundId>#<modelId>`, signed by the vantage point's key: `signSampleRecord`; a duplicate invocation of
 * the same round records nothing new). The round is
 * bounded by the function's remaining time: when it runs out, hosts still holding a probe are recorded as `timeout`
 * (they held the round), so one hanging host can neither lose the other hosts' samples nor hide its own outage.
 *
 * @example const result = await recordProbeRound(world, "local-1", payload, { remainingTimeMs: () => ctx.getRemainingTimeInMillis() });
 */
export async function recordProbeRound(
  world: ProberWorld,
  vantage: string,
  payload: ProbeRoundPayload,
  options: RecordProbeRoundOptions = {},
): Promise<RecordProbeRoundResult> {
  const { roundId } = payload;
  if (world.registry.probers.get(vantage) !== world.key.address) {
    throw new MeasureConfigError(`vantage point ${vantage} does not hold the key registered for it`);
  }
  const seen = await Promise.all(
    payload.targets.map((t) =>
      world.samples.get(
        BigInt(t.modelId),
        BigInt(t.epoch),
        sampleIdOf({ vantage, roundId, modelId: BigInt(t.modelId) }),
      ),
    ),
  );
  const pending = payload.targets.filter((_, i) => seen[i] === undefined);
  const base = { roundId, vantage, alreadyRecorded: payload.targets.length - pending.length };
  if (pending.length === 0) {
    return { ...base, probed: 0, recorded: 0, notStarted: 0, outcomes: {}, warmUps: 0, skipped: [] };
  }
  const { payer } = world;
  if (payer === undefined && pending.some((t) => t.gateway !== undefined)) {
    throw new MeasureConfigError(`vantage point ${vantage} has no payer key to probe gateway-sold models with`);
  }

  const toRecord = (target: ProbeTargetPayload, sample: ProbeSample): SampleRecord => ({
    modelId: BigInt(target.modelId),
    epoch: BigInt(target.epoch),
    vantage,
    roundId,
    startedAt: sample.startedAt,
    rttMs: sample.rttMs,
    ok: sample.outcome === "ok",
    outcome: sample.outcome,
    ...(sample.status === undefined ? {} : { status: sample.status }),
  });
  let recorded = 0;
  // Each sample is signed by this vantage point's own key before it is stored: only signed samples are evidence.
  const store = async (record: SampleRecord) => {
    const signed = await signSampleRecord(world.key, world.registry.domain, record);
    if ((await world.samples.record(signed)) === "created") recorded++;
  };

  // An endpoint that is not an http(s) URL cannot be probed: recorded as down at once, nothing is sent. A gateway-sold
  // model is probed at its gateway, which reaches the host its own way.
  const probeable = pending.filter((t) => t.gateway !== undefined || isProbeableEndpoint(t.endpoint));
  const unprobeable = pending.filter((t) => t.gateway === undefined && !isProbeableEndpoint(t.endpoint));
  for (const target of unprobeable) {
    await store(
      toRecord(target, {
        modelId: target.modelId,
        host: target.endpoint,
        prober: vantage,
        startedAt: Math.floor(world.clock.now()),
        rttMs: 0,
        outcome: "unprobeable",
      }),
    );
  }

  const deadline = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  if (options.remainingTimeMs !== undefined) {
    const budgetMs = options.remainingTimeMs() - (options.deadlineMarginMs ?? ROUND_DEADLINE_MARGIN_MS);
    timer = setTimeout(() => deadline.abort(), Math.max(0, budgetMs));
  }
  try {
    // A gateway model whose channel this prober has not opened yet is probed at its listed endpoint meanwhile: the
    // warm-up call that opens the channel (a deposit: a transaction) runs beside the round and is never a sample.
    const warm = (t: ProbeTargetPayload) => t.gateway !== undefined && payer?.met.has(t.gateway.url) === true;
    const cold = probeable.filter((t) => t.gateway !== undefined && !warm(t));
    const measured = probeable.filter((t) => t.gateway === undefined || warm(t) || isProbeableEndpoint(t.endpoint));
    const targets = measured.map((t) => ({
      modelId: t.modelId,
      model: t.model,
      timeoutMs: t.timeoutMs,
      ...(t.gateway !== undefined && payer !== undefined && warm(t)
        ? { url: t.gateway.url, pay: oneCallPerChannel(payer, t.gateway, world.clock) }
        : { url: t.endpoint }),
    }));
    const warmingUp = warmUp(cold, vantage, payer, world.clock, deadline.signal);
    const { samples, notStarted, skips, summary } = await runProbeRound({
      targets,
      prober: vantage,
      concurrency: world.probing.concurrency,
      clock: world.clock,
      signal: deadline.signal,
      startJitterMs:
        options.startJitterMs ??
        Math.floor((Math.min(world.probing.periodSeconds, world.probing.uptimeBucketSeconds) * 1_000) / 2),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      onSample: async (sample, i) => {
        const target = measured[i];
        if (target === undefined) throw new Error("runProbeRound reported a sample of no target");
        await store(toRecord(target, sample));
      },
    });
    const warmUps = await warmingUp;
    const outcomes = { ...summary.outcomes, unprobeable: unprobeable.length };
    return {
      ...base,
      probed: samples.length + unprobeable.length,
      recorded,
      notStarted: notStarted.length,
      outcomes: Object.fromEntries(Object.entries(outcomes).filter(([, n]) => n > 0)),
      warmUps: warmUps.made,
      skipped: [
        ...warmUps.failed,
        ...skips.map((skip) => ({ modelId: measured[skip.index]?.modelId ?? "?", reason: skip.reason })),
      ],
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The prober's first paid call to a gateway model opens its channel (a deposit, i.e. a transaction inside the call):
 * made once per (payer, model URL), never recorded, so no measured probe carries it. One not answered 2xx is made again
 * by a later round; none starts while the previous one is in flight. Returns how many were made.
 */
async function warmUp(
  cold: readonly ProbeTargetPayload[],
  vantage: string,
  payer: ProbePayer | undefined,
  clock: { now(): number },
  signal: AbortSignal,
): Promise<{ made: number; failed: { modelId: string; reason: string }[] }> {
  const failed: { modelId: string; reason: string }[] = [];
  if (payer === undefined) return { made: 0, failed };
  const busy = inFlight.get(payer);
  const starting = cold.filter((t) => t.gateway !== undefined && busy?.has(t.gateway.url) !== true);
  await Promise.all(
    starting.map(async (t) => {
      if (t.gateway === undefined) return;
      // The deposit is a transaction: the SLA timeout is not its measure, and cutting it would lose the client's
      // record of the channel (the next call would deposit again).
      const result = await probeViaGateway({
        modelId: t.modelId,
        url: t.gateway.url,
        model: t.model,
        timeoutMs: WARM_UP_TIMEOUT_MS,
        prober: vantage,
        pay: oneCallPerChannel(payer, t.gateway, clock),
        roundSignal: signal,
      });
      // A 2xx answer means the channel is open (its deposit went through), whatever the answer said.
      if (result.status !== undefined && result.status >= 200 && result.status < 300) payer.met.add(t.gateway.url);
      else
        failed.push({ modelId: t.modelId, reason: `warm-up: ${"skipped" in result ? result.reason : result.outcome}` });
    }),
  );
  return { made: starting.length, failed };
}
