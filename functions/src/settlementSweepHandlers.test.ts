import { type Job, jobIds, type SettlementState } from "@slabridge/core";
import { evmSettlementJobs } from "@slabridge/evm";
import type { SettlementSweepWorld } from "@slabridge/settlement";
import { describe, expect, it } from "vitest";
import { createRefundSweepHandler } from "./refund.ts";
import { createSettleSweepHandler } from "./settle.ts";

const GENESIS = 1_700_000_000;
const EPOCH_SECONDS = 10;
/** Epoch 25 of the model is running: 0..24 have ended. */
const NOW = (GENESIS + 25 * EPOCH_SECONDS + 3) * 1_000;
const CHAIN = 31_337;

/** A sweep world of one payment chain whose (model 1, epoch 24) is due; `failing` reads throw. */
function world(failing = false) {
  const created = new Map<string, Job>();
  const due: SettlementState = { verdictApplied: true, refundsDone: false, released: false };
  const clock = { now: () => NOW };
  const w: SettlementSweepWorld = {
    manifest: {
      models: [
        {
          modelId: "1",
          homeChainId: CHAIN,
          genesis: GENESIS,
          epochSeconds: EPOCH_SECONDS,
          hostName: "host-1",
          hostUrl: "http://127.0.0.1:9001",
          pricePerRequest: "10000",
        },
      ],
    },
    config: { probing: { lookbackEpochs: 1 } },
    clock,
    settlementTargets: new Map([
      [
        CHAIN,
        {
          chainId: CHAIN,
          state: async () => {
            if (failing) throw new Error("connection refused");
            return due;
          },
          refundNext: async () => ({ transaction: "never" }),
          release: async () => ({ transaction: "never" }),
        },
      ],
    ]),
    enqueue: async () => {},
    engine: {
      ingest: async (j) => {
        if (created.has(j.id)) return "exists";
        created.set(j.id, j);
        return "created";
      },
      rearm: async () => "busy" as const,
    },
    chains: new Map([
      [
        CHAIN,
        {
          settlementJobs: (r) =>
            evmSettlementJobs({ chainId: CHAIN, homeChainId: CHAIN, config: { routes: [] }, clock }, r),
        },
      ],
    ]),
  };
  return { world: w, created };
}

describe("refund and settle handlers", () => {
  it("return the JSON-safe sweep, and throw after the pass when an epoch could not be checked", async () => {
    const { world: w, created } = world();
    const refund = await createRefundSweepHandler(async () => w)({});
    const settle = await createSettleSweepHandler(async () => w)({});
    const ref = { chainId: CHAIN, modelId: 1n, epoch: 24n };
    expect(refund.jobs.map((j) => j.jobId)).toEqual([jobIds.refund(ref)]);
    expect(settle.jobs.map((j) => j.jobId)).toEqual([jobIds.settle(ref)]);
    expect(JSON.parse(JSON.stringify(settle))).toEqual(settle);
    expect(created.size).toBe(2);

    const broken = world(true).world;
    await expect(createRefundSweepHandler(async () => broken)({})).rejects.toThrow(/could not check 1 epoch/);
    await expect(createSettleSweepHandler(async () => broken)({})).rejects.toThrow(/could not check 1 epoch/);
  });
});
