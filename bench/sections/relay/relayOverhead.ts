// Relay overhead: how long the relay takes from a message being final on its source chain (the watcher saw it past
// the chain's confirmations and stored its job) to the destination transaction that delivers it being submitted,
// for LayerZero and Wormhole deliveries of receipt batches on the devnet, through the Lambda handlers. Baseline: the
// destination's block time on the devnet (a plain transfer, submitted -> mined), the physical floor.
import type { Job } from "../../../packages/core/src/index.ts";
import { type Figure, judge, type Section, type SectionBody } from "../../lib/section.ts";
import { mdTable, ms, out, overRepeats, quantile } from "../../lib/stats.ts";
import { type Delivery, type DevnetRelay, sharedDevnetRelay, wallMs } from "./devnetRelay.ts";

const TRANSPORTS = ["layerzero", "wormhole"] as const;
type TransportName = (typeof TRANSPORTS)[number];
const GOAL_P50_MS = 200;
const GOAL_P99_MS = 1_000;
const BLOCK_TIME_SAMPLES = 20;
const MAX_ROUNDS = 60;

/**
 * One delivery's times in ms, from the job's creation (the watcher saw the message final and queued it), less the
 * rest of that watch pass (the local driver drains the queue after the pass; in AWS the relay takes the job at once).
 */
interface Timed {
  /** -> the delivering transaction submitted (LayerZero: lzReceive; Wormhole: the VAA's receive). */
  readonly overhead: number;
  /** The same from the job's creation, the rest of the watch pass included (what the local driver saw). */
  readonly raw: number;
  /** The rest of the watch pass after the job was queued (excluded from the others). */
  readonly watchRest: number;
  /** -> the transport asked to deliver (queue, relay handler, idempotency record, job reads and writes). */
  readonly pickedUp: number;
  /** -> its first destination transaction submitted (LayerZero: the DVN's verify). */
  readonly firstTx: number;
  readonly transactions: number;
  /** Its first `deliver` call threw and the job waited for a retry. */
  readonly retried: boolean;
}

interface Repeat {
  readonly transport: TransportName;
  readonly deliveries: number;
  readonly rounds: number;
  readonly timed: readonly Timed[];
  readonly p50: number;
  readonly p99: number;
  readonly rawP50: number;
  readonly rawP99: number;
  readonly watchRestP50: number;
  readonly pickedUpP50: number;
  readonly firstTxP50: number;
  /** Deliveries whose first `deliver` call threw. */
  readonly retried: number;
  /** p50 of the deliveries that went through at the first call (NaN when none did). */
  readonly firstTryP50: number;
}

/** Submitted -> mined of plain transfers on the destination (anvil mines each transaction at once). */
async function blockTime(relay: DevnetRelay): Promise<number[]> {
  const home = relay.scenario.homeChainId;
  const { publicClient, wallet } = relay.scenario.devnet.evm.clients(home);
  const from = relay.scenario.deployer();
  const times: number[] = [];
  for (let i = 0; i < BLOCK_TIME_SAMPLES; i++) {
    const started = wallMs();
    const hash = await wallet(from).sendTransaction({ to: from, value: 0n });
    await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 1 });
    times.push(wallMs() - started);
  }
  return times;
}

async function oneRepeat(relay: DevnetRelay, transport: TransportName, messages: number): Promise<Repeat> {
  const w = relay.world(transport, 1);
  const before = new Set(relay.deliveries.keys());
  const epoch = await relay.pay(messages);
  await relay.endEpoch(epoch);
  // One payment per batch: `messages` receipt batches, each its own message to deliver.
  const rounds = await relay.drive(w, async () => (await relay.revenue(epoch)).batches >= BigInt(messages), MAX_ROUNDS);
  const fresh = [...relay.deliveries.values()].filter((d) => !before.has(d.messageId) && d.transport === transport);
  const jobs = new Map<string, Job>();
  for (const job of await relay.stores.jobs.listByStatus("confirmed", { limit: 1_000 })) {
    if (job.kind === "deliver-message" && job.messageRef) jobs.set(job.messageRef.messageId, job);
  }
  const timed = fresh.flatMap((d: Delivery): Timed[] => {
    const job = jobs.get(d.messageId);
    const last = d.transactions.at(-1);
    const first = d.transactions[0];
    const lastAt = last === undefined ? undefined : relay.submissions.get(last)?.at;
    const firstAt = first === undefined ? undefined : relay.submissions.get(first)?.at;
    if (job === undefined || lastAt === undefined || firstAt === undefined) return [];
    const passEnd = relay.watchPassEnds.find((t) => t >= job.createdAt) ?? job.createdAt;
    const from = Math.min(passEnd, d.firstCallAt);
    return [
      {
        overhead: lastAt - from,
        raw: lastAt - job.createdAt,
        watchRest: from - job.createdAt,
        pickedUp: d.firstCallAt - from,
        firstTx: firstAt - from,
        transactions: d.transactions.length,
        retried: d.failedCalls > 0,
      },
    ];
  });
  if (timed.length < messages) {
    throw new Error(`${transport}: ${timed.length} timed deliveries of ${messages} messages (${fresh.length} seen)`);
  }
  const overheads = timed.map((t) => t.overhead);
  return {
    transport,
    deliveries: timed.length,
    rounds,
    timed,
    p50: quantile(overheads, 0.5),
    p99: quantile(overheads, 0.99),
    rawP50: quantile(
      timed.map((t) => t.raw),
      0.5,
    ),
    rawP99: quantile(
      timed.map((t) => t.raw),
      0.99,
    ),
    watchRestP50: quantile(
      timed.map((t) => t.watchRest),
      0.5,
    ),
    // The split is read on the deliveries that went through at their first call: a retried one's first call
    // threw, and its transactions before the throw are not in the result the bench sees.
    pickedUpP50: quantile(
      timed.filter((t) => !t.retried).map((t) => t.pickedUp),
      0.5,
    ),
    firstTxP50: quantile(
      timed.filter((t) => !t.retried).map((t) => t.firstTx),
      0.5,
    ),
    retried: timed.filter((t) => t.retried).length,
    firstTryP50: quantile(
      timed.filter((t) => !t.retried).map((t) => t.overhead),
      0.5,
    ),
  };
}

