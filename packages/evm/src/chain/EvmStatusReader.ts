import { escrowAbi, hostBondAbi, modelRegistryAbi, slaOracleAbi } from "@slabridge/contracts";
import {
  BPS,
  type ChainStatusReader,
  type EpochBondView,
  type EpochMoneyView,
  type EpochSettlementQuery,
  type EpochSettlementReader,
  type EvmSettlementView,
  type EvmTransferView,
  type HomeChainStatusReader,
  type SentMessageView,
  type SlaTerms,
  type TransportName,
  type VerdictView,
} from "@slabridge/core";
import { type Address, BaseError, decodeFunctionData, type Hex, isAddressEqual, type Log, recoverAddress } from "viem";
import { type EpochBook, EpochBooks, releasesNothing } from "../contracts/EpochBook.ts";
import { type ReaderClient, readContractTyped } from "../contracts/readContractTyped.ts";
import { ContractRevertedError, EvmConfigError } from "../errors.ts";
import { SlaOracleReader } from "../sla/SlaOracleReader.ts";
import { translateEvmError } from "../translateEvmError.ts";
import { firstBlockAtOrAfter } from "./firstBlockAtOrAfter.ts";
import { type ScannedLog, scanLogs } from "./scanLogs.ts";

/** How a transport names a message the home chain sent: its public id and the relay job that delivers it. */
export interface SentMessageIdentity {
  readonly transport: TransportName;
  readonly messageId: string;
  readonly jobId: string;
}

/**
 * One transport's way of recognising its own message among the logs of the publishing transaction; undefined when
 * another transport carried it. The transport packages export one each (`layerZeroSentMessage`,
 * `wormholeSentMessage`), so transport event formats are parsed there, not here.
 */
export type IdentifySentMessage = (sent: {
  /** The slabridge messenger's `messageId` from the `VerdictPublished` / `PayoutPublished` event. */
  readonly messageId: Hex;
  readonly logs: readonly Log[];
}) => SentMessageIdentity | undefined;

/** Options of {@link EvmStatusReader}. */
export interface EvmStatusReaderOptions {
  /** A read-only client of the chain. */
  readonly client: ReaderClient;
  readonly chainId: number;
  readonly name: string;
  /** A payment chain's escrow (then the reader reports its settlement of an epoch). */
  readonly escrow?: Address;
  /** A payment chain's SLA receivers by model id (pay per call): a model's settlement is read from its receiver. */
  readonly slaReceivers?: Readonly<Record<string, Address>>;
  /** A home chain's registry and oracle, and the transports' identifiers tried in order on each sent message. */
  readonly home?: {
    readonly registry: Address;
    readonly oracle: Address;
    /** Hosts' bonds (absent: the deployment has none, and `bond` reads null). */
    readonly hostBond?: Address;
    readonly sentMessages: readonly IdentifySentMessage[];
  };
  /** Blocks per `eth_getLogs` request (the chain's `maxBlockRange`). */
  readonly maxBlockRange: bigint;
  /**
   * How many blocks after an epoch's end (escrow) or its verdict (home chain) are searched for its settlement and
   * publication events.
   */
  readonly logWindowBlocks: bigint;
}

/**
 * The EVM side of the status read model (`ChainStatusReader`): on a payment chain the escrow's record of an epoch with
 * its `VerdictApplied`, `Refunded`, `Released` and `PaidOut` logs; on a home chain the registry (hosts, epochs,
 * terms), the oracle's verdict with its evidence (the recording transaction, report figures, prober signatures
 * recovered against the report hash) and the verdict and payout publications, named by the transports.
 *
 * Logs are searched in bounded windows: the recording block is found from the verdict's `recordedAt` (block
 * timestamps are monotonic), publications from the verdict block on, escrow logs from the first block at or after
 * the epoch's end on this chain, each up to `logWindowBlocks` blocks in `maxBlockRange` chunks. Raw RPC errors come
 * out translated once (`translateEvmError`: typed, retryable or not, URL removed).
 *
 * @example
 * ```ts
 * const reader = new EvmStatusReader({ client, chainId: 31_337, name: "evm-a", escrow, maxBlockRange: 2_000n,
 *   logWindowBlocks: 50_000n });
 * const view = await reader.settlement?.epochSettlement({ modelId: 2n, epoch: 14n, refundBps: undefined });
 * const money = await reader.settlement?.epochMoney({ modelId: 2n, epoch: 14n, refundBps: 0, payees: undefined });
 * ```
 */
export class EvmStatusReader implements ChainStatusReader {
  readonly chainId: number;
  readonly name: string;
  readonly settlement?: EpochSettlementReader;
  readonly home?: HomeChainStatusReader;
  readonly #o: EvmStatusReaderOptions;

