// Gas per receipt batch: the gas the relay spends per payment to get receipts home, by payments per batch, on the
// devnet with the real contracts and the real relay: the payment chain's escrow builds and sends each ReceiptBatch
// (`relayReceipts`) and LayerZero delivers it to the home chain's ledger (the DVN's verify, the commit, lzReceive
// through the messenger). Baseline in the same run: one message per payment (batches of 1). Refunds are read from
// the forge gas suites the pay-gas section runs (when it ran before this one).
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Hash } from "viem";
import { type Figure, judge, type Section, type SectionBody, type SectionResult } from "../../lib/section.ts";
import { int, mdTable, out, ratio } from "../../lib/stats.ts";
import { linePlot } from "../../lib/svg.ts";
import { type DevnetRelay, sharedDevnetRelay } from "./devnetRelay.ts";

const GOAL_TIMES_CHEAPER = 25;
/** Batches of 1 relay this many payments (as many messages), so the baseline is an average, not one message. */
const BASELINE_PAYMENTS = { quick: 5, full: 10 } as const;
const MAX_ROUNDS = 40;

interface Case {
  readonly batch: number;
  readonly payments: number;
  readonly messages: number;
  /** Payment chain: the `relayReceipts` transactions (gas used, all of them). */
  readonly sourceGas: number;
  /** Home chain: every transaction that delivered the messages (LayerZero verify, commit, lzReceive). */
  readonly destinationGas: number;
  readonly perPayment: { readonly source: number; readonly destination: number; readonly all: number };
}

async function gasOf(relay: DevnetRelay, chainId: number, hashes: readonly string[]): Promise<number[]> {
  const client = relay.scenario.client(chainId);
  return Promise.all(
    hashes.map(async (hash) => Number((await client.getTransactionReceipt({ hash: hash as Hash })).gasUsed)),
  );
}

async function oneCase(relay: DevnetRelay, batch: number, baselinePayments: number): Promise<Case> {
  const payments = batch === 1 ? baselinePayments : batch;
  const messages = Math.ceil(payments / batch);
  const w = relay.world("layerzero", batch);
  const sent = new Set(relay.submissions.keys());
  const delivered = new Set(relay.deliveries.keys());
  const epoch = await relay.pay(payments);
  await relay.endEpoch(epoch);
  await relay.drive(w, async () => (await relay.revenue(epoch)).batches >= BigInt(messages), MAX_ROUNDS);
  const revenue = await relay.revenue(epoch);
  if (revenue.payments !== BigInt(payments)) {
    throw new Error(`batch ${batch}: the ledger counts ${revenue.payments} payments, expected ${payments}`);
  }
  const fresh = [...relay.submissions].filter(([hash]) => !sent.has(hash));
  const onChain = (chainId: number) => fresh.filter(([, s]) => s.chainId === chainId).map(([hash]) => hash);
  const source = await gasOf(relay, relay.paymentChainId, onChain(relay.paymentChainId));
  const destination = await gasOf(relay, relay.scenario.homeChainId, onChain(relay.scenario.homeChainId));
  const deliveries = [...relay.deliveries.values()].filter((d) => !delivered.has(d.messageId));
  if (source.length !== messages || deliveries.length !== messages) {
    throw new Error(
      `batch ${batch}: ${source.length} relayReceipts transactions and ${deliveries.length} deliveries, expected ${messages}`,
    );
  }
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  const sourceGas = sum(source);
  const destinationGas = sum(destination);
  return {
    batch,
    payments,
    messages,
    sourceGas,
    destinationGas,
    perPayment: {
      source: sourceGas / payments,
      destination: destinationGas / payments,
      all: (sourceGas + destinationGas) / payments,
    },
  };
}

/** The refund figures of the pay-gas section (forge gas suites), when it ran before this one. */
function refunds(previous: readonly SectionResult[]): { perPayment: number; perBuyerEpoch: number } | undefined {
  const data = previous.find((s) => s.name === "pay-gas")?.data;
  const perPayment = data?.escrowRefundPerPayment;
  const steps = data?.steps as { refund100?: number[] } | undefined;
  const refund100 = steps?.refund100?.[1];
  if (typeof perPayment !== "number" || typeof refund100 !== "number") return undefined;
  return { perPayment, perBuyerEpoch: refund100 / 100 };
}

