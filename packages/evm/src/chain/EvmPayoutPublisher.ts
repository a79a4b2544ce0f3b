import { layerZeroMessengerAbi, modelRegistryAbi } from "@slabridge/contracts";
import {
  encodeMessage,
  type PayoutPublisher,
  type PayoutStatus,
  SlabridgeError,
  type TransportName,
} from "@slabridge/core";
import { type Address, encodeFunctionData, getAbiItem } from "viem";
import type { EpochBooks } from "../contracts/EpochBook.ts";
import type { EvmChainClient } from "../createEvmChainClient.ts";
import type { EvmSender } from "../sender/EvmSender.ts";

/** A settle job's chain has no Payout route from the home chain in the stage config: nothing can be published. */
export class PayoutRouteMissingError extends SlabridgeError {
  override readonly name = "PayoutRouteMissingError" as const;
  constructor(readonly chainId: number) {
    super(`no Payout route from the home chain to chain ${chainId}`, { retryable: false });
  }
}

/** An EVM payment chain's escrow, where payouts to it are marked paid. */
export interface EvmEscrowRef {
  client: EvmChainClient;
  escrow: Address;
}

/** Options of {@link EvmPayoutPublisher}. */
export interface EvmPayoutPublisherOptions {
  /** The home chain's client and ModelRegistry. */
  client: EvmChainClient;
  registry: Address;
  /** Sends from the home chain (publishPayout is permissionless: the executor key pays the fee). */
  sender: EvmSender;
  /** The home messenger that carries payouts to `chainId` (the stage config's Payout route), or undefined. */
  messengerFor(chainId: number): { transport: TransportName; messenger: Address } | undefined;
  /** The books of an EVM payment chain, for their paid bits (undefined: not an EVM chain of the deployment). */
  booksOf(chainId: number): EpochBooks | undefined;
  /** First home block to look for PayoutPublished logs in (the registry's deployment block; default 0). */
  fromBlock?: bigint;
  /** Blocks per getLogs call (the stage config's maxBlockRange of the home chain; default 2000). */
  maxBlockRange?: bigint;
}

const payoutPublished = getAbiItem({ abi: modelRegistryAbi, name: "PayoutPublished" });

/**
 * Payouts of the home chain's ModelRegistry: the split table of the (model, epoch) gives the indexes; a payout is
 * "paid" when the destination book's paid bit is set (the model's SLA receiver or the escrow), "published" when the registry's PayoutPublished log for
 * (model, epoch, chain, index) exists; `publish` calls `publishPayout` over the route's messenger paying its quote.
 *
 * @example
 * const publisher = new EvmPayoutPublisher({ client, registry, sender, messengerFor, booksOf });
 * if ((await publisher.status(31_337, 2n, 42n, 0)) === "open") await publisher.publish(31_337, 2n, 42n, 0);
 */
export class EvmPayoutPublisher implements PayoutPublisher {
  readonly #o: EvmPayoutPublisherOptions;

  constructor(options: EvmPayoutPublisherOptions) {
    this.#o = options;
  }

  async payoutCount(modelId: bigint, epoch: bigint): Promise<number> {
    const payees = await this.#o.client.readContract({
      address: this.#o.registry,
      abi: modelRegistryAbi,
      functionName: "payees",
      args: [modelId, epoch],
    });
    return payees.length;
  }

  servesChain(chainId: number): boolean {
    return this.#o.booksOf(chainId)?.any === true;
  }

  async status(chainId: number, modelId: bigint, epoch: bigint, payoutIndex: number): Promise<PayoutStatus> {
    const book = this.#o.booksOf(chainId)?.of(modelId);
    if (book && (await book.isPayoutPaid(modelId, epoch, payoutIndex))) return "paid";
    return (await this.#publishedIndexes(chainId, modelId, epoch)).has(payoutIndex) ? "published" : "open";
  }

  async publish(
    chainId: number,
    modelId: bigint,
    epoch: bigint,
    payoutIndex: number,
  ): Promise<{ transaction: string }> {
    const route = this.#o.messengerFor(chainId);
    if (!route) throw new PayoutRouteMissingError(chainId);
    // The fee depends on the message's size only, which is fixed per kind: a same-shaped payout quotes exactly, and
    // the registry pays the exact quote and returns the change.
    const message = encodeMessage({
      kind: "Payout",
      modelId,
      epoch,
      payoutIndex,
      payee: `0x${"00".repeat(32)}`,
      shareBps: 0,
    });
    const fee = await this.#o.client.readContract({
      address: route.messenger,
      abi: layerZeroMessengerAbi,
      functionName: "quote",
      args: [chainId, message],
    });
    const { receipt } = await this.#o.sender.send({
      to: this.#o.registry,
      data: encodeFunctionData({
        abi: modelRegistryAbi,
        functionName: "publishPayout",
        args: [modelId, epoch, chainId, payoutIndex, route.messenger],
      }),
      value: fee,
      abi: modelRegistryAbi,
    });
    return { transaction: receipt.transactionHash };
  }

  /** Payout indexes of (model, epoch) the registry has published to `chainId`, by its PayoutPublished logs. */
  async #publishedIndexes(chainId: number, modelId: bigint, epoch: bigint): Promise<Set<number>> {
    const latest = await this.#o.client.getBlockNumber();
    const range = this.#o.maxBlockRange ?? 2_000n;
    const found = new Set<number>();
    for (let from = this.#o.fromBlock ?? 0n; from <= latest; from += range) {
      const to = from + range - 1n < latest ? from + range - 1n : latest;
      const logs = await this.#o.client.getLogs({
        address: this.#o.registry,
        event: payoutPublished,
        args: { modelId, epoch, dstChain: chainId },
        fromBlock: from,
        toBlock: to,
      });
      for (const log of logs) if (log.args.payoutIndex !== undefined) found.add(log.args.payoutIndex);
    }
    return found;
  }
}
