import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Hex, SOLANA_CHAIN_ID } from "@slabridge/core";
import { DEMO_HOST_BOND, demoSlaTerms } from "@slabridge/devnet";
import { formatVerifyResult, type VerifyResult, verifyEpoch } from "@slabridge/verify";
import { describe, expect, it } from "vitest";

const bigMin = (a: bigint, b: bigint) => (a < b ? a : b);

// As `npm start` does: the handlers' JSON logs would drown the story (set before the handlers are imported).
process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
const { runMainJobWithReport } = await import("./runMainJob.ts");
const { readVerdictOverRpc } = await import("../context/verify/readVerdictOverRpc.ts");

const configJson = JSON.parse(
  readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../config/devnet.json"), "utf8"),
) as unknown;

// The main job end to end, as `npm start` runs it (one short epoch): devnet, every handler on its schedule,
// buyers paying per call through each model's gateway (stock @x402/fetch on evm-a and evm-b; on Solana the same
// client with slabridge's SVM scheme), probes, verdicts, claims, refunds per buyer-epoch, releases and
// payouts. The job's own proofs are what is asserted: every account's balance change equals what its roles call
// for (a buyer's unspent channel deposit counted as its own), and conservation holds.
describe("npm start (one epoch)", () => {
  it("settles every model on every chain: exact refunds for the breaching hosts, none for the healthy one, exact splits", async () => {
    const lines: string[] = [];
    const verified: VerifyResult[] = [];
    const outcome = await runMainJobWithReport({
      epochs: 1,
      // long enough for every buyer's calls (a failing host costs its 2 s timeout) to land inside the epoch
      epochSeconds: 12,
      watch: false,
      // bonds add a top-up funding and share pass per breached epoch and chain: more transactions than before
      timeoutMs: 240_000,
      configJson,
      out: (line) => lines.push(line),
      // `npm run verify` on every (model, epoch) of the run, before it stops: a buyer's check of each verdict.
      afterSettled: async ({ statusUrl, homeRpcUrl, oracle }, settled) => {
        for (const row of settled.rows) {
          const readVerdict = readVerdictOverRpc(homeRpcUrl);
          const args = { modelId: row.modelId, epoch: row.epoch, statusUrl, readVerdict, oracle: oracle as Hex };
          verified.push(await verifyEpoch(args));
        }
      },
    });
    if (outcome.code !== 0) console.log(lines.join("\n"));
    expect(outcome.pending).toEqual([]);
    expect(outcome.code).toBe(0);
    const report = outcome.report;
    if (!report) throw new Error("no report");

    // verify passed on every (model, epoch): evidence, signatures, the recomputed report and each chain's settlement.
    expect(verified.map((r) => `${r.modelId}/${r.epoch}`).sort()).toEqual(
      report.rows.map((row) => `${row.modelId}/${row.epoch}`).sort(),
    );
    const failed = verified.filter((r) => !r.ok);
    if (failed.length > 0) console.log(failed.flatMap(formatVerifyResult).join("\n"));
    expect(failed.map((r) => r.checks.filter((c) => c.status === "fail"))).toEqual([]);

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
    // Pay per call on every chain (stock x402 clients on evm-a and evm-b, slabridge's SVM scheme on Solana): every
    // model was charged for calls there; on EVM a healthy epoch's revenue was paid out in full (the SLA receiver
    // released it to the split) and a breached one kept back exactly the refunds.
    for (const row of report.rows) {
      expect(row.chains.get(SOLANA_CHAIN_ID)?.calls ?? 0).toBeGreaterThan(0);
      for (const chainId of [31_337, 31_338]) {
        const money = row.chains.get(chainId);
        expect(money?.calls ?? 0).toBeGreaterThan(0);
        if (row.verdict?.refundBps === 0) expect(money?.paidOut).toBe(money?.paid);
        else expect(money?.paidOut).toBe((money?.paid ?? 0n) - (money?.refunded ?? 0n));
      }
    }
    // The x402 buyers still hold the rest of their deposits in their channels, and their proofs count it.
    const x402Buyers = report.accounts.filter((a) => a.roles.includes("buyer") && a.chainId !== SOLANA_CHAIN_ID);
    expect(x402Buyers.length).toBeGreaterThan(0);
    expect(x402Buyers.every((a) => (a.inChannels ?? 0n) > 0n)).toBe(true);
    expect(lines.some((line) => line.includes("x402 gateway of healthy: http://127.0.0.1:"))).toBe(true);
    expect(lines.some((line) => / x402 channels claimed /.test(line))).toBe(true);
    // Each epoch's netting round is reported live, as it is recorded.
    expect(lines.filter((line) => / net {7}model \d+ · epoch \d+ {2}netted: /.test(line)).length).toBe(
      report.rows.length,
    );

    // Host bonds: each breach slashed 10 % of the host's 0.5 bond, capped at what buyers paid minus their refunds;
    // the slash is split over the chains by their receipts (the shares add up to it exactly) and each chain's buyers
    // got their chain's part on top of their refunds (the buyers' proofs below include their top-up shares).
    for (const row of report.rows) {
      const bps = BigInt(row.verdict?.refundBps ?? 0);
      const paid = [...row.chains.values()].reduce((sum, money) => sum + money.paid, 0n);
      const expected =
        bps === 0n ? 0n : bigMin((DEMO_HOST_BOND * 1_000n) / 10_000n, (paid * (10_000n - bps)) / 10_000n);
      expect(row.bond.settled || bps === 0n).toBe(true);
      expect(row.bond.slashed).toBe(expected);
      expect([...row.bond.topUps.values()].reduce((sum, topUp) => sum + topUp, 0n)).toBe(row.bond.slashed);
      for (const [chainId, money] of row.chains) expect(money.toppedUp).toBe(row.bond.topUps.get(chainId) ?? 0n);
    }
    expect(
      report.rows
        .filter((row) => row.bond.slashed > 0n)
        .map((row) => row.host)
        .sort(),
    ).toEqual(["poorUptime", "slowP95"].filter((host) => (byHost.get(host)?.verdict?.refundBps ?? 10_000) < 10_000));
    const slashed = report.rows.reduce((sum, row) => sum + row.bond.slashed, 0n);
    expect(report.bonds.reduce((sum, bond) => sum + bond.amount, 0n)).toBe(3n * DEMO_HOST_BOND - slashed);

    const chainsWithBuyers = new Set(report.accounts.filter((a) => a.roles.includes("buyer")).map((a) => a.chainId));
    expect([...chainsWithBuyers].sort()).toEqual([31_337, 31_338, SOLANA_CHAIN_ID].sort());

    // Every account (buyers, creator, host, protocol fee, data contributor, netting vaults) moved by exactly what
    // its roles call for, and no stablecoin unit appeared or vanished on any chain.
    expect(report.accounts.filter((a) => !a.holds)).toEqual([]);
    expect(report.accounts.some((a) => a.roles.includes("host") && a.actual > 0n)).toBe(true);
    expect(report.conservation.holds).toBe(true);
    expect(lines.some((line) => line.includes("status API: http://127.0.0.1:"))).toBe(true);
    expect(lines.filter((line) => /dashboard: http:\/\/127\.0\.0\.1:\d+\/ /.test(line))).toHaveLength(1);
  }, 300_000);
});
