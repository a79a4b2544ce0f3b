import { findRoute, paymentChainsOf, VerdictAlreadyPublishedError, VerdictAwaitsReceiptsError } from "@slabridge/core";
import type { MeasureWorld } from "../MeasureWorld.ts";

/** What happened for one payment chain. */
export interface PublishOutcome {
  chainId: number;
  /** waiting: a breach verdict of a bonded model waits for every chain's receipts (its slash is split by them). */
  result: "published" | "already-published" | "already-applied" | "no-route" | "waiting" | "failed";
  transaction?: string;
  error?: string;
}

/**
 * The payment chains that may hold escrow for a model: every EVM chain of the manifest with an escrow contract
 * (the home chain's own escrow too: its verdict travels over the same-chain Wormhole route like any other), and
 * Solana when the manifest has it.
 *
 * @example verdictDestinations(manifest) // [31337, 31338, 1399811169]
 */
export function verdictDestinations(manifest: MeasureWorld["manifest"]): number[] {
  return paymentChainsOf(manifest).map((chain) => chain.chainId);
}

/**
 * Publishes the recorded verdict of (model, epoch) to every payment chain ({@link verdictDestinations}) over the
 * stage config's `Verdict` route (home -> chain), via `SlaOracle.publishVerdict` paying the messenger's quote.
 * Idempotent: a chain whose escrow already applied the verdict, or for which a VerdictPublished(model, epoch, chain)
 * log already exists on the home chain, is skipped (and one another run publishes between that check and the send
 * is refused by the oracle: "already-published"); the relay's watcher delivers what was published. One chain
 * failing does not stop the others (its outcome is "failed", and the next evaluator run tries again). A breach
 * verdict that slashes a host bond waits ("waiting") until every chain's receipts for the epoch are home.
 *
 * @example const outcomes = await publishVerdictEverywhere(world, 2n, 7n);
 */
export async function publishVerdictEverywhere(
  world: Pick<MeasureWorld, "manifest" | "config" | "home" | "escrows">,
  modelId: bigint,
  epoch: bigint,
): Promise<PublishOutcome[]> {
  const outcomes: PublishOutcome[] = [];
  for (const chainId of verdictDestinations(world.manifest)) {
    const route = findRoute(world.config, { source: world.home.chainId, destination: chainId, kind: "Verdict" });
    if (!route) {
      outcomes.push({ chainId, result: "no-route" });
      continue;
    }
    try {
      if ((await world.escrows.verdictApplied(chainId, modelId, epoch)) === true) {
        outcomes.push({ chainId, result: "already-applied" });
      } else if (await world.home.wasPublished(modelId, epoch, chainId)) {
        outcomes.push({ chainId, result: "already-published" });
      } else {
        const transaction = await world.home.publishVerdict(modelId, epoch, chainId, route.transport);
        outcomes.push({ chainId, result: "published", transaction });
      }
    } catch (error) {
      if (error instanceof VerdictAwaitsReceiptsError) {
        outcomes.push({ chainId, result: "waiting", error: error.shortMessage });
        continue;
      }
      if (error instanceof VerdictAlreadyPublishedError) {
        outcomes.push({ chainId, result: "already-published" });
        continue;
      }
      outcomes.push({ chainId, result: "failed", error: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcomes;
}
