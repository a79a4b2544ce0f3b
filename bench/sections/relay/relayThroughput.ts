// Relay throughput: payments ingested and relayed home as receipt batches per second, through the production
// functions of the store-backed path (the one Solana payments take; EVM escrows keep their payments on chain):
// watcher-shaped payment records written with `PaymentStore.record` (as the vault watch does, one after the other),
// the scan mark, the epoch's relay-receipts job made by `createEpochReceiptJobs` and ingested by the relay engine,
// and `RelayEngine.process` running it: `SolanaReceiptSource` lists the epoch, cuts the batches, builds each one's
// Merkle root and message, publishes it and advances its cursor. Not included: reading the chain (the vault scan's
// RPC), posting the message on chain (the publisher records it: no Wormhole program, no guardian) and delivering it
// (the relay-overhead and receipt-gas sections). With the memory stores and with the DynamoDB-compatible store
// (dynalite, the devnet's local DynamoDB, served from this process). Baseline: the same pipeline with one message per
// payment (batches of 1), what a per-message relayer does.

import { startLocalDynamo } from "@slabridge/devnet";
import {
  type CursorStore,
  createEpochReceiptJobs,
  type JobStore,
  jobIds,
  type PaymentStore,
} from "../../../packages/core/src/index.ts";
import { RelayEngine } from "../../../packages/relay/src/index.ts";
import { SolanaReceiptSource } from "../../../packages/solana/src/index.ts";
import {
  createStores,
  MemoryCursorStore,
  MemoryJobStore,
  MemoryPaymentStore,
} from "../../../packages/store/src/index.ts";
import { type Figure, judge, type Section, type SectionBody } from "../../lib/section.ts";
import { int, mdTable, out, overRepeats } from "../../lib/stats.ts";

const GOAL_PAYMENTS_PER_S = 1_000;
const SOLANA = 0x536f6c61;
const HOME = 31_338;
const EPOCH_SECONDS = 60;
/** Any valid Solana public keys: the buyers are only bytes in the batch's leaves. */
const BUYERS = [
  "11111111111111111111111111111111",
  "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
  "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL",
  "SysvarRent111111111111111111111111111111111",
  "SysvarC1ock11111111111111111111111111111111",
] as const;

type StoreKind = "memory" | "dynamodb";
interface Stores {
  readonly payments: PaymentStore;
  readonly jobs: JobStore;
  readonly cursors: CursorStore;
}

/** Time and calls spent in the stores, and payment items the store handed back from `listEpoch`. */
interface StoreUse {
  ms: number;
  calls: number;
  writes: number;
  itemsRead: number;
}

/** The same store, timing every call into `use` (the pipeline's own code is untouched). */
function timed<T extends object>(store: T, use: StoreUse, writes: readonly string[]): T {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const started = performance.now();
        try {
          const result: unknown = await value.apply(target, args);
          if (prop === "listEpoch" && Array.isArray(result)) use.itemsRead += result.length;
          return result;
        } finally {
          use.ms += performance.now() - started;
          use.calls++;
          if (writes.includes(String(prop))) use.writes++;
        }
      };
    },
  });
}

interface Run {
  readonly store: StoreKind;
  readonly payments: number;
  readonly batch: number;
  readonly messages: number;
  readonly ingestMs: number;
  readonly relayMs: number;
  readonly perSecond: number;
  /** CPU time of this process over the run / wall time (1 = one core busy; dynalite serves from this process). */
  readonly cpuShare: number;
  readonly storeShare: number;
  readonly storeWrites: number;
  readonly itemsRead: number;
}

let nextModel = 1n;

