import type { ControlsJson, EpochJson, JobsJson } from "./json.ts";

/** One model's figures per epoch, aligned on `epochs` (uPlot's x values); null where no verdict is recorded yet. */
export interface EpochSeries {
  readonly epochs: number[];
  readonly p50Ms: (number | null)[];
  readonly p95Ms: (number | null)[];
  readonly p99Ms: (number | null)[];
  /** The SLA's p95 ceiling in force in each epoch. */
  readonly slaP95Ms: number[];
  readonly uptimePct: (number | null)[];
  /** The SLA's minimum uptime in force in each epoch. */
  readonly slaUptimePct: number[];
  /** Probe samples the verdict was computed from. */
  readonly probes: (number | null)[];
  /** Paid calls' usage receipts the verdict took as evidence. */
  readonly receipts: (number | null)[];
}

/**
 * The plotted series of one model, epochs in ascending order.
 *
 * @example const series = epochSeries([epoch0, epoch1]); series.p95Ms // [412, 631]
 */
export function epochSeries(epochs: readonly EpochJson[]): EpochSeries {
  const sorted = [...epochs].sort((a, b) => Number(a.epoch) - Number(b.epoch));
  const report = (epoch: EpochJson) => epoch.verdict?.report ?? null;
  return {
    epochs: sorted.map((epoch) => Number(epoch.epoch)),
    p50Ms: sorted.map((epoch) => report(epoch)?.p50Ms ?? null),
    p95Ms: sorted.map((epoch) => report(epoch)?.p95Ms ?? null),
    p99Ms: sorted.map((epoch) => report(epoch)?.p99Ms ?? null),
    slaP95Ms: sorted.map((epoch) => epoch.sla.maxP95LatencyMs),
    uptimePct: sorted.map((epoch) => {
      const uptime = report(epoch)?.uptimeBps;
      return uptime === undefined ? null : uptime / 100;
    }),
    slaUptimePct: sorted.map((epoch) => epoch.sla.minUptimeBps / 100),
    probes: sorted.map((epoch) => report(epoch)?.sampleCount ?? null),
    receipts: sorted.map((epoch) => report(epoch)?.receiptCount ?? null),
  };
}

/** An epoch's money on one payment chain (stablecoin base units as decimal strings; undefined: not known/none). */
export interface MoneyRow {
  readonly chainId: number;
  readonly chain: string;
  readonly paid: string | undefined;
  readonly payments: number | undefined;
  readonly refunded: string | undefined;
  readonly released: string | undefined;
  readonly paidOut: string | undefined;
  /** What the chain's settlement says in a word ("open", "settled", "released", "not listed", "reader none"). */
  readonly state: string;
}

/**
 * The money table of an epoch: paid, refunded, released and paid out on each payment chain, from each chain's own
 * settlement view (EVM: the escrow's record and transfers; Solana: the payments and the vault's outflows).
 *
 * @example moneyRows(epoch, names) // [{ chain: "evm-a", paid: "30000", refunded: "7500", ... }]
 */
export function moneyRows(epoch: EpochJson, chainNames: ReadonlyMap<number, string>): MoneyRow[] {
  return epoch.settlement.map((settlement): MoneyRow => {
    const chain = chainNames.get(settlement.chainId) ?? String(settlement.chainId);
    if (settlement.family === "evm") {
      if (!settlement.listed) {
        return {
          chainId: settlement.chainId,
          chain,
          paid: undefined,
          payments: undefined,
          refunded: undefined,
          released: undefined,
          paidOut: undefined,
          state: "not listed",
        };
      }
      return {
        chainId: settlement.chainId,
        chain,
        paid: settlement.paid,
        payments: settlement.payments,
        refunded: settlement.refunded,
        released: settlement.release?.amount,
        paidOut: settlement.paidOut,
        state: settlement.status ?? "open",
      };
    }
    const wired = settlement.reader === "wired";
    return {
      chainId: settlement.chainId,
      chain,
      paid: settlement.paid,
      payments: settlement.payments.length,
      refunded: wired ? sum(settlement.refunds ?? []) : undefined,
      // The vault pays its own payees from what buyers kept: there is no separate release on Solana.
      released: undefined,
      paidOut: wired ? sum(settlement.payouts ?? []) : undefined,
      state: wired ? "vault" : "reader none",
    };
  });
}

