import { jobIds, manifestRpcUrlOf } from "@slabridge/core";
import { devnetPaymentChainRoutes, type EpochOnChain } from "@slabridge/devnet/testing";
import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  botHarnessForSuite,
  buildStatusWorld,
  type LocalStatusServer,
  type SolanaSettlementReader,
  settlementJob,
  startLocalStatusServer,
} from "./testing/botHarness.ts";

// The status API on the devnet: a paid epoch of the slowP95 model gets a 2-of-3 verdict, the relay delivers it over
// LayerZero, refunds and releases it; then GET /models/2/epochs/<epoch> over the local function URL shows the evidence.

const A = 31_337;
const B = 31_338;
const MODEL = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA
const bot = botHarnessForSuite({
  devnet: { epochSeconds: 3, hosts: ["healthy", "slowP95"] },
  // Small chunks, so the status API's log scans cross chunk borders.
  stage: { routes: devnetPaymentChainRoutes(A, B, "layerzero", ["ReceiptBatch", "Verdict"]), maxBlockRange: 7 },
});
let status: LocalStatusServer;
const solanaReads: { modelId: bigint; epoch: bigint; refundBps: number | undefined }[] = [];

beforeAll(async () => {
  // A stand-in for the Solana settlement code's reader: records that the API asks it, finds nothing.
  const solanaSettlement: SolanaSettlementReader = {
    read: async ({ modelId, epoch, refundBps }) => {
      solanaReads.push({ modelId, epoch, refundBps });
      return { refunds: [], payouts: [] };
    },
  };
  const { scenario } = bot;
  status = await startLocalStatusServer({
    world: buildStatusWorld({
      manifest: scenario.manifest,
      config: bot.config,
      stores: { jobs: bot.stores.jobs, payments: bot.stores.payments },
      rpcUrls: new Map(scenario.evmChains().map((chain) => [chain.chainId, manifestRpcUrlOf(chain)])),
      solanaSettlement,
    }),
  });
});

afterAll(async () => {
  await status?.stop();
});