/** One epoch of `payments` payments through the pipeline, relayed in batches of `batch`. */
async function pipeline(stores: Stores, kind: StoreKind, payments: number, batch: number): Promise<Run> {
  const use: StoreUse = { ms: 0, calls: 0, writes: 0, itemsRead: 0 };
  const paymentStore = timed(stores.payments, use, ["record"]);
  const jobs = timed(stores.jobs, use, ["create", "transition"]);
  const cursors = timed(stores.cursors, use, ["advance"]);
  // A model of its own per run, its epoch 0 over: nothing carries over between runs on one store.
  const modelId = nextModel++;
  const genesis = Math.floor(Date.now() / 1000) - 2 * EPOCH_SECONDS;
  const epoch = 0n;
  const model = {
    modelId: modelId.toString(),
    homeChainId: HOME,
    genesis,
    epochSeconds: EPOCH_SECONDS,
    hostName: "bench",
    hostUrl: "http://127.0.0.1:1",
    pricePerRequest: "1000",
  };
  const scanId = `solana:vault-scan:bench-${modelId}`;
  let published = 0;
  const source = new SolanaReceiptSource({
    chainId: SOLANA,
    homeChainId: HOME,
    models: [model],
    payments: paymentStore,
    cursors,
    vaultScanCursorId: scanId,
    publisher: {
      publish: async () => {
        published++;
        return { emitterChain: 1, emitter: `0x${"00".repeat(32)}`, sequence: BigInt(published) };
      },
    },
  });
  const queued: string[] = [];
  const clock = { now: () => Date.now() };
  const engine = new RelayEngine({
    jobs,
    transports: {},
    receiptSources: new Map([[SOLANA, source]]),
    enqueue: async (jobId) => {
      queued.push(jobId);
    },
    clock,
    retry: { tiersMs: [50, 100], maxAttempts: 5, jitter: 0 },
    maxPaymentsPerBatch: batch,
    // One process call relays the whole epoch, batch after batch, as in the relay function.
    maxStepsPerRun: 4,
  });

  const cpu = process.cpuUsage();
  const started = performance.now();
  const observedAt = Date.now();
  for (let i = 0; i < payments; i++) {
    await paymentStore.record({
      chainId: SOLANA,
      modelId,
      epoch,
      paymentId: `0x${i.toString(16).padStart(64, "0")}`,
      buyer: BUYERS[i % BUYERS.length] as string,
      amount: 1_000n,
      transaction: `bench-${modelId}-${i}`,
      block: BigInt(i),
      blockHash: `bench-${modelId}-${i}`,
      observedAt,
    });
  }
  // The vault pass that recorded them ends: its scan mark closes the epoch for the receipt source.
  await cursors.advance({ id: scanId, block: BigInt(Date.now()), blockHash: "scan", version: 1 }, undefined);
  const ingested = performance.now();
  await createEpochReceiptJobs(
    {
      manifest: { homeChainId: HOME, models: [model] },
      config: { routes: [{ source: SOLANA, destination: HOME, kind: "ReceiptBatch", transport: "wormhole" }] },
      cursors,
      clock,
      intake: engine,
    },
    { chainId: SOLANA, nowSeconds: BigInt(genesis + EPOCH_SECONDS + 1), block: 0n, blockHash: "bench" },
  );
  const jobId = jobIds.relayReceipts({ chainId: SOLANA, modelId, epoch });
  if (!queued.includes(jobId)) throw new Error(`the relay-receipts job ${jobId} was not queued`);
  const outcome = await engine.process(jobId);
  const done = performance.now();
  const used = process.cpuUsage(cpu);
  const messages = Math.max(1, Math.ceil(payments / batch));
  if (outcome.result !== "confirmed" || published !== messages) {
    throw new Error(
      `${kind} ${payments}/${batch}: job ${outcome.result}, ${published} of ${messages} batches published`,
    );
  }
  const wall = done - started;
  return {
    store: kind,
    payments,
    batch,
    messages,
    ingestMs: ingested - started,
    relayMs: done - ingested,
    perSecond: (payments / wall) * 1_000,
    cpuShare: (used.user + used.system) / 1_000 / wall,
    storeShare: use.ms / wall,
    storeWrites: use.writes,
    itemsRead: use.itemsRead,
  };
}