function sum(transfers: readonly { readonly amount: string }[]): string {
  return transfers.reduce((total, transfer) => total + BigInt(transfer.amount), 0n).toString();
}

/** One hop of an epoch's money trail, in the order money and messages moved. */
export interface Hop {
  readonly step: "payment" | "receipts" | "verdict" | "delivery" | "verdict applied" | "refund" | "release" | "payout";
  /** The chain the hop's transaction is on. */
  readonly chainId: number;
  readonly what: string;
  /** Transaction hash (EVM) or signature (Solana) of the hop, when it has one yet. */
  readonly transaction?: string;
  /** Where a cross-chain message arrived (destination transaction). */
  readonly destinationChainId?: number;
  readonly destinationTransaction?: string;
  readonly transport?: string;
  /** LayerZero GUID or Wormhole VAA id (`chain/emitter/sequence`). */
  readonly messageId?: string;
  readonly status?: string;
  readonly amount?: string;
}

/**
 * Follow an epoch's payments to their end: each chain's payments, its receipt batches to the home chain (the
 * relay-receipts jobs), the verdict's recording transaction, the verdict and payout messages with their LayerZero
 * GUID or Wormhole VAA id and destination transaction, then each chain's verdict application, refunds, release and
 * payouts with their transactions.
 *
 * @example followHops(epoch).map((hop) => hop.step) // ["payment", "receipts", "verdict", "delivery", "refund", ...]
 */
export function followHops(epoch: EpochJson): Hop[] {
  const hops: Hop[] = [];
  for (const settlement of epoch.settlement) {
    if (settlement.family === "evm") {
      if (!settlement.listed) continue;
      hops.push({
        step: "payment",
        chainId: settlement.chainId,
        what: `${settlement.payments ?? 0} payments into the escrow ${settlement.escrow}`,
        ...(settlement.paid === undefined ? {} : { amount: settlement.paid }),
      });
    } else {
      for (const payment of settlement.payments) {
        hops.push({
          step: "payment",
          chainId: settlement.chainId,
          what: `payment ${payment.paymentId} by ${payment.buyer}`,
          transaction: payment.transaction,
          amount: payment.amount,
        });
      }
    }
  }
  for (const job of epoch.jobs.filter((candidate) => candidate.kind === "relay-receipts")) {
    hops.push({
      step: "receipts",
      chainId: job.source.chainId,
      what: "receipt batch to the home chain",
      transaction: job.source.transaction,
      destinationChainId: job.destinationChainId,
      transport: job.messageRef?.transport ?? job.transport,
      status: job.status,
      ...(job.destinationTransaction === undefined ? {} : { destinationTransaction: job.destinationTransaction }),
      ...(job.messageRef === undefined ? {} : { messageId: job.messageRef.messageId }),
    });
  }
  const verdict = epoch.verdict;
  if (verdict?.transaction) {
    hops.push({
      step: "verdict",
      chainId: verdict.transaction.chainId,
      what: `verdict recorded: refund ${verdict.refundBps / 100} %`,
      transaction: verdict.transaction.hash,
    });
  }
  for (const delivery of epoch.deliveries) {
    const payout = delivery.payout ? ` #${delivery.payout.payoutIndex} to ${delivery.payout.payee}` : "";
    hops.push({
      step: "delivery",
      chainId: delivery.sourceChainId,
      what: `${delivery.message}${payout} message`,
      transaction: delivery.sourceTransaction,
      destinationChainId: delivery.destinationChainId,
      transport: delivery.transport,
      messageId: delivery.messageId,
      status: delivery.status,
      ...(delivery.destinationTransaction === undefined
        ? {}
        : { destinationTransaction: delivery.destinationTransaction }),
    });
  }
  for (const settlement of epoch.settlement) {
    const chainId = settlement.chainId;
    if (settlement.family === "evm") {
      if (settlement.verdictApplied) {
        hops.push({
          step: "verdict applied",
          chainId,
          what: "the escrow applied the verdict",
          transaction: settlement.verdictApplied.transaction,
        });
      }
      for (const refund of settlement.refunds ?? []) {
        hops.push({
          step: "refund",
          chainId,
          what: `refund of payment ${refund.paymentIndex} to ${refund.buyer}`,
          transaction: refund.transaction,
          amount: refund.amount,
        });
      }
      if (settlement.release) {
        hops.push({
          step: "release",
          chainId,
          what: "release to the split table",
          transaction: settlement.release.transaction,
          amount: settlement.release.amount,
        });
      }
      for (const payout of settlement.payouts ?? []) {
        hops.push({
          step: "payout",
          chainId,
          what: `payout #${payout.payoutIndex} to ${payout.payee} (${payout.shareBps / 100} %)`,
          transaction: payout.transaction,
          amount: payout.amount,
        });
      }
    } else {
      for (const refund of settlement.refunds ?? []) {
        hops.push({
          step: "refund",
          chainId,
          what: `refund of payment ${refund.reference} to ${refund.recipient}`,
          transaction: refund.signature,
          amount: refund.amount,
        });
      }
      for (const payout of settlement.payouts ?? []) {
        hops.push({
          step: "payout",
          chainId,
          what: `payout ${payout.reference} to ${payout.recipient}`,
          transaction: payout.signature,
          amount: payout.amount,
        });
      }
    }
  }
  return hops;
}

