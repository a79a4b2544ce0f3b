import { escrowAbi, slaReceiverAbi } from "@slabridge/contracts";
import { type Address, encodeFunctionData, getAddress } from "viem";
import type { EvmTxRequest } from "../sender/EvmSender.ts";
import { buildRefundTx } from "./buildRefundTx.ts";
import { buildRelayReceiptsTx } from "./buildRelayReceiptsTx.ts";
import { buildReleaseTx } from "./buildReleaseTx.ts";
import { buildFundTopUpTx, buildRefundTopUpTx } from "./buildTopUpTxs.ts";
import { EscrowReader } from "./EscrowReader.ts";
import { type ReaderClient, readContractTyped } from "./readContractTyped.ts";

/** Settlement status of a (model, epoch), as both contracts' `Status` enums order it. */
export type EpochBookStatus = "open" | "settled" | "released";
const STATUS: readonly EpochBookStatus[] = ["open", "settled", "released"];

/** One (model, epoch)'s money record, the same for an escrow and an SLA receiver. */
export interface EpochBookRecord {
  /** Sum booked: the escrow's payments, or the receiver's claimed vouchers. */
  paid: bigint;
  /** Payments (escrow) or buyer-epochs (receiver); ids 0..count-1 are what receipts name. */
  count: number;
  relayed: number;
  batches: number;
  refundCursor: number;
  refundBps: number;
  status: EpochBookStatus;
  refunded: bigint;
  paidOut: bigint;
  paidOutBps: number;
}

/**
 * Whether a (model, epoch) leaves nothing to pay out on this chain: its verdict is in, every payment got its refund
 * share, and the refunds took everything booked (no payment at all, or all refunded in full). Its payouts would each
 * move 0, so none is published, and the record counts as paid out once released.
 *
 * @example if (releasesNothing(await book.epochRecord(2n, 7n))) skipPayouts();
 */
export function releasesNothing(record: EpochBookRecord): boolean {
  return record.status !== "open" && record.refundCursor >= record.count && record.paid === record.refunded;
}

/** One (model, epoch)'s host bond top-up. */
export interface EpochBookTopUp {
  /** What the verdict assigned this chain's buyers (0: none). */
  due: bigint;
  /** The amount the shares are taken over. */
  eligible: bigint;
  /** Payments [0, cursor) got their share. */
  cursor: number;
  funded: boolean;
  /** Sum of the eligible amounts of payments [0, cursor). */
  cumulative: bigint;
}

type Tx = EvmTxRequest & { data: `0x${string}`; value: bigint };

/**
 * Where one model's money sits on an EVM payment chain: the chain's `Escrow` (a `pay` per call, all models), or the
 * model's own `SlaReceiver` (x402 vouchers claimed per epoch). Both keep the same life cycle (receipts home,
 * verdict, refunds and top-ups, release, payouts) and emit the same settlement events, so the relay, netting and the
 * status read model see one shape and only the transactions differ.
 *
 * @example
 * const book = books.of(2n); // the model's SlaReceiver, or the escrow
 * const record = await book.epochRecord(2n, 42n);
 * if (record.status === "settled" && record.refundCursor < record.count) await sender.send(book.refundTx(2n, 42n, 100n));
 */
export interface EpochBook {
  readonly kind: "escrow" | "sla-receiver";
  readonly address: Address;
  epochRecord(modelId: bigint, epoch: bigint): Promise<EpochBookRecord>;
  topUpOf(modelId: bigint, epoch: bigint): Promise<EpochBookTopUp>;
  currentEpoch(modelId: bigint): Promise<bigint>;
  /** Unix seconds at which `epoch` ends (receipts can be relayed from then on). */
  epochEnd(modelId: bigint, epoch: bigint): Promise<bigint>;
  isPayoutPaid(modelId: bigint, epoch: bigint, payoutIndex: number): Promise<boolean>;
  relayReceiptsTx(p: { modelId: bigint; epoch: bigint; maxPayments: number; messenger: Address; value: bigint }): Tx;
  refundTx(modelId: bigint, epoch: bigint, maxPayments: bigint): Tx;
  fundTopUpTx(modelId: bigint, epoch: bigint): Tx;
  /** The escrow's second refund pass; undefined for a receiver, which pays the top-up share with the refund. */
  refundTopUpTx(modelId: bigint, epoch: bigint, maxPayments: bigint): Tx | undefined;
  releaseTx(modelId: bigint, epoch: bigint): Tx;
}

