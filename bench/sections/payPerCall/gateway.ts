// Pay per call, gateway: `createGateway` in process on a loopback anvil with the x402 stand-in, in front of an
// in-process host stub; a stock `@x402/fetch` client pays N calls with vouchers through `gateway.handle()` (no
// socket). Baselines interleaved call by call: the unpaid call answered 402 and the host stub alone.
import {
  MemoryUsageReceiptStore,
  MemoryVoucherCheckpointStore,
  SlabridgeError,
  type VoucherCheckpointStore,
} from "@slabridge/core";
import {
  type AnvilInstance,
  createDevnetClients,
  deployDevnetStablecoin,
  devnetFacilitatorSigner,
  placeX402StandIn,
  startAnvil,
} from "@slabridge/devnet";
import {
  type ChannelStorage,
  createGateway,
  type GatewayModelInput,
  localFacilitatorClient,
  MemoryChannelRecordStore,
  type ReceiptSigner,
  VersionedChannelStorage,
} from "@slabridge/gateway";
import { x402Facilitator } from "@x402/core/facilitator";
import type { FacilitatorClient } from "@x402/core/server";
import { toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme as BatchSettlementClient } from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as BatchSettlementFacilitator } from "@x402/evm/batch-settlement/facilitator";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type Figure, judge, type Section, type SectionBody } from "../../lib/section.ts";
import { type MinMedMax, mmm, ms, out, overRepeats, quantile, ratio, type Spread, spreadOf } from "../../lib/stats.ts";

/** A paid call the gateway did not answer as a healthy paid call would be answered. */
class UnexpectedAnswerError extends SlabridgeError {
  override readonly name = "UnexpectedAnswerError" as const;
}

/** Anvils still running: the runner stops them on Ctrl-C. */
const stopOnExit = new Set<AnvilInstance>();
export async function stopAnvils(): Promise<void> {
  await Promise.allSettled([...stopOnExit].map((anvil) => anvil.stop()));
}

const CHAIN_ID = 31_337;
const NETWORK = `eip155:${CHAIN_ID}` as const;
const CEILING = 5_000n;
const PRICE = { perInputToken: 3n, perOutputToken: 7n, ceiling: CEILING };
const USAGE = { prompt_tokens: 12, completion_tokens: 24 };
const CHARGE = 12n * 3n + 24n * 7n;
const HOST_ANSWER = JSON.stringify({
  id: "bench",
  object: "chat.completion",
  model: "bench-model",
  choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
  usage: { ...USAGE, total_tokens: USAGE.prompt_tokens + USAGE.completion_tokens },
});
const CHAT = JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: "what is an SLA" }] });
const GATEWAY_URL = "http://127.0.0.1/models/bench/v1/chat/completions";

const PHASES = ["host", "storage", "facilitator", "checkpoint", "receipt"] as const;
type Phase = (typeof PHASES)[number];
type PhaseTimes = Record<Phase, number>;
const noPhases = (): PhaseTimes => ({ host: 0, storage: 0, facilitator: 0, checkpoint: 0, receipt: 0 });

/** One gateway.handle() call as the stock client made it. */
interface HandledCall {
  readonly paid: boolean;
  readonly status: number;
  readonly wallMs: number;
  /** CPU time of this process during the call (user + system): the wall time less waiting for a shared CPU. */
  readonly cpuMs: number;
  readonly phases: PhaseTimes;
}

interface GatewayRepeat {
  readonly calls: number;
  /** The paid voucher call: handle() minus the host stub. */
  readonly paid: Spread;
  /** The unpaid call answered 402, the same handle() path. */
  readonly unpaid402: Spread;
  /** The stock client's whole call (402 + paid), minus the host stub. */
  readonly wholeCall: Spread;
  readonly host: Spread;
  /** CPU time of the paid call (host stub included, about 0.1 ms). */
  readonly paidCpu: Spread;
  /** Medians per paid call of the time spent waiting on each port (host excluded), and the rest. */
  readonly phaseMedians: Record<Exclude<Phase, "host"> | "rest", number>;
  readonly depositCallMs: number;
}

