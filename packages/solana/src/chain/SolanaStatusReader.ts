import {
  BPS,
  type ChainStatusReader,
  type EpochMoneyQuery,
  type EpochMoneyView,
  type EpochSettlementQuery,
  isHex,
  type PaymentRecord,
  type PaymentStore,
  type SolanaSettlementTransfer,
  type SolanaSettlementView,
} from "@slabridge/core";
import { planSolanaSettlement } from "../settlement/planSolanaSettlement.ts";

/** What a {@link SolanaSettlementReader} found on Solana for a (model, epoch). */
export interface SolanaSettlementFindings {
  readonly refunds: readonly SolanaSettlementTransfer[];
  readonly payouts: readonly SolanaSettlementTransfer[];
}

/**
 * The extension point for Solana settlement evidence in the status API: given the epoch's Solana payments (from the
 * payment store), finds the vault's refund and payout transfers (`VaultOutflowSettlementReader` implements it with
 * the vault watcher's outflow search). Without a reader the status API reports the payments alone (`reader: "none"`).
 *
 * @example
 * const reader: SolanaSettlementReader = { read: async ({ payments }) => ({ refunds: [], payouts: [] }) };
 */
export interface SolanaSettlementReader {
  read(input: {
    readonly modelId: bigint;
    readonly epoch: bigint;
    readonly payments: readonly PaymentRecord[];
    /** The verdict's refund share, when there is a verdict. */
    readonly refundBps: number | undefined;
  }): Promise<SolanaSettlementFindings>;
}

/** Options of {@link SolanaStatusReader}. */
export interface SolanaStatusReaderOptions {
  readonly chainId: number;
  readonly name: string;
  /** Where the vault watcher recorded the epoch's Solana payments. */
  readonly payments: Pick<PaymentStore, "listEpoch">;
  /** The vault's refunds and payouts; absent, the view has the payments alone (`reader: "none"`). */
  readonly outflows?: SolanaSettlementReader;
}

/**
 * The Solana side of the status read model (`ChainStatusReader`): a payment chain whose epoch settlement is its
 * payments (from the payment store) and, from the {@link SolanaSettlementReader}, the vault's refund and payout
 * transfers. Solana is never a home chain.
 *
 * @example
 * ```ts
 * const reader = new SolanaStatusReader({ chainId: SOLANA_CHAIN_ID, name: "solana", payments,
 *   outflows: new VaultOutflowSettlementReader({ connection, vault }) });
 * const view = await reader.settlement.epochSettlement({ modelId: 2n, epoch: 41n, refundBps: 2_500 });
 * const money = await reader.settlement.epochMoney({ modelId: 2n, epoch: 41n, refundBps: 2_500, topUp: 300n, payees });
 * money.topUpPaid; // the buyers' shares of the 300 top-up that left the vault so far
 * ```
 */
export class SolanaStatusReader implements ChainStatusReader {
  readonly chainId: number;
  readonly name: string;
  readonly settlement: {
    epochSettlement(query: EpochSettlementQuery): Promise<SolanaSettlementView>;
    epochMoney(query: EpochMoneyQuery): Promise<EpochMoneyView>;
  };
  readonly #o: SolanaStatusReaderOptions;

  constructor(options: SolanaStatusReaderOptions) {
    this.#o = options;
    this.chainId = options.chainId;
    this.name = options.name;
    this.settlement = {
      epochSettlement: (query) => this.#epochSettlement(query),
      epochMoney: (query) => this.#epochMoney(query),
    };
  }

  /**
   * The vault's money of the epoch: paid from the payment store, refunded and paid out from the vault's outflows; with
   * the verdict's refund share and the split table, the settlement plan says whether every refund and every Solana
   * payee's payout left the vault (then the rest is released: Solana holds the other chains' shares in the vault).
   * Given the verdict's bond top-up, each refund transfer (refund + share, one memo) is split back into its refund and
   * its share of the top-up (`topUpPaid`), so `paid − refunded` stays what the split table divides.
   */
  async #epochMoney(query: EpochMoneyQuery): Promise<EpochMoneyView> {
    const view = await this.#epochSettlement(query);
    const sum = (transfers: readonly SolanaSettlementTransfer[] | null) =>
      (transfers ?? []).reduce((total, transfer) => total + transfer.amount, 0n);
    const money = { chainId: this.chainId, paid: view.paid, refunded: sum(view.refunds), paidOut: sum(view.payouts) };
    const { refundBps, payees, topUp } = query;
    if (refundBps === undefined || payees === undefined || view.refunds === null || view.payouts === null) {
      return { ...money, refundsDone: false, released: undefined };
    }
    const payments = view.payments.flatMap((payment) =>
      isHex(payment.paymentId) ? [{ paymentId: payment.paymentId, amount: payment.amount }] : [],
    );
    const plan = planSolanaSettlement({
      payments,
      refundBps,
      topUp: topUp ?? 0n,
      payees,
      solanaChainId: this.chainId,
    });
    const refunded = new Set(view.refunds.map((refund) => refund.reference.toLowerCase()));
    const paidOut = new Set(view.payouts.map((payout) => payout.reference));
    const refundsDone = plan.refunds.every((refund) => refunded.has(refund.paymentId.toLowerCase()));
    const payoutsDone = plan.payouts.every((payout) => paidOut.has(`${payout.index}`));
    const released = refundsDone && payoutsDone ? plan.released : undefined;
    if (topUp === undefined) return { ...money, refundsDone, released };
    const topUpPaid = topUpPartOf(view.refunds, payments, plan.refunds, refundBps);
    return { ...money, refunded: money.refunded - topUpPaid, topUpPaid, refundsDone, released };
  }

  async #epochSettlement(query: EpochSettlementQuery): Promise<SolanaSettlementView> {
    const { modelId, epoch, refundBps } = query;
    const payments: PaymentRecord[] = await this.#o.payments.listEpoch(this.chainId, modelId, epoch);
    const findings = this.#o.outflows
      ? await this.#o.outflows.read({ modelId, epoch, payments, refundBps })
      : undefined;
    return {
      family: "solana",
      chainId: this.chainId,
      payments: payments.map((payment) => ({
        paymentId: payment.paymentId,
        buyer: payment.buyer,
        amount: payment.amount,
        transaction: payment.transaction,
      })),
      paid: payments.reduce((sum, payment) => sum + payment.amount, 0n),
      reader: findings ? "wired" : "none",
      refunds: findings?.refunds ?? null,
      payouts: findings?.payouts ?? null,
    };
  }
}

/**
 * The top-up part of the refund transfers: what each carried above its payment's refund, capped at the payment's
 * planned share. The findings carry no void memo, so a void epoch with a late verdict would read as topped up: only
 * pass `topUp` for an epoch settled by its verdict.
 */
function topUpPartOf(
  transfers: readonly SolanaSettlementTransfer[],
  payments: readonly { paymentId: string; amount: bigint }[],
  planned: readonly { paymentId: string; amount: bigint }[],
  refundBps: number,
): bigint {
  const amountOf = new Map(payments.map((p) => [p.paymentId.toLowerCase(), p.amount]));
  const plannedOf = new Map(planned.map((r) => [r.paymentId.toLowerCase(), r.amount]));
  let part = 0n;
  for (const transfer of transfers) {
    const id = transfer.reference.toLowerCase();
    const refund = ((amountOf.get(id) ?? 0n) * BigInt(refundBps)) / BigInt(BPS);
    const share = (plannedOf.get(id) ?? refund) - refund;
    const above = transfer.amount - refund;
    part += above <= 0n ? 0n : above < share ? above : share;
  }
  return part;
}