/** The relay pipeline at a glance. */
export interface PipelineView {
  /** Jobs per state, in the order the API listed the states. */
  readonly counts: readonly { readonly status: string; readonly count: number }[];
  readonly deadLetters: readonly {
    readonly id: string;
    readonly kind: string;
    readonly reason: string;
    readonly at: string;
  }[];
  readonly pauses: ControlsJson["paused"];
  /** Jobs a pause or a route's value-per-hour limit holds, with when they ask again. */
  readonly waits: readonly { readonly id: string; readonly reason: string; readonly nextAttemptAt: string }[];
}

/**
 * The relay pipeline from `/jobs` and `/controls`: counts per state, dead letters with their reasons, pauses in
 * force, and jobs waiting on a pause or a rate limit.
 *
 * @example pipelineView(jobs, controls).deadLetters[0]?.reason // "destination reverted: ..."
 */
export function pipelineView(jobs: JobsJson, controls: ControlsJson): PipelineView {
  return {
    counts: jobs.statuses.map((status) => ({ status, count: jobs.counts[status] ?? 0 })),
    deadLetters: jobs.jobs.flatMap((job) =>
      job.status === "dead-lettered"
        ? [{ id: job.id, kind: job.kind, reason: job.reason ?? "", at: job.deadLetteredAt ?? job.updatedAt }]
        : [],
    ),
    pauses: controls.paused,
    waits: controls.held.map((job) => ({
      id: job.id,
      reason: job.reason ?? "",
      nextAttemptAt: job.nextAttemptAt ?? "",
    })),
  };
}

/**
 * Whether an epoch's view can no longer change: ended, its verdict recorded, every message delivered and every job
 * confirmed. The page stops re-reading such epochs (each read scans chain logs), except the latest ones.
 *
 * @example isSettled(epoch) // false while a refund job is still failed and waiting
 */
export function isSettled(epoch: EpochJson): boolean {
  return (
    epoch.ended &&
    epoch.verdict !== null &&
    epoch.deliveries.length > 0 &&
    epoch.deliveries.every((delivery) => delivery.status === "confirmed") &&
    epoch.jobs.every((job) => job.status === "confirmed")
  );
}