async function receiptGas(
  quick: boolean,
  resultsDir: string,
  previous: readonly SectionResult[],
): Promise<SectionBody> {
  const batches = quick ? [1, 100] : [1, 10, 100, 500];
  out(`  devnet relay over LayerZero: batches of ${batches.join("/")} payments`);
  const relay = await sharedDevnetRelay();
  const cases: Case[] = [];
  for (const batch of batches) {
    const c = await oneCase(relay, batch, quick ? BASELINE_PAYMENTS.quick : BASELINE_PAYMENTS.full);
    cases.push(c);
    out(
      `  batch ${batch}: ${c.messages} message(s) for ${c.payments} payments; per payment: source ` +
        `${int(c.perPayment.source)}, destination ${int(c.perPayment.destination)}, all ${int(c.perPayment.all)} gas`,
    );
  }
  const baseline = cases[0];
  const largest = cases.at(-1);
  if (baseline === undefined || largest === undefined) throw new Error("no receipt gas cases ran");
  const cheaper = baseline.perPayment.all / largest.perPayment.all;
  const cheaperDestination = baseline.perPayment.destination / largest.perPayment.destination;
  const refund = refunds(previous);
  const goals = [
    judge(`all-in gas per payment, batch 1 / batch ${largest.batch}`, cheaper, ">=", GOAL_TIMES_CHEAPER, ratio),
  ];
  const plot = "receipt-gas.svg";
  writeFileSync(
    path.join(resultsDir, plot),
    linePlot({
      title: "Receipt relay gas per payment vs payments per batch (devnet, LayerZero)",
      xLabel: "payments per receipt batch",
      yLabel: "gas per payment",
      logX: true,
      series: [
        { name: "all (source + destination)", points: cases.map((c) => [c.batch, c.perPayment.all]) },
        { name: "destination (home chain)", points: cases.map((c) => [c.batch, c.perPayment.destination]) },
        { name: "source (relayReceipts)", points: cases.map((c) => [c.batch, c.perPayment.source]) },
      ],
    }),
  );
  const one = (x: number) => ({ min: x, median: x, max: x });
  const figures: Figure[] = cases.slice(1).map((c) => ({
    what: `gas per payment, batch ${c.batch} (all in)`,
    unit: "gas",
    value: one(c.perPayment.all),
    baseline: { what: "one message per payment", value: one(baseline.perPayment.all) },
    ratio: one(c.perPayment.all / baseline.perPayment.all),
  }));
  const markdown = [
    "The devnet's anvils with the real contracts and the relay bot in process (see relay-overhead): per case, N",
    "payments in one epoch, the epoch ended, the receipts relayed by the relay engine in batches of N over LayerZero.",
    "Gas used as the receipts of the relay's own transactions state it: source = the escrow's `relayReceipts` (it",
    "reads the payments and builds the batch's Merkle root); destination = every home-chain transaction of the",
    "delivery (the DVN's verify, the commit, lzReceive through the messenger into the ledger). Baseline in the same",
    `run: batches of 1 (${baseline.payments} payments, ${baseline.messages} messages): one cross-chain message per payment.`,
    "Gas is deterministic: one run per case. Messaging fees (the LayerZero quote paid on the source) are not gas and",
    "not counted.",
    "",
    mdTable(
      [
        "payments per batch",
        " messages",
        " source gas / payment",
        " destination gas / payment",
        " all / payment",
        " destination gas / message",
        " times cheaper than batch 1 (all / destination)",
      ],
      cases.map((c) => [
        String(c.batch),
        String(c.messages),
        int(c.perPayment.source),
        int(c.perPayment.destination),
        int(c.perPayment.all),
        int(c.destinationGas / c.messages),
        `${ratio(baseline.perPayment.all / c.perPayment.all)} / ${ratio(baseline.perPayment.destination / c.perPayment.destination)}`,
      ]),
    ),
    "",
    refund
      ? `Refunds (forge gas suites, pay-gas section of this run): \`Escrow.refund\` ${int(refund.perPayment)} gas per payment ` +
        `(100 per transaction, tx gas); the x402 SLA receiver's \`refund\` ${int(refund.perBuyerEpoch)} gas per buyer-epoch ` +
        "(100 buyers per transaction). A breached epoch adds them to the receipts' cost; a healthy one does not."
      : "Refunds: not in this run (they come from the pay-gas section's forge suites; run it with this one).",
  ].join("\n");
  return {
    title: "Gas per receipt batch: relaying payments home, by batch size",
    repeats: 1,
    goals,
    figures,
    markdown,
    plots: [plot],
    ...(goals.every((g) => g.met)
      ? {}
      : {
          bounds:
            `At batch ${largest.batch} the source's relayReceipts costs ${int(largest.perPayment.source)} gas per ` +
            "payment (a cold read of each payment and its Merkle leaf): batching only amortises the message itself.",
        }),
    data: {
      cases,
      timesCheaper: { all: cheaper, destination: cheaperDestination },
      ...(refund ? { refund } : {}),
    },
  };
}

export const receiptGasSection: Section = {
  name: "receipt-gas",
  run: ({ quick, resultsDir, previous }) => receiptGas(quick, resultsDir, previous),
};
