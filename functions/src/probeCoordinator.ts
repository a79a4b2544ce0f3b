import { Logger } from "@aws-lambda-powertools/logger";
import { type FanOutResult, fanOutProbeRound, InvalidProbePayloadError, type MeasureWorld } from "@slabridge/measuring";
import { z } from "zod";
import { measureWorldFromEnv } from "./context/measuring/measureWorldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-probe-coordinator" });

/** The part of an EventBridge scheduled event the coordinator reads: its scheduled time (absent when run by hand). */
const scheduledEventSchema = z.looseObject({ time: z.iso.datetime({ offset: true }).optional() }).optional();

/**
 * Probe coordinator schedule (every `probing.periodSeconds`): reads the listed models from the home chain and fans
 * ONE asynchronous invocation out to each vantage point's prober function. The round id comes from the event's
 * scheduled time, so a retried tick is the same round (the probers then record nothing new). Throws when any
 * prober could not be invoked, so the schedule retries.
 *
 * @example export const handler = createProbeCoordinatorHandler(async () => world); // local runtime
 */
export function createProbeCoordinatorHandler(getWorld: () => Promise<MeasureWorld>) {
  return async (event?: unknown): Promise<FanOutResult> => {
    const parsed = scheduledEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidProbePayloadError(`schedule event: ${z.prettifyError(parsed.error)}`);
    const world = await getWorld();
    const time = parsed.data?.time;
    const result = await fanOutProbeRound(world, time === undefined ? world.clock.now() : Date.parse(time));
    logger.info("probe round fanned out", { ...result });
    if (result.failed.length > 0) {
      throw new Error(`probe round ${result.roundId}: ${result.failed.map((f) => f.vantage).join(", ")} not invoked`);
    }
    return result;
  };
}

export const handler = createProbeCoordinatorHandler(() => measureWorldFromEnv());
