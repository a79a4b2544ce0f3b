import {
  type EpochBondView,
  type EpochSettlementView,
  type Hex,
  type Job,
  type JobStatus,
  jobIds,
  type SentMessageView,
  scrubSecrets,
  type VerdictView,
} from "@slabridge/core";
import { StatusNotFoundError } from "./errors.ts";
import { UNFINISHED_STATUSES } from "./readJobs.ts";
import type { SlaTermsView } from "./readModels.ts";
import { type EvidenceRulesView, homeChainOf, type StatusWorld } from "./StatusWorld.ts";
import { type JobView, toJobView } from "./toJobView.ts";

/** One cross-chain message of the epoch (a verdict or a payout) and how far its delivery got. */
export interface DeliveryView extends SentMessageView {
  /** The delivery job's state, or "not-seen" when the watcher has not picked the message up yet. */
  readonly status: JobStatus | "not-seen";
  readonly destinationTransaction?: string;
  readonly reason?: string;
}

/** `GET /models/{modelId}/epochs/{epoch}` body. */
export interface EpochStatusView {
  readonly modelId: bigint;
  readonly epoch: bigint;
  readonly homeChainId: number;
  /** Unix seconds, from the home registry. */
  readonly startsAt: bigint;
  readonly endsAt: bigint;
  readonly ended: boolean;
  readonly sla: SlaTermsView;
  readonly verdict: VerdictView | null;
  /**
   * The published evidence of the epoch's report: `bundle` is the keccak256 address of the signed sample-set bundle in
   * the evidence store (`GET /evidence/<bundle>`; check it hashes to this), with the rules a report is recomputed
   * with beyond the on-chain terms when the world knows them. Null when none is recorded or the world reads none.
   */
  readonly evidence: { readonly bundle: Hex; readonly rules?: EvidenceRulesView } | null;
  /**
   * The host's bond: what is left, whether this epoch is settled with it, the slash and each payment chain's top-up
   * (paid to its buyers on top of their refunds). Null when the deployment has no host bonds.
   */
  readonly bond: EpochBondView | null;
  readonly deliveries: readonly DeliveryView[];
  readonly settlement: readonly EpochSettlementView[];
  /** Every job of the (model, epoch): receipts, refunds, settles and the deliveries above. */
  readonly jobs: readonly JobView[];
}

/**
 * Everything about one (model, epoch): SLA terms, the verdict with its evidence (the recording transaction, report
 * figures, prober signatures recovered against the report hash, samples root and count) and the address of its
 * published sample-set bundle (when the world reads the evidence store), the deliveries of its
 * verdict and payout messages (transport message ids from the home chain, destination transactions from the job
 * store), refunds, release and payouts per payment chain (each chain's `ChainStatusReader` reads its own: escrow
 * record and logs on EVM, payment store and vault outflows on Solana), and its jobs.
 *
 * @throws {StatusNotFoundError} when the model is not in the manifest or the epoch has not started
 * @example const status = await readEpochStatus(world, 2n, 14n);
 */
