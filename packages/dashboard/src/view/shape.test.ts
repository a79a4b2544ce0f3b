import { routeStatusRequest } from "@slabridge/status";
import { describe, expect, it } from "vitest";
import { FINISHED_RUN, finishedRunWorld } from "../fixtures/finishedRunWorld.ts";
import type { ControlsJson, EpochJson, JobsJson } from "./json.ts";
import { epochSeries, followHops, isSettled, moneyRows, pipelineView } from "./shape.ts";

/** A status API answer as the page receives it (bigints as decimal strings). */
async function get<T>(path: string): Promise<T> {
  const world = await finishedRunWorld();
  const { statusCode, body } = await routeStatusRequest(async () => world, { method: "GET", path, query: {} });
  expect(statusCode, path).toBe(200);
  return JSON.parse(
    JSON.stringify(body, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value)),
  );
}
const epochsOf = (modelId: string) =>
  Promise.all([0, 1, 2, 3].map((n) => get<EpochJson>(`/models/${modelId}/epochs/${n}`)));
const NAMES = new Map([
  [31_337, "evm-a"],
  [31_338, "evm-b"],
  [FINISHED_RUN.solanaChainId, "solana"],
]);

describe("epochSeries", () => {
  it("aligns each figure on the epochs in order, null where no verdict is recorded, with the SLA's lines", async () => {
    const epochs = await epochsOf("2");
    const series = epochSeries([...epochs].reverse());
    expect(series.epochs).toEqual([0, 1, 2, 3]);
    expect(series.p95Ms).toEqual([734, 802, 768, null]);
    expect(series.p50Ms[3]).toBeNull();
    expect(series.slaP95Ms).toEqual([500, 500, 500, 500]);
    expect(series.uptimePct).toEqual([100, 99.95, 100, null]);
    expect(series.slaUptimePct).toEqual([99, 99, 99, 99]);
    expect(series.probes).toEqual([180, 174, 168, null]);
    expect(series.receipts).toEqual([7, 7, 7, null]);
  });
});

describe("moneyRows", () => {
  it("reads paid, refunded, released and paid out from each family's own view", async () => {
    const epoch = await get<EpochJson>("/models/2/epochs/1");
    expect(moneyRows(epoch, NAMES)).toEqual([
      {
        chainId: 31_337,
        chain: "evm-a",
        paid: "30000",
        payments: 3,
        refunded: "7500",
        released: "22500",
        paidOut: "15750",
        state: "released",
      },
      {
        chainId: 31_338,
        chain: "evm-b",
        paid: "20000",
        payments: 2,
        refunded: "5000",
        released: "15000",
        paidOut: "4500",
        state: "released",
      },
      // Solana's vault pays its payees itself: no release of its own.
      {
        chainId: FINISHED_RUN.solanaChainId,
        chain: "solana",
        paid: "20000",
        payments: 2,
        refunded: "5000",
        released: undefined,
        paidOut: "15000",
        state: "vault",
      },
    ]);
  });

  it("shows an escrow that never listed the model, and a Solana chain without a settlement reader, as unknown", async () => {
    const epoch = await get<EpochJson>("/models/2/epochs/1");
    const solana = epoch.settlement.find((settlement) => settlement.family === "solana");
    if (solana?.family !== "solana") throw new Error("the fixture has a Solana chain");
    const unread: EpochJson = {
      ...epoch,
      settlement: [
        { family: "evm", chainId: 31_337, name: "evm-a", escrow: "0x00", listed: false },
        { ...solana, reader: "none", refunds: null, payouts: null },
      ],
    };
    expect(moneyRows(unread, new Map())).toEqual([
      {
        chainId: 31_337,
        chain: "31337",
        paid: undefined,
        payments: undefined,
        refunded: undefined,
        released: undefined,
        paidOut: undefined,
        state: "not listed",
      },
      {
        chainId: FINISHED_RUN.solanaChainId,
        chain: String(FINISHED_RUN.solanaChainId),
        paid: "20000",
        payments: 2,
        refunded: undefined,
        released: undefined,
        paidOut: undefined,
        state: "reader none",
      },
    ]);
  });
});

