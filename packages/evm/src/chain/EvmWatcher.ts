import { escrowAbi } from "@slabridge/contracts";
import {
  type ChainAdapter,
  type ChainWatchResult,
  type Clock,
  type CursorStore,
  createEpochReceiptJobs,
  type DeploymentManifest,
  type EvmChainManifest,
  type Job,
  type JobIntake,
  jobIds,
  type SettlementJobRef,
  type StageConfig,
} from "@slabridge/core";
import { type Address, getAbiItem } from "viem";
import type { EvmChainClient } from "../createEvmChainClient.ts";
import { EvmLogWatcher } from "../watcher/EvmLogWatcher.ts";
import { toJobSource } from "../watcher/toJobSource.ts";
import type { EvmOutbox } from "./EvmOutbox.ts";

const verdictApplied = getAbiItem({ abi: escrowAbi, name: "VerdictApplied" });

/** Options of {@link EvmWatcher}. */
export interface EvmWatcherOptions {
  chain: EvmChainManifest;
  client: EvmChainClient;
  manifest: Pick<DeploymentManifest, "homeChainId" | "models">;
  config: Pick<StageConfig, "routes" | "chains">;
  cursors: CursorStore;
  clock: Clock;
  intake: JobIntake;
  /** The transports' outboxes on this chain (LayerZero's endpoint, Wormhole's core). */
  outboxes(): readonly EvmOutbox[];
  /** The adapter of a chain of the deployment (undefined: a chain we do not serve). */
  chainOf(chainId: number): Pick<ChainAdapter, "receive"> | undefined;
}

/**
 * One watch pass over an EVM chain: (1) slabridge messages that left the chain through either messenger (decoded by
 * the transports' outboxes, past the chain's confirmations, reorg-checked) become deliver-message jobs, or, when
 * the destination's adapter takes messages itself (Solana), are handed to it; (2) on a payment chain, every ended
 * epoch of every model becomes a relay-receipts job; (3) every verdict the escrow applied (VerdictApplied, past the
 * confirmations) becomes a refund job and a settle job (release, then payouts) for its (model, epoch). Job ids are
 * deterministic, so a rescan or a duplicate run creates nothing twice.
 *
 * @example
 * const watcher = new EvmWatcher({ chain, client, manifest, config, cursors, clock, intake, outboxes, chainOf });
 * const result = await watcher.watch(); // { chain: "evm-a", messages: 1, receiptJobs: 2, refundJobs: 0, ... }
 */
export class EvmWatcher {
  readonly #o: EvmWatcherOptions;

  constructor(options: EvmWatcherOptions) {
    this.#o = options;
  }

  async watch(): Promise<ChainWatchResult> {
    const { chain } = this.#o;
    const sent = await this.#watchMessages();
    // The escrow and the SLA receivers emit the same VerdictApplied: one watch over all of them.
    const books = [
      ...(chain.contracts.escrow ? [chain.contracts.escrow] : []),
      ...Object.values(chain.contracts.slaReceivers ?? {}),
    ];
    const receiptJobs = books.length > 0 ? await this.#createReceiptJobs() : 0;
    const verdicts = books.length > 0 ? await this.#watchVerdicts(books) : { refunds: 0, settles: 0 };
    const reorg = sent.reorg ?? verdicts.reorg;
    return {
      chain: chain.name,
      chainId: chain.chainId,
      family: "evm",
      messages: sent.messages,
      receiptJobs,
      refundJobs: verdicts.refunds,
      settleJobs: verdicts.settles,
      forwardedJobs: sent.forwarded,
      payments: 0,
      ...(reorg === undefined ? {} : { reorg: reorg.toString() }),
    };
  }

  /** The refund and settle jobs of (model, epoch) on this chain, as {@link evmSettlementJobs} shapes them. */
  settlementJobs(ref: SettlementJobRef): { refund: Job; settle: Job } {
    const { chain, manifest, config, clock } = this.#o;
    return evmSettlementJobs({ chainId: chain.chainId, homeChainId: manifest.homeChainId, config, clock }, ref);
  }

