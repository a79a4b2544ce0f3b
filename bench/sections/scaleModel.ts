// Scale model section: this run's measured unit costs (the other sections' figures; with `--only`, the report's
// results.json) projected to 1k / 100k models, 100k / 10M buyers and 1M / 100M paid calls per hour against AWS's
// and the chains' limits (bench/lib/scaleModel.ts, whose arithmetic has a test). Names the first bottleneck at each
// size and the design change that moves it.
import path from "node:path";
import { deployedFunctions } from "@slabridge/topology";
import { readRun } from "../lib/report.ts";
import { type Constants, type Projection, project, type Scale, type UnitCosts } from "../lib/scaleModel.ts";
import { reportOnly, type Section, type SectionResult } from "../lib/section.ts";
import { int, mdTable, out } from "../lib/stats.ts";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

/** Prices (us-east-1, on demand) and limits, each with where it is stated. Check them before quoting the costs. */
const CONSTANTS: Constants = {
  // aws.amazon.com/lambda/pricing: x86, $0.0000166667 per GB-second (first 6B GB-s a month), $0.20 per 1M requests.
  lambdaUsdPerGbSecond: 0.0000166667,
  lambdaUsdPerMillionRequests: 0.2,
  // docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html: 1,000 concurrent executions per region by default.
  lambdaConcurrency: 1_000,
  // aws.amazon.com/dynamodb/pricing/on-demand: $0.625 per million write request units (since the November 2024 cut).
  dynamoUsdPerMillionWrites: 0.625,
  // docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html: 1,000 WCU (3,000 RCU) per partition.
  partitionWcu: 1_000,
  // Assumed: a model's completion answers in about a second; the gateway proxies it and waits.
  hostLatencyMs: 1_000,
  // Assumed: epochs of an hour.
  epochSeconds: 3_600,
  // The deployment's probers: 5 regions, one probe per host a minute.
  probers: 5,
  probesPerHostPerEpoch: 60,
  evaluateTimeoutSeconds: deployedFunctions.evaluate.timeoutSeconds,
  relayDrainTargetSeconds: 300,
  chains: [
    // Base engineering blog "Scaling Base: reaching 50 Mgas/s in Q2" (2025): gas target 50 Mgas/s.
    { name: "Base", perHour: 50e6 * 3_600, source: "gas target 50 Mgas/s (Base engineering blog, Q2 2025)" },
    // docs.arbitrum.io, gas speed limit guidance: Arbitrum One 7 million gas per second.
    { name: "Arbitrum One", perHour: 7e6 * 3_600, source: "gas speed limit 7 Mgas/s (docs.arbitrum.io)" },
    // Ethereum: 36M gas limit per 12 s slot, EIP-1559 target half of it (18M): 1.5 Mgas/s sustained.
    { name: "Ethereum", perHour: 1.5e6 * 3_600, source: "target 18M gas per 12 s slot (36M limit, 2025)" },
  ],
  homeChain: "Base",
};
/** Solana's capacity, listed but not projected: the bench measures no CU per buyer-epoch. */
const SOLANA_CU_PER_HOUR = 48e6 * 2.5 * 3_600; // 48M CU per block, 400 ms slots (Solana docs)

const SCALES: readonly Scale[] = [
  { name: "small", models: 1_000, buyers: 100_000, callsPerHour: 1e6, hottestModelShare: 0.05 },
  { name: "large", models: 100_000, buyers: 10_000_000, callsPerHour: 100e6, hottestModelShare: 0.05 },
];

interface Sourced<T> {
  readonly value: T;
  readonly from: string;
}

