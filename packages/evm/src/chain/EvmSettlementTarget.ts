import type { SettlementState, SettlementTarget } from "@slabridge/core";
import { buildRefundTx } from "../contracts/buildRefundTx.ts";
import { buildReleaseTx } from "../contracts/buildReleaseTx.ts";
import { EPOCH_STATUS, type EscrowReader } from "../contracts/EscrowReader.ts";
import type { EvmSender } from "../sender/EvmSender.ts";

/**
 * Settlement on an EVM payment chain's Escrow: the epoch record says whether the verdict arrived
 * (status != open), how far refunds went (refundCursor vs count) and whether the rest was released. `refund` moves
 * the on-chain cursor forward, so a repeated call refunds the next payments, never the same twice; a second
 * `release` reverts `AlreadyReleased`, which the engine reads back as "done".
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
    const record = await this.#escrow.epochRecord(modelId, epoch);
    const status = EPOCH_STATUS[record.status] ?? "open";
    const verdictApplied = status !== "open";
    return {
      verdictApplied,
      // A zero-refund verdict sets the cursor to the count at once; an open epoch has nothing refunded yet.
      refundsDone: verdictApplied && record.refundCursor >= record.count,
      released: status === "released",
    };
  }

  async refundNext(modelId: bigint, epoch: bigint, maxPayments: number): Promise<{ transaction: string }> {
    const { receipt } = await this.#sender.send(
      buildRefundTx({ escrow: this.#escrow.address, modelId, epoch, maxPayments: BigInt(maxPayments) }),
    );
    return { transaction: receipt.transactionHash };
  }

  async release(modelId: bigint, epoch: bigint): Promise<{ transaction: string }> {
    const { receipt } = await this.#sender.send(buildReleaseTx({ escrow: this.#escrow.address, modelId, epoch }));
    return { transaction: receipt.transactionHash };
  }
}
