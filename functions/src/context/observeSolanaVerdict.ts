import { decodeMessage, type Job, type JobSource, jobIds } from "@slabridge/core";
import { formatVaaId } from "@slabridge/wormhole";
import { type Address, type Hex, pad } from "viem";
import type { RelayWorld } from "./buildRelayWorld.ts";

/** A Wormhole message the home chain's messenger published to Solana, as the home watcher saw it. */
export interface SolanaBoundMessage {
  /** The slabridge message after the `uint32 dstChain` prefix (not yet verified: only used to route). */
  message: Hex;
  /** The core's sequence of the message (`LogMessagePublished.sequence`). */
  sequence: bigint;
  /** The log it came from (home chain). */
  source: JobSource;
}

/**
 * Solana consumes home-chain messages at the message level (no Wormhole program runs there): a Verdict the home
 * SlaOracle published to Solana through the home WormholeMessenger becomes (1) a pointer to its VAA in the
 * world's {@link SolanaVerdictSource} and (2) the Solana refund and settle jobs of its (model, epoch), instead of a
 * deliver-message job. On Solana settling is local (pay the Solana payees out of the vault) and waits for the
 * refunds, so both jobs can start at once. The (model, epoch) is read from the log only to route the jobs; the
 * refund share is taken from the VAA once the guardians signed it and it verified (`SolanaSettlementTarget`).
 * Other kinds, or a world without Solana, create nothing. Returns how many jobs were new (a rescan creates none).
 *
 * @example
 * ```ts
 * const created = await observeSolanaVerdict(world, { message, sequence: log.args.sequence, source });
 * ```
 */
export async function observeSolanaVerdict(world: RelayWorld, seen: SolanaBoundMessage): Promise<number> {
  const solana = world.manifest.solana;
  const verdicts = world.solanaVerdicts;
  const home = world.manifest.evm.find((c) => c.chainId === world.manifest.homeChainId);
  if (!solana || !verdicts || !home || seen.source.chainId !== home.chainId) return 0;
  let decoded: ReturnType<typeof decodeMessage>;
  try {
    decoded = decodeMessage(seen.message);
  } catch {
    return 0; // not a message of ours to act on; the VAA check would refuse it anyway
  }
  if (decoded.kind !== "Verdict") return 0;
  const { modelId, epoch } = decoded;
  const vaaId = formatVaaId({
    chain: home.wormhole.chainId,
    emitter: pad(home.contracts.wormholeMessenger as Address)
      .slice(2)
      .toLowerCase(),
    sequence: seen.sequence,
  });
  // The pointer exists before the jobs, so they never run without knowing where their verdict is.
  await verdicts.record(modelId, epoch, vaaId);
  const now = world.clock.now();
  const ref = { chainId: solana.chainId, modelId, epoch };
  let created = 0;
  for (const kind of ["refund", "settle"] as const) {
    const job: Job = {
      id: kind === "refund" ? jobIds.refund(ref) : jobIds.settle(ref),
      kind,
      status: "observed",
      version: 1,
      source: seen.source,
      destinationChainId: solana.chainId,
      transport: "wormhole",
      payload: seen.message,
      messageRef: {
        transport: "wormhole",
        messageId: vaaId,
        sourceChainId: seen.source.chainId,
        sourceTransaction: seen.source.transaction,
      },
      epochRef: { modelId, epoch },
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    };
    if ((await world.engine.ingest(job)) === "created") created++;
  }
  return created;
}
