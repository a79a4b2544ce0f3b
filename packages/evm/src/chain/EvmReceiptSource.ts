import { layerZeroMessengerAbi } from "@slabridge/contracts";
import { encodeMessage, type ReceiptProgress, type ReceiptSource, type TransportName } from "@slabridge/core";
import type { Address } from "viem";
import type { EpochBook, EpochBooks } from "../contracts/EpochBook.ts";
import type { EvmChainClient } from "../createEvmChainClient.ts";
import { EvmConfigError } from "../errors.ts";
import type { EvmSender } from "../sender/EvmSender.ts";
import type { EvmVoucherClaimer } from "./EvmVoucherClaimer.ts";

/** Messengers of one payment chain, by transport. */
export type MessengerAddresses = Readonly<Record<TransportName, Address>>;

/**
 * Seconds after an epoch's end before its vouchers are claimed: a call the gateway served just before the end is
 * recorded a moment later, and its voucher belongs to that epoch.
 */
const DEFAULT_CLAIM_DELAY_SECONDS = 3n;

/**
 * Receipts of an EVM payment chain: the model's book (the escrow, or the model's SLA receiver) computes each batch
 * (count, total, Merkle root) on chain and its receipt cursor makes every batch go out once, so relaying is "call
 * relayReceipts until the final batch is out". An SLA receiver's epoch is first claimed (the gateway's vouchers of
 * that epoch), once its end is `claimDelaySeconds` behind; its first batch closes it to claims.
 *
 * @example const source = new EvmReceiptSource({ chainId: 31337, homeChainId: 31338, books, client, sender, messengers });
 */
export class EvmReceiptSource implements ReceiptSource {
  readonly chainId: number;
  readonly #o: {
    homeChainId: number;
    books: EpochBooks;
    client: EvmChainClient;
    sender: EvmSender;
    messengers: MessengerAddresses;
    claimer: EvmVoucherClaimer | undefined;
    claimDelaySeconds: bigint;
  };

  constructor(options: {
    chainId: number;
    homeChainId: number;
    books: EpochBooks;
    client: EvmChainClient;
    sender: EvmSender;
    messengers: MessengerAddresses;
    /** Claims an SLA receiver's epoch before its first batch (required when the chain has receivers). */
    claimer?: EvmVoucherClaimer;
    claimDelaySeconds?: bigint;
  }) {
    this.chainId = options.chainId;
    this.#o = {
      ...options,
      claimer: options.claimer,
      claimDelaySeconds: options.claimDelaySeconds ?? DEFAULT_CLAIM_DELAY_SECONDS,
    };
  }

  async progress(modelId: bigint, epoch: bigint): Promise<ReceiptProgress> {
    const book = this.#book(modelId);
    const [record, endsAt, block] = await Promise.all([
      book.epochRecord(modelId, epoch),
      book.epochEnd(modelId, epoch),
      this.#o.client.getBlock({ blockTag: "latest" }),
    ]);
    const readyAt = book.kind === "sla-receiver" ? endsAt + this.#o.claimDelaySeconds : endsAt;
    // The chain's clock decides (pay() and relayReceipts() compare with block.timestamp), not ours.
    return {
      epochOver: block.timestamp >= readyAt,
      epochEndsAt: Number(readyAt) * 1000,
      relayedAll: record.batches > 0 && record.relayed >= record.count,
    };
  }

  async relayNextBatch(modelId: bigint, epoch: bigint, transport: TransportName, maxPayments: number) {
    const book = this.#book(modelId);
    const receiver = this.#o.books.receiverOf(modelId);
    if (receiver) {
      // Until the first batch is out the epoch is open to claims: book every voucher of it first (a repeat claims
      // nothing: the channel contract already holds those cumulatives).
      if (!this.#o.claimer)
        throw new EvmConfigError(`chain ${this.chainId}: model ${modelId} has an SLA receiver but no claimer`);
      const record = await receiver.epochRecord(modelId, epoch);
      if (record.batches === 0) await this.#o.claimer.claim(receiver, epoch);
    }
    const messenger = this.#o.messengers[transport];
    const fee = await this.#quote(messenger, modelId, epoch, maxPayments);
    const { receipt } = await this.#o.sender.send(
      book.relayReceiptsTx({ modelId, epoch, maxPayments, messenger, value: fee }),
    );
    return { transaction: receipt.transactionHash };
  }

  #book(modelId: bigint): EpochBook {
    const book = this.#o.books.of(modelId);
    if (!book) throw new EvmConfigError(`chain ${this.chainId} takes no payments for model ${modelId}`);
    return book;
  }

  /**
   * The messenger's fee for a receipt batch. The fee depends only on the message size, which is fixed per kind, so
   * a same-shaped placeholder batch quotes exactly; the escrow pays the exact quote and returns any change.
   */
  async #quote(messenger: Address, modelId: bigint, epoch: bigint, maxPayments: number): Promise<bigint> {
    const message = encodeMessage({
      kind: "ReceiptBatch",
      modelId,
      epoch,
      paymentChain: this.chainId,
      batchIndex: 0,
      count: maxPayments,
      total: 0n,
      paymentsRoot: `0x${"00".repeat(32)}`,
      finalBatch: false,
    });
    // Both messengers share IMessenger.quote; either ABI decodes it.
    return this.#o.client.readContract({
      address: messenger,
      abi: layerZeroMessengerAbi,
      functionName: "quote",
      args: [this.#o.homeChainId, message],
    });
  }
}
