/**
 * Pay-per-call bench (issue 11's figures, reported as issue 13 asks: every figure beside a baseline measured in the
 * same run, as a ratio, min/median/max over repeats, the machine's load before and after each section).
 *
 * 1. gateway: `createGateway` in process on a loopback anvil with the x402 stand-in, in front of an in-process host
 *    stub that answers at once with a fixed usage. A stock `@x402/fetch` client (EVM batch-settlement client
 *    scheme) deposits once, then pays N calls with vouchers; its fetch calls `gateway.handle(request)` directly (no
 *    socket). Gateway time = handle() wall time minus the host stub's own time. Baselines, interleaved call by call:
 *    the unpaid call answered 402 (the stock client's first request of every call: what any x402 server does) and
 *    the host stub alone. The paid call's time is split into the ports it waits on (storage, facilitator, voucher
 *    checkpoint, receipt signing); the rest is the SDK's and the gateway's own CPU.
 * 2. vouchers: vouchers verified per second on one thread, as the server scheme verifies them (viem
 *    `verifyTypedData` over `@x402/evm`'s `voucherTypes` and batch-settlement domain), beside a plain `keccak256` of
 *    the same voucher bytes and a bare secp256k1 recovery (`recoverAddress` of a precomputed digest).
 * 3. gas: runs the forge gas suites (`test/gas` and `test/x402` `*Gas*`) and reads their printed figures: gas per
 *    paid call through x402 channels and the SLA receiver at 1,000 calls per buyer-epoch (healthy and breach),
 *    beside `Escrow.pay` per call and x402 `exact` per call (one ERC-3009 transfer), both measured in the same forge
 *    run.
 *
 * Loopback only (anvil on 127.0.0.1, the host and the gateway in process); bounded by call counts and a deadline;
 * anvil is stopped on every exit. Writes bench/results/payPerCall.json and bench/results/payPerCall.md. It runs last
 * in `npm run bench`, so `npm run bench -- --quick` passes `--quick` to it.
 *
 * @example
 * npx tsx bench/payPerCall.bench.ts                       # 3 x 500 paid calls, 3 x 2,000 vouchers, the gas suites
 * npx tsx bench/payPerCall.bench.ts --quick               # 1 x 100 paid calls, 1 x 300 vouchers, the gas suites
 * npx tsx bench/payPerCall.bench.ts --only gateway,vouchers
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
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
import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN, toClientEvmSigner, voucherTypes } from "@x402/evm";
import { BatchSettlementEvmScheme as BatchSettlementClient } from "@x402/evm/batch-settlement/client";
import { BatchSettlementEvmScheme as BatchSettlementFacilitator } from "@x402/evm/batch-settlement/facilitator";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import {
  concat,
  encodeAbiParameters,
  getAddress,
  type Hex,
  hashTypedData,
  keccak256,
  recoverAddress,
  toHex,
  verifyTypedData,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

const HELP = `slabridge pay-per-call bench: gateway overhead per call, vouchers verified per second, gas per paid call.

Usage:
  npx tsx bench/payPerCall.bench.ts [options]

Options:
  --quick              a short run: 1 x 100 paid calls, 1 x 300 vouchers (default: 3 x 500 calls, 3 x 2,000 vouchers)
  --only <sections>    comma-separated subset of: gateway, vouchers, gas (default: all three)
  -h, --help           show this help

Writes bench/results/payPerCall.json and bench/results/payPerCall.md; talks only to 127.0.0.1.
`;

const SECTIONS = ["gateway", "vouchers", "gas"] as const;
type Section = (typeof SECTIONS)[number];
const isSection = (value: string): value is Section => SECTIONS.some((section) => section === value);

/** A command line the bench cannot run with. */
class BenchUsageError extends SlabridgeError {
  override readonly name = "BenchUsageError" as const;
}

/** The forge gas suites failed, timed out, or did not print a figure the bench reads. */
class GasSuiteError extends SlabridgeError {
  override readonly name = "GasSuiteError" as const;
}

/** A paid call the gateway did not answer as a healthy paid call would be answered. */
class UnexpectedAnswerError extends SlabridgeError {
  override readonly name = "UnexpectedAnswerError" as const;
}