async function relayOverhead(quick: boolean): Promise<SectionBody> {
  const repeats = quick ? 1 : 3;
  const messages = quick ? 5 : 20;
  out(`  devnet relay: ${repeats} repeat(s) x ${messages} receipt batches per transport (one payment each)`);
  // The devnet is shared with the other relay sections; the runner stops it at the end.
  const relay = await sharedDevnetRelay();
  {
    const repeatsDone: Repeat[] = [];
    const blockTimes: number[][] = [];
    for (let r = 0; r < repeats; r++) {
      blockTimes.push(await blockTime(relay));
      for (const transport of TRANSPORTS) {
        const result = await oneRepeat(relay, transport, messages);
        repeatsDone.push(result);
        out(
          `  ${transport} repeat ${r + 1}: ${result.deliveries} deliveries in ${result.rounds} rounds, final -> submitted ` +
            `p50 ${ms(result.p50)} p99 ${ms(result.p99)} (picked up p50 ${ms(result.pickedUpP50)}; ` +
            `${result.retried} retried, p50 of the others ${ms(result.firstTryP50)})`,
        );
      }
    }
    const blockP50 = blockTimes.map((t) => quantile(t, 0.5));
    out(`  baseline: destination block time (transfer submitted -> mined) p50 ${ms(quantile(blockP50, 0.5))}`);
    const of = (t: TransportName) => repeatsDone.filter((x) => x.transport === t);
    const pick = (t: TransportName, f: (x: Repeat) => number) => overRepeats(of(t).map(f));
    const baseline = overRepeats(blockP50);
    const goals = TRANSPORTS.flatMap((t) => [
      judge(`${t}: final -> destination tx submitted, p50`, pick(t, (x) => x.p50).median, "<=", GOAL_P50_MS, ms),
      judge(`${t}: final -> destination tx submitted, p99`, pick(t, (x) => x.p99).median, "<=", GOAL_P99_MS, ms),
    ]);
    const figures: Figure[] = TRANSPORTS.flatMap((t) => [
      {
        what: `${t} overhead p50`,
        unit: "ms",
        value: pick(t, (x) => x.p50),
        baseline: { what: "destination block time p50 (devnet)", value: baseline },
        ratio: overRepeats(of(t).map((x, i) => x.p50 / (blockP50[i] ?? Number.NaN))),
      },
      { what: `${t} overhead p99`, unit: "ms", value: pick(t, (x) => x.p99) },
    ]);
    const row = (t: TransportName) => {
      const f = (g: (x: Repeat) => number) => {
        const m = pick(t, g);
        return `${m.median.toFixed(1)} (${m.min.toFixed(1)}-${m.max.toFixed(1)})`;
      };
      const txs = of(t).flatMap((x) => x.timed.map((d) => d.transactions));
      return [
        t,
        f((x) => x.p50),
        f((x) => x.p99),
        `${f((x) => x.rawP50)} / ${f((x) => x.rawP99)}`,
        f((x) => x.watchRestP50),
        f((x) => x.pickedUpP50),
        f((x) => x.firstTxP50),
        String(quantile(txs, 0.5)),
        `${of(t).reduce((n, x) => n + x.retried, 0)} of ${of(t).reduce((n, x) => n + x.deliveries, 0)}`,
        f((x) => x.firstTryP50),
        f((x) => x.rounds),
      ];
    };
    const markdown = [
      `The devnet (anvils with the real LayerZero V2 and Wormhole contracts, local DynamoDB, the devnet guardian) and`,
      "the relay bot in this process as `npm start` runs it: relay worlds built as a Lambda container builds them, the",
      "EVM watch handler, the relay queue drained through the relay handler (SQS-shaped batches of 10, DynamoDB stores",
      `and idempotency), the retry handler. Per repeat and transport: ${messages} payments in one epoch, relayed one per`,
      "receipt batch, so each is a message to deliver. Times per delivery, from the job's creation (the watch pass saw",
      "the message past the source's confirmations and queued it) less the rest of that watch pass (the local driver",
      "drains the queue after the whole pass; in AWS the relay function takes the job as soon as it is queued; the",
      "figures with it are shown too) to: the relay handler calling the transport (picked up), its first",
      "destination transaction submitted (LayerZero: the DVN's verify), and the delivering transaction submitted",
      "(LayerZero: lzReceive after verify and commit, each waited to be mined; Wormhole: the receive with the VAA).",
      "Submission times come from a hook on the relay's EVM senders; up to 10 deliveries run at once, as in one",
      "Lambda batch. Not included: the watch schedule's own period (the devnet drives it back to back) and SQS's",
      "delivery delay in AWS. Baseline: a plain transfer on the destination anvil, submitted -> mined (devnet block",
      "time: anvil mines at once; real chains take 0.25 s (Arbitrum) to 2 s (Base) to 12 s (Ethereum) per block).",
      "",
      mdTable(
        [
          "transport",
          " p50 ms",
          " p99 ms",
          " with the watch pass's rest, p50 / p99",
          " watch pass's rest p50",
          " picked up p50",
          " first tx p50",
          " txs per delivery",
          " retried",
          " p50 of those not retried",
          " rounds",
        ],
        TRANSPORTS.map(row),
      ),
      "",
      `Baseline block time p50: ${baseline.median.toFixed(2)} ms (${baseline.min.toFixed(2)}-${baseline.max.toFixed(2)}).`,
    ].join("\n");
    const met = goals.every((g) => g.met);
    return {
      title: "Relay overhead: message final -> destination transaction submitted",
      repeats,
      goals,
      figures,
      markdown,
      ...(met ? {} : { bounds: boundNote(repeatsDone) }),
      data: {
        messagesPerRepeat: messages,
        blockTimeP50: baseline,
        perTransport: Object.fromEntries(
          TRANSPORTS.map((t) => [
            t,
            {
              p50: pick(t, (x) => x.p50),
              p99: pick(t, (x) => x.p99),
              pickedUpP50: pick(t, (x) => x.pickedUpP50),
              firstTxP50: pick(t, (x) => x.firstTxP50),
            },
          ]),
        ),
        repeats: repeatsDone.map(({ timed, ...rest }) => rest),
      },
    };
  }
}

