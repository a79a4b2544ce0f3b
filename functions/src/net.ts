import { Logger } from "@aws-lambda-powertools/logger";
import { InvalidNetEventError, type NetDueRoundsResult, netDueRounds } from "@slabridge/netting";
import { z } from "zod";
import { buildNettingWorld, type NettingWorld } from "./context/netting/buildNettingWorld.ts";
import { worldFromEnv } from "./context/worldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-net" });

/** The schedule's event (EventBridge Scheduler / the local scheduler): nothing in it is used, it only must be an object. */
const netEventSchema = z.looseObject({}).optional().nullable();

/**
 * Netting schedule: every (model, epoch) of the lookback that is fully paid out on every chain where buyers paid and
 * not netted yet gets one netting round (`net:<model>:<epoch>`): net transfers between the EVM vaults over the OFT,
 * each vault paying its chain's payees their netted shares, the Solana vault paying Solana payees theirs (when the
 * deployment can sign for it; `solanaPaid` in the outcome), inter-vault Solana legs left open. Idempotent: recorded rounds are
 * skipped, and a replay of a round sends nothing the chains show done. Rounds with a retryable error are left for
 * the next run (listed in `retry`); invalid ones are recorded and reported (`invalid`). The result is JSON (no bigint).
 *
 * @example export const handler = createNetHandler(async () => buildNettingWorld(relayWorld)); // local runtime
 */
export function createNetHandler(getWorld: () => Promise<NettingWorld>) {
  return async (event?: unknown): Promise<NetDueRoundsResult> => {
    const parsed = netEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidNetEventError(z.prettifyError(parsed.error));
    const world = await getWorld();
    const result = await netDueRounds(world);
    if (result.retry.length > 0) logger.warn("netting rounds left for the next run", { retry: result.retry });
    if (result.invalid.length > 0) logger.error("invalid netting rounds", { invalid: result.invalid });
    logger.info("netting pass", {
      netted: result.netted.map((o) => o.roundId),
      alreadyNetted: result.alreadyNetted.length,
      notDue: result.notDue,
      solanaSettled: result.solanaSettled.map((o) => o.roundId),
    });
    return result;
  };
}

let cached: Promise<NettingWorld> | undefined;

export const handler = createNetHandler(() => {
  cached ??= worldFromEnv().then((relay) => buildNettingWorld(relay));
  return cached;
});