/** The chain's {@link EscrowReader} as an {@link EpochBook}. */
export class EscrowBook implements EpochBook {
  readonly kind = "escrow";
  readonly address: Address;
  readonly #escrow: EscrowReader;

  constructor(client: ReaderClient, address: Address) {
    this.address = address;
    this.#escrow = new EscrowReader(client, address);
  }

  async epochRecord(modelId: bigint, epoch: bigint): Promise<EpochBookRecord> {
    const r = await this.#escrow.epochRecord(modelId, epoch);
    return {
      paid: r.paid,
      count: r.count,
      relayed: r.relayed,
      batches: r.batches,
      refundCursor: r.refundCursor,
      refundBps: r.refundBps,
      status: STATUS[r.status] ?? "open",
      refunded: r.refunded,
      paidOut: r.paidOut,
      paidOutBps: r.paidOutBps,
    };
  }

  async topUpOf(modelId: bigint, epoch: bigint): Promise<EpochBookTopUp> {
    const t = await this.#escrow.topUpOf(modelId, epoch);
    return { due: t.due, eligible: t.eligible, cursor: t.cursor, funded: t.funded, cumulative: t.cumulative };
  }

  currentEpoch(modelId: bigint): Promise<bigint> {
    return this.#escrow.currentEpoch(modelId);
  }

  epochEnd(modelId: bigint, epoch: bigint): Promise<bigint> {
    return this.#escrow.epochEnd(modelId, epoch);
  }

  isPayoutPaid(modelId: bigint, epoch: bigint, payoutIndex: number): Promise<boolean> {
    return readContractTyped(this.#escrow.client, this.address, escrowAbi, "isPayoutPaid", [
      modelId,
      epoch,
      payoutIndex,
    ]);
  }

  relayReceiptsTx(p: { modelId: bigint; epoch: bigint; maxPayments: number; messenger: Address; value: bigint }) {
    return buildRelayReceiptsTx({ escrow: this.address, ...p });
  }

  refundTx(modelId: bigint, epoch: bigint, maxPayments: bigint) {
    return buildRefundTx({ escrow: this.address, modelId, epoch, maxPayments });
  }

  fundTopUpTx(modelId: bigint, epoch: bigint) {
    return buildFundTopUpTx({ escrow: this.address, modelId, epoch });
  }

  refundTopUpTx(modelId: bigint, epoch: bigint, maxPayments: bigint) {
    return buildRefundTopUpTx({ escrow: this.address, modelId, epoch, maxPayments });
  }

  releaseTx(modelId: bigint, epoch: bigint) {
    return buildReleaseTx({ escrow: this.address, modelId, epoch });
  }
}

/**
 * One model's `SlaReceiver` as an {@link EpochBook}: its epoch state read in the escrow's terms (buyer-epochs are
 * the payments; the top-up share is paid with the refund, so the top-up cursor is the refund cursor once funded).
 */
export class SlaReceiverBook implements EpochBook {
  readonly kind = "sla-receiver";
  readonly address: Address;
  readonly modelId: bigint;
  readonly client: ReaderClient;

  constructor(client: ReaderClient, address: Address, modelId: bigint) {
    this.client = client;
    this.address = getAddress(address);
    this.modelId = modelId;
  }

  /** The receiver's own packed state of `epoch` (claims, cursors, top-up). */
  state(epoch: bigint) {
    return readContractTyped(this.client, this.address, slaReceiverAbi, "epochState", [epoch]);
  }

  /** The buyer-epoch at `index` (buyer, amount). */
  buyerAt(epoch: bigint, index: bigint) {
    return readContractTyped(this.client, this.address, slaReceiverAbi, "buyerAt", [epoch, index]);
  }

  async epochRecord(_modelId: bigint, epoch: bigint): Promise<EpochBookRecord> {
    const s = await this.state(epoch);
    return {
      paid: s.claimed,
      count: s.buyers,
      relayed: s.relayed,
      batches: s.batches,
      refundCursor: s.refundCursor,
      refundBps: s.refundBps,
      status: STATUS[s.status] ?? "open",
      refunded: s.refunded,
      paidOut: s.paidOut,
      paidOutBps: s.paidOutBps,
    };
  }

  async topUpOf(_modelId: bigint, epoch: bigint): Promise<EpochBookTopUp> {
    const s = await this.state(epoch);
    return {
      due: s.topUpDue,
      eligible: s.topUpDue === 0n ? 0n : s.claimed,
      // The share goes out with each refund, which needs the top-up funded first.
      cursor: s.topUpDue === 0n || !s.topUpFunded ? 0 : s.refundCursor,
      funded: s.topUpFunded,
      cumulative: s.topUpCumulative,
    };
  }

