import type { SettlementState, SettlementTarget } from "@slabridge/core";
import { type EpochBook, type EpochBooks, releasesNothing } from "../contracts/EpochBook.ts";
import { ContractRevertedError, EvmConfigError } from "../errors.ts";
import type { EvmSender } from "../sender/EvmSender.ts";

/**
 * Settlement on an EVM payment chain, on the model's book (the Escrow, or the model's SLA receiver): the epoch
 * record says whether the verdict arrived (status != open), how far refunds went (refundCursor vs count) and whether
 * the rest was released. `refund` moves the on-chain cursor forward, so a repeated call refunds the next payments,
 * never the same twice; a second `release` reverts `AlreadyReleased`, which the engine reads back as "done". A
 * verdict that carries a host bond top-up: the escrow refunds in two passes (the refund shares, then, once the
 * top-up is funded from the netting vault's allowance, each payment's share of it on its second cursor); an SLA
 * receiver has the top-up funded first and pays each buyer's refund and top-up share in one transfer.
 *
 * @example
 * const target = new EvmSettlementTarget({ chainId: 31337, books: new EpochBooks(client, contracts), sender });
 * await target.refundNext(2n, 42n, 100);
 */
export class EvmSettlementTarget implements SettlementTarget {
  readonly chainId: number;
  readonly #books: EpochBooks;
  readonly #sender: EvmSender;

  constructor(options: { chainId: number; books: EpochBooks; sender: EvmSender }) {
    this.chainId = options.chainId;
    this.#books = options.books;
    this.#sender = options.sender;
  }

  async state(modelId: bigint, epoch: bigint): Promise<SettlementState> {
    const book = this.#book(modelId);
    const [record, topUp] = await Promise.all([book.epochRecord(modelId, epoch), book.topUpOf(modelId, epoch)]);
    const verdictApplied = record.status !== "open";
    return {
      verdictApplied,
      // A zero-refund verdict sets the cursor to the count at once; an open epoch has nothing refunded yet.
      refundsDone: verdictApplied && record.refundCursor >= record.count,
      topUpsDone: verdictApplied && (topUp.due === 0n || topUp.cursor >= record.count),
      released: record.status === "released",
      nothingToRelease: releasesNothing(record),
    };
  }

  async refundNext(modelId: bigint, epoch: bigint, maxPayments: number): Promise<{ transaction: string }> {
    const book = this.#book(modelId);
    const max = BigInt(maxPayments);
    const [record, topUp] = await Promise.all([book.epochRecord(modelId, epoch), book.topUpOf(modelId, epoch)]);
    const tx = nextRefundTx(book, modelId, epoch, max, {
      refundsLeft: record.refundCursor < record.count,
      due: topUp.due,
      funded: topUp.funded,
    });
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
    const { receipt } = await this.#sender.send(this.#book(modelId).releaseTx(modelId, epoch));
    return { transaction: receipt.transactionHash };
  }

  #book(modelId: bigint): EpochBook {
    const book = this.#books.of(modelId);
    if (!book) throw new EvmConfigError(`chain ${this.chainId} takes no payments for model ${modelId}`);
    return book;
  }
}

/**
 * The next refund step. Escrow: the refund shares first, then fund the top-up once, then the top-up pass (each pass
 * has its own on-chain cursor). SLA receiver: fund the top-up first, since each refund transfer carries the share.
 */
function nextRefundTx(
  book: EpochBook,
  modelId: bigint,
  epoch: bigint,
  max: bigint,
  s: { refundsLeft: boolean; due: bigint; funded: boolean },
) {
  if (s.due !== 0n && !s.funded && (book.kind === "sla-receiver" || !s.refundsLeft)) {
    return book.fundTopUpTx(modelId, epoch);
  }
  if (s.refundsLeft || s.due === 0n) return book.refundTx(modelId, epoch, max);
  return book.refundTopUpTx(modelId, epoch, max) ?? book.refundTx(modelId, epoch, max);
}