async function relayThroughput(quick: boolean): Promise<SectionBody> {
  const repeats = quick ? 1 : 3;
  const batch = 100; // the stage configs' maxPaymentsPerReceiptBatch
  const loads: Record<StoreKind, number[]> = quick
    ? { memory: [2_000], dynamodb: [300] }
    : { memory: [1_000, 3_000, 6_000], dynamodb: [300, 1_000, 2_000] };
  const baselineLoad: Record<StoreKind, number> = quick
    ? { memory: 300, dynamodb: 50 }
    : { memory: 300, dynamodb: 100 };
  out(`  store-backed ingest + receipt batches of ${batch}: ${repeats} repeat(s); baseline batches of 1`);
  const dynamo = await startLocalDynamo();
  const runs: Run[] = [];
  const baselines: Run[] = [];
  try {
    const storesOf = (kind: StoreKind): Stores => {
      if (kind === "memory") {
        const clock = { now: () => Date.now() };
        return {
          payments: new MemoryPaymentStore(),
          jobs: new MemoryJobStore({ clock }),
          cursors: new MemoryCursorStore(),
        };
      }
      const s = createStores({ endpoint: dynamo.endpoint, region: "us-east-1", tableNames: dynamo.tableNames });
      return { payments: s.payments, jobs: s.jobs, cursors: s.cursors };
    };
    for (let r = 0; r < repeats; r++) {
      for (const kind of ["memory", "dynamodb"] as const) {
        const stores = storesOf(kind);
        const base = await pipeline(stores, kind, baselineLoad[kind], 1);
        baselines.push(base);
        for (const payments of loads[kind]) {
          const run = await pipeline(stores, kind, payments, batch);
          runs.push(run);
          out(
            `  ${kind} ${int(payments)} payments: ${int(run.perSecond)}/s (ingest ${int(run.ingestMs)} ms, relay ` +
              `${int(run.relayMs)} ms; CPU ${(run.cpuShare * 100).toFixed(0)}%, in the store ${(run.storeShare * 100).toFixed(0)}%)`,
          );
        }
        out(`  ${kind} baseline, batches of 1, ${int(base.payments)} payments: ${int(base.perSecond)}/s`);
      }
    }
  } finally {
    await dynamo.close();
  }

  const at = (kind: StoreKind, payments: number) => runs.filter((x) => x.store === kind && x.payments === payments);
  const pick = (kind: StoreKind, payments: number, f: (x: Run) => number) => overRepeats(at(kind, payments).map(f));
  const base = (kind: StoreKind) => overRepeats(baselines.filter((x) => x.store === kind).map((x) => x.perSecond));
  const best = (kind: StoreKind) => Math.max(...loads[kind].map((p) => pick(kind, p, (x) => x.perSecond).median));
  // Saturation: the load past which the rate falls (the rate at each load, highest load last).
  const saturation = (kind: StoreKind) => {
    const rates = loads[kind].map((p) => [p, pick(kind, p, (x) => x.perSecond).median] as const);
    const peak = rates.reduce((a, b) => (b[1] > a[1] ? b : a));
    return `peaks at ${int(peak[1])}/s with ${int(peak[0])} payments per epoch${
      peak[0] === rates.at(-1)?.[0] ? " (the largest load run: not saturated within it)" : ""
    }`;
  };
  const goals = (["memory", "dynamodb"] as const).map((kind) =>
    judge(`${kind} store: payments relayed per second (best load)`, best(kind), ">=", GOAL_PAYMENTS_PER_S, int),
  );
  const figures: Figure[] = (["memory", "dynamodb"] as const).map((kind) => {
    const largest = loads[kind].at(-1) ?? 0;
    return {
      what: `${kind}: payments/s at ${int(largest)} per epoch`,
      unit: "payments/s",
      value: pick(kind, largest, (x) => x.perSecond),
      baseline: { what: `one message per payment (${int(baselineLoad[kind])} payments)`, value: base(kind) },
      ratio: overRepeats(
        at(kind, largest).map((x, i) => x.perSecond / (baselines.filter((b) => b.store === kind)[i]?.perSecond ?? 1)),
      ),
    };
  });
  const rows = (["memory", "dynamodb"] as const).flatMap((kind) =>
    loads[kind].map((p) => {
      const m = (f: (x: Run) => number) => pick(kind, p, f).median;
      const rate = pick(kind, p, (x) => x.perSecond);
      return [
        kind,
        int(p),
        `${int(rate.median)} (${int(rate.min)}-${int(rate.max)})`,
        int(m((x) => x.ingestMs)),
        int(m((x) => x.relayMs)),
        `${(m((x) => x.cpuShare) * 100).toFixed(0)}%`,
        `${(m((x) => x.storeShare) * 100).toFixed(0)}%`,
        int(m((x) => x.storeWrites)),
        int(m((x) => x.itemsRead)),
      ];
    }),
  );
  const markdown = [
    "What is included: watcher-shaped payment records written one after the other with `PaymentStore.record` (the",
    "vault watch's call), the scan mark, the epoch's relay-receipts job (`createEpochReceiptJobs`, `RelayEngine.ingest`)",
    "and `RelayEngine.process` of it: `SolanaReceiptSource.relayNextBatch` per batch (list the epoch, cut the batch,",
    "Merkle root, encode, publish, advance the cursor). Not included: the chain scan's RPC, posting the message on",
    "chain (a recording publisher), its delivery (relay-overhead, receipt-gas). Payments/s = payments / (ingest +",
    `relay) wall time. Batches of ${batch} (the stage configs' setting); baseline: batches of 1, one message per payment.`,
    "The DynamoDB-compatible store is dynalite (the devnet's local DynamoDB) served from this same process: its CPU",
    "counts in the CPU column, and each call is a loopback HTTP round trip (DynamoDB in AWS: a few ms per call).",
    "",
    mdTable(
      [
        "store",
        " payments per epoch",
        " payments/s median (min-max)",
        " ingest ms",
        " relay ms",
        " CPU / wall",
        " time in the store",
        " store writes",
        " payment items read",
      ],
      rows,
    ),
    "",
    mdTable(
      ["store", " baseline: batches of 1, payments/s median (min-max)", " where it saturates"],
      (["memory", "dynamodb"] as const).map((kind) => {
        const b = base(kind);
        return [kind, `${int(b.median)} (${int(b.min)}-${int(b.max)})`, saturation(kind)];
      }),
    ),
    "",
    "Items read: `relayNextBatch` lists the whole epoch for every batch it cuts, so an epoch of n payments in batches",
    "of b reads n x n/b items; the ingest writes one item per payment, one at a time.",
  ].join("\n");
  const met = goals.every((g) => g.met);
  const d = (kind: StoreKind, f: (x: Run) => number) => pick(kind, loads[kind].at(-1) ?? 0, f).median;
  return {
    title: "Relay throughput: payments ingested and relayed as receipt batches per second",
    repeats,
    goals,
    figures,
    markdown,
    ...(met
      ? {}
      : {
          bounds:
            `DynamoDB-compatible store: ${(d("dynamodb", (x) => x.storeShare) * 100).toFixed(0)}% of the time is in ` +
            `store calls (${int(d("dynamodb", (x) => x.storeWrites))} writes, one round trip each, one after the ` +
            `other; ${int(d("dynamodb", (x) => x.itemsRead))} payment items read back by the batch listing), CPU ` +
            `${(d("dynamodb", (x) => x.cpuShare) * 100).toFixed(0)}% of the wall time (dynalite included). Memory: ` +
            `CPU ${(d("memory", (x) => x.cpuShare) * 100).toFixed(0)}%.`,
        }),
    data: {
      batch,
      loads,
      baselineLoad,
      runs,
      baselines,
      best: { memory: best("memory"), dynamodb: best("dynamodb") },
    },
  };
}

export const relayThroughputSection: Section = {
  name: "relay-throughput",
  run: ({ quick }) => relayThroughput(quick),
};