  constructor(options: EvmStatusReaderOptions) {
    this.#o = options;
    this.chainId = options.chainId;
    this.name = options.name;
    const { home } = options;
    const books = new EpochBooks(options.client, options);
    if (books.any) {
      this.settlement = {
        epochSettlement: (query) => translated(this.#epochSettlement(bookOf(books, query.modelId), query)),
        epochMoney: ({ modelId, epoch }) => translated(this.#epochMoney(bookOf(books, modelId), modelId, epoch)),
      };
    }
    if (home) this.home = this.#homeReader(home);
  }

  #homeReader(home: NonNullable<EvmStatusReaderOptions["home"]>): HomeChainStatusReader {
    const { client } = this.#o;
    return {
      latestTimestamp: () => translated(client.getBlock({ blockTag: "latest" }).then((block) => block.timestamp)),
      currentEpoch: (modelId) => readContractTyped(client, home.registry, modelRegistryAbi, "currentEpoch", [modelId]),
      host: async (modelId) => {
        const [endpoint, signer] = await readContractTyped(client, home.registry, modelRegistryAbi, "hostOf", [
          modelId,
        ]);
        return { endpoint, signer };
      },
      epochWindow: async (modelId, epoch) => {
        const [startsAt, endsAt] = await Promise.all([
          readContractTyped(client, home.registry, modelRegistryAbi, "epochStart", [modelId, epoch]),
          readContractTyped(client, home.registry, modelRegistryAbi, "epochEnd", [modelId, epoch]),
        ]);
        return { startsAt, endsAt };
      },
      slaTerms: (modelId, epoch): Promise<SlaTerms> =>
        readContractTyped(client, home.registry, modelRegistryAbi, "slaTermsAt", [modelId, epoch]),
      verdict: (modelId, epoch) => translated(this.#verdict(home.oracle, modelId, epoch)),
      bond: (modelId, epoch, chainIds) =>
        home.hostBond ? translated(this.#bond(home.hostBond, modelId, epoch, chainIds)) : Promise.resolve(null),
      messagesSent: (query) => translated(this.#messagesSent(home, query)),
    };
  }

  async #verdict(oracle: Address, modelId: bigint, epoch: bigint): Promise<VerdictView | null> {
    const verdict = await new SlaOracleReader(this.#o.client, oracle).verdictOf(modelId, epoch);
    if (verdict.recordedAt === 0n) return null;
    const { client } = this.#o;
    // The recording block has timestamp recordedAt; several blocks may share it.
    const fromBlock = await firstBlockAtOrAfter(client, verdict.recordedAt);
    const toBlock = (await firstBlockAtOrAfter(client, verdict.recordedAt + 1n)) - 1n;
    const [recorded] = await scanLogs(client, {
      address: oracle,
      abi: slaOracleAbi,
      eventNames: ["VerdictRecorded"],
      fromBlock,
      toBlock,
      maxBlockRange: this.#o.maxBlockRange,
      where: { modelId, epoch },
    });
    const base = {
      refundBps: verdict.refundBps,
      reportHash: verdict.reportHash,
      samplesRoot: verdict.samplesRoot,
      recordedAt: verdict.recordedAt,
    };
    if (!recorded) return { ...base, report: null, transaction: null, signatures: null };
    const args = recorded.args as {
      p50Ms: number;
      p95Ms: number;
      p99Ms: number;
      uptimeBps: number;
      sampleCount: number;
      receiptCount: number;
      receiptsRoot: Hex;
    };
    const transaction = await client.getTransaction({ hash: recorded.transactionHash });
    return {
      ...base,
      report: {
        p50Ms: args.p50Ms,
        p95Ms: args.p95Ms,
        p99Ms: args.p99Ms,
        uptimeBps: args.uptimeBps,
        sampleCount: args.sampleCount,
        receiptCount: args.receiptCount,
        receiptsRoot: args.receiptsRoot,
      },
      transaction: { chainId: this.chainId, hash: recorded.transactionHash, blockNumber: recorded.blockNumber },
      signatures: await submittedSignatures(transaction.to, transaction.input, oracle, verdict.reportHash),
    };
  }

  async #messagesSent(
    home: NonNullable<EvmStatusReaderOptions["home"]>,
    query: { readonly modelId: bigint; readonly epoch: bigint; readonly fromBlock: bigint },
  ): Promise<SentMessageView[]> {
    const { modelId, epoch, fromBlock } = query;
    const scan = (address: Address, abi: typeof slaOracleAbi | typeof modelRegistryAbi, eventName: string) =>
      scanLogs(this.#o.client, {
        address,
        abi,
        eventNames: [eventName],
        fromBlock,
        toBlock: fromBlock + this.#o.logWindowBlocks - 1n,
        maxBlockRange: this.#o.maxBlockRange,
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
    return Promise.all(published.map(({ log, message }) => this.#sentMessage(home.sentMessages, log, message)));
  }

  async #sentMessage(
    identifiers: readonly IdentifySentMessage[],
    log: ScannedLog,
    message: "Verdict" | "Payout",
  ): Promise<SentMessageView> {
    const args = log.args as { dstChain: number; messageId: Hex; payoutIndex?: number; payee?: Hex; shareBps?: number };
    const receipt = await this.#o.client.getTransactionReceipt({ hash: log.transactionHash });
    let identity: SentMessageIdentity | undefined;
    for (const identify of identifiers) {
      identity = identify({ messageId: args.messageId, logs: receipt.logs });
      if (identity) break;
    }
    if (!identity) {
      throw new EvmConfigError(
        `No transport identifies a ${message} message published on chain ${this.chainId}: wire each transport's identifier.`,
      );
    }
    return {
      message,
      destinationChainId: args.dstChain,
      transport: identity.transport,
      messageId: identity.messageId,
      sourceChainId: this.chainId,
      sourceTransaction: log.transactionHash,
      ...(message === "Payout" && args.payoutIndex !== undefined && args.payee && args.shareBps !== undefined
        ? { payout: { payoutIndex: args.payoutIndex, payee: args.payee, shareBps: args.shareBps } }
        : {}),
      jobId: identity.jobId,
    };
  }

  /** The HostBond's view of the model's bond and of what it paid for the epoch, per payment chain. */
  async #bond(hostBond: Address, modelId: bigint, epoch: bigint, chainIds: readonly number[]): Promise<EpochBondView> {
    const { client } = this.#o;
    const [bond, [settled, slashed], topUps] = await Promise.all([
      readContractTyped(client, hostBond, hostBondAbi, "bondOf", [modelId]),
      readContractTyped(client, hostBond, hostBondAbi, "slashOf", [modelId, epoch]),
      Promise.all(
        chainIds.map(async (chainId) => ({
          chainId,
          amount: await readContractTyped(client, hostBond, hostBondAbi, "topUpOf", [modelId, epoch, chainId]),
        })),
      ),
    ]);
    return { amount: bond.amount, unlockEpoch: bond.unlockEpoch, settled, slashed, topUps };
  }

  /** The escrow's record alone: released counts once the record is released and every payout reached 10,000 bps. */
  async #epochMoney(book: EpochBook, modelId: bigint, epoch: bigint): Promise<EpochMoneyView> {
    const [record, topUp] = await Promise.all([book.epochRecord(modelId, epoch), book.topUpOf(modelId, epoch)]);
    const { status } = record;
    // An epoch that released nothing has no payout to make (none is published): paid out in full at release.
    const paidOutInFull = status === "released" && (record.paidOutBps === BPS || releasesNothing(record));
    // The escrow's cumulative rule: the shares of payments [0, cursor) add up to due * cumulative / eligible.
    const topUpPaid = topUp.due === 0n || topUp.eligible === 0n ? 0n : (topUp.due * topUp.cumulative) / topUp.eligible;
    return {
      chainId: this.chainId,
      paid: record.paid,
      refunded: record.refunded,
      ...(topUp.due === 0n ? {} : { topUpPaid }),
      paidOut: record.paidOut,
      // A zero-refund verdict sets the cursor to the count at once; an open epoch has nothing refunded yet. A verdict
      // with a bond top-up is refunded once its second cursor got there too.
      refundsDone:
        status !== "open" && record.refundCursor >= record.count && (topUp.due === 0n || topUp.cursor >= record.count),
      released: paidOutInFull ? record.paid - record.refunded : undefined,
    };
  }

  async #epochSettlement(book: EpochBook, query: EpochSettlementQuery): Promise<EvmSettlementView> {
    const { modelId, epoch } = query;
    const { client } = this.#o;
    const base = { family: "evm" as const, chainId: this.chainId, name: this.name, escrow: book.address };
    let epochEnd: bigint;
    try {
      epochEnd = await book.epochEnd(modelId, epoch);
    } catch (error) {
      if (error instanceof ContractRevertedError && error.errorName === "ModelNotListed")
        return { ...base, listed: false };
      throw error;
    }
    const record = await book.epochRecord(modelId, epoch);
    const fromBlock = await firstBlockAtOrAfter(client, epochEnd);
    // Escrow and SLA receiver emit the same settlement events.
    const logs = await scanLogs(client, {
      address: book.address,
      abi: escrowAbi,
      eventNames: ["VerdictApplied", "Refunded", "Released", "PaidOut"],
      fromBlock,
      toBlock: fromBlock + this.#o.logWindowBlocks - 1n,
      maxBlockRange: this.#o.maxBlockRange,
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
      status: record.status,
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
}

/** The model's book; the reader exists only for a chain with books, so the escrow or a receiver answers. */
function bookOf(books: EpochBooks, modelId: bigint): EpochBook {
  const book = books.of(modelId);
  if (!book) throw new EvmConfigError(`no escrow or SLA receiver books model ${modelId} on this chain`);
  return book;
}

/** Raw RPC errors (block and log reads) are translated here, once: typed, retryable or not, URL removed. */
async function translated<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    throw error instanceof BaseError ? translateEvmError(error, { operation: "status read" }) : error;
  }
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
