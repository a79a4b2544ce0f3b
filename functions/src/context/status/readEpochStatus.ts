import { escrowAbi, modelRegistryAbi, slaOracleAbi } from "@slabridge/contracts";
import {
  type EvmChainManifest,
  type Job,
  type JobStatus,
  jobIds,
  type PaymentRecord,
  scrubSecrets,
} from "@slabridge/core";
import { ContractRevertedError, EPOCH_STATUS, EscrowReader, readContractTyped, SlaOracleReader } from "@slabridge/evm";
import { formatVaaId, wormholeCoreAbi } from "@slabridge/wormhole";
import {
  type Address,
  decodeFunctionData,
  encodePacked,
  type Hex,
  isAddressEqual,
  keccak256,
  type PublicClient,
  pad,
  parseEventLogs,
  recoverAddress,
} from "viem";
import type { StatusWorld } from "./buildStatusWorld.ts";
import { StatusNotFoundError } from "./errors.ts";
import { firstBlockAtOrAfter } from "./firstBlockAtOrAfter.ts";
import { type HomeChain, homeChainOf, maxBlockRangeOf } from "./homeChainOf.ts";
import { UNFINISHED_STATUSES } from "./readJobs.ts";
import type { SlaTermsView } from "./readModels.ts";
import type { SolanaSettlementTransfer } from "./SolanaSettlementReader.ts";
import { type ScannedLog, scanLogs } from "./scanLogs.ts";
import { type JobView, toJobView } from "./toJobView.ts";

/** The recorded verdict of an epoch and the evidence behind it. */
export interface VerdictView {
  readonly refundBps: number;
  /** EIP-712 digest of the report the probers signed. */
  readonly reportHash: Hex;
  readonly samplesRoot: Hex;
  /** Unix seconds of the recording block. */
  readonly recordedAt: bigint;
  /** The report's figures, from the `VerdictRecorded` event. */
  readonly report: {
    readonly p50Ms: number;
    readonly p95Ms: number;
    readonly p99Ms: number;
    readonly uptimeBps: number;
    readonly sampleCount: number;
  } | null;
  /** The home chain transaction that recorded it (null if its log was not found). */
  readonly transaction: { readonly chainId: number; readonly hash: Hex; readonly blockNumber: bigint } | null;
  /**
   * The prober signatures of that transaction's `submitReport` calldata, with the signer each recovers to from
   * `reportHash`; null when the transaction is not a direct `submitReport` call (e.g. through a multicall).
   */
  readonly signatures: readonly { readonly signature: Hex; readonly signer: Address }[] | null;
}

/** One cross-chain message of the epoch (a verdict or a payout) and how far its delivery got. */
export interface DeliveryView {
  readonly message: "Verdict" | "Payout";
  readonly destinationChainId: number;
  readonly transport: "layerzero" | "wormhole";
  /** LayerZero GUID, or the Wormhole VAA id `chain/emitterHex64/sequence`. */
  readonly messageId: string;
  readonly sourceChainId: number;
  readonly sourceTransaction: Hex;
  readonly payout?: { readonly payoutIndex: number; readonly payee: Hex; readonly shareBps: number };
  readonly jobId: string;
  /** The delivery job's state, or "not-seen" when the watcher has not picked the message up yet. */
  readonly status: JobStatus | "not-seen";
  readonly destinationTransaction?: string;
  readonly reason?: string;
}

/** A transfer an escrow made for the epoch. */
export interface EvmTransferView {
  readonly amount: bigint;
  readonly transaction: Hex;
  readonly blockNumber: bigint;
}

/** An EVM payment chain's escrow record of the epoch and the transfers it made. */
export interface EvmSettlementView {
  readonly family: "evm";
  readonly chainId: number;
  readonly name: string;
  readonly escrow: Address;
  /** False when the model was never listed on this escrow (then nothing else is reported). */
  readonly listed: boolean;
  readonly status?: (typeof EPOCH_STATUS)[number];
  readonly paid?: bigint;
  readonly payments?: number;
  readonly receiptsRelayed?: number;
  readonly receiptBatches?: number;
  readonly refundCursor?: number;
  readonly refundBps?: number;
  readonly refunded?: bigint;
  readonly paidOut?: bigint;
  readonly paidOutBps?: number;
  readonly verdictApplied?: { readonly transaction: Hex; readonly blockNumber: bigint } | null;
  readonly refunds?: readonly (EvmTransferView & { readonly paymentIndex: bigint; readonly buyer: Address })[];
  readonly release?: EvmTransferView | null;
  readonly payouts?: readonly (EvmTransferView & {
    readonly payoutIndex: number;
    readonly payee: Address;
    readonly shareBps: number;
  })[];
}

