import { type SampleRecord, sampleIdOf } from "@slabridge/core";
import { signSampleRecord } from "../attest/signedSamples.ts";
import { MeasureConfigError } from "../errors.ts";
import type { ProbePayer, ProberWorld } from "../MeasureWorld.ts";
import { isProbeableEndpoint, type ProbeRoundPayload, type ProbeTargetPayload } from "../probeRoundPayload.ts";
import type { ProbeSample } from "./ProbeSample.ts";
import { type FetchLike, probeViaGateway } from "./probeHost.ts";
import type { ProbeTarget } from "./runProbeRound.ts";
import { runProbeRound } from "./runProbeRound.ts";

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
  /** Gateway probes that said nothing about the host (payment refused, a gateway failure, a deposit): not recorded. */
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
    const targets = probeable.map((t) => ({
      modelId: t.modelId,
      url: t.gateway?.url ?? t.endpoint,
      model: t.model,
      timeoutMs: t.timeoutMs,
      ...(t.gateway === undefined || payer === undefined ? {} : { pay: payer.fetchOn(t.gateway.chainId) }),
    }));
    const warmUps = await warmUp(targets, vantage, payer, deadline.signal);
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
        const target = probeable[i];
        if (target === undefined) throw new Error("runProbeRound reported a sample of no target");
        await store(toRecord(target, sample));
      },
    });
    const outcomes = { ...summary.outcomes, unprobeable: unprobeable.length };
    return {
      ...base,
      probed: samples.length + unprobeable.length,
      recorded,
      notStarted: notStarted.length,
      outcomes: Object.fromEntries(Object.entries(outcomes).filter(([, n]) => n > 0)),
      warmUps,
      skipped: skips.map((skip) => ({ modelId: probeable[skip.index]?.modelId ?? "?", reason: skip.reason })),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The prober's first paid call to a gateway model opens its channel (a deposit, i.e. a transaction inside the call):
 * made once per (payer, model URL), before the round and never recorded, so no measured probe carries it. A warm-up
 * that got no 2xx answer is made again next round (the measured probe still runs: a deposit in it only skips an
 * `ok`; a host failure counts).
 */
async function warmUp(
  targets: readonly ProbeTarget[],
  vantage: string,
  payer: ProbePayer | undefined,
  signal: AbortSignal,
): Promise<number> {
  if (payer === undefined) return 0;
  const cold = targets.filter((t) => t.pay !== undefined && !payer.met.has(t.url));
  await Promise.all(
    cold.map(async ({ pay, ...target }) => {
      if (pay === undefined) return;
      const result = await probeViaGateway({ ...target, prober: vantage, pay, roundSignal: signal });
      // A 2xx answer means the channel is open (its deposit went through), whatever the answer said.
      if (result.status !== undefined && result.status >= 200 && result.status < 300) payer.met.add(target.url);
    }),
  );
  return cold.length;
}