export async function readEpochStatus(world: StatusWorld, modelId: bigint, epoch: bigint): Promise<EpochStatusView> {
  const model = world.manifest.models.find((candidate) => BigInt(candidate.modelId) === modelId);
  if (!model) throw new StatusNotFoundError("model", `Model ${modelId} is not listed in this deployment.`);
  const home = homeChainOf(world, model.homeChainId);
  const currentEpoch = await home.currentEpoch(modelId);
  if (epoch > currentEpoch) {
    throw new StatusNotFoundError(
      "epoch",
      `Epoch ${epoch} of model ${modelId} has not started (current ${currentEpoch}).`,
    );
  }
  const [{ startsAt, endsAt }, sla, verdict, bundle] = await Promise.all([
    home.epochWindow(modelId, epoch),
    home.slaTerms(modelId, epoch),
    home.verdict(modelId, epoch),
    world.evidence?.bundleOf(modelId, epoch),
  ]);
  const latest = await home.latestTimestamp();

  const sent = verdict?.transaction
    ? await home.messagesSent({ modelId, epoch, fromBlock: verdict.transaction.blockNumber })
    : [];
  const deliveries = await Promise.all(sent.map((message) => deliveryOf(world, message)));

  const paymentChains = world.chains.flatMap((chain) =>
    chain.settlement ? [{ chainId: chain.chainId, settlement: chain.settlement }] : [],
  );
  const bond =
    (await home.bond?.(
      modelId,
      epoch,
      paymentChains.map((chain) => chain.chainId),
    )) ?? null;
  const topUpOf = (chainId: number) => bond?.topUps.find((topUp) => topUp.chainId === chainId)?.amount ?? 0n;
  const settlement = await Promise.all(
    paymentChains.map((chain) => {
      const topUp = topUpOf(chain.chainId);
      return chain.settlement.epochSettlement({
        modelId,
        epoch,
        refundBps: verdict?.refundBps,
        ...(topUp > 0n ? { topUp } : {}),
      });
    }),
  );

  const jobs = await epochJobs(
    world,
    modelId,
    epoch,
    paymentChains.map((chain) => chain.chainId),
    deliveries.map((delivery) => delivery.jobId),
  );

  return {
    modelId,
    epoch,
    homeChainId: model.homeChainId,
    startsAt,
    endsAt,
    ended: latest >= endsAt,
    sla,
    verdict,
    evidence:
      bundle === undefined ? null : { bundle, ...(world.evidence?.rules ? { rules: world.evidence.rules } : {}) },
    bond,
    deliveries,
    settlement,
    jobs,
  };
}

/** A sent message with its delivery job's state (and destination transaction or failure reason). */
async function deliveryOf(world: StatusWorld, sent: SentMessageView): Promise<DeliveryView> {
  const job = await world.stores.jobs.get(sent.jobId);
  return { ...sent, status: job?.status ?? "not-seen", ...destinationOf(job) };
}

function destinationOf(job: Job | undefined): { destinationTransaction?: string; reason?: string } {
  if (!job) return {};
  if (job.status === "submitted") {
    // A settle job's payout claim shows the release it sent, if any.
    const transaction = job.destinationTransaction ?? job.payoutClaim?.release;
    return transaction ? { destinationTransaction: transaction } : {};
  }
  if (job.status === "confirmed")
    return job.destinationTransaction ? { destinationTransaction: job.destinationTransaction } : {};
  if (job.status === "failed" || job.status === "dead-lettered") return { reason: scrubSecrets(job.reason) };
  return {};
}

/** The epoch's jobs: the deterministic ids per payment chain and delivery, plus any unfinished job naming the epoch. */
async function epochJobs(
  world: StatusWorld,
  modelId: bigint,
  epoch: bigint,
  paymentChainIds: readonly number[],
  deliveryJobIds: readonly string[],
): Promise<JobView[]> {
  const ids = new Set<string>(deliveryJobIds);
  for (const chainId of paymentChainIds) {
    const ref = { chainId, modelId, epoch };
    ids.add(jobIds.relayReceipts(ref));
    ids.add(jobIds.refund(ref));
    ids.add(jobIds.settle(ref));
  }
  const [byId, unfinished] = await Promise.all([
    Promise.all([...ids].map((id) => world.stores.jobs.get(id))),
    Promise.all(UNFINISHED_STATUSES.map((status) => world.stores.jobs.listByStatus(status, { limit: 1_000 }))),
  ]);
  const jobs = new Map<string, Job>();
  for (const job of [...byId, ...unfinished.flat()]) {
    if (!job) continue;
    const named = ids.has(job.id) || (job.epochRef?.modelId === modelId && job.epochRef.epoch === epoch);
    if (named) jobs.set(job.id, job);
  }
  return [...jobs.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)).map(toJobView);
}