const measured = { p50Ms: 60, p95Ms: 900, p99Ms: 950, uptimeBps: 10_000, sampleCount: 300 };
const samplesRoot = `0x${"5a".repeat(32)}` as const;

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${status.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("status API on the devnet", () => {
  it("shows a settled epoch's verdict, its evidence, deliveries, refunds, release and jobs", async () => {
    const { scenario } = bot;
    const w = bot.world();
    const payments = await scenario.payEach(A, MODEL, [3n, 1n]);
    const epoch = payments[0]?.epoch ?? -1n;
    expect(payments[1]?.epoch).toBe(epoch);
    const e: EpochOnChain = { chainId: A, model: MODEL, epoch };

    // Before the verdict: the epoch exists, has no verdict, and the escrow holds the payments.
    const early = await get(`/models/${MODEL}/epochs/${epoch}`);
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ modelId: String(MODEL), epoch: String(epoch), verdict: null, deliveries: [] });
    const future = await get(`/models/${MODEL}/epochs/${epoch + 100n}`);
    expect(future.status).toBe(404);
    expect(future.body).toMatchObject({ error: { name: "StatusNotFoundError", kind: "epoch" } });

    await scenario.passEpochs([e]);
    const verdict = await scenario.recordVerdict(MODEL, epoch, { measured, samplesRoot });
    expect(verdict.report.refundBps).toBe(2_500);
    const published = await scenario.publishVerdict(MODEL, epoch, A, { transport: "layerzero" });
    await bot.drive(w, 4);
    // The watcher created the settle job from VerdictApplied already; a hand-made one is the same job.
    expect(await w.engine.ingest(settlementJob("settle", e, { transport: "layerzero", now: w.clock.now() }))).toBe(
      "exists",
    );
    await bot.drive(w, 2);

    const { status: code, body } = await get(`/models/${MODEL}/epochs/${epoch}`);
    expect(code).toBe(200);
    const refunds = payments.map((p) => (p.amount * 2_500n) / 10_000n);
    const paid = payments.reduce((sum, p) => sum + p.amount, 0n);
    const refunded = refunds.reduce((sum, r) => sum + r, 0n);

    // The verdict and its evidence.
    expect(body.ended).toBe(true);
    expect(body.sla).toMatchObject({ maxP95LatencyMs: 500 });
    expect(body.verdict).toMatchObject({
      refundBps: 2_500,
      reportHash: verdict.reportHash,
      samplesRoot,
      report: measured,
      transaction: { chainId: B, hash: verdict.transaction },
    });
    const signatures = (body.verdict as { signatures: { signer: string }[] }).signatures;
    expect(signatures.map((s) => s.signer.toLowerCase())).toEqual(
      [...verdict.probers].map((a) => a.toLowerCase()).sort(),
    );

    // The verdict's delivery over LayerZero, from the job store.
    expect(body.deliveries).toEqual([
      expect.objectContaining({
        message: "Verdict",
        destinationChainId: A,
        transport: "layerzero",
        messageId: published.messageId,
        sourceChainId: B,
        sourceTransaction: published.receipt.transactionHash,
        jobId: jobIds.layerZeroMessage(published.messageId),
        status: "confirmed",
        destinationTransaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      }),
    ]);
    const deliveryJob = await bot.stores.jobs.get(jobIds.layerZeroMessage(published.messageId));
    expect((body.deliveries as { destinationTransaction: string }[])[0]?.destinationTransaction).toBe(
      deliveryJob?.status === "confirmed" ? deliveryJob.destinationTransaction : "no confirmed delivery job",
    );

    // Refunds and the release on evm-a, from the escrow's record and logs.
    const settlement = body.settlement as Record<string, unknown>[];
    const evm = settlement.find((entry) => entry.chainId === A);
    expect(evm).toMatchObject({
      family: "evm",
      listed: true,
      status: "released",
      paid: String(paid),
      payments: 2,
      refundCursor: 2,
      refundBps: 2_500,
      refunded: String(refunded),
      release: { amount: String(paid - refunded) },
      verdictApplied: { transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) },
    });
    expect(evm?.refunds).toEqual(
      payments.map((p, index) =>
        expect.objectContaining({ paymentIndex: String(index), buyer: p.buyer, amount: String(refunds[index]) }),
      ),
    );
    // Solana: the payments the store knows (none here) and the reader's findings.
    expect(settlement.find((entry) => entry.family === "solana")).toMatchObject({
      payments: [],
      paid: "0",
      reader: "wired",
      refunds: [],
      payouts: [],
    });
    expect(solanaReads.at(-1)).toEqual({ modelId: MODEL, epoch, refundBps: 2_500 });

    // The epoch's jobs: receipts, the refund, the settle and the delivery, all confirmed.
    const jobs = body.jobs as { id: string; status: string }[];
    const ref = { chainId: A, modelId: MODEL, epoch };
    expect(Object.fromEntries(jobs.map((j) => [j.id, j.status]))).toMatchObject({
      [jobIds.refund(ref)]: "confirmed",
      [jobIds.settle(ref)]: "confirmed",
      [jobIds.layerZeroMessage(published.messageId)]: "confirmed",
    });

    // The host's payout (its entry pays on evm-a): published on the home chain, delivered, paid by the escrow.
    const payees = await scenario.payeesOf(MODEL, epoch);
    const payoutIndex = payees.findIndex((entry) => entry.role === 3 && entry.chain === A);
    const host = payees[payoutIndex];
    if (!host) throw new Error("the demo model has no host payee on evm-a");
    const payout = await scenario.publishPayout(MODEL, epoch, A, payoutIndex, { transport: "layerzero" });
    await bot.drive(w, 6); // watch, verify, commit, lzReceive: a few passes, more when the machine is loaded
    const after = await get(`/models/${MODEL}/epochs/${epoch}`);
    expect(after.body.deliveries).toContainEqual(
      expect.objectContaining({
        message: "Payout",
        transport: "layerzero",
        messageId: payout.messageId,
        payout: { payoutIndex, payee: host.account, shareBps: host.shareBps },
        status: "confirmed",
        destinationTransaction: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      }),
    );
    const paidOut = (after.body.settlement as Record<string, unknown>[]).find((entry) => entry.chainId === A);
    const hostAmount = String(((paid - refunded) * BigInt(host.shareBps)) / 10_000n);
    expect(paidOut).toMatchObject({
      paidOut: hostAmount,
      paidOutBps: host.shareBps,
      payouts: [
        {
          payoutIndex,
          payee: getAddress(`0x${host.account.slice(-40)}`),
          shareBps: host.shareBps,
          amount: hostAmount,
        },
      ],
    });

    // The model list and the job lists.
    const models = await get("/models");
    expect(models.status).toBe(200);
    const model = (models.body.models as Record<string, unknown>[]).find((m) => m.modelId === String(MODEL));
    expect(model).toMatchObject({
      homeChainId: B,
      host: { endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/) },
      sla: { maxP95LatencyMs: 500 },
    });
    expect(BigInt(String(model?.currentEpoch))).toBeGreaterThan(epoch);
    const dead = await get("/jobs?status=dead-lettered");
    expect(dead.body.jobs).toEqual([]);
    // No RPC URL anywhere in what the API says.
    const everything = JSON.stringify([body, models.body, (await get("/health")).body]);
    for (const chain of scenario.evmChains()) expect(everything).not.toContain(chain.rpcUrl);
  }, 180_000);

  it("names a verdict delivered over Wormhole by its VAA id and the delivery job's destination transaction", async () => {
    const { scenario } = bot;
    const model = 1n; // the healthy host: no refund
    const w = bot.world();
    const epoch = await scenario.registryEpoch(model);
    await scenario.passEpochs([{ chainId: A, model, epoch }]);
    const healthy = { p50Ms: 40, p95Ms: 100, p99Ms: 150, uptimeBps: 10_000, sampleCount: 120 };
    const verdict = await scenario.recordVerdict(model, epoch, { measured: healthy });
    expect(verdict.report.refundBps).toBe(0);
    const published = await scenario.publishVerdict(model, epoch, A, { transport: "wormhole" });
    await bot.drive(w, 4);

    const { status: code, body } = await get(`/models/${model}/epochs/${epoch}`);
    expect(code).toBe(200);
    expect(body.verdict).toMatchObject({
      refundBps: 0,
      report: healthy,
      transaction: { hash: verdict.transaction },
    });
    const deliveries = body.deliveries as { messageId: string; jobId: string; destinationTransaction?: string }[];
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    const home = scenario.home();
    const emitter = home.contracts.wormholeMessenger.slice(2).toLowerCase().padStart(64, "0");
    expect(delivery).toMatchObject({
      message: "Verdict",
      transport: "wormhole",
      sourceTransaction: published.receipt.transactionHash,
      status: "confirmed",
    });
    expect(delivery?.messageId).toMatch(new RegExp(`^${home.wormhole.chainId}/${emitter}/\\d+$`));
    expect(delivery?.messageId).toBe(published.vaaId);
    expect(delivery?.jobId).toBe(`deliver-message:wh:${delivery?.messageId}`);
    const job = await bot.stores.jobs.get(delivery?.jobId ?? "");
    expect(job?.status).toBe("confirmed");
    expect(delivery?.destinationTransaction).toBe(job?.status === "confirmed" ? job.destinationTransaction : "none");
    const evm = (body.settlement as Record<string, unknown>[]).find((entry) => entry.chainId === A);
    // No payments and no refunds: the settle job the watcher made from VerdictApplied released the empty epoch.
    expect(evm).toMatchObject({ status: "released", refundBps: 0, payments: 0, refunds: [] });
    expect((evm?.release as { amount?: string } | null)?.amount).toBe("0");
  }, 180_000);
});