describe("followHops", () => {
  it("follows a breached epoch from the payments to every chain's refunds and payouts, in that order", async () => {
    const epoch = await get<EpochJson>("/models/2/epochs/1");
    const hops = followHops(epoch);
    const steps = [...new Set(hops.map((hop) => hop.step))];
    expect(steps).toEqual([
      "payment",
      "receipts",
      "verdict",
      "delivery",
      "verdict applied",
      "refund",
      "release",
      "payout",
    ]);
    const refunds = hops.filter((hop) => hop.step === "refund");
    expect(new Set(refunds.map((hop) => hop.chainId))).toEqual(new Set([31_337, 31_338, FINISHED_RUN.solanaChainId]));
    expect(refunds.every((hop) => hop.transaction && hop.amount === "2500")).toBe(true);
    const verdict = hops.find((hop) => hop.step === "verdict");
    expect(verdict).toMatchObject({
      chainId: 31_338,
      transaction: epoch.verdict?.transaction?.hash,
      what: "verdict recorded: refund 25 %",
    });
    const deliveries = hops.filter((hop) => hop.step === "delivery");
    expect(deliveries.map((hop) => [hop.transport, hop.messageId, hop.status])).toEqual(
      epoch.deliveries.map((delivery) => [delivery.transport, delivery.messageId, "confirmed"]),
    );
    expect(deliveries.every((hop) => hop.destinationTransaction !== undefined)).toBe(true);
    const receipts = hops.filter((hop) => hop.step === "receipts");
    // Receipts leave evm-a over LayerZero, evm-b (home's own escrow) and Solana over Wormhole.
    expect(Object.fromEntries(receipts.map((hop) => [hop.chainId, hop.transport]))).toEqual({
      31337: "layerzero",
      31338: "wormhole",
      [FINISHED_RUN.solanaChainId]: "wormhole",
    });
    expect(
      receipts.every((hop) => hop.messageId && hop.destinationTransaction && hop.destinationChainId === 31_338),
    ).toBe(true);
  });

  it("shows a delivery that never arrived as dead-lettered, and no refund on its chain", async () => {
    const epoch = await get<EpochJson>("/models/3/epochs/2");
    const hops = followHops(epoch);
    const toSolana = hops.find(
      (hop) => hop.step === "delivery" && hop.destinationChainId === FINISHED_RUN.solanaChainId,
    );
    expect(toSolana).toMatchObject({ status: "dead-lettered", transport: "wormhole" });
    expect(toSolana?.destinationTransaction).toBeUndefined();
    expect(hops.filter((hop) => hop.step === "refund" && hop.chainId === FINISHED_RUN.solanaChainId)).toEqual([]);
    expect(hops.filter((hop) => hop.step === "refund" && hop.chainId === 31_337)).toHaveLength(3);
  });

  it("has only the payments of an epoch still running", async () => {
    const epoch = await get<EpochJson>("/models/1/epochs/3");
    expect([...new Set(followHops(epoch).map((hop) => hop.step))]).toEqual(["payment"]);
  });
});

describe("pipelineView", () => {
  it("counts jobs per state and lists dead letters with their reasons, pauses and rate-limit waits", async () => {
    const view = pipelineView(await get<JobsJson>("/jobs"), await get<ControlsJson>("/controls"));
    expect(view.counts).toEqual([
      { status: "observed", count: 0 },
      { status: "finalized", count: 0 },
      { status: "submitted", count: 0 },
      { status: "failed", count: 2 },
      { status: "dead-lettered", count: 1 },
    ]);
    expect(view.deadLetters).toEqual([
      expect.objectContaining({ kind: "deliver-message", reason: FINISHED_RUN.deadLetterReason }),
    ]);
    expect(view.pauses.map((pause) => pause.scope)).toEqual([`route:31338-${FINISHED_RUN.solanaChainId}`]);
    expect(view.waits.map((wait) => wait.reason).sort()).toEqual([
      `not ready: route ${FINISHED_RUN.solanaChainId}->31338 is at its limit of 1000000 per hour`,
      `not ready: route 31338->${FINISHED_RUN.solanaChainId} is paused`,
    ]);
    expect(view.waits.every((wait) => /^\d{4}-\d{2}-\d{2}T/.test(wait.nextAttemptAt))).toBe(true);
  });
});

describe("isSettled", () => {
  it("is true only once an epoch ended with its verdict delivered everywhere and every job confirmed", async () => {
    // slowP95's epoch 1 settled everywhere; its epoch 2's Solana verdict is held by a pause; poorUptime's epoch 2 has
    // a dead letter; healthy's epoch 2 waits on a rate limit; epoch 3 is running.
    expect(isSettled(await get<EpochJson>("/models/2/epochs/1"))).toBe(true);
    expect(isSettled(await get<EpochJson>("/models/1/epochs/0"))).toBe(true);
    for (const path of ["/models/2/epochs/2", "/models/3/epochs/2", "/models/1/epochs/2", "/models/1/epochs/3"]) {
      expect(isSettled(await get<EpochJson>(path)), path).toBe(false);
    }
  });
});
