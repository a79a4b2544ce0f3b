import {
  type Clock,
  decodeMessage,
  type InboundMessage,
  type Job,
  type JobIntake,
  jobIds,
  type SettlementJobRef,
} from "@slabridge/core";
import type { SolanaVerdictSource } from "./SolanaVerdictSource.ts";

/** What {@link receiveSolanaVerdict} needs: the cluster, the home chain, the verdict pointers and the job intake. */
export interface ReceiveSolanaVerdictOptions {
  /** slabridge chain id of the cluster. */
  chainId: number;
  homeChainId: number;
  verdicts: Pick<SolanaVerdictSource, "record">;
  intake: JobIntake;
  clock: Clock;
}

/**
 * Solana consumes home-chain messages at the message level (no Wormhole program runs there): a Verdict the home
 * SlaOracle published to Solana through the home WormholeMessenger becomes (1) a pointer to its VAA in the
 * cluster's {@link SolanaVerdictSource} and (2) the Solana refund and settle jobs of its (model, epoch), instead of a
 * deliver-message job. On Solana settling is local (pay the Solana payees out of the vault) and waits for the
 * refunds, so both jobs can start at once. The (model, epoch) is read from the message only to route the jobs; the
 * refund share is taken from the VAA once the guardians signed it and it verified (`SolanaSettlementTarget`).
 * Other kinds, or messages from another chain than home, create nothing. Returns how many jobs were new (a rescan
 * creates none).
 *
 * @example
 * ```ts
 * const created = await receiveSolanaVerdict(options, { transport: "wormhole", message, messageId: vaaId, source });
 * ```
 */
export async function receiveSolanaVerdict(
  options: ReceiveSolanaVerdictOptions,
  seen: InboundMessage,
): Promise<number> {
  if (seen.source.chainId !== options.homeChainId || seen.transport !== "wormhole") return 0;
  let decoded: ReturnType<typeof decodeMessage>;
  try {
    decoded = decodeMessage(seen.message);
  } catch {
    return 0; // not a message of ours to act on; the VAA check would refuse it anyway
  }
  if (decoded.kind !== "Verdict") return 0;
  const { modelId, epoch } = decoded;
  const vaaId = seen.messageId;
  // The pointer exists before the jobs, so they never run without knowing where their verdict is.
  await options.verdicts.record(modelId, epoch, vaaId);
  let created = 0;
  const jobs = solanaSettlementJobs(options, { modelId, epoch, source: seen.source }, { payload: seen.message, vaaId });
  for (const job of [jobs.refund, jobs.settle]) {
    if ((await options.intake.ingest(job)) === "created") created++;
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
 * const { refund, settle } = solanaSettlementJobs({ chainId, clock }, { modelId: 2n, epoch: 41n, source }, { payload, vaaId });
 */
export function solanaSettlementJobs(
  options: { chainId: number; clock: Clock },
  ref: SettlementJobRef,
  message?: { payload: Job["payload"]; vaaId: string },
): { refund: Job; settle: Job } {
  const now = options.clock.now();
  const { chainId } = options;
  const { modelId, epoch, source } = ref;
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