/** The unit costs from the sections of this run, else of the report on disk, else a stated assumption. */
function unitCosts(previous: readonly SectionResult[]): { unit: UnitCosts; from: Record<keyof UnitCosts, string> } {
  const onDisk = readRun(path.join(REPO_ROOT, "bench/results.json"));
  const section = (name: string): Sourced<Record<string, unknown>> | undefined => {
    const now = previous.find((s) => s.name === name);
    if (now) return { value: now.data, from: `${name}, this run` };
    const earlier = onDisk?.sections.find((s) => s.name === name);
    return earlier
      ? { value: earlier.data, from: `${name}, results.json of ${earlier.ranAt ?? onDisk?.date}` }
      : undefined;
  };
  const num = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
  const median = (x: unknown): number | undefined => num((x as { median?: unknown } | undefined)?.median);
  const pick = (name: string, read: (data: Record<string, unknown>) => number | undefined, fallback: number) => {
    const s = section(name);
    const value = s ? read(s.value) : undefined;
    return value === undefined
      ? { value: fallback, from: `assumed ${fallback} (run the ${name} section)` }
      : { value, from: s?.from ?? name };
  };
  const gateway = pick("pay-gateway", (d) => median((d.summary as Record<string, unknown> | undefined)?.p50), 10);
  const gas = pick("pay-gas", (d) => num((d.perBuyerEpoch as Record<string, unknown> | undefined)?.healthy), 250_000);
  const home = pick(
    "receipt-gas",
    (d) => {
      const c = (d.cases as { batch: number; destinationGas: number; messages: number }[] | undefined)?.find(
        (x) => x.batch === 100,
      );
      return c ? c.destinationGas / c.messages : undefined;
    },
    300_000,
  );
  const relay = pick("relay-throughput", (d) => num((d.best as Record<string, unknown> | undefined)?.dynamodb), 100);
  const prober = pick("prober", (d) => median(d.cpuMsPerProbe), 2);
  const sampleSignature = pick("pay-vouchers", (d) => num(d.knownKeyMs), 1);
  // The evaluator's own figure: evaluateEpoch for all its hosts (ms), median over repeats.
  const evaluate = pick(
    "evaluator",
    (d) => {
      const hosts = Number(d.hosts);
      const figure = [
        previous.find((x) => x.name === "evaluator"),
        onDisk?.sections.find((x) => x.name === "evaluator"),
      ]
        .find((x) => x !== undefined)
        ?.figures.find((f) => f.what.startsWith("evaluateEpoch"));
      return figure && hosts > 0 ? figure.value.median / hosts : undefined;
    },
    15,
  );
  const unit: UnitCosts = {
    gatewayMsPerCall: gateway.value,
    gatewayMemoryMb: deployedFunctions.gateway.memoryMb,
    storeWritesPerCall: 1,
    gasPerBuyerEpoch: gas.value,
    homeGasPerReceiptBatch: home.value,
    paymentsPerReceiptBatch: 100,
    relayPaymentsPerSecond: relay.value,
    proberCpuMsPerProbe: prober.value,
    sampleSignatureMs: sampleSignature.value,
    evaluateMsPerHost: evaluate.value,
  };
  return {
    unit,
    from: {
      gatewayMsPerCall: `${gateway.from} (paid call p50, host excluded)`,
      gatewayMemoryMb: "the deployment's topology (gateway function)",
      storeWritesPerCall: "the gateway records one voucher checkpoint per paid call",
      gasPerBuyerEpoch: `${gas.from} (healthy epoch, all in, per buyer-epoch)`,
      homeGasPerReceiptBatch: `${home.from} (destination gas per message, batches of 100)`,
      paymentsPerReceiptBatch: "the stage configs' maxPaymentsPerReceiptBatch",
      relayPaymentsPerSecond: `${relay.from} (DynamoDB-compatible store, best load)`,
      proberCpuMsPerProbe: `${prober.from} (prober CPU per probe)`,
      sampleSignatureMs: `${sampleSignature.from} (one secp256k1 verification against a kept public key)`,
      evaluateMsPerHost: `${evaluate.from} (evaluateEpoch per host and epoch)`,
    },
  };
}

const sci = (x: number): string => (x >= 1e6 ? x.toExponential(2) : int(x));
const usd = (x: number): string => `$${x >= 100 ? int(x) : x.toFixed(2)}`;

function table(projections: readonly Projection[]): string {
  const row = (what: string, f: (p: Projection) => string) => [what, ...projections.map(f)];
  return mdTable(
    ["figure", ...projections.map((p) => ` ${p.scale.name}`)],
    [
      row(
        "models / buyers / paid calls per hour",
        (p) => `${sci(p.scale.models)} / ${sci(p.scale.buyers)} / ${sci(p.scale.callsPerHour)}`,
      ),
      row("paid calls per second", (p) => int(p.callsPerSecond)),
      row("gateway Lambda concurrency", (p) => int(p.gateway.concurrency)),
      row("gateway GB-seconds per hour", (p) => sci(p.gateway.gbSecondsPerHour)),
      row("DynamoDB writes per second (checkpoints)", (p) => int(p.dynamo.writesPerSecond)),
      row("hottest partition, WCU (limit 1,000)", (p) => int(p.dynamo.hottestPartitionWcu)),
      row("buyer-epochs per hour", (p) => sci(p.buyerEpochsPerHour)),
      row("receipt batches per hour (relay queue messages)", (p) => int(p.relay.receiptBatchesPerHour)),
      row("receipts due at an epoch's end (queue depth)", (p) => sci(p.relay.queueDepthAtEpochEnd)),
      row("relay workers to relay them in 5 min", (p) => p.relay.workersToDrain.toFixed(1)),
      row("payment-chain gas per hour (all on one chain)", (p) => sci(p.gas.paymentChainPerHour)),
      row("home-chain gas per hour (receipt deliveries)", (p) => sci(p.gas.homeChainPerHour)),
      row(
        "probes per hour / prober CPU cores",
        (p) => `${sci(p.prober.probesPerHour)} / ${p.prober.cpuCores.toFixed(2)}`,
      ),
      row(
        "evaluator: sample signature checks per epoch / CPU s",
        (p) => `${sci(p.evaluator.signatureChecksPerEpoch)} / ${int(p.evaluator.cpuSeconds)}`,
      ),
      row("AWS cost per million paid calls (gateway Lambda + DynamoDB)", (p) => usd(p.usdPerMillionCalls)),
      row("first bottleneck", (p) => `${p.firstBottleneck.resource} (${p.firstBottleneck.use.toFixed(2)}x its limit)`),
    ],
  );
}