  #maxBlockRange(): number {
    return this.#o.config.chains.find((c) => c.chainId === this.#o.chain.chainId)?.maxBlockRange ?? 2_000;
  }

  async #watchMessages(): Promise<{ messages: number; forwarded: number; reorg?: bigint }> {
    const { chain, client, intake } = this.#o;
    const outboxes = this.#o.outboxes();
    let messages = 0;
    let forwarded = 0;
    let reorg: bigint | undefined;
    const watcher = new EvmLogWatcher({
      client,
      cursorStore: this.#o.cursors,
      cursorId: `evm:${chain.chainId}:messages`,
      address: outboxes.map((outbox) => outbox.address),
      events: outboxes.map((outbox) => outbox.event),
      confirmations: chain.confirmations,
      maxBlockRange: this.#maxBlockRange(),
      startBlock: 0n,
    });
    await watcher.poll(
      async (logs) => {
        for (const log of logs) {
          const outbox = outboxes.find((o) => o.address.toLowerCase() === log.address.toLowerCase());
          const found = outbox?.decode(log);
          if (!outbox || !found) continue;
          const destination = this.#o.chainOf(found.destination);
          if (!destination) continue; // a chain this deployment does not serve
          const source = toJobSource(chain.chainId, log);
          if (destination.receive) {
            // No messenger delivers there: the destination's adapter takes the message itself (message-level intake).
            if (found.messageId !== undefined) {
              forwarded += await destination.receive({
                transport: outbox.transport,
                message: found.message,
                messageId: found.messageId,
                source,
              });
            }
            continue;
          }
          const now = this.#o.clock.now();
          for (const ref of await outbox.messagesIn(log.transactionHash)) {
            const job: Job = {
              id: outbox.deliverJobId(ref),
              kind: "deliver-message",
              status: "observed",
              version: 1,
              source,
              destinationChainId: found.destination,
              transport: outbox.transport,
              payload: found.message,
              messageRef: ref,
              attempts: 0,
              createdAt: now,
              updatedAt: now,
            };
            if ((await intake.ingest(job)) === "created") messages++;
          }
        }
      },
      {
        onReorg: (event) => {
          reorg = event.depth;
        },
      },
    );
    return { messages, forwarded, ...(reorg === undefined ? {} : { reorg }) };
  }

  async #createReceiptJobs(): Promise<number> {
    const { client, chain } = this.#o;
    const block = await client.getBlock({ blockTag: "latest" });
    // The escrow's clock is its chain's block time, so epochs end by the latest block, not by our wall clock.
    return createEpochReceiptJobs(this.#o, {
      chainId: chain.chainId,
      nowSeconds: block.timestamp,
      block: block.number ?? 0n,
      blockHash: block.hash ?? "0x",
    });
  }

  /**
   * Verdicts applied by the chain's escrow or SLA receivers become refund jobs: the payment chain itself says when refunds can start,
   * whichever transport delivered the verdict and whoever executed it. A zero-refund verdict still gets a job (it
   * confirms at once: the escrow marks its refunds done). Each verdict also becomes the (model, epoch)'s settle
   * job, which waits for the refunds (without spending attempts), releases and publishes the payouts to this chain.
   */
  async #watchVerdicts(books: readonly Address[]): Promise<{ refunds: number; settles: number; reorg?: bigint }> {
    const { chain, intake } = this.#o;
    let refunds = 0;
    let settles = 0;
    let reorg: bigint | undefined;
    const watcher = new EvmLogWatcher({
      client: this.#o.client,
      cursorStore: this.#o.cursors,
      cursorId: `evm:${chain.chainId}:escrow-verdicts`,
      address: books,
      events: [verdictApplied] as const,
      confirmations: chain.confirmations,
      maxBlockRange: this.#maxBlockRange(),
      startBlock: 0n,
    });
    await watcher.poll(
      async (logs) => {
        for (const log of logs) {
          const { modelId, epoch } = log.args;
          const { refund, settle } = this.settlementJobs({
            modelId,
            epoch,
            source: toJobSource(chain.chainId, log),
          });
          if ((await intake.ingest(refund)) === "created") refunds++;
          if ((await intake.ingest(settle)) === "created") settles++;
        }
      },
      {
        onReorg: (event) => {
          reorg = event.depth;
        },
      },
    );
    return { refunds, settles, ...(reorg === undefined ? {} : { reorg }) };
  }
}

/**
 * The refund and settle jobs of a verdict an EVM escrow applied, as the watcher and the settlement sweep create
 * them: deterministic ids (`jobIds.refund`/`jobIds.settle`), both executed on the payment chain itself; the settle
 * job's transport is the chain's Payout route (its payouts travel from the home chain), the refund's a placeholder.
 *
 * @example
 * const { refund, settle } = evmSettlementJobs({ chainId: 31337, homeChainId, config, clock }, { modelId: 2n, epoch: 41n, source });
 */
export function evmSettlementJobs(
  options: { chainId: number; homeChainId: number; config: Pick<StageConfig, "routes">; clock: Clock },
  ref: SettlementJobRef,
): { refund: Job; settle: Job } {
  const { chainId } = options;
  const now = options.clock.now();
  const { modelId, epoch } = ref;
  const payoutRoute = options.config.routes.find(
    (r) => r.source === options.homeChainId && r.destination === chainId && r.kind === "Payout",
  );
  const refund: Job = {
    id: jobIds.refund({ chainId, modelId, epoch }),
    kind: "refund",
    status: "observed",
    version: 1,
    source: ref.source,
    // Refunds are sent on the payment chain itself.
    destinationChainId: chainId,
    transport: "layerzero", // no message travels: refunds are local calls, the field is only required
    payload: "0x",
    epochRef: { modelId, epoch },
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  };
  const settle: Job = {
    ...refund,
    id: jobIds.settle({ chainId, modelId, epoch }),
    kind: "settle",
    // The payouts travel over this chain's Payout route (the release itself is a local call).
    transport: payoutRoute?.transport ?? refund.transport,
  };
  return { refund, settle };
}
