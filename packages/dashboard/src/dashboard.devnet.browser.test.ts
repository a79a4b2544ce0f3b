import { manifestRpcUrlOf } from "@slabridge/core";
import { devnetPaymentChainRoutes, type EpochOnChain } from "@slabridge/devnet/testing";
import { botHarnessForSuite, buildStatusWorld } from "@slabridge/functions/src/e2e/testing/botHarness.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DashboardServer, startDashboardServer } from "./testing/dashboardServer.ts";
import { browserTestsSkipReason, type OpenedPage, openDashboard, screenshot } from "./testing/headlessChromium.ts";
import type { EpochJson } from "./view/json.ts";

// The dashboard over a real devnet epoch: the slowP95 host breaches, its verdict is recorded 2-of-3 on evm-b and
// delivered to evm-a over LayerZero, which refunds and releases; the page is read with the chains' own status readers.

const A = 31_337;
const B = 31_338;
const MODEL = 2n; // slowP95: p95 900 ms against a 500 ms SLA

const skipReason = browserTestsSkipReason();
if (skipReason) console.log(skipReason);

describe.skipIf(skipReason !== undefined)("the dashboard in headless Chromium, over a devnet epoch", () => {
  const bot = botHarnessForSuite({
    devnet: { epochSeconds: 3, hosts: ["healthy", "slowP95"] },
    stage: { routes: devnetPaymentChainRoutes(A, B, "layerzero", ["ReceiptBatch", "Verdict"]) },
  });
  let status: DashboardServer;
  let opened: OpenedPage;
  let epoch: bigint;

  beforeAll(async () => {
    const { scenario } = bot;
    status = await startDashboardServer(
      buildStatusWorld({
        manifest: scenario.manifest,
        config: bot.config,
        stores: { jobs: bot.stores.jobs, payments: bot.stores.payments },
        rpcUrls: new Map(scenario.evmChains().map((chain) => [chain.chainId, manifestRpcUrlOf(chain)])),
      }),
    );
    const w = bot.world();
    const payments = await scenario.payEach(A, MODEL, [3n, 1n]);
    epoch = payments[0]?.epoch ?? -1n;
    const e: EpochOnChain = { chainId: A, model: MODEL, epoch };
    await scenario.passEpochs([e]);
    await scenario.recordVerdict(MODEL, epoch, {
      measured: { p50Ms: 60, p95Ms: 900, p99Ms: 950, uptimeBps: 10_000, sampleCount: 300 },
      samplesRoot: `0x${"5a".repeat(32)}`,
    });
    await scenario.publishVerdict(MODEL, epoch, A, { transport: "layerzero" });
    // Deliver the verdict, then refund and release (a few passes, more when the machine is loaded).
    await bot.driveUntil(
      w,
      async () => {
        const view = (await (await fetch(`${status.url}/models/${MODEL}/epochs/${epoch}`)).json()) as EpochJson;
        const evm = view.settlement.find((settlement) => settlement.chainId === A);
        return evm?.family === "evm" && evm.status === "released";
      },
      { rounds: 16 },
    );
    opened = await openDashboard(`${status.url}/`);
  }, 240_000);

  afterAll(async () => {
    await opened?.close();
    await status?.stop();
  });

  it("follows the refund hop by hop as the chains' readers report it, with no console error or outside request", async () => {
    const { page } = opened;
    await page.locator("#follow-hops table").waitFor();
    await page.selectOption("#follow-model", String(MODEL));
    await page.selectOption("#follow-epoch", String(epoch));
    await expect(page.locator("#follow-hops caption").textContent()).resolves.toBe(
      `Model ${MODEL}, epoch ${epoch}: every hop`,
    );
    const view = (await (await fetch(`${status.url}/models/${MODEL}/epochs/${epoch}`)).json()) as EpochJson;
    const evm = view.settlement.find((settlement) => settlement.chainId === A);
    if (evm?.family !== "evm") throw new Error("evm-a reports no EVM settlement");
    const delivery = view.deliveries.find((candidate) => candidate.message === "Verdict");
    const expected = [
      view.verdict?.transaction?.hash,
      delivery?.messageId,
      delivery?.sourceTransaction,
      delivery?.destinationTransaction,
      evm.verdictApplied?.transaction,
      evm.release?.transaction,
      ...(evm.refunds ?? []).map((refund) => refund.transaction),
    ];
    expect(expected.every((value) => typeof value === "string" && value.length > 0)).toBe(true);
    expect(evm.refunds).toHaveLength(2);
    const text = (await page.locator("#follow-hops table.hops").textContent()) ?? "";
    expect(expected.filter((value) => !text.includes(value ?? "?"))).toEqual([]);
    await expect(page.locator(`#model-${MODEL} table.verdicts`).textContent()).resolves.toContain(
      "breached: refund 25.00 %",
    );
    expect(await page.locator("#banner").isHidden()).toBe(true);
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.requests.filter((url) => !url.startsWith(`${status.url}/`) && !url.startsWith("data:"))).toEqual([]);
    console.log(`screenshot: ${await screenshot("dashboard-devnet-follow-refund.png", page.locator("#follow"))}`);
  });
});
