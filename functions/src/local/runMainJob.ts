import { setMaxListeners } from "node:events";
import {
  type DeploymentManifest,
  manifestRpcUrlOf,
  parseStageConfig,
  SOLANA_CHAIN_ID,
  type StageConfig,
} from "@slabridge/core";
import {
  DEMO_HOST_BOND,
  DemoTraffic,
  type Devnet,
  devnetChainsOf,
  type PaidCall,
  startDevnet,
  X402Buyers,
} from "@slabridge/devnet";
import type { RuntimeErrorReport } from "@slabridge/runtime";
import { DynamoChannelRecordStore, DynamoRateLimiter, DynamoSvmChannelStore } from "@slabridge/store";
import { deployedFunctions } from "@slabridge/topology";
import type { Address, PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { ProbePaidCall } from "../context/measuring/buildProbePayer.ts";
import { buildStatusWorld } from "../context/status/buildStatusWorld.ts";
import { bookedPayments, bookedSolanaPayments, recordBooked } from "./bookedPayments.ts";
import { type LocalEndpoints, writeLocalEndpoints } from "./localEndpoints.ts";
import { ProgressMonitor } from "./ProgressMonitor.ts";
import { SolanaX402Buyers } from "./SolanaX402Buyers.ts";
import { type SettlementCheck, settlementChecks } from "./settlementChecks.ts";
import {
  accountBook,
  collectSettlementReport,
  formatSettlementReport,
  MainJobShapeError,
  type SettlementReport,
  snapshotAccounts,
} from "./settlementReport.ts";
import { stablecoinLedgers } from "./stablecoinLedgers.ts";
import { startLocalBot } from "./startLocalBot.ts";
import { type LocalGateways, startLocalGateways } from "./startLocalGateways.ts";
import { startLocalStatusServer } from "./startLocalStatusServer.ts";
import { stoppedSummary } from "./stoppedSummary.ts";
import { unspentDeposits } from "./unspentDeposits.ts";

/** Options of {@link runMainJob} (the CLI's flags, parsed). */
export interface MainJobOptions {
  epochs: number;
  epochSeconds: number;
  watch: boolean;
  timeoutMs: number;
  /** The stage config (config/devnet.json), validated here. */
  configJson: unknown;
  out(line: string): void;
  /** Stops the traffic (first Ctrl-C): no new calls; the job still waits for every epoch to settle. */
  signal?: AbortSignal;
  /**
   * Stops the waiting too (second Ctrl-C): the job ends with one line saying what settled and what was left open,
   * and exit code 130.
   */
  stopWaiting?: AbortSignal;
  /** Port of the local status API (0: any free port). */
  statusPort?: number;
  /**
   * Where to write the status API's and home chain's URLs while the job runs (`npm run verify` reads them); removed
   * at the end. Absent: not written.
   */
  endpointsFile?: string;
  /**
   * Runs once every epoch settled, before anything stops, with where the run can be reached (the main job's e2e test
   * runs `verify` on every epoch here).
   */
  afterSettled?(endpoints: Omit<LocalEndpoints, "pid">, report: SettlementReport): Promise<void>;
}

/** Buyers paying per (model, payment chain, epoch): escrow or vault payments, or x402 buyers calling the gateway. */
const PAYMENTS_PER_CHAIN = 2;
/** Most calls one x402 buyer makes per (model, chain, epoch) (1 to this many). */
const MAX_CALLS_PER_BUYER = 3;
/** What the demo models give a verdict before the no-verdict escape opens, in seconds (rounded up to epochs). */
const VERDICT_GRACE_SECONDS = 60;
/** No call starts later than this before its epoch's end: it is served and charged inside the epoch. */
const CALL_MARGIN_MS = 4_000;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });

/** A failure the runtime absorbed, as one short line (grouped and counted in the summary). */
function describeFailure(report: RuntimeErrorReport): string {
  const message = (error: unknown) =>
    error instanceof Error
      ? `${error.name}: ${error.message}`
      : typeof error === "object" && error !== null && "errorMessage" in error
        ? `${(error as { errorType?: string }).errorType ?? "Error"}: ${(error as { errorMessage: string }).errorMessage}`
        : String(error);
  const where =
    report.source === "schedule"
      ? `schedule ${report.scheduleName}`
      : report.source === "queue"
        ? `queue ${report.queueName} → ${report.functionName}`
        : `function ${report.functionName}`;
  return `${where}: ${message(report.error).split("\n")[0]?.slice(0, 160)}`;
}