interface Options {
  readonly quick: boolean;
  readonly sections: readonly Section[];
}

/**
 * Reads the command line; an unknown option or section is a {@link BenchUsageError}.
 *
 * @example
 * parseOptions(["--quick", "--only", "gateway"]) // { quick: true, sections: ["gateway"] }
 */
function parseOptions(args: readonly string[]): Options | "help" {
  let values: { quick?: boolean; only?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        quick: { type: "boolean", default: false },
        only: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new BenchUsageError("The command line is not one the bench understands.", { cause: error });
  }
  if (values.help) return "help";
  const sections: Section[] = [];
  for (const name of (values.only ?? SECTIONS.join(",")).split(",").map((s) => s.trim())) {
    if (!isSection(name)) {
      throw new BenchUsageError(`Unknown section "${name}".`, { metaMessages: [`Sections: ${SECTIONS.join(", ")}`] });
    }
    if (!sections.includes(name)) sections.push(name);
  }
  return { quick: values.quick ?? false, sections };
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics and printing

/** Nearest rank: the smallest sample with at least p of the samples at or below it (as probeError.bench.ts). */
function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

interface Spread {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}
const spreadOf = (values: readonly number[]): Spread => ({
  p50: quantile(values, 0.5),
  p99: quantile(values, 0.99),
  max: Math.max(...values),
});

interface MinMedMax {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}
/** min/median/max of one figure over the repeats. */
const overRepeats = (values: readonly number[]): MinMedMax => ({
  min: Math.min(...values),
  median: quantile(values, 0.5),
  max: Math.max(...values),
});

const ms = (x: number): string => `${x.toFixed(3)} ms`;
const int = (x: number): string => Math.round(x).toLocaleString("en-US");
const ratio = (x: number): string => `${x.toFixed(2)}x`;
const mmm = (m: MinMedMax, f: (x: number) => string): string => `${f(m.median)} (min ${f(m.min)}, max ${f(m.max)})`;
const load = (): number[] => loadavg().map((x) => Number(x.toFixed(2)));
const out = (line = ""): void => {
  process.stdout.write(`${line}\n`);
};

interface Goal {
  readonly what: string;
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

interface SectionResult {
  readonly loadBefore: number[];
  readonly loadAfter: number[];
  readonly repeats: number;
  readonly goals: readonly Goal[];
  readonly markdown: string;
  readonly data: Record<string, unknown>;
  /** Medians other sections' notes read (ms). */
  readonly figures?: Readonly<Record<string, number>>;
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Gateway overhead per call

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

async function gatewaySection(quick: boolean): Promise<SectionResult> {
  const repeats = quick ? 1 : 3;
  const calls = quick ? 100 : 500;
  const warmup = quick ? 10 : 30;
  const loadBefore = load();
  out(`## gateway overhead per call: ${repeats} x ${calls} paid calls (after ${warmup} warm-up calls)`);

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
    const goals: Goal[] = [
      { what: "gateway per paid call, p50", goal: "<= 2 ms", measured: ms(p50.median), met: p50.median <= 2 },
      { what: "gateway per paid call, p99", goal: "<= 10 ms", measured: ms(p99.median), met: p99.median <= 10 },
    ];
    const loadAfter = load();
    out(`  paid call (handle() - host stub): p50 ${mmm(p50, ms)}, p99 ${mmm(p99, ms)}, max ${mmm(max, ms)}`);
    out(`  baseline unpaid 402: p50 ${mmm(u50, ms)}, p99 ${mmm(u99, ms)}; paid/402 at p50 ${mmm(ratio50, ratio)}`);
    out(`  baseline host stub alone: p50 ${mmm(h50, ms)}`);
    out(`  paid call CPU time (this process, user + system): p50 ${mmm(c50, ms)}`);
    out(`  stock client's whole call (402 + paid): p50 ${mmm(w50, ms)}, p99 ${mmm(w99, ms)}`);
    out(
      `  paid call, median per port: storage ${ms(phases.storage.median)}, facilitator ${ms(phases.facilitator.median)}, ` +
        `checkpoint ${ms(phases.checkpoint.median)}, receipt signing ${ms(phases.receipt.median)}, rest (SDK + gateway CPU) ${ms(phases.rest.median)}`,
    );
    for (const g of goals) out(`  goal ${g.what} ${g.goal}: ${g.measured}, ${g.met ? "met" : "NOT met"}`);

    const row = (what: string, m: MinMedMax, f: (x: number) => string = ms) =>
      `| ${what} | ${f(m.median)} | ${f(m.min)} | ${f(m.max)} |`;
    const markdown = [
      `### Gateway overhead per call`,
      "",
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
    return {
      loadBefore,
      loadAfter,
      repeats,
      goals,
      markdown,
      figures: {
        paidP50: p50.median,
        paidCpuP50: c50.median,
        storage: phases.storage.median,
        checkpoint: phases.checkpoint.median,
        receipt: phases.receipt.median,
        rest: phases.rest.median,
      },
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
// 2. Vouchers verified per second per core

interface SignedVoucher {
  readonly message: { readonly channelId: Hex; readonly maxClaimableAmount: bigint };
  readonly signature: Hex;
  readonly digest: Hex;
  readonly bytes: Hex;
}

async function vouchersSection(quick: boolean): Promise<SectionResult> {
  const repeats = quick ? 1 : 3;
  const count = quick ? 300 : 2_000;
  const loadBefore = load();
  out(`## vouchers verified per second, one thread: ${repeats} x ${count} vouchers`);
  const payer = privateKeyToAccount(generatePrivateKey());
  const domain = {
    ...BATCH_SETTLEMENT_DOMAIN,
    chainId: CHAIN_ID,
    verifyingContract: getAddress(BATCH_SETTLEMENT_ADDRESS),
  };
  const vouchers: SignedVoucher[] = [];
  for (let i = 0; i < count; i++) {
    const message = { channelId: keccak256(toHex(`bench channel ${i}`)), maxClaimableAmount: BigInt(i + 1) * CHARGE };
    const typed = { domain, types: voucherTypes, primaryType: "Voucher", message } as const;
    const signature = await payer.signTypedData(typed);
    const encoded = encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint128" }],
      [message.channelId, message.maxClaimableAmount],
    );
    vouchers.push({ message, signature, digest: hashTypedData(typed), bytes: concat([encoded, signature]) });
  }

  const ops = {
    verify: async (v: SignedVoucher) => {
      const ok = await verifyTypedData({
        address: payer.address,
        domain,
        types: voucherTypes,
        primaryType: "Voucher",
        message: v.message,
        signature: v.signature,
      });
      if (!ok) throw new UnexpectedAnswerError("a voucher signed by the payer did not verify");
    },
    recover: async (v: SignedVoucher) => {
      if ((await recoverAddress({ hash: v.digest, signature: v.signature })) !== payer.address) {
        throw new UnexpectedAnswerError("a voucher's signature did not recover to its payer");
      }
    },
    keccak: async (v: SignedVoucher) => {
      keccak256(v.bytes);
    },
  } as const;
  type Op = keyof typeof ops;
  const names: Op[] = ["verify", "recover", "keccak"];
  const rates: Record<Op, number[]> = { verify: [], recover: [], keccak: [] };
  // The same count per CPU second of this process: what one core does when it is not shared with other work.
  const cpuRates: Record<Op, number[]> = { verify: [], recover: [], keccak: [] };
  for (let r = 0; r < repeats; r++) {
    // Rotate the order so no operation always runs first (warmest or coldest) in a repeat.
    for (const name of [...names.slice(r % 3), ...names.slice(0, r % 3)]) {
      const op = ops[name];
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (const v of vouchers) await op(v);
      rates[name].push(count / ((performance.now() - started) / 1_000));
      const { user, system } = process.cpuUsage(cpu);
      cpuRates[name].push(count / ((user + system) / 1e6));
    }
    out(
      `  repeat ${r + 1}: verify ${int(rates.verify[r] ?? 0)}/s, recovery alone ${int(rates.recover[r] ?? 0)}/s, ` +
        `keccak256 ${int(rates.keccak[r] ?? 0)}/s (per CPU second: verify ${int(cpuRates.verify[r] ?? 0)}/s)`,
    );
  }
  const verify = overRepeats(rates.verify);
  const recover = overRepeats(rates.recover);
  const keccak = overRepeats(rates.keccak);
  const verifyCpu = overRepeats(cpuRates.verify);
  const recoverCpu = overRepeats(cpuRates.recover);
  const verifyVsRecover = overRepeats(rates.verify.map((v, i) => v / (rates.recover[i] ?? Number.NaN)));
  const keccakVsVerify = overRepeats(rates.keccak.map((k, i) => k / (rates.verify[i] ?? Number.NaN)));
  const goals: Goal[] = [
    {
      what: "vouchers verified per second, one core",
      goal: ">= 5,000/s",
      measured: `${int(verifyCpu.median)}/s per CPU second (${int(verify.median)}/s wall clock)`,
      met: verifyCpu.median >= 5_000,
    },
  ];
  const loadAfter = load();
  const perSec = (x: number) => `${int(x)}/s`;
  out(`  verifyTypedData (as the server scheme): ${mmm(verify, perSec)}; per CPU second ${mmm(verifyCpu, perSec)}`);
  out(`  baseline secp256k1 recovery alone: ${mmm(recover, perSec)}; verify/recovery ${mmm(verifyVsRecover, ratio)}`);
  out(`  baseline keccak256 of the voucher bytes: ${mmm(keccak, perSec)}; keccak/verify ${mmm(keccakVsVerify, ratio)}`);
  for (const g of goals) out(`  goal ${g.what} ${g.goal}: ${g.measured}, ${g.met ? "met" : "NOT met"}`);
  const row = (what: string, m: MinMedMax, f: (x: number) => string) =>
    `| ${what} | ${f(m.median)} | ${f(m.min)} | ${f(m.max)} |`;
  const markdown = [
    `### Vouchers verified per second per core`,
    "",
    `${int(count)} distinct vouchers signed by one payer, verified one after the other on the main thread as`,
    `\`@x402/evm\`'s server scheme verifies them: viem \`verifyTypedData\` with \`voucherTypes\` and the batch-settlement`,
    `domain (chain ${CHAIN_ID}). Baselines on the same vouchers, same run: secp256k1 recovery alone (\`recoverAddress\` of`,
    `the precomputed EIP-712 digest) and a plain \`keccak256\` of the voucher's bytes (channel id, amount, signature:`,
    `129 bytes). ${repeats} repeat(s), operation order rotated per repeat; median over repeats (min, max).`,
    "",
    "| figure | median | min | max |",
    "|---|---:|---:|---:|",
    row("verifyTypedData (the server's check)", verify, perSec),
    row("verifyTypedData per CPU second of the process", verifyCpu, perSec),
    row("baseline: secp256k1 recovery alone", recover, perSec),
    row("baseline: secp256k1 recovery alone, per CPU second", recoverCpu, perSec),
    row("baseline: keccak256 of the voucher bytes", keccak, perSec),
    row("ratio verify / recovery alone", verifyVsRecover, ratio),
    row("ratio keccak256 / verify", keccakVsVerify, ratio),
  ].join("\n");
  return {
    loadBefore,
    loadAfter,
    repeats,
    goals,
    markdown,
    figures: { verifyMs: 1_000 / verifyCpu.median, recoverMs: 1_000 / recoverCpu.median },
    data: {
      vouchersPerRepeat: count,
      ratesPerSecond: rates,
      ratesPerCpuSecond: cpuRates,
      summary: { verify, verifyCpu, recoverCpu, recover, keccak, verifyVsRecover, keccakVsVerify },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Gas per paid call, all in

const REPO_ROOT = path.resolve(import.meta.dirname, "..");
const FORGE_TIMEOUT_MS = 10 * 60_000;
const CALLS_PER_BUYER_EPOCH = 1_000;

/** Runs the forge gas suites with -vv and returns their console output (bounded by {@link FORGE_TIMEOUT_MS}). */
function runGasSuites(): Promise<string> {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, "contracts/tools/forge.mjs"), "test", "--match-path", "test/{gas,x402}/*Gas*", "-vv"],
    { cwd: path.join(REPO_ROOT, "contracts"), stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), FORGE_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new GasSuiteError("forge could not be started", { cause: error }));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(text);
      else
        reject(
          new GasSuiteError(`the forge gas suites failed (exit ${code ?? signal})`, { details: text.slice(-2_000) }),
        );
    });
  });
}

/** The numbers printed after `label` on one line of the forge output. */
function figures(text: string, label: string, count: number): number[] {
  const line = text.split("\n").find((l) => l.trim().startsWith(label));
  const numbers = [...(line?.slice(line.indexOf(label) + label.length).matchAll(/\d+/g) ?? [])].map((m) =>
    Number(m[0]),
  );
  if (numbers.length < count) {
    throw new GasSuiteError(`the gas suites did not print "${label}" with ${count} figure(s)`);
  }
  return numbers.slice(0, count);
}

async function gasSection(): Promise<SectionResult> {
  const loadBefore = load();
  out("## gas per paid call, all in (forge gas suites)");
  const started = performance.now();
  const text = await runGasSuites();
  const seconds = (performance.now() - started) / 1_000;
  const [payExec = 0, payTx = 0] = figures(text, "pay (2nd+ payment of the epoch) exec=", 2);
  const [payFirstExec = 0, payFirstTx = 0] = figures(text, "pay (1st payment of the epoch) exec=", 2);
  const [healthyEpoch = 0, breachEpoch = 0] = figures(text, "per buyer-epoch, healthy / breach", 2);
  const steps = {
    deposit: figures(text, "deposit (top-up) exec, tx", 2),
    claimEpoch100: figures(text, "claimEpoch 100 rows exec, tx", 2),
    settle: figures(text, "settle exec, tx", 2),
    relayReceipts100: figures(text, "relayReceipts 100 exec, tx", 2),
    refund100: figures(text, "refund 100 exec, tx", 2),
  };
  const [exactExec = 0, exactTx = 0] = figures(text, "x402 exact per call (transferWithAuthorization) exec, tx", 2);
  const [suiteEscrowPay = 0] = figures(text, "Escrow.pay per call, times cheaper (breach)", 1);
  const healthy = healthyEpoch / CALLS_PER_BUYER_EPOCH;
  const breach = breachEpoch / CALLS_PER_BUYER_EPOCH;
  const cheaperBreach = payTx / breach;
  const cheaperHealthy = payTx / healthy;
  const exactBreach = exactTx / breach;
  const exactHealthy = exactTx / healthy;
  const goals: Goal[] = [
    { what: "gas per paid call, breach epoch", goal: "<= 250", measured: breach.toFixed(1), met: breach <= 250 },
    {
      what: "Escrow.pay / paid call, breach epoch",
      goal: ">= 340x",
      measured: ratio(cheaperBreach),
      met: cheaperBreach >= 340,
    },
  ];
  const loadAfter = load();
  out(`  forge gas suites ran in ${seconds.toFixed(1)} s (most of it compiling the tests)`);
  out(
    `  per paid call at ${int(CALLS_PER_BUYER_EPOCH)} calls per buyer-epoch: healthy ${healthy.toFixed(1)} gas, ` +
      `breach ${breach.toFixed(1)} gas (tx gas, deposit + claim + settle + receipts + refund share)`,
  );
  out(
    `  baseline Escrow.pay per call (2nd+ payment of the epoch, tx gas, same forge run): ${int(payTx)}; ` +
      `cheaper per call: healthy ${ratio(cheaperHealthy)}, breach ${ratio(cheaperBreach)}`,
  );
  out(
    `  baseline x402 exact per call (one ERC-3009 transferWithAuthorization, tx gas): ${int(exactTx)}; ` +
      `cheaper per call: healthy ${ratio(exactHealthy)}, breach ${ratio(exactBreach)}`,
  );
  if (suiteEscrowPay !== payTx) {
    out(
      `  note: SlaReceiverGas.t.sol compares with a fixed Escrow.pay of ${int(suiteEscrowPay)}; measured now ${int(payTx)}`,
    );
  }
  for (const g of goals) out(`  goal ${g.what} ${g.goal}: ${g.measured}, ${g.met ? "met" : "NOT met"}`);
  const stepRow = (what: string, [exec = 0, tx = 0]: number[], share: number) =>
    `| ${what} | ${int(exec)} | ${int(tx)} | ${int(tx / share)} |`;
  const markdown = [
    `### Gas per paid call, all in`,
    "",
    `Read from the forge gas suites run by this bench (\`test/gas/EscrowGas.t.sol\`, \`test/x402/SlaReceiverGas.t.sol\`;`,
    `the x402 channel contract is the devnet stand-in, not the canonical one, so channel-side gas is indicative).`,
    `Gas is deterministic: one forge run, no repeats. tx = exec + 21,000 + calldata. 100 buyers per claim batch,`,
    `${int(CALLS_PER_BUYER_EPOCH)} calls per buyer-epoch, one channel top-up per buyer-epoch.`,
    "",
    "| step | exec gas | tx gas | per buyer-epoch |",
    "|---|---:|---:|---:|",
    stepRow("`deposit` (channel top-up, ERC-3009)", steps.deposit, 1),
    stepRow("`claimEpoch`, 100 rows", steps.claimEpoch100, 100),
    stepRow("`settle`", steps.settle, 100),
    stepRow("`relayReceipts` of 100 buyers", steps.relayReceipts100, 100),
    stepRow("`refund` of 100 buyers (breach only)", steps.refund100, 100),
    "",
    "| figure | gas | `Escrow.pay` per call (tx) | times cheaper | x402 `exact` per call (tx) | times cheaper |",
    "|---|---:|---:|---:|---:|---:|",
    `| per paid call, healthy epoch | ${healthy.toFixed(1)} | ${int(payTx)} | ${ratio(cheaperHealthy)} | ${int(exactTx)} | ${ratio(exactHealthy)} |`,
    `| per paid call, breach epoch | ${breach.toFixed(1)} | ${int(payTx)} | ${ratio(cheaperBreach)} | ${int(exactTx)} | ${ratio(exactBreach)} |`,
    "",
    `\`Escrow.pay\` measured in the same forge run: ${int(payTx)} tx gas for the 2nd+ payment of an epoch (exec ${int(payExec)}),`,
    `${int(payFirstTx)} for the first (exec ${int(payFirstExec)}). x402 \`exact\` on the same chain: one ERC-3009`,
    `\`transferWithAuthorization\` per call, buyer and payee already holding balances, ${int(exactTx)} tx gas (exec ${int(exactExec)}).`,
  ].join("\n");
  return {
    loadBefore,
    loadAfter,
    repeats: 1,
    goals,
    markdown,
    data: {
      callsPerBuyerEpoch: CALLS_PER_BUYER_EPOCH,
      forgeSeconds: seconds,
      perBuyerEpoch: { healthy: healthyEpoch, breach: breachEpoch },
      perCall: { healthy, breach },
      steps,
      exactPerCall: { exec: exactExec, tx: exactTx },
      escrowPay: { secondOfEpoch: { exec: payExec, tx: payTx }, firstOfEpoch: { exec: payFirstExec, tx: payFirstTx } },
      timesCheaper: { healthy: cheaperHealthy, breach: cheaperBreach },
      timesCheaperThanExact: { healthy: exactHealthy, breach: exactBreach },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Run

/**
 * What bounds the paid call, from this run's figures: the share of its CPU time that is the voucher's signature check
 * (measured alone in the vouchers section) and the receipt signing, against the ports it waits on.
 *
 * @example
 * boundNote({ gateway, vouchers }) // "Where the paid call's time goes (medians): ..."
 */
function boundNote(results: Partial<Record<Section, SectionResult>>): string | undefined {
  const gateway = results.gateway?.figures;
  const vouchers = results.vouchers?.figures;
  if (gateway === undefined || vouchers === undefined) return undefined;
  const { paidP50 = 0, paidCpuP50 = 0, storage = 0, checkpoint = 0, receipt = 0 } = gateway;
  const { verifyMs = 0 } = vouchers;
  const other = paidCpuP50 - verifyMs - receipt;
  return (
    `Where the paid call's time goes (medians): ${ms(paidP50)} wall, ${ms(paidCpuP50)} CPU time of the process ` +
    `(all its threads, GC included); ` +
    `the voucher's signature check ${ms(verifyMs)} (EIP-712 recovery, pure JS secp256k1, from the vouchers ` +
    `section), receipt signing ${ms(receipt)}, waiting on storage ${ms(storage)} and checkpoints ${ms(checkpoint)}; ` +
    `the other ${ms(Math.max(0, other))} of CPU is the x402 SDK and the gateway (payload decoding, channel id ` +
    `hashing, JSON, headers). The paid call is CPU-bound by secp256k1 in JavaScript; ` +
    `profile with \`node --cpu-prof --import tsx bench/payPerCall.bench.ts --quick --only gateway\`.`
  );
}

/** Anvils still running: stopped on every way out (an error, Ctrl-C, the deadline). */
const stopOnExit = new Set<AnvilInstance>();
const DEADLINE_MS = 20 * 60_000;

async function stopAll(): Promise<void> {
  await Promise.allSettled([...stopOnExit].map((anvil) => anvil.stop()));
}

async function main(): Promise<void> {
  let options: Options | "help";
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    console.error(`payPerCall bench: ${error.message}\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  if (options === "help") {
    process.stdout.write(HELP);
    return;
  }
  const deadline = setTimeout(() => {
    console.error(`payPerCall bench: not done in ${DEADLINE_MS / 60_000} min, stopping`);
    void stopAll().finally(() => process.exit(1));
  }, DEADLINE_MS);
  deadline.unref();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void stopAll().finally(() => process.exit(130));
    });
  }

  const started = performance.now();
  const machine = {
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? "unknown",
  };
  out(
    `pay-per-call bench${options.quick ? " (quick)" : ""}: node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), ` +
      `load average ${load().join(" / ")}`,
  );
  const results: Partial<Record<Section, SectionResult>> = {};
  try {
    for (const section of options.sections) {
      if (section === "gateway") results.gateway = await gatewaySection(options.quick);
      if (section === "vouchers") results.vouchers = await vouchersSection(options.quick);
      if (section === "gas") results.gas = await gasSection();
      const r = results[section];
      if (r) out(`  load average before ${r.loadBefore.join(" / ")}, after ${r.loadAfter.join(" / ")}`);
      out();
    }
  } finally {
    await stopAll();
    clearTimeout(deadline);
  }
  const seconds = (performance.now() - started) / 1_000;

  const date = new Date().toISOString();
  const goals = Object.values(results).flatMap((r) => r.goals);
  const bound = boundNote(results);
  out("summary:");
  for (const g of goals) out(`  ${g.met ? "met    " : "NOT met"}  ${g.what}: ${g.measured} (goal ${g.goal})`);
  if (bound !== undefined) out(`  ${bound}`);
  out(`done in ${seconds.toFixed(1)} s`);

  const dir = path.join(REPO_ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const json = {
    bench: "payPerCall",
    date,
    quick: options.quick,
    machine,
    seconds,
    goals,
    sections: Object.fromEntries(
      Object.entries(results).map(([name, r]) => [
        name,
        { loadBefore: r.loadBefore, loadAfter: r.loadAfter, repeats: r.repeats, goals: r.goals, ...r.data },
      ]),
    ),
  };
  writeFileSync(
    path.join(dir, "payPerCall.json"),
    `${JSON.stringify(json, (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value), 2)}\n`,
  );
  const markdown = [
    "## Pay per call",
    "",
    `${date}${options.quick ? ", `--quick`" : ""}: node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}); ` +
      `\`npx tsx bench/payPerCall.bench.ts\` in ${seconds.toFixed(0)} s.`,
    "",
    "| figure | goal | measured | |",
    "|---|---|---|---|",
    ...goals.map((g) => `| ${g.what} | ${g.goal} | ${g.measured} | ${g.met ? "met" : "**not met**"} |`),
    "",
    ...(bound === undefined ? [] : [bound, ""]),
    ...Object.values(results).flatMap((r) => [
      r.markdown,
      "",
      `Load average (1/5/15 min) before ${r.loadBefore.join(" / ")}, after ${r.loadAfter.join(" / ")}; ` +
        `${r.repeats} repeat(s).`,
      "",
    ]),
  ].join("\n");
  writeFileSync(path.join(dir, "payPerCall.md"), markdown);
  out(`wrote bench/results/payPerCall.json and bench/results/payPerCall.md`);
}

await main();
