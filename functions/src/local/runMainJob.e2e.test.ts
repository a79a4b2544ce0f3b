import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SOLANA_CHAIN_ID } from "@slabridge/core";
import { demoSlaTerms } from "@slabridge/devnet";
import { describe, expect, it } from "vitest";

// As `npm start` does: the handlers' JSON logs would drown the story (set before the handlers are imported).
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
const { runMainJobWithReport } = await import("./runMainJob.ts");

const configJson = JSON.parse(
  readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../config/devnet.json"), "utf8"),
) as unknown;

// The main job end to end, as `npm start` runs it (one short epoch): devnet, every handler on its schedule,
// buyers on evm-a, evm-b and Solana, probes, verdicts, refunds, releases and payouts. The job's own proofs are
// what is asserted: every account's balance change equals what its roles call for, and conservation holds.
describe("npm start (one epoch)", () => {
  it("settles every model on every chain: exact refunds for the breaching hosts, none for the healthy one, exact splits", async () => {
    const lines: string[] = [];
    const outcome = await runMainJobWithReport({
      epochs: 1,
      epochSeconds: 8,
      watch: false,
      timeoutMs: 150_000,
      configJson,
      out: (line) => lines.push(line),
    });
    if (outcome.code !== 0) console.log(lines.join("\n"));
    expect(outcome.pending).toEqual([]);
    expect(outcome.code).toBe(0);
    const report = outcome.report;
    if (!report) throw new Error("no report");

    // One row per model; the healthy host keeps its SLA, the slow and the flaky ones breach it.
    const byHost = new Map(report.rows.map((row) => [row.host, row]));
    expect(byHost.get("healthy")?.verdict?.refundBps).toBe(0);
    expect(byHost.get("slowP95")?.verdict?.refundBps).toBe(demoSlaTerms.latencyBreachRefundBps);
    expect(byHost.get("slowP95")?.verdict?.p95Ms).toBeGreaterThan(demoSlaTerms.maxP95LatencyMs);
    expect(byHost.get("poorUptime")?.verdict?.refundBps).toBeGreaterThan(0);

    // Buyers paid on all three payment chains and each was refunded exactly its tier's share there.
    for (const row of report.rows) {
      expect([...row.chains.keys()].sort()).toEqual([31_337, 31_338, SOLANA_CHAIN_ID].sort());
      const bps = BigInt(row.verdict?.refundBps ?? -1);
      for (const money of row.chains.values()) {
        expect(money.paid).toBeGreaterThan(0n);
        // Refunds are per payment (floored), so the sum is at most the share of the total and within a unit per payment.
        expect(money.refunded).toBeLessThanOrEqual((money.paid * bps) / 10_000n);
        expect(money.refunded).toBeGreaterThanOrEqual((money.paid * bps) / 10_000n - 2n);
      }
    }
    const chainsWithBuyers = new Set(report.accounts.filter((a) => a.roles.includes("buyer")).map((a) => a.chainId));
    expect([...chainsWithBuyers].sort()).toEqual([31_337, 31_338, SOLANA_CHAIN_ID].sort());

    // Every account (buyers, creator, host, protocol fee, data contributor, netting vaults) moved by exactly what
    // its roles call for, and no stablecoin unit appeared or vanished on any chain.
    expect(report.accounts.filter((a) => !a.holds)).toEqual([]);
    expect(report.accounts.some((a) => a.roles.includes("host") && a.actual > 0n)).toBe(true);
    expect(report.conservation.holds).toBe(true);
    expect(lines.some((line) => line.includes("status API: http://127.0.0.1:"))).toBe(true);
  }, 200_000);
});
