import { escrowAbi, layerZeroMessengerAbi, modelRegistryAbi } from "@slabridge/contracts";
import { encodeMessage, SlabridgeError, type TransportName } from "@slabridge/core";
import type { EvmSender } from "@slabridge/evm";
import type { PayoutPublisher, PayoutStatus } from "@slabridge/relay";
import { type Address, encodeFunctionData, getAbiItem, type PublicClient } from "viem";

/** A settle job's chain has no Payout route from the home chain in the stage config: nothing can be published. */
export class PayoutRouteMissingError extends SlabridgeError {
  override readonly name = "PayoutRouteMissingError" as const;
  constructor(readonly chainId: number) {
    super(`no Payout route from the home chain to chain ${chainId}`, { retryable: false });
  }
}

/** Options of {@link RegistryPayoutPublisher}. */
export interface RegistryPayoutPublisherOptions {
  /** The home chain's client and ModelRegistry. */
  client: PublicClient;
  registry: Address;
  /** Sends from the home chain (publishPayout is permissionless: the executor key pays the fee). */
  sender: EvmSender;
  /** The home messenger that carries payouts to `chainId` (the stage config's Payout route), or undefined. */
  messengerFor(chainId: number): { transport: TransportName; messenger: Address } | undefined;
  /** Escrow and client of each EVM payment chain, for its paid bits. */
  escrows: ReadonlyMap<number, { client: PublicClient; escrow: Address }>;
  /** First home block to look for PayoutPublished logs in (the registry's deployment block; default 0). */
  fromBlock?: bigint;
  /** Blocks per getLogs call (the stage config's maxBlockRange of the home chain; default 2000). */
  maxBlockRange?: bigint;
}

const payoutPublished = getAbiItem({ abi: modelRegistryAbi, name: "PayoutPublished" });

/**
 * Payouts of the home chain's ModelRegistry: the split table of the (model, epoch) gives the indexes; a payout is
 * "paid" when the destination escrow's paid bit is set, "published" when the registry's PayoutPublished log for
 * (model, epoch, chain, index) exists; `publish` calls `publishPayout` over the route's messenger paying its quote.
 *
 * @example
 * const publisher = new RegistryPayoutPublisher({ client, registry, sender, messengerFor, escrows });
 * if ((await publisher.status(31_337, 2n, 42n, 0)) === "open") await publisher.publish(31_337, 2n, 42n, 0);
 */
export class RegistryPayoutPublisher implements PayoutPublisher {
  readonly #o: RegistryPayoutPublisherOptions;

  constructor(options: RegistryPayoutPublisherOptions) {
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
    return this.#o.escrows.has(chainId);
  }

  async status(chainId: number, modelId: bigint, epoch: bigint, payoutIndex: number): Promise<PayoutStatus> {
    const escrow = this.#o.escrows.get(chainId);
    if (escrow) {
      const paid = await escrow.client.readContract({
        address: escrow.escrow,
        abi: escrowAbi,
        functionName: "isPayoutPaid",
        args: [modelId, epoch, payoutIndex],
      });
      if (paid) return "paid";
    }
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
