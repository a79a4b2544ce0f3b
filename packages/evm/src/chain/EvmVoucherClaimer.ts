import { x402BatchSettlementAbi } from "@slabridge/contracts";
import type { Address, Hex } from "viem";
import type { SlaReceiverBook } from "../contracts/EpochBook.ts";
import type { ReaderClient } from "../contracts/readContractTyped.ts";
import { readContractTyped } from "../contracts/readContractTyped.ts";
import type { EvmSender } from "../sender/EvmSender.ts";

/** The latest voucher a gateway accepted on one channel within one epoch (core's `VoucherCheckpoint` has this shape). */
export interface EpochVoucher {
  channelId: Hex;
  channel: {
    payer: Address;
    payerAuthorizer: Address;
    receiver: Address;
    receiverAuthorizer: Address;
    token: Address;
    withdrawDelay: number;
    salt: Hex;
  };
  maxClaimableAmount: bigint;
  signature: Hex;
  /** The charged cumulative after the epoch's last charged call. */
  totalClaimed: bigint;
}

/** Where an epoch's vouchers are kept (the gateway's checkpoint store). */
export interface EpochVoucherSource {
  list(chainId: number, receiver: string, epoch: bigint): Promise<readonly EpochVoucher[]>;
}

/** Claim rows per transaction: inside `SlaReceiver.MAX_ROWS` (100) with room for the skipped ones' gas. */
const DEFAULT_ROWS_PER_CLAIM = 50;

/**
 * Claims one (model, epoch)'s vouchers into the model's SLA receiver before its receipts go home: for every channel
 * the gateway charged in the epoch, the epoch's last voucher at its charged cumulative. A channel the channel
 * contract already has at or above that cumulative is left out (a retry after a crash, or a watchdog claim), so a
 * repeated pass sends nothing and books nothing twice; the receiver books each row's increase to the payer and
 * skips a bad row instead of reverting the batch.
 *
 * @example
 * const claimer = new EvmVoucherClaimer({ chainId: 31337, client, sender, channels, vouchers: checkpointStore });
 * await claimer.claim(books.receiverOf(2n), 42n); // { rows: 3, transactions: ["0x…"] }
 */
export class EvmVoucherClaimer {
  readonly #o: {
    chainId: number;
    client: ReaderClient;
    sender: EvmSender;
    channels: Address;
    vouchers: EpochVoucherSource;
    rowsPerClaim: number;
  };

  constructor(options: {
    chainId: number;
    client: ReaderClient;
    /** The receivers' operator key (only it may claim: the epoch of a cumulative voucher is known off chain only). */
    sender: EvmSender;
    /** The x402 batch-settlement channel contract. */
    channels: Address;
    vouchers: EpochVoucherSource;
    rowsPerClaim?: number;
  }) {
    this.#o = { ...options, rowsPerClaim: options.rowsPerClaim ?? DEFAULT_ROWS_PER_CLAIM };
  }

  async claim(book: SlaReceiverBook, epoch: bigint): Promise<{ rows: number; transactions: string[] }> {
    const { chainId, client, channels, sender, rowsPerClaim } = this.#o;
    const vouchers = await this.#o.vouchers.list(chainId, book.address.toLowerCase(), epoch);
    const onChain = await Promise.all(
      vouchers.map((voucher) =>
        readContractTyped(client, channels, x402BatchSettlementAbi, "channels", [voucher.channelId]),
      ),
    );
    const due = vouchers.filter((voucher, i) => (onChain[i]?.[1] ?? 0n) < voucher.totalClaimed);
    const transactions: string[] = [];
    for (let i = 0; i < due.length; i += rowsPerClaim) {
      const rows = due.slice(i, i + rowsPerClaim).map((voucher) => ({
        voucher: { channel: voucher.channel, maxClaimableAmount: voucher.maxClaimableAmount },
        signature: voucher.signature,
        totalClaimed: voucher.totalClaimed,
      }));
      const { receipt } = await sender.send(book.claimEpochTx(epoch, rows));
      transactions.push(receipt.transactionHash);
    }
    return { rows: due.length, transactions };
  }
}