/** Solana's payments of the epoch (payment store) and, from the {@link SolanaSettlementReader}, its transfers. */
export interface SolanaSettlementView {
  readonly family: "solana";
  readonly chainId: number;
  readonly payments: readonly {
    readonly paymentId: string;
    readonly buyer: string;
    readonly amount: bigint;
    readonly transaction: string;
  }[];
  readonly paid: bigint;
  /** "none" until a Solana settlement reader is wired; then refunds and payouts are its findings. */
  readonly reader: "none" | "wired";
  readonly refunds: readonly SolanaSettlementTransfer[] | null;
  readonly payouts: readonly SolanaSettlementTransfer[] | null;
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
  readonly deliveries: readonly DeliveryView[];
  readonly settlement: readonly (EvmSettlementView | SolanaSettlementView)[];
  /** Every job of the (model, epoch): receipts, refunds, settles and the deliveries above. */
  readonly jobs: readonly JobView[];
}

/**
 * Everything about one (model, epoch): SLA terms, the verdict with its evidence (the recording transaction, report
 * figures, prober signatures recovered against the report hash, samples root and count), the deliveries of its
 * verdict and payout messages (transport message ids and destination transactions, from the job store), refunds,
 * release and payouts per payment chain (escrow record and logs on EVM; payment store and the Solana settlement
 * reader on Solana), and its jobs.
 *
 * Logs are searched in bounded windows: the recording block is found from the verdict's `recordedAt` (block
 * timestamps are monotonic), publications from the verdict block on, escrow logs from the first block at or after
 * the epoch's end on that chain, each up to `world.logWindowBlocks` blocks in `maxBlockRange` chunks.
 *
 * @throws {StatusNotFoundError} when the model is not in the manifest or the epoch has not started
 * @example const status = await readEpochStatus(world, 2n, 14n);
 */
export async function readEpochStatus(world: StatusWorld, modelId: bigint, epoch: bigint): Promise<EpochStatusView> {
  const model = world.manifest.models.find((candidate) => BigInt(candidate.modelId) === modelId);
  if (!model) throw new StatusNotFoundError("model", `Model ${modelId} is not listed in this deployment.`);
  const home = homeChainOf(world, model.homeChainId);
  const read = home.client as never;
  const currentEpoch = await readContractTyped(read, home.registry, modelRegistryAbi, "currentEpoch", [modelId]);
  if (epoch > currentEpoch) {
    throw new StatusNotFoundError(
      "epoch",
      `Epoch ${epoch} of model ${modelId} has not started (current ${currentEpoch}).`,
    );
  }
  const [startsAt, endsAt, sla, onChainVerdict] = await Promise.all([
    readContractTyped(read, home.registry, modelRegistryAbi, "epochStart", [modelId, epoch]),
    readContractTyped(read, home.registry, modelRegistryAbi, "epochEnd", [modelId, epoch]),
    readContractTyped(read, home.registry, modelRegistryAbi, "slaTermsAt", [modelId, epoch]),
    new SlaOracleReader(read, home.oracle).verdictOf(modelId, epoch),
  ]);
  const latest = await home.client.getBlock({ blockTag: "latest" });

  const verdict =
    onChainVerdict.recordedAt === 0n ? null : await verdictEvidence(world, home, modelId, epoch, onChainVerdict);
  const deliveries = verdict?.transaction
    ? await findDeliveries(world, home, modelId, epoch, verdict.transaction.blockNumber)
    : [];

  const paymentChains = world.manifest.evm.filter((chain) => chain.contracts.escrow !== undefined);
  const [evmSettlement, solanaSettlement] = await Promise.all([
    Promise.all(paymentChains.map((chain) => evmSettlementOf(world, chain, modelId, epoch))),
    solanaSettlementOf(world, modelId, epoch, verdict?.refundBps),
  ]);

  const jobs = await epochJobs(
    world,
    modelId,
    epoch,
    [...paymentChains.map((chain) => chain.chainId), ...(world.manifest.solana ? [world.manifest.solana.chainId] : [])],
    deliveries.map((delivery) => delivery.jobId),
  );

  return {
    modelId,
    epoch,
    homeChainId: home.chain.chainId,
    startsAt,
    endsAt,
    ended: latest.timestamp >= endsAt,
    sla,
    verdict,
    deliveries,
    settlement: [...evmSettlement, ...(solanaSettlement ? [solanaSettlement] : [])],
    jobs,
  };
}