  currentEpoch(_modelId: bigint): Promise<bigint> {
    return readContractTyped(this.client, this.address, slaReceiverAbi, "currentEpoch", []);
  }

  epochEnd(_modelId: bigint, epoch: bigint): Promise<bigint> {
    return readContractTyped(this.client, this.address, slaReceiverAbi, "epochEnd", [epoch]);
  }

  isPayoutPaid(_modelId: bigint, epoch: bigint, payoutIndex: number): Promise<boolean> {
    return readContractTyped(this.client, this.address, slaReceiverAbi, "isPayoutPaid", [epoch, payoutIndex]);
  }

  relayReceiptsTx(p: { epoch: bigint; maxPayments: number; messenger: Address; value: bigint }): Tx {
    return this.#tx(
      encodeFunctionData({
        abi: slaReceiverAbi,
        functionName: "relayReceipts",
        args: [p.epoch, p.maxPayments, p.messenger],
      }),
      p.value,
    );
  }

  refundTx(_modelId: bigint, epoch: bigint, maxPayments: bigint): Tx {
    return this.#tx(encodeFunctionData({ abi: slaReceiverAbi, functionName: "refund", args: [epoch, maxPayments] }));
  }

  fundTopUpTx(_modelId: bigint, epoch: bigint): Tx {
    return this.#tx(encodeFunctionData({ abi: slaReceiverAbi, functionName: "fundTopUp", args: [epoch] }));
  }

  refundTopUpTx(): undefined {
    return undefined;
  }

  releaseTx(_modelId: bigint, epoch: bigint): Tx {
    return this.#tx(encodeFunctionData({ abi: slaReceiverAbi, functionName: "release", args: [epoch] }));
  }

  /** `SlaReceiver.claimEpoch(epoch, rows)`: operator only. */
  claimEpochTx(epoch: bigint, rows: Parameters<typeof encodeClaimEpoch>[1]): Tx {
    return this.#tx(encodeClaimEpoch(epoch, rows));
  }

  #tx(data: `0x${string}`, value = 0n): Tx {
    return { to: this.address, data, value, abi: slaReceiverAbi };
  }
}

function encodeClaimEpoch(
  epoch: bigint,
  rows: readonly {
    voucher: {
      channel: {
        payer: Address;
        payerAuthorizer: Address;
        receiver: Address;
        receiverAuthorizer: Address;
        token: Address;
        withdrawDelay: number;
        salt: `0x${string}`;
      };
      maxClaimableAmount: bigint;
    };
    signature: `0x${string}`;
    totalClaimed: bigint;
  }[],
): `0x${string}` {
  return encodeFunctionData({ abi: slaReceiverAbi, functionName: "claimEpoch", args: [epoch, rows] });
}

/**
 * The books of one EVM payment chain: each model's SLA receiver where it sells per call, the escrow for the rest.
 *
 * @example
 * const books = new EpochBooks(client, { escrow: chain.contracts.escrow, slaReceivers: chain.contracts.slaReceivers });
 * const book = books.of(2n);
 */
export class EpochBooks {
  readonly escrow: EscrowBook | undefined;
  readonly #receivers = new Map<bigint, SlaReceiverBook>();

  constructor(
    client: ReaderClient,
    contracts: { escrow?: Address | undefined; slaReceivers?: Readonly<Record<string, Address>> | undefined },
  ) {
    this.escrow = contracts.escrow ? new EscrowBook(client, contracts.escrow) : undefined;
    for (const [modelId, address] of Object.entries(contracts.slaReceivers ?? {})) {
      this.#receivers.set(BigInt(modelId), new SlaReceiverBook(client, address, BigInt(modelId)));
    }
  }

  /** Whether the chain books any payments (an escrow or a receiver). */
  get any(): boolean {
    return this.escrow !== undefined || this.#receivers.size > 0;
  }

  /** The model's book: its receiver, else the escrow (undefined: nothing on this chain takes its payments). */
  of(modelId: bigint): EpochBook | undefined {
    return this.#receivers.get(modelId) ?? this.escrow;
  }

  /** The model's SLA receiver, if it sells per call here. */
  receiverOf(modelId: bigint): SlaReceiverBook | undefined {
    return this.#receivers.get(modelId);
  }

  /** Every contract whose settlement events matter (escrow first). */
  addresses(): Address[] {
    return [
      ...(this.escrow ? [this.escrow.address] : []),
      ...[...this.#receivers.values()].map((book) => book.address),
    ];
  }
}
