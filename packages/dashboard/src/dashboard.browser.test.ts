import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FINISHED_RUN, finishedRunWorld } from "./fixtures/finishedRunWorld.ts";
import { type DashboardServer, startDashboardServer } from "./testing/dashboardServer.ts";
import { browserTestsSkipReason, type OpenedPage, openDashboard, screenshot } from "./testing/headlessChromium.ts";
import type { EpochJson } from "./view/json.ts";

const skipReason = browserTestsSkipReason();
if (skipReason) console.log(skipReason);

describe.skipIf(skipReason !== undefined)(
  "the dashboard in headless Chromium, over a finished run's status API",
  () => {
    let server: DashboardServer;
    let opened: OpenedPage;
    let page: Page;

    beforeAll(async () => {
      server = await startDashboardServer(await finishedRunWorld());
      opened = await openDashboard(`${server.url}/`);
      page = opened.page;
      await page.locator("#model-list .model").nth(2).waitFor();
      await page.locator("#follow-hops table").waitFor();
    }, 120_000);

    afterAll(async () => {
      await opened?.close();
      await server?.stop();
    });

    const shoot = async (name: string, target: Parameters<typeof screenshot>[1]) =>
      console.log(`screenshot: ${await screenshot(name, target)}`);

    it("loads every model with no console error and no request beyond 127.0.0.1", async () => {
      await expect(page.locator("#model-list h3").allTextContents()).resolves.toEqual([
        "Model 1: healthy",
        "Model 2: slowP95",
        "Model 3: poorUptime",
      ]);
      await expect(page.locator("#stage").textContent()).resolves.toContain("stage devnet");
      expect(await page.locator("#banner").isHidden()).toBe(true);
      expect(opened.consoleErrors).toEqual([]);
      expect(opened.requests.length).toBeGreaterThan(0);
      expect(opened.requests.filter((url) => !url.startsWith(`${server.url}/`) && !url.startsWith("data:"))).toEqual(
        [],
      );
      await shoot("dashboard-overview.png", page);
    });

    it("draws every plot (each epoch a point, pixels on the canvas) with the SLA's line in its own colour", async () => {
      const plots = await page.locator(".plot").evaluateAll((elements) =>
        elements.map((element) => {
          const canvas = element.querySelector("canvas");
          const pixels = canvas?.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
          let drawn = 0;
          let slaRed = 0;
          for (let index = 0; index < pixels.length; index += 4) {
            const [r = 0, g = 0, b = 0, a = 0] = [
              pixels[index],
              pixels[index + 1],
              pixels[index + 2],
              pixels[index + 3],
            ];
            if (a > 0) drawn += 1;
            // The SLA lines' stroke, #c92a2a.
            if (a > 200 && Math.abs(r - 0xc9) < 12 && Math.abs(g - 0x2a) < 12 && Math.abs(b - 0x2a) < 12) slaRed += 1;
          }
          const legend = [...element.querySelectorAll(".u-legend th")].map((cell) => cell.textContent?.trim() ?? "");
          return {
            kind: element.getAttribute("data-plot"),
            points: element.getAttribute("data-points"),
            drawn,
            slaRed,
            legend,
          };
        }),
      );
      expect(plots.map((plot) => plot.kind)).toEqual(Array(3).fill(["latency", "uptime", "evidence"]).flat());
      for (const plot of plots) {
        // Epochs 0..3: three with a verdict and the running one.
        expect(plot.points, plot.kind ?? "").toBe("4");
        expect(plot.drawn, `${plot.kind} has drawn`).toBeGreaterThan(1_000);
      }
      const latency = plots.filter((plot) => plot.kind === "latency");
      const uptime = plots.filter((plot) => plot.kind === "uptime");
      for (const plot of [...latency, ...uptime]) expect(plot.slaRed, `${plot.kind}'s SLA line`).toBeGreaterThan(50);
      for (const plot of latency) expect(plot.legend).toContain("SLA p95 max (ms)");
      for (const plot of uptime) expect(plot.legend).toContain("SLA uptime min (%)");
      // The evidence plot has no SLA line: no red there.
      for (const plot of plots.filter((candidate) => candidate.kind === "evidence")) expect(plot.slaRed).toBe(0);
      await shoot("dashboard-model-slowP95.png", page.locator("#model-2"));
    });

    it("shows verdicts with their refund share, money per chain and the evidence bundle's link", async () => {
      const verdicts = page.locator("#model-2 table.verdicts");
      await expect(verdicts.textContent()).resolves.toContain("breached: refund 25.00 %");
      const href = await verdicts.locator("a").first().getAttribute("href");
      expect(href).toMatch(/^evidence\/0x[0-9a-f]{64}$/);
      const bundle = await fetch(new URL(href ?? "", `${server.url}/`));
      expect(bundle.status).toBe(200);
      const money = await page.locator("#model-2 table.money").textContent();
      for (const chain of ["evm-a (31337)", "evm-b (31338)", `solana (${FINISHED_RUN.solanaChainId})`])
        expect(money).toContain(chain);
      await expect(page.locator("#model-2 .bond").textContent()).resolves.toMatch(
        /^Host bond: [\d,.]+ left; slashed: epoch 0/,
      );
    });

    it("follows the slowP95 host's refund through every hop: transactions, GUIDs and VAA ids", async () => {
      const { modelId, epoch } = FINISHED_RUN.slowP95;
      await page.selectOption("#follow-model", modelId);
      await page.selectOption("#follow-epoch", epoch);
      await expect(page.locator("#follow-hops caption").textContent()).resolves.toBe(
        `Model ${modelId}, epoch ${epoch}: every hop`,
      );
      const view = (await (await fetch(`${server.url}/models/${modelId}/epochs/${epoch}`)).json()) as EpochJson;
      const expected = new Set<string>();
      const add = (value: string | null | undefined) => value && expected.add(value);
      add(view.verdict?.transaction?.hash);
      for (const delivery of view.deliveries) {
        add(delivery.messageId);
        add(delivery.sourceTransaction);
        add(delivery.destinationTransaction);
      }
      for (const job of view.jobs.filter((candidate) => candidate.kind === "relay-receipts")) {
        add(job.source.transaction);
        add(job.messageRef?.messageId);
        add(job.destinationTransaction);
      }
      const refundChains = new Set<number>();
      for (const settlement of view.settlement) {
        if (settlement.family === "evm") {
          add(settlement.verdictApplied?.transaction);
          add(settlement.release?.transaction);
          for (const transfer of [...(settlement.refunds ?? []), ...(settlement.payouts ?? [])])
            add(transfer.transaction);
          if ((settlement.refunds ?? []).length > 0) refundChains.add(settlement.chainId);
        } else {
          for (const payment of settlement.payments) add(payment.transaction);
          for (const transfer of [...(settlement.refunds ?? []), ...(settlement.payouts ?? [])])
            add(transfer.signature);
          if ((settlement.refunds ?? []).length > 0) refundChains.add(settlement.chainId);
        }
      }
      // The story has what the test is about: refunds on more than one chain, LayerZero GUIDs and Wormhole VAA ids.
      expect(refundChains.size).toBeGreaterThanOrEqual(2);
      expect(
        [...expected].some(
          (value) =>
            /^0x[0-9a-f]{64}$/.test(value) &&
            view.deliveries.some((d) => d.transport === "layerzero" && d.messageId === value),
        ),
      ).toBe(true);
      expect([...expected].some((value) => /^\d+\/[0-9a-f]{64}\/\d+$/.test(value))).toBe(true);

      const hops = page.locator("#follow-hops table.hops");
      const text = (await hops.textContent()) ?? "";
      const missingIds = [...expected].filter((value) => !text.includes(value));
      expect(missingIds).toEqual([]);
      const steps = await hops.locator("tbody tr td:first-child").allTextContents();
      for (const step of [
        "payment",
        "receipts",
        "verdict",
        "delivery",
        "verdict applied",
        "refund",
        "release",
        "payout",
      ]) {
        expect(steps).toContain(step);
      }
      await page.locator("#follow").scrollIntoViewIfNeeded();
      await shoot("dashboard-follow-refund.png", page.locator("#follow"));
    });

    it("shows the relay pipeline: jobs by state, the dead letter's reason, the pause and the rate-limit wait", async () => {
      const pipeline = page.locator("#pipeline");
      await expect(pipeline.locator("table.dead-letters").textContent()).resolves.toContain(
        FINISHED_RUN.deadLetterReason,
      );
      await expect(pipeline.locator("table.pauses").textContent()).resolves.toContain(
        `route:31338-${FINISHED_RUN.solanaChainId}`,
      );
      await expect(pipeline.locator("table.waits").textContent()).resolves.toContain("is at its limit");
      const counts = await pipeline.locator("table.job-counts tbody tr").allTextContents();
      expect(counts).toContain("dead-lettered1");
      expect(counts).toContain("failed2");
      await shoot("dashboard-pipeline.png", pipeline);
    });

    it("keeps the last data under a visible banner when a refresh fails", async () => {
      await page.route("**/models", (route) =>
        route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({
            error: { name: "RpcUnavailableError", message: "The RPC endpoint is unavailable.", retryable: true },
          }),
        }),
      );
      const banner = page.locator("#banner");
      await banner.waitFor({ state: "visible", timeout: 15_000 });
      await expect(banner.textContent()).resolves.toContain("GET /models: 503 The RPC endpoint is unavailable.");
      expect(await page.locator("#model-list .model").count()).toBe(3);
      await page.evaluate("window.scrollTo(0, 0)");
      await shoot("dashboard-error-banner.png", page);
      await page.unroute("**/models");
      await banner.waitFor({ state: "hidden", timeout: 15_000 });
    }, 40_000);
  },
);