async function verdictEvidence(
  world: StatusWorld,
  home: HomeChain,
  modelId: bigint,
  epoch: bigint,
  verdict: { refundBps: number; recordedAt: bigint; reportHash: Hex; samplesRoot: Hex },
): Promise<VerdictView> {
  // The recording block has timestamp recordedAt; several blocks may share it.
  const fromBlock = await firstBlockAtOrAfter(home.client, verdict.recordedAt);
  const toBlock = (await firstBlockAtOrAfter(home.client, verdict.recordedAt + 1n)) - 1n;
  const [recorded] = await scanLogs(home.client, {
    address: home.oracle,
    abi: slaOracleAbi,
    eventNames: ["VerdictRecorded"],
    fromBlock,
    toBlock,
    maxBlockRange: maxBlockRangeOf(world, home.chain.chainId),
    where: { modelId, epoch },
  });
  const base = {
    refundBps: verdict.refundBps,
    reportHash: verdict.reportHash,
    samplesRoot: verdict.samplesRoot,
    recordedAt: verdict.recordedAt,
  };
  if (!recorded) return { ...base, report: null, transaction: null, signatures: null };
  const args = recorded.args as { p50Ms: number; p95Ms: number; p99Ms: number; uptimeBps: number; sampleCount: number };
  const transaction = await home.client.getTransaction({ hash: recorded.transactionHash });
  return {
    ...base,
    report: {
      p50Ms: args.p50Ms,
      p95Ms: args.p95Ms,
      p99Ms: args.p99Ms,
      uptimeBps: args.uptimeBps,
      sampleCount: args.sampleCount,
    },
    transaction: { chainId: home.chain.chainId, hash: recorded.transactionHash, blockNumber: recorded.blockNumber },
    signatures: await submittedSignatures(transaction.to, transaction.input, home.oracle, verdict.reportHash),
  };
}

async function submittedSignatures(
  to: Address | null,
  input: Hex,
  oracle: Address,
  reportHash: Hex,
): Promise<VerdictView["signatures"]> {
  if (!to || !isAddressEqual(to, oracle)) return null;
  let signatures: readonly Hex[];
  try {
    const call = decodeFunctionData({ abi: slaOracleAbi, data: input });
    if (call.functionName !== "submitReport") return null;
    signatures = call.args[1];
  } catch {
    // Not a call this ABI knows: the report came through another contract; the event above is the evidence.
    return null;
  }
  return Promise.all(
    signatures.map(async (signature) => ({ signature, signer: await recoverAddress({ hash: reportHash, signature }) })),
  );
}

async function findDeliveries(
  world: StatusWorld,
  home: HomeChain,
  modelId: bigint,
  epoch: bigint,
  fromBlock: bigint,
): Promise<DeliveryView[]> {
  const scan = (address: Address, abi: typeof slaOracleAbi | typeof modelRegistryAbi, eventName: string) =>
    scanLogs(home.client, {
      address,
      abi,
      eventNames: [eventName],
      fromBlock,
      toBlock: fromBlock + world.logWindowBlocks - 1n,
      maxBlockRange: maxBlockRangeOf(world, home.chain.chainId),
      where: { modelId, epoch },
    });
  const [verdicts, payouts] = await Promise.all([
    scan(home.oracle, slaOracleAbi, "VerdictPublished"),
    scan(home.registry, modelRegistryAbi, "PayoutPublished"),
  ]);
  const published = [
    ...verdicts.map((log) => ({ log, message: "Verdict" as const })),
    ...payouts.map((log) => ({ log, message: "Payout" as const })),
  ];
  return Promise.all(published.map(({ log, message }) => deliveryOf(world, home, log, message)));
}

