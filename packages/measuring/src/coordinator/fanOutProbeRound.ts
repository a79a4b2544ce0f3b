import type { MeasureWorld } from "../MeasureWorld.ts";
import { parseProbeRoundPayload, roundStartOf } from "../probeRoundPayload.ts";
import { readProbeTargets } from "./readProbeTargets.ts";

/** What one coordinator run did. */
export interface FanOutResult {
  roundId: string;
  targets: number;
  skipped: { modelId: string; reason: string }[];
  /** Vantage points whose prober accepted the round. */
  invoked: string[];
  /** Vantage points whose invocation failed, with the error's message. */
  failed: { vantage: string; error: string }[];
}

/**
 * Starts one probe round: the round id is the scheduled time floored to the probe period (so a retried or
 * duplicated schedule tick is the same round), the targets are read from the home chain, and ONE asynchronous
 * invocation goes to each vantage point's prober function (in parallel; one failing does not stop the others).
 *
 * @example const result = await fanOutProbeRound(world, Date.parse(event.time));
 */
export async function fanOutProbeRound(
  world: Pick<MeasureWorld, "manifest" | "home" | "probing" | "invoker" | "probeRoutes">,
  scheduledMs: number,
): Promise<FanOutResult> {
  const start = roundStartOf(scheduledMs, world.probing.periodSeconds);
  const { targets, skipped } = await readProbeTargets(world, start);
  const payload = parseProbeRoundPayload({ roundId: String(start), scheduledAt: start, targets });
  const vantages = world.invoker.vantages;
  const settled = await Promise.allSettled(vantages.map((vantage) => world.invoker.invoke(vantage, payload)));
  const result: FanOutResult = { roundId: payload.roundId, targets: targets.length, skipped, invoked: [], failed: [] };
  settled.forEach((outcome, i) => {
    const vantage = vantages[i] ?? String(i);
    if (outcome.status === "fulfilled") result.invoked.push(vantage);
    else result.failed.push({ vantage, error: (outcome.reason as Error).message });
  });
  return result;
}
