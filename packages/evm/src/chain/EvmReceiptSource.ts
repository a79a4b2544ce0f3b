import { layerZeroMessengerAbi } from "@slabridge/contracts";
import { encodeMessage, type ReceiptProgress, type ReceiptSource, type TransportName } from "@slabridge/core";
import type { Address } from "viem";
import { buildRelayReceiptsTx } from "../contracts/buildRelayReceiptsTx.ts";
import type { EscrowReader } from "../contracts/EscrowReader.ts";
import type { EvmChainClient } from "../createEvmChainClient.ts";
import type { EvmSender } from "../sender/EvmSender.ts";

/** Messengers of one payment chain, by transport. */
export type MessengerAddresses = Readonly<Record<TransportName, Address>>;

/**
 * Receipts of an EVM payment chain: the escrow computes each batch (count, total, Merkle root) on chain and its
 * receipt cursor makes every batch go out once, so relaying is "call relayReceipts until the final batch is out".
 *
 * @example const source = new EvmReceiptSource({ chainId: 31337, homeChainId: 31338, escrow, client, sender, messengers });
 */
export class EvmReceiptSource implements ReceiptSource {
  readonly chainId: number;
  readonly #o: {
    homeChainId: number;
    escrow: EscrowReader;
    client: EvmChainClient;
    sender: EvmSender;
    messengers: MessengerAddresses;
    now: () => number;
  };

  constructor(options: {
    chainId: number;
    homeChainId: number;
    escrow: EscrowReader;
    client: EvmChainClient;
    sender: EvmSender;
    messengers: MessengerAddresses;
    now?: () => number;
  }) {
    this.chainId = options.chainId;
    this.#o = { ...options, now: options.now ?? Date.now };
  }

  async progress(modelId: bigint, epoch: bigint): Promise<ReceiptProgress> {
    const [record, endsAt, block] = await Promise.all([
      this.#o.escrow.epochRecord(modelId, epoch),
      this.#o.escrow.epochEnd(modelId, epoch),
      this.#o.client.getBlock({ blockTag: "latest" }),
    ]);
    // The chain's clock decides (pay() and relayReceipts() compare with block.timestamp), not ours.
    const epochOver = block.timestamp >= endsAt;
    return {
      epochOver,
      epochEndsAt: Number(endsAt) * 1000,
      relayedAll: record.batches > 0 && record.relayed >= record.count,
    };
  }

  async relayNextBatch(modelId: bigint, epoch: bigint, transport: TransportName, maxPayments: number) {
    const messenger = this.#o.messengers[transport];
    const fee = await this.#quote(messenger, modelId, epoch, maxPayments);
    const { receipt } = await this.#o.sender.send(
      buildRelayReceiptsTx({ escrow: this.#o.escrow.address, modelId, epoch, maxPayments, messenger, value: fee }),
    );
    return { transaction: receipt.transactionHash };
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