async function gateway(quick: boolean, verifyMs: number | undefined): Promise<SectionBody> {
  const repeats = quick ? 1 : 3;
  const calls = quick ? 100 : 500;
  const warmup = quick ? 10 : 30;
  out(`  gateway overhead per call: ${repeats} x ${calls} paid calls (after ${warmup} warm-up calls)`);

  const anvil: AnvilInstance = await startAnvil({ chainId: CHAIN_ID });
  stopOnExit.add(anvil);
  try {
    const clients = createDevnetClients({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID });
    const [deployer, relayer] = await clients.accounts();
    if (deployer === undefined || relayer === undefined) throw new UnexpectedAnswerError("anvil has too few accounts");
    const buyers = Array.from({ length: repeats + 1 }, () => privateKeyToAccount(generatePrivateKey()));
    // Each buyer deposits once for all its calls (plus slack for the per-call ceiling the voucher adds).
    const perBuyer = CEILING * BigInt(Math.ceil(Number(CHARGE * BigInt(calls + warmup)) / Number(CEILING)) + 4);
    const token = await deployDevnetStablecoin({
      clients,
      deployer,
      fund: buyers.map((b) => b.address),
      mintAmount: 10n * perBuyer,
    });
    await placeX402StandIn(clients);

    // Which port the current call is waiting on; calls are sequential, so one accumulator is enough.
    let current = noPhases();
    const timed = async <T>(phase: Phase, run: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await run();
      } finally {
        current[phase] += performance.now() - started;
      }
    };

    const receiverAuthorizer = privateKeyToAccount(generatePrivateKey());
    const inner = localFacilitatorClient(
      new x402Facilitator().register(
        NETWORK,
        new BatchSettlementFacilitator(devnetFacilitatorSigner(clients, relayer), receiverAuthorizer),
      ),
    );
    const facilitator: FacilitatorClient = {
      verify: (payload, requirements) => timed("facilitator", () => inner.verify(payload, requirements)),
      settle: (payload, requirements) => timed("facilitator", () => inner.settle(payload, requirements)),
      getSupported: () => timed("facilitator", () => inner.getSupported()),
    };
    const channels = new VersionedChannelStorage(new MemoryChannelRecordStore());
    const storage: ChannelStorage = {
      get: (id) => timed("storage", () => channels.get(id)),
      list: () => timed("storage", () => channels.list()),
      updateChannel: (id, update) => timed("storage", () => channels.updateChannel(id, update)),
    };
    const memoryCheckpoints = new MemoryVoucherCheckpointStore();
    const checkpoints: VoucherCheckpointStore = {
      record: (checkpoint) => timed("checkpoint", () => memoryCheckpoints.record(checkpoint)),
      list: (chainId, receiver, epoch) => timed("checkpoint", () => memoryCheckpoints.list(chainId, receiver, epoch)),
    };
    const gatewayKey = privateKeyToAccount(generatePrivateKey());
    const receiptSigner: ReceiptSigner = {
      address: gatewayKey.address,
      sign: (parameters) => timed("receipt", () => gatewayKey.sign(parameters)),
    };
    // The host: answers at once with a fixed usage; its own time is what the gateway's figure leaves out.
    const hostStub: typeof fetch = async () =>
      timed("host", async () => new Response(HOST_ANSWER, { headers: { "content-type": "application/json" } }));

    const model: GatewayModelInput = {
      key: "bench",
      model: "bench-model",
      modelId: 1n,
      network: NETWORK,
      asset: token.address,
      assetName: token.name,
      assetVersion: "2",
      payTo: privateKeyToAccount(generatePrivateKey()).address,
      hostUrl: "http://127.0.0.1:1/host",
      hostTimeoutMs: 5_000,
      price: PRICE,
      sla: { p95LatencyMs: 500, uptimeBps: 9_900, refundTiers: [{ breachBps: 0, refundBps: 2_500 }] },
      clock: { genesis: 0n, epochSeconds: 3_600n },
      // Far above the bench's call rate: the limiter runs on every call but never refuses one.
      rateLimit: { burst: 1_000_000, perSecond: 1_000_000 },
    };
    const gateway = await createGateway({
      models: [model],
      facilitator,
      storage,
      checkpoints,
      usageReceipts: new MemoryUsageReceiptStore(),
      receiptSigner,
      fetch: hostStub,
      onError: (error) => {
        throw new UnexpectedAnswerError("the gateway reported an unexpected failure", { cause: error });
      },
    });

    let handled: HandledCall[] = [];
    const toGateway: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const paid = request.headers.has("payment-signature");
      current = noPhases();
      const cpu = process.cpuUsage();
      const started = performance.now();
      const response = await gateway.handle(request);
      const wallMs = performance.now() - started;
      const { user, system } = process.cpuUsage(cpu);
      handled.push({ paid, status: response.status, wallMs, cpuMs: (user + system) / 1_000, phases: current });
      return response;
    };

    const buyerRun = async (buyer: (typeof buyers)[number], count: number) => {
      const scheme = new BatchSettlementClient(toClientEvmSigner(buyer, clients.publicClient), {
        depositPolicy: { depositMultiplier: Number(perBuyer / CEILING) },
      });
      const client = new x402Client().register(NETWORK, scheme);
      client.setSpendControls(false); // the devnet stablecoin is not one of the SDK's default assets
      const pay = wrapFetchWithPayment(toGateway, client);
      handled = [];
      for (let call = 0; call < count; call++) {
        const response = await pay(GATEWAY_URL, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: CHAT,
        });
        if (response.status !== 200) {
          throw new UnexpectedAnswerError(`paid call ${call} was answered ${response.status}`, {
            details: `${response.headers.get("payment-required") ?? ""} ${response.headers.get("payment-response") ?? ""} ${await response.text()}`,
          });
        }
      }
      return handled;
    };

    const [warmupBuyer, ...measuredBuyers] = buyers;
    if (warmupBuyer === undefined) throw new UnexpectedAnswerError("no warm-up buyer");
    await buyerRun(warmupBuyer, warmup);

    const runs: GatewayRepeat[] = [];
    for (const [i, buyer] of measuredBuyers.entries()) {
      // The first call opens the channel (a deposit settled on chain); the N voucher calls follow.
      const all = await buyerRun(buyer, calls + 1);
      const paidCalls = all.filter((c) => c.paid);
      const unpaid = all.filter((c) => !c.paid);
      if (paidCalls.length !== calls + 1 || unpaid.length !== calls + 1 || all.some((c) => c.status === 500)) {
        throw new UnexpectedAnswerError(
          `expected ${calls + 1} unpaid and ${calls + 1} paid requests, saw ${unpaid.length} and ${paidCalls.length}`,
        );
      }
      const [deposit, ...vouchers] = paidCalls;
      const probes = unpaid.slice(1);
      const gatewayMs = vouchers.map((c) => c.wallMs - c.phases.host);
      const whole = vouchers.map((c, k) => c.wallMs - c.phases.host + (probes[k]?.wallMs ?? 0));
      const median = (phase: Phase) =>
        quantile(
          vouchers.map((c) => c.phases[phase]),
          0.5,
        );
      const rest = quantile(
        vouchers.map(
          (c) =>
            c.wallMs - c.phases.host - c.phases.storage - c.phases.facilitator - c.phases.checkpoint - c.phases.receipt,
        ),
        0.5,
      );
      const run: GatewayRepeat = {
        calls,
        paid: spreadOf(gatewayMs),
        unpaid402: spreadOf(probes.map((c) => c.wallMs)),
        wholeCall: spreadOf(whole),
        host: spreadOf(vouchers.map((c) => c.phases.host)),
        paidCpu: spreadOf(vouchers.map((c) => c.cpuMs)),
        phaseMedians: {
          storage: median("storage"),
          facilitator: median("facilitator"),
          checkpoint: median("checkpoint"),
          receipt: median("receipt"),
          rest,
        },
        depositCallMs: (deposit?.wallMs ?? 0) - (deposit?.phases.host ?? 0),
      };
      runs.push(run);
      out(
        `  repeat ${i + 1}: paid call p50 ${ms(run.paid.p50)} p99 ${ms(run.paid.p99)} max ${ms(run.paid.max)} | ` +
          `402 p50 ${ms(run.unpaid402.p50)} | host stub p50 ${ms(run.host.p50)} | deposit call ${ms(run.depositCallMs)}`,
      );
    }

    const pick = (f: (r: GatewayRepeat) => number) => overRepeats(runs.map(f));
    const p50 = pick((r) => r.paid.p50);
    const p99 = pick((r) => r.paid.p99);
    const max = pick((r) => r.paid.max);
    const u50 = pick((r) => r.unpaid402.p50);
    const u99 = pick((r) => r.unpaid402.p99);
    const w50 = pick((r) => r.wholeCall.p50);
    const w99 = pick((r) => r.wholeCall.p99);
    const h50 = pick((r) => r.host.p50);
    const c50 = pick((r) => r.paidCpu.p50);
    const ratio50 = pick((r) => r.paid.p50 / r.unpaid402.p50);
    const phases = {
      storage: pick((r) => r.phaseMedians.storage),
      facilitator: pick((r) => r.phaseMedians.facilitator),
      checkpoint: pick((r) => r.phaseMedians.checkpoint),
      receipt: pick((r) => r.phaseMedians.receipt),
      rest: pick((r) => r.phaseMedians.rest),
    };
    const goals = [
      judge("gateway per paid call, p50", p50.median, "<=", 2, ms),
      judge("gateway per paid call, p99", p99.median, "<=", 10, ms),
    ];
    out(`  paid call (handle() - host stub): p50 ${mmm(p50, ms)}, p99 ${mmm(p99, ms)}, max ${mmm(max, ms)}`);
    out(`  baseline unpaid 402: p50 ${mmm(u50, ms)}, p99 ${mmm(u99, ms)}; paid/402 at p50 ${mmm(ratio50, ratio)}`);
    out(`  baseline host stub alone: p50 ${mmm(h50, ms)}`);
    out(`  paid call CPU time (this process, user + system): p50 ${mmm(c50, ms)}`);
    out(`  stock client's whole call (402 + paid): p50 ${mmm(w50, ms)}, p99 ${mmm(w99, ms)}`);
    out(
      `  paid call, median per port: storage ${ms(phases.storage.median)}, facilitator ${ms(phases.facilitator.median)}, ` +
        `checkpoint ${ms(phases.checkpoint.median)}, receipt signing ${ms(phases.receipt.median)}, rest (SDK + gateway CPU) ${ms(phases.rest.median)}`,
    );

    const row = (what: string, m: MinMedMax, f: (x: number) => string = ms) =>
      `| ${what} | ${f(m.median)} | ${f(m.min)} | ${f(m.max)} |`;
    const markdown = [
      `\`createGateway\` in process on a loopback anvil (x402 stand-in, in-memory channel storage and checkpoints, the`,
      `facilitator in process), in front of a host stub in process that answers at once with ${USAGE.prompt_tokens} input and ${USAGE.completion_tokens} output`,
      `tokens. A stock \`@x402/fetch\` client (EVM batch-settlement scheme) calls \`gateway.handle()\` directly: per call`,
      `an unpaid request (answered 402) and the paid retry with a voucher. Gateway time = handle() wall time minus the`,
      `host stub's own time. ${repeats} repeat(s) of ${calls} voucher calls, each a fresh buyer and channel (its deposit call`,
      `excluded), after ${warmup} warm-up calls. Figures are the median over repeats (min, max).`,
      "",
      "| figure | median | min | max |",
      "|---|---:|---:|---:|",
      row("paid call p50", p50),
      row("paid call p99", p99),
      row("paid call max", max),
      row("baseline: unpaid call answered 402, p50", u50),
      row("baseline: unpaid call answered 402, p99", u99),
      row("ratio paid / 402 at p50", ratio50, ratio),
      row("baseline: host stub alone, p50", h50),
      row("paid call CPU time (user + system), p50", c50),
      row("stock client's whole call (402 + paid), p50", w50),
      row("stock client's whole call (402 + paid), p99", w99),
      row("paid call: storage (median)", phases.storage),
      row("paid call: facilitator (median)", phases.facilitator),
      row("paid call: voucher checkpoint (median)", phases.checkpoint),
      row("paid call: receipt signing (median)", phases.receipt),
      row("paid call: rest, SDK + gateway CPU (median)", phases.rest),
      row(
        "deposit call (opens the channel on chain)",
        pick((r) => r.depositCallMs),
      ),
    ].join("\n");
    const figures: Figure[] = [
      {
        what: "paid call p50",
        unit: "ms",
        value: p50,
        baseline: { what: "unpaid call answered 402, p50", value: u50 },
        ratio: ratio50,
      },
      {
        what: "paid call p99",
        unit: "ms",
        value: p99,
        baseline: { what: "unpaid call answered 402, p99", value: u99 },
      },
    ];
    const met = goals.every((g) => g.met);
    return {
      title: "Pay per call: gateway overhead per call",
      repeats,
      goals,
      figures,
      markdown,
      ...(met
        ? {}
        : { bounds: boundNote({ paidP50: p50.median, paidCpuP50: c50.median, ...medians(phases) }, verifyMs) }),
      data: {
        callsPerRepeat: calls,
        warmupCalls: warmup,
        repeats: runs,
        summary: {
          p50,
          p99,
          max,
          unpaid402P50: u50,
          unpaid402P99: u99,
          ratioP50: ratio50,
          hostP50: h50,
          paidCpuP50: c50,
          wholeCallP50: w50,
          wholeCallP99: w99,
          phases,
        },
      },
    };
  } finally {
    await anvil.stop();
    stopOnExit.delete(anvil);
  }
}