/** The (model, epoch, chain)s a gateway charged calls in. */
function chargedEpochs(
  calls: ReadonlyArray<Pick<PaidCall, "chainId" | "modelId" | "epoch" | "charged">>,
): Array<{ modelId: bigint; epoch: bigint; chainId: number }> {
  const seen = new Map<string, { modelId: bigint; epoch: bigint; chainId: number }>();
  for (const call of calls) {
    if (call.charged === 0n || call.modelId === undefined || call.epoch === undefined) continue;
    seen.set(`${call.modelId}:${call.epoch}:${call.chainId}`, {
      modelId: call.modelId,
      epoch: call.epoch,
      chainId: call.chainId,
    });
  }
  return [...seen.values()];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)}s`;

/**
 * The main job: devnet up, bot up, demo traffic for `epochs` epochs, live progress, then the settlement table and
 * the conservation check once every (model, epoch) is settled on every chain. Returns the process exit code.
 *
 * @example const code = await runMainJob({ epochs: 3, epochSeconds: 20, watch: false, timeoutMs: 170_000, configJson, out: console.log });
 */
export async function runMainJob(options: MainJobOptions): Promise<number> {
  return (await runMainJobWithReport(options)).code;
}

/** What a main-job run ended with: its exit code and, when it got that far, the final report. */
export interface MainJobOutcome {
  code: number;
  report?: SettlementReport;
  /** Conditions still pending at the end (empty when everything settled). */
  pending: string[];
}

/**
 * {@link runMainJob}, returning the final report too (the main job's e2e test asserts on it).
 *
 * @example const { code, report } = await runMainJobWithReport({ ...options, epochs: 1 });
 */
export async function runMainJobWithReport(options: MainJobOptions): Promise<MainJobOutcome> {
  const { out, signal } = options;
  // Every demo buyer waits on the job's signal at once (models x chains x buyers), each removing its listener when its
  // wait ends: many waiters, not a leak, so Node's warning at 10 listeners would only be noise in the story.
  if (signal) setMaxListeners(200, signal);
  const startedAt = Date.now();
  const stageConfig = parseStageConfig(options.configJson);
  out(
    `slabridge · local devnet · ${options.epochs} epochs of ${options.epochSeconds} s${options.watch ? " · watching" : ""}`,
  );
  let devnet: Devnet | undefined;
  let stopBot: (() => Promise<void>) | undefined;
  try {
    devnet = await startDevnet({
      epochSeconds: options.epochSeconds,
      hostBond: DEMO_HOST_BOND,
      payPerCall: true,
      // A bonded breach's verdict waits for every chain's receipts, and a Solana epoch's receipts for its voucher
      // pulls: give a verdict a minute (at least two epochs) before buyers may take their payments back without one.
      verdictGraceEpochs: Math.max(2, Math.ceil(VERDICT_GRACE_SECONDS / options.epochSeconds)),
      onProgress: (step, ms) => out(`${seconds(ms)}  devnet    ${step}`),
    });
    // One receipt key signs the demo gateways' usage receipts; its address is config, so the evaluator and the
    // probers take those receipts (and no one else's) as SLA evidence.
    const receiptKey = generatePrivateKey();
    const config = withReceiptSigner(stageConfig, devnet.manifest, privateKeyToAccount(receiptKey).address);
    const failures = new Map<string, number>();
    // Probes pay through the gateways only inside the epochs the job pays in (set once they are known), and no later
    // than a buyer's last call, so every probe payment lands in an epoch the job settles and proves.
    let paidProbesUntil: ((modelId: bigint, epoch: bigint, atMs: number) => number | undefined) | undefined;
    let gateways: LocalGateways | undefined;
    const probeCalls: ProbePaidCall[] = [];
    const bot = await startLocalBot({
      devnet,
      config,
      probeRoutes: {
        routeOf: (modelId, epoch, atMs) => {
          const payUntil = paidProbesUntil?.(modelId, epoch, atMs);
          const route = payUntil === undefined ? undefined : gateways?.probeRouteOf(modelId);
          return route && payUntil !== undefined ? { ...route, payUntil } : undefined;
        },
      },
      onProbePaid: (call) => probeCalls.push(call),
      onError: (report) => {
        const key = describeFailure(report);
        failures.set(key, (failures.get(key) ?? 0) + 1);
      },
    });
    // The status read model serves the status API and gives the final table each payment chain's money.
    const statusWorld = buildStatusWorld({
      manifest: devnet.manifest,
      config,
      stores: { jobs: bot.stores.jobs, payments: bot.stores.payments, cursors: bot.stores.cursors },
      rpcUrls: new Map(devnetChainsOf(devnet.manifest).evm.map((chain) => [chain.chainId, manifestRpcUrlOf(chain)])),
      evidence: bot.evidence,
    });
    const status = await startLocalStatusServer({ world: statusWorld, port: options.statusPort ?? 0 });
    const home = devnetChainsOf(devnet.manifest).evm.find((chain) => chain.chainId === devnet?.manifest.homeChainId);
    if (!home?.contracts.slaOracle) throw new MainJobShapeError("the devnet's home chain has no SlaOracle");
    const endpoints = { statusUrl: status.url, homeRpcUrl: manifestRpcUrlOf(home), oracle: home.contracts.slaOracle };
    const removeEndpoints = options.endpointsFile
      ? writeLocalEndpoints(options.endpointsFile, { ...endpoints, pid: process.pid })
      : undefined;
    stopBot = async () => {
      removeEndpoints?.();
      await gateways?.stop();
      await status.stop();
      await bot.stop();
    };
    if (!bot.stores.checkpoints) throw new Error("the devnet has no VoucherCheckpoints table");
    if (!bot.stores.usageReceipts) throw new Error("the devnet has no UsageReceipts table");
    // Pay per call: the gateway function's service per demo host on loopback, its state in the devnet's DynamoDB.
    gateways = await startLocalGateways({
      devnet,
      config,
      receiptKey,
      // `npm run ops -- pause model <id>` stops the model's sales here as in AWS.
      modelPauses: { pauseOf: (modelId) => bot.world.controls.modelPause(modelId) },
      stores: {
        channels: new DynamoChannelRecordStore({
          client: bot.stores.client,
          tableName: devnet.dynamo.tableNames.channels,
        }),
        checkpoints: bot.stores.checkpoints,
        usageReceipts: bot.stores.usageReceipts,
        // Shared by the demo hosts' gateways as by the gateway function's instances in AWS.
        rateLimits: new DynamoRateLimiter({
          client: bot.stores.client,
          tableName: devnet.dynamo.tableNames.rateLimits,
        }),
        // The facilitator key's nonces: the relay's Nonces table, as the gateway function links it in AWS.
        nonces: bot.stores.nonces,
        svmCheckpoints: bot.stores.svmCheckpoints,
        svmChannels: new DynamoSvmChannelStore({
          client: bot.stores.client,
          tableName: devnet.dynamo.tableNames.channels,
        }),
      },
    });
    const buyers = new X402Buyers(devnet);
    const solanaBuyers = new SolanaX402Buyers(devnet);
    const traffic = new DemoTraffic(devnet);
    const monitor = new ProgressMonitor({
      manifest: devnet.manifest,
      clients: bot.world.clients as ReadonlyMap<number, PublicClient>,
      jobs: bot.stores.jobs,
      cursors: bot.stores.cursors,
      startedAt,
      emit: (event) => out(`${seconds(event.atMs)}  ${event.kind.padEnd(8)}  ${event.text}`),
    });
    const polling = setInterval(() => {
      monitor.poll().catch((error: unknown) => monitor.note("info", `progress read failed: ${String(error)}`));
    }, 1_000);
    polling.unref();
    monitor.note(
      "info",
      `status API: ${status.url}/models · ${status.url}/models/<id>/epochs/<n> · ${status.url}/jobs`,
    );
    monitor.note("info", `dashboard: ${status.url}/ (plots, refunds hop by hop, relay pipeline; refreshes every 5 s)`);
    for (const gateway of gateways.gateways) {
      monitor.note("info", `x402 gateway of ${gateway.host}: ${gateway.url}/models/<key>/v1/chat/completions`);
    }
    monitor.note(
      "info",
      `bot running: ${[...bot.runtime.functions.names()].join(", ")} · payment chains: ${traffic
        .paymentChains()
        .map((id) => monitor.chainName(id))
        .join(", ")}`,
    );

    const models = devnet.manifest.models.map((m) => ({
      modelId: BigInt(m.modelId),
      genesis: m.genesis,
      epochSeconds: m.epochSeconds,
      host: m.hostName,
    }));
    const nowEpoch = (m: (typeof models)[number]) => Math.floor((Date.now() / 1000 - m.genesis) / m.epochSeconds);
    const intoEpoch = (m: (typeof models)[number]) =>
      ((Date.now() / 1000 - m.genesis) % m.epochSeconds) / m.epochSeconds;
    // Start with the running epoch if most of it is left, else the next one.
    const offset = models.some((m) => intoEpoch(m) > 0.3) ? 1 : 0;
    const firstEpoch = new Map(models.map((m) => [m.modelId, BigInt(nowEpoch(m) + offset)]));
    const planned: Array<{ modelId: bigint; epoch: bigint }> = [];
    paidProbesUntil = (modelId, epoch, atMs) => {
      const model = models.find((m) => m.modelId === modelId);
      // Only in epochs the job settles and proves: with --watch, a probe paid in an epoch that a Ctrl-C kept out of
      // the plan would be money the balance proofs do not account for.
      if (!model || !planned.some((p) => p.modelId === modelId && p.epoch === epoch)) return undefined;
      // A round runs late under load: its calls are checked against this at send time, not at the round's start.
      const until = (model.genesis + (Number(epoch) + 1) * model.epochSeconds) * 1_000 - CALL_MARGIN_MS;
      return atMs <= until ? until : undefined;
    };
    // Past the job's last epoch no probe is evidence for anything it settles: its probe schedule is disabled there
    // (as an operator disables a schedule), so verdicts of epochs nobody paid in do not slow the settlement down.
    const probeSchedule = deployedFunctions.probeCoordinator.trigger.name;
    const stopProbingAt = (lastEndMs: number) =>
      setTimeout(
        () => bot.runtime.scheduler.setScheduleState(probeSchedule, "DISABLED"),
        Math.max(0, lastEndMs - Date.now()),
      ).unref();
    if (!options.watch) {
      stopProbingAt(
        Math.max(
          ...models.map(
            (m) => (m.genesis + (Number(firstEpoch.get(m.modelId) ?? 0n) + options.epochs) * m.epochSeconds) * 1_000,
          ),
        ),
      );
    }
    const clients = bot.world.clients as ReadonlyMap<number, PublicClient>;
    const ledgers = stablecoinLedgers(devnet.manifest, clients);
    const accounts = await accountBook(devnet, clients, traffic);
    const before = await snapshotAccounts(ledgers, accounts);
    for (let k = 0; options.watch ? !signal?.aborted : k < options.epochs; k++) {
      // Models in parallel: their epochs run side by side, and one slow host must not push another's calls late.
      await Promise.all(
        models.map(async (model) => {
          const epoch = (firstEpoch.get(model.modelId) ?? 0n) + BigInt(k);
          // Pay once the epoch is under way, with margin before its end.
          const startsAt = (model.genesis + Number(epoch) * model.epochSeconds) * 1_000 + 500;
          if (startsAt > Date.now()) await sleep(startsAt - Date.now(), signal);
          if (signal?.aborted) return;
          planned.push({ modelId: model.modelId, epoch });
          // A call must be served (and charged) inside the epoch it is planned for: none starts this close to its end.
          const lastCallAt = (model.genesis + (Number(epoch) + 1) * model.epochSeconds) * 1_000 - CALL_MARGIN_MS;
          // Chains in parallel, and on each chain the buyers in parallel (a buyer's calls one after the other, as one
          // channel's vouchers must be): a host that times out costs its timeout once, not once per call.
          const chains = traffic.paymentChains();
          await Promise.all(
            chains.map(async (chainId, c) => {
              const url = gateways?.urlOf(model.modelId, chainId);
              const modelName = gateways?.modelNameOf(model.modelId);
              if (url && modelName) {
                // Pay per call: stock x402 clients call the model through its gateway; claims come at the epoch's end.
                const made = (
                  await Promise.all(
                    Array.from({ length: PAYMENTS_PER_CHAIN }, async (_, i) => {
                      const buyer = k + c + i + Number(model.modelId);
                      const calls = 1 + ((k * 7 + Number(model.modelId) * 3 + c * 5 + i * 2) % MAX_CALLS_PER_BUYER);
                      // Solana buyers pay with slabridge's SVM scheme (no usage receipt names the epoch: the job does).
                      const pay =
                        chainId === SOLANA_CHAIN_ID
                          ? {
                              fetch: await solanaBuyers.payingFetch(buyer, model.modelId),
                              account: solanaBuyers.accountOf(buyer),
                            }
                          : undefined;
                      const mine: PaidCall[] = [];
                      // Calls spread over the epoch, each buyer offset from the others, as real buyers' calls are:
                      // a burst of every buyer's signing at the epoch's start would stall this one process's event
                      // loop, and the probes timed in it would measure the stall, not the host.
                      const slotMs = Math.max(0, lastCallAt - startsAt) / calls;
                      const offsetMs = (slotMs * (c * PAYMENTS_PER_CHAIN + i)) / (chains.length * PAYMENTS_PER_CHAIN);
                      for (let n = 0; n < calls && Date.now() < lastCallAt; n++) {
                        const callAt = startsAt + n * slotMs + offsetMs;
                        if (callAt > Date.now()) await sleep(callAt - Date.now(), signal);
                        if (signal?.aborted || Date.now() >= lastCallAt) break;
                        mine.push(
                          pay
                            ? await buyers.callWith(pay.fetch, {
                                url,
                                chainId,
                                buyer: pay.account,
                                model: modelName,
                                modelId: model.modelId,
                                epoch,
                              })
                            : await buyers.call(url, chainId, buyer, modelName),
                        );
                      }
                      return mine;
                    }),
                  )
                ).flat();
                const charged = made.reduce((sum, call) => sum + call.charged, 0n);
                // A failed call's status says whose failure it was: 502/504 the host's, 402/429/503 the payment's.
                const failed = made.flatMap((call) => (call.status === 200 ? [] : [call.status]));
                const failures =
                  failed.length > 0 ? ` (${failed.length} failed, not charged: HTTP ${failed.join(", ")})` : "";
                monitor.note(
                  "call",
                  `model ${model.modelId} · epoch ${epoch}  ${made.length} x402 calls on ${monitor.chainName(chainId)}, charged ${Number(charged) / 1e6}${failures}`,
                );
                return;
              }
              for (let i = 0; i < PAYMENTS_PER_CHAIN; i++) {
                const buyer = k + c + i + Number(model.modelId);
                const requests = BigInt(1 + ((k * 7 + Number(model.modelId) * 3 + c * 5 + i * 2) % 5));
                const payment = await traffic.pay(chainId, buyer, model.modelId, requests);
                // The monitor reports payments it sees in escrow logs; the others are noted as they are made.
                if (!monitor.observesPayments(chainId)) {
                  monitor.note(
                    "pay",
                    `model ${payment.modelId} · epoch ${payment.epoch}  ${Number(payment.amount) / 1e6} paid on ${monitor.chainName(chainId)}`,
                  );
                }
              }
            }),
          );
        }),
      );
    }
    // The traffic is over: probes go straight to the hosts again (no payment in an epoch the job does not settle).
    paidProbesUntil = undefined;
    if (options.watch) {
      // Stopped: the last epoch with traffic is the last one probed, as without --watch.
      const endOf = ({ modelId, epoch }: { modelId: bigint; epoch: bigint }) => {
        const model = models.find((m) => m.modelId === modelId);
        return model ? (model.genesis + (Number(epoch) + 1) * model.epochSeconds) * 1_000 : 0;
      };
      stopProbingAt(Math.max(0, ...planned.map(endOf)));
    }
    // The table lists epochs in order, model by model.
    planned.sort((a, b) => (a.epoch === b.epoch ? Number(a.modelId - b.modelId) : Number(a.epoch - b.epoch)));

    out(`${seconds(Date.now() - startedAt)}  info      traffic done; waiting for every epoch to settle on every chain`);
    // With --watch the traffic ran as long as the user wanted: the timeout counts from its end.
    const deadline = (options.watch ? Date.now() : startedAt) + options.timeoutMs;
    const { stopWaiting } = options;
    let checks: SettlementCheck[] = [];
    let pending: SettlementCheck[] = [];
    const booked = new Set<string>();
    for (;;) {
      await monitor.poll();
      recordBooked(traffic, await bookedPayments(devnet, clients, planned, booked));
      recordBooked(traffic, await bookedSolanaPayments(bot.stores.payments, planned));
      checks = await settlementChecks({
        devnet,
        clients,
        traffic,
        planned,
        chains: statusWorld.chains,
        cursors: bot.stores.cursors,
        charged: chargedEpochs([...buyers.calls, ...probeCalls]),
        previous: checks,
      });
      pending = checks.filter((check) => !check.done);
      if (pending.length === 0 || stopWaiting?.aborted || Date.now() > deadline) break;
      await sleep(1_000, stopWaiting);
    }
    await monitor.poll();
    clearInterval(polling);
    if (pending.length > 0 && stopWaiting?.aborted) {
      // The books are mid-settlement: the balance proofs below would compare half-done work. One line instead.
      out(stoppedSummary(planned, checks, Date.now() - startedAt));
      return { code: 130, pending: pending.map((check) => check.what) };
    }

    const report = await collectSettlementReport({
      devnet,
      clients,
      traffic,
      planned,
      before,
      accounts,
      chains: statusWorld.chains,
      ledgers,
      cursors: bot.stores.cursors,
      unspentDeposits: await unspentDeposits(devnet, clients, [...buyers.calls, ...probeCalls]),
      // The table counts the probers' paid calls with the buyers' (their payments are booked alike).
      calls: [...buyers.calls, ...probeCalls],
    });
    for (const line of formatSettlementReport(report)) out(line);
    out(`Probes: ${probeCalls.length} paid probe calls through the gateways (the prober payers' rows above)`);
    out("");
    const failureCount = [...failures.values()].reduce((a, b) => a + b, 0);
    out(
      `finished in ${((Date.now() - startedAt) / 1000).toFixed(1)} s · handler failures absorbed by retries: ${failureCount}`,
    );
    for (const [what, count] of failures) out(`  ${count} × ${what}`);
    const outcome = { report, pending: pending.map((check) => check.what) };
    if (pending.length === 0) await options.afterSettled?.(endpoints, report);
    if (pending.length > 0) {
      out(`NOT SETTLED (timed out): ${outcome.pending.join("; ")}`);
      return { code: 1, ...outcome };
    }
    if (!report.conservation.holds) {
      out("CONSERVATION FAILED: see the balances above");
      return { code: 1, ...outcome };
    }
    if (!report.accounts.every((account) => account.holds)) {
      out("BALANCES DO NOT MATCH what the verdicts and splits call for: see the accounts marked NO above");
      return { code: 1, ...outcome };
    }
    return { code: 0, ...outcome };
  } catch (error) {
    out(`slabridge: ${error instanceof Error ? error.message : String(error)}`);
    return { code: 1, pending: [] };
  } finally {
    await stopBot?.();
    await devnet?.stop();
  }
}

/** The stage config with the demo gateways' receipt signer (the facilitator's key from the devnet). */
function withReceiptSigner(config: StageConfig, manifest: DeploymentManifest, signer: Address): StageConfig {
  const facilitatorKey = manifest.keys.x402Facilitator;
  if (!facilitatorKey) throw new MainJobShapeError("the devnet was started without pay per call (no facilitator key)");
  return { ...config, gateway: { models: {}, ...config.gateway, facilitatorKey, receiptSigners: [signer] } };
}
