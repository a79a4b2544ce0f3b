import { decodeMessage, type Job, type JobSource, jobIds } from "@slabridge/core";
import { evmChainsOf } from "@slabridge/evm";
import { solanaChainsOf } from "@slabridge/solana";
import { formatVaaId } from "@slabridge/wormhole";
import { type Address, type Hex, pad } from "viem";
import type { RelayWorld } from "./buildRelayWorld.ts";
import type { EscrowVerdictRef } from "./watchEvmChain.ts";

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
  const solana = solanaChainsOf(world.manifest)[0];
  const verdicts = world.solanaVerdicts;
  const home = evmChainsOf(world.manifest).find((c) => c.chainId === world.manifest.homeChainId);
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
  let created = 0;
  const jobs = solanaSettlementJobs(
    world,
    { chainId: solana.chainId, modelId, epoch, source: seen.source },
    {
      payload: seen.message,
      vaaId,
    },
  );
  for (const job of [jobs.refund, jobs.settle]) {
    if ((await world.engine.ingest(job)) === "created") created++;
  }
  return created;
}

/**
 * The Solana refund and settle jobs of a (model, epoch) whose verdict the home chain published to Solana, as the
 * home watcher and the settlement sweep create them: deterministic ids, executed on Solana, transport wormhole. The
 * watcher knows the message and its VAA and records them (`payload`, `messageRef`); the sweep, which finds the
 * verdict already applied, has no message at hand and leaves them out (the target reads the verdict's VAA from
 * the world's `SolanaVerdictSource`, not from the job).
 *
 * @example
 * const { refund, settle } = solanaSettlementJobs(world, { chainId: 1, modelId: 2n, epoch: 41n, source }, { payload, vaaId });
 */
export function solanaSettlementJobs(
  world: Pick<RelayWorld, "clock">,
  ref: EscrowVerdictRef,
  message?: { payload: Hex; vaaId: string },
): { refund: Job; settle: Job } {
  const now = world.clock.now();
  const { chainId, modelId, epoch, source } = ref;
  const job = (kind: "refund" | "settle"): Job => ({
    id: kind === "refund" ? jobIds.refund({ chainId, modelId, epoch }) : jobIds.settle({ chainId, modelId, epoch }),
    kind,
    status: "observed",
    version: 1,
    source,
    destinationChainId: chainId,
    transport: "wormhole",
    payload: message?.payload ?? "0x",
    ...(message
      ? {
          messageRef: {
            transport: "wormhole" as const,
            messageId: message.vaaId,
            sourceChainId: source.chainId,
            sourceTransaction: source.transaction,
          },
        }
      : {}),
    epochRef: { modelId, epoch },
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  });
  return { refund: job("refund"), settle: job("settle") };
}
