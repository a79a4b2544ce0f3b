import { type SampleRecord, sampleIdOf } from "@slabridge/core";
import type { ProberWorld } from "../MeasureWorld.ts";
import type { ProbeRoundPayload } from "../probeRoundPayload.ts";
import type { FetchLike } from "./probeHost.ts";
import { runProbeRound } from "./runProbeRound.ts";

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
  /** Samples per outcome of the probes sent now. */
  outcomes: Record<string, number>;
}

/**
 * Runs one probe round from one vantage point and records its samples: targets already recorded for this
 * (vantage, round) are left out before anything is sent, the rest are probed with bounded concurrency and the SLA
 * timeout (`runProbeRound`), and each sample is a conditional put under `<vantage>#<roundId>#<modelId>`, so a
 * duplicate invocation of the same round records nothing new.
 *
 * @example const result = await recordProbeRound(world, "local-1", payload);
 */
export async function recordProbeRound(
  world: ProberWorld,
  vantage: string,
  payload: ProbeRoundPayload,
  options: { fetch?: FetchLike } = {},
): Promise<RecordProbeRoundResult> {
  const { roundId } = payload;
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
  if (pending.length === 0) return { ...base, probed: 0, recorded: 0, outcomes: {} };

  const { samples, summary } = await runProbeRound({
    targets: pending.map((t) => ({ modelId: t.modelId, url: t.endpoint, model: t.model, timeoutMs: t.timeoutMs })),
    prober: vantage,
    concurrency: world.probing.concurrency,
    clock: world.clock,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const results = await Promise.all(
    samples.map((sample, i) => {
      const target = pending[i];
      if (target === undefined) throw new Error("runProbeRound returned more samples than targets");
      const record: SampleRecord = {
        modelId: BigInt(target.modelId),
        epoch: BigInt(target.epoch),
        vantage,
        roundId,
        startedAt: sample.startedAt,
        rttMs: sample.rttMs,
        ok: sample.outcome === "ok",
        outcome: sample.outcome,
        ...(sample.status === undefined ? {} : { status: sample.status }),
      };
      return world.samples.record(record);
    }),
  );
  return {
    ...base,
    probed: samples.length,
    recorded: results.filter((r) => r === "created").length,
    outcomes: Object.fromEntries(Object.entries(summary.outcomes).filter(([, n]) => n > 0)),
  };
}
