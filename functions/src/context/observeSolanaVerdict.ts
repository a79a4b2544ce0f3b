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
 * world's {@link SolanaVerdictSource} and (2) the Solana refund job of its (model, epoch), instead of a
 * deliver-message job. The job's (model, epoch) is read from the log only to route it; the refund share is taken
 * from the VAA once the guardians signed it and it verified (`SolanaSettlementTarget`). Other kinds, or a world
 * without Solana, create nothing. Returns whether a new refund job was created (a rescan creates none).
 *
 * @example
 * ```ts
 * const created = await observeSolanaVerdict(world, { message, sequence: log.args.sequence, source });
 * ```
 */
export async function observeSolanaVerdict(world: RelayWorld, seen: SolanaBoundMessage): Promise<boolean> {
  const solana = world.manifest.solana;
  const verdicts = world.solanaVerdicts;
  const home = world.manifest.evm.find((c) => c.chainId === world.manifest.homeChainId);
  if (!solana || !verdicts || !home || seen.source.chainId !== home.chainId) return false;
  let decoded: ReturnType<typeof decodeMessage>;
  try {
    decoded = decodeMessage(seen.message);
  } catch {
    return false; // not a message of ours to act on; the VAA check would refuse it anyway
  }
  if (decoded.kind !== "Verdict") return false;
  const { modelId, epoch } = decoded;
  const vaaId = formatVaaId({
    chain: home.wormhole.chainId,
    emitter: pad(home.contracts.wormholeMessenger as Address)
      .slice(2)
      .toLowerCase(),
    sequence: seen.sequence,
  });
  // The pointer exists before the job, so the job never runs without knowing where its verdict is.
  await verdicts.record(modelId, epoch, vaaId);
  const now = world.clock.now();
  const job: Job = {
    id: jobIds.refund({ chainId: solana.chainId, modelId, epoch }),
    kind: "refund",
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
  return (await world.engine.ingest(job)) === "created";
}
