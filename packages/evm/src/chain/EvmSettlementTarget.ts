import type { SettlementState, SettlementTarget } from "@slabridge/core";
import { buildRefundTx } from "../contracts/buildRefundTx.ts";
import { buildReleaseTx } from "../contracts/buildReleaseTx.ts";
import { buildFundTopUpTx, buildRefundTopUpTx } from "../contracts/buildTopUpTxs.ts";
import { EPOCH_STATUS, type EscrowReader } from "../contracts/EscrowReader.ts";
import { ContractRevertedError } from "../errors.ts";
import type { EvmSender } from "../sender/EvmSender.ts";

/**
 * Settlement on an EVM payment chain's Escrow: the epoch record says whether the verdict arrived
 * (status != open), how far refunds went (refundCursor vs count) and whether the rest was released. `refund` moves
 * the on-chain cursor forward, so a repeated call refunds the next payments, never the same twice; a second
 * `release` reverts `AlreadyReleased`, which the engine reads back as "done". A verdict that carries a host bond
 * top-up is refunded in two passes: the refund shares, then (once the top-up is funded from the netting vault's
 * allowance) each payment's share of the top-up, on the escrow's second cursor; refunds are done after both.
 *
 * @example
 * const target = new EvmSettlementTarget({ chainId: 31337, escrow: new EscrowReader(client, address), sender });
 * await target.refundNext(2n, 42n, 100);
 */
export class EvmSettlementTarget implements SettlementTarget {
  readonly chainId: number;
  readonly #escrow: EscrowReader;
  readonly #sender: EvmSender;

  constructor(options: { chainId: number; escrow: EscrowReader; sender: EvmSender }) {
    this.chainId = options.chainId;
    this.#escrow = options.escrow;
    this.#sender = options.sender;
  }

  async state(modelId: bigint, epoch: bigint): Promise<SettlementState> {
    const [record, topUp] = await Promise.all([
      this.#escrow.epochRecord(modelId, epoch),
      this.#escrow.topUpOf(modelId, epoch),
    ]);
    const status = EPOCH_STATUS[record.status] ?? "open";
    const verdictApplied = status !== "open";
    return {
      verdictApplied,
      // A zero-refund verdict sets the cursor to the count at once; an open epoch has nothing refunded yet.
      refundsDone: verdictApplied && record.refundCursor >= record.count,
      topUpsDone: verdictApplied && (topUp.due === 0n || topUp.cursor >= record.count),
      released: status === "released",
    };
  }

  async refundNext(modelId: bigint, epoch: bigint, maxPayments: number): Promise<{ transaction: string }> {
    const escrow = this.#escrow.address;
    const max = BigInt(maxPayments);
    const [record, topUp] = await Promise.all([
      this.#escrow.epochRecord(modelId, epoch),
      this.#escrow.topUpOf(modelId, epoch),
    ]);
    // Refund shares first, then the bond top-up: each pass has its own on-chain cursor, and funding happens once.
    const tx =
      record.refundCursor < record.count || topUp.due === 0n
        ? buildRefundTx({ escrow, modelId, epoch, maxPayments: max })
        : !topUp.funded
          ? buildFundTopUpTx({ escrow, modelId, epoch })
          : buildRefundTopUpTx({ escrow, modelId, epoch, maxPayments: max });
    try {
      const { receipt } = await this.#sender.send(tx);
      return { transaction: receipt.transactionHash };
    } catch (error) {
      // Another worker funded it between our read and our send: done, the next step reads the state again.
      if (error instanceof ContractRevertedError && error.errorName === "TopUpAlreadyFunded")
        return { transaction: "" };
      throw error;
    }
  }

  async release(modelId: bigint, epoch: bigint): Promise<{ transaction: string }> {
    const { receipt } = await this.#sender.send(buildReleaseTx({ escrow: this.#escrow.address, modelId, epoch }));
    return { transaction: receipt.transactionHash };
  }
}