export const scaleModelSection: Section = {
  name: "scale-model",
  run: async ({ previous }) => {
    const { unit, from } = unitCosts(previous);
    const projections = SCALES.map((scale) => project(scale, unit, CONSTANTS));
    for (const p of projections) {
      out(
        `  ${p.scale.name}: first bottleneck ${p.firstBottleneck.resource} at ${p.firstBottleneck.use.toFixed(2)}x; ` +
          `${usd(p.usdPerMillionCalls)} per million calls`,
      );
    }
    const pressures = projections.flatMap((p) =>
      [...p.pressures]
        .sort((a, b) => b.use - a.use)
        .map((x) => [p.scale.name, x.resource, sci(x.load), sci(x.limit), `${x.use.toFixed(3)}x`, x.change]),
    );
    const markdown = [
      "Measured unit costs times a deployment's size, against AWS's and the chains' limits (the arithmetic:",
      "`bench/lib/scaleModel.ts`, tested in `bench/lib/scaleModel.test.ts`). Every buyer is taken to pay one model per",
      "epoch (a buyer-epoch per buyer, at most one per call), all of a size's payments on one chain (the worst case for",
      `that chain), the busiest model taking ${(SCALES[0]?.hottestModelShare ?? 0) * 100}% of the calls (its checkpoints share one`,
      "partition per epoch). Gas is not priced (it depends on the chain's fee market); the AWS cost leaves out the",
      "relay, prober and evaluator functions (per epoch, not per call) and data transfer.",
      "",
      table(projections),
      "",
      mdTable(
        ["unit cost", " value", "from"],
        (Object.keys(unit) as (keyof UnitCosts)[]).map((k) => [k, sci(unit[k]), from[k]]),
      ),
      "",
      mdTable(
        ["constant", " value", "source"],
        [
          ["Lambda GB-second", `$${CONSTANTS.lambdaUsdPerGbSecond}`, "aws.amazon.com/lambda/pricing (x86, us-east-1)"],
          ["Lambda requests", `$${CONSTANTS.lambdaUsdPerMillionRequests} per million`, "aws.amazon.com/lambda/pricing"],
          [
            "Lambda concurrency",
            int(CONSTANTS.lambdaConcurrency),
            "default regional quota (Lambda docs); raised on request",
          ],
          [
            "DynamoDB writes",
            `$${CONSTANTS.dynamoUsdPerMillionWrites} per million WRU`,
            "aws.amazon.com/dynamodb/pricing/on-demand",
          ],
          ["DynamoDB partition", "1,000 WCU / 3,000 RCU", "DynamoDB developer guide, partition key design"],
          ...CONSTANTS.chains.map((c) => [`${c.name} gas per hour`, sci(c.perHour), c.source]),
          [
            "Solana CU per hour",
            sci(SOLANA_CU_PER_HOUR),
            "48M CU per block, 400 ms slots (not projected: CU per buyer-epoch not measured)",
          ],
          ["host latency", `${CONSTANTS.hostLatencyMs} ms`, "assumed (one completion)"],
          ["epoch", `${CONSTANTS.epochSeconds} s`, "assumed"],
          ["evaluate timeout", `${CONSTANTS.evaluateTimeoutSeconds} s`, "the deployment's topology"],
        ],
      ),
      "",
      mdTable(["size", "resource", " load", " limit", " use", "what would move it"], pressures),
    ].join("\n");
    return {
      title: "Scale model: measured unit costs projected to 1k-100k models, 100k-10M buyers, 1M-100M calls per hour",
      repeats: 1,
      goals: projections.map((p) =>
        reportOnly(
          `first bottleneck, ${p.scale.name} (${sci(p.scale.callsPerHour)} calls/h)`,
          `${p.firstBottleneck.resource}: ${p.firstBottleneck.use.toFixed(2)}x`,
        ),
      ),
      figures: [],
      markdown,
      data: { unit, from, constants: CONSTANTS, projections },
    };
  },
};