// ---------------------------------------------------------------------------------------------------------------

const medians = (phases: Record<string, MinMedMax>): Record<string, number> =>
  Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, v.median]));

/**
 * What bounds the paid call, from this run's figures: the share of its CPU time that is the voucher's signature check
 * (measured alone in the vouchers section, which runs first) and the receipt signing, against the ports it waits on.
 */
function boundNote(gateway: Record<string, number>, verifyMs: number | undefined): string {
  const { paidP50 = 0, paidCpuP50 = 0, storage = 0, checkpoint = 0, receipt = 0 } = gateway;
  const verify = verifyMs === undefined ? "not measured (run the pay-vouchers section)" : ms(verifyMs);
  const other = paidCpuP50 - (verifyMs ?? 0) - receipt;
  return (
    `Where the paid call's time goes (medians): ${ms(paidP50)} wall, ${ms(paidCpuP50)} CPU time of the process ` +
    `(all its threads, GC included); the voucher's signature check ${verify} (EIP-712 recovery, pure JS secp256k1, ` +
    `from the vouchers section), receipt signing ${ms(receipt)}, waiting on storage ${ms(storage)} and checkpoints ` +
    `${ms(checkpoint)}; the other ${ms(Math.max(0, other))} of CPU is the x402 SDK and the gateway (payload decoding, ` +
    "channel id hashing, JSON, headers). The paid call is CPU-bound by secp256k1 in JavaScript."
  );
}

export const gatewaySection: Section = {
  name: "pay-gateway",
  run: ({ quick, previous }) => {
    const verifyMs = previous.find((r) => r.name === "pay-vouchers")?.data.verifyMs;
    return gateway(quick, typeof verifyMs === "number" ? verifyMs : undefined);
  },
};