/** Where the time goes, from this run's own split: waiting to be picked up vs the transport's steps. */
function boundNote(runs: readonly Repeat[]): string {
  const p50Of = (values: readonly number[]) =>
    quantile(
      values.filter((x) => !Number.isNaN(x)),
      0.5,
    );
  return TRANSPORTS.map((t) => {
    const mine = runs.filter((x) => x.transport === t);
    const p50 = p50Of(mine.map((x) => x.p50));
    const firstTry = p50Of(mine.map((x) => x.firstTryP50));
    const picked = p50Of(mine.map((x) => x.pickedUpP50));
    const first = p50Of(mine.map((x) => x.firstTxP50));
    const retried = mine.reduce((n, x) => n + x.retried, 0);
    const total = mine.reduce((n, x) => n + x.deliveries, 0);
    const retries =
      retried === 0
        ? ""
        : ` ${retried} of ${total} deliveries failed their first call and waited for the retry schedule, which sets ` +
          `${retried * 2 >= total ? `the p50 of ${ms(p50)}` : "the tail"}` +
          (t === "layerzero"
            ? " (the deliveries of one pathway run at once in a batch; lzReceive of a nonce whose predecessors are not" +
              " committed yet reverts LZ_InvalidNonce: delivering a pathway's packets in nonce order would avoid it)"
            : "") +
          ".";
    return (
      `${t}: deliveries that went through at their first call took ${ms(firstTry)} (p50): ${ms(picked)} until ` +
      "the relay handler called the transport (queue, idempotency record, job reads and conditional writes on the " +
      `local DynamoDB, up to 10 deliveries at once), ${ms(Math.max(0, first - picked))} to the first destination ` +
      `transaction (status reads, refusal check${t === "wormhole" ? ", the VAA from the guardian" : ""}; each key's ` +
      "nonce reservation and broadcast are one at a time), " +
      `${ms(Math.max(0, firstTry - first))} from there to the delivering one` +
      `${t === "layerzero" ? " (verify and commit mined one after the other)" : ""}.${retries}`
    );
  }).join(" ");
}

export const relayOverheadSection: Section = { name: "relay-overhead", run: ({ quick }) => relayOverhead(quick) };