async function deliveryOf(
  world: StatusWorld,
  home: HomeChain,
  log: ScannedLog,
  message: "Verdict" | "Payout",
): Promise<DeliveryView> {
  const args = log.args as { dstChain: number; messageId: Hex; payoutIndex?: number; payee?: Hex; shareBps?: number };
  const receipt = await home.client.getTransactionReceipt({ hash: log.transactionHash });
  const overLayerZero = receipt.logs.some((entry) =>
    isAddressEqual(entry.address, home.chain.contracts.layerZeroMessenger),
  );
  let transport: DeliveryView["transport"] = "layerzero";
  let messageId: string = args.messageId;
  let jobId = jobIds.layerZeroMessage(args.messageId);
  if (!overLayerZero) {
    transport = "wormhole";
    const messenger = home.chain.contracts.wormholeMessenger as Address;
    const emitter = pad(messenger);
    const published = parseEventLogs({ abi: wormholeCoreAbi, eventName: "LogMessagePublished", logs: receipt.logs })
      .filter(
        (entry) =>
          isAddressEqual(entry.address, home.chain.wormhole.core) && isAddressEqual(entry.args.sender, messenger),
      )
      // The messenger's messageId is keccak256(whChain, emitter, sequence): pick the message this log names.
      .find(
        (entry) =>
          keccak256(
            encodePacked(["uint16", "bytes32", "uint64"], [home.chain.wormhole.chainId, emitter, entry.args.sequence]),
          ) === args.messageId,
      );
    if (published) {
      messageId = formatVaaId({
        chain: home.chain.wormhole.chainId,
        emitter: emitter.slice(2),
        sequence: published.args.sequence,
      });
    }
    jobId = `deliver-message:wh:${messageId.toLowerCase()}`;
  }
  const job = await world.stores.jobs.get(jobId);
  return {
    message,
    destinationChainId: args.dstChain,
    transport,
    messageId,
    sourceChainId: home.chain.chainId,
    sourceTransaction: log.transactionHash,
    ...(message === "Payout" && args.payoutIndex !== undefined && args.payee && args.shareBps !== undefined
      ? { payout: { payoutIndex: args.payoutIndex, payee: args.payee, shareBps: args.shareBps } }
      : {}),
    jobId,
    status: job?.status ?? "not-seen",
    ...destinationOf(job),
  };
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

async function evmSettlementOf(
  world: StatusWorld,
  chain: EvmChainManifest,
  modelId: bigint,
  epoch: bigint,
): Promise<EvmSettlementView> {
  const escrowAddress = chain.contracts.escrow as Address;
  const client = world.clients.get(chain.chainId) as PublicClient;
  const escrow = new EscrowReader(client as never, escrowAddress);
  const base = { family: "evm" as const, chainId: chain.chainId, name: chain.name, escrow: escrowAddress };
  let epochEnd: bigint;
  try {
    epochEnd = await escrow.epochEnd(modelId, epoch);
  } catch (error) {
    if (error instanceof ContractRevertedError && error.errorName === "ModelNotListed")
      return { ...base, listed: false };
    throw error;
  }
  const record = await escrow.epochRecord(modelId, epoch);
  const fromBlock = await firstBlockAtOrAfter(client, epochEnd);
  const logs = await scanLogs(client, {
    address: escrowAddress,
    abi: escrowAbi,
    eventNames: ["VerdictApplied", "Refunded", "Released", "PaidOut"],
    fromBlock,
    toBlock: fromBlock + world.logWindowBlocks - 1n,
    maxBlockRange: maxBlockRangeOf(world, chain.chainId),
    where: { modelId, epoch },
  });
  const of = (name: string) => logs.filter((log) => log.eventName === name);
  const transfer = (log: ScannedLog): EvmTransferView => ({
    amount: log.args.amount as bigint,
    transaction: log.transactionHash,
    blockNumber: log.blockNumber,
  });
  const [applied] = of("VerdictApplied");
  const [released] = of("Released");
  return {
    ...base,
    listed: true,
    status: EPOCH_STATUS[record.status] ?? "open",
    paid: record.paid,
    payments: record.count,
    receiptsRelayed: record.relayed,
    receiptBatches: record.batches,
    refundCursor: record.refundCursor,
    refundBps: record.refundBps,
    refunded: record.refunded,
    paidOut: record.paidOut,
    paidOutBps: record.paidOutBps,
    verdictApplied: applied ? { transaction: applied.transactionHash, blockNumber: applied.blockNumber } : null,
    refunds: of("Refunded").map((log) => ({
      ...transfer(log),
      paymentIndex: log.args.paymentIndex as bigint,
      buyer: log.args.buyer as Address,
    })),
    release: released ? transfer(released) : null,
    payouts: of("PaidOut").map((log) => ({
      ...transfer(log),
      payoutIndex: log.args.payoutIndex as number,
      payee: log.args.payee as Address,
      shareBps: log.args.shareBps as number,
    })),
  };
}

async function solanaSettlementOf(
  world: StatusWorld,
  modelId: bigint,
  epoch: bigint,
  refundBps: number | undefined,
): Promise<SolanaSettlementView | undefined> {
  const solana = world.manifest.solana;
  if (!solana) return undefined;
  const payments: PaymentRecord[] = await world.stores.payments.listEpoch(solana.chainId, modelId, epoch);
  const findings = world.solanaSettlement
    ? await world.solanaSettlement.read({ modelId, epoch, payments, refundBps })
    : undefined;
  return {
    family: "solana",
    chainId: solana.chainId,
    payments: payments.map((payment) => ({
      paymentId: payment.paymentId,
      buyer: payment.buyer,
      amount: payment.amount,
      transaction: payment.transaction,
    })),
    paid: payments.reduce((sum, payment) => sum + payment.amount, 0n),
    reader: findings ? "wired" : "none",
    refunds: findings?.refunds ?? null,
    payouts: findings?.payouts ?? null,
  };
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
