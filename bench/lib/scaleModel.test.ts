import { describe, expect, it } from "vitest";
import { type Constants, project, type UnitCosts } from "./scaleModel.ts";

const unit: UnitCosts = {
  gatewayMsPerCall: 10,
  gatewayMemoryMb: 1_024,
  storeWritesPerCall: 1,
  gasPerBuyerEpoch: 200_000,
  homeGasPerReceiptBatch: 300_000,
  paymentsPerReceiptBatch: 100,
  relayPaymentsPerSecond: 100,
  proberCpuMsPerProbe: 2,
  sampleSignatureMs: 3,
  evaluateMsPerHost: 60,
};
const constants: Constants = {
  lambdaUsdPerGbSecond: 0.00001,
  lambdaUsdPerMillionRequests: 0.2,
  lambdaConcurrency: 1_000,
  dynamoUsdPerMillionWrites: 1,
  partitionWcu: 1_000,
  hostLatencyMs: 990,
  epochSeconds: 3_600,
  probers: 5,
  probesPerHostPerEpoch: 60,
  evaluateTimeoutSeconds: 120,
  relayDrainTargetSeconds: 100,
  chains: [
    { name: "home", perHour: 1e12, source: "test" },
    { name: "small", perHour: 1e9, source: "test" },
  ],
  homeChain: "home",
};

describe("project (the scale model's arithmetic)", () => {
  const p = project(
    { name: "S", models: 1_000, buyers: 100_000, callsPerHour: 3_600_000, hottestModelShare: 0.1 },
    unit,
    constants,
  );

  it("gateway: Little's law for concurrency, GB-seconds and price per hour", () => {
    expect(p.callsPerSecond).toBe(1_000);
    // 1,000 calls/s x (10 + 990) ms = 1,000 in flight; 3.6M calls x 1 s x 1 GB.
    expect(p.gateway.concurrency).toBeCloseTo(1_000);
    expect(p.gateway.gbSecondsPerHour).toBeCloseTo(3_600_000);
    expect(p.gateway.usdPerHour).toBeCloseTo(36 + 0.72);
  });

  it("DynamoDB: writes per second, the hottest model's partition, price", () => {
    expect(p.dynamo.writesPerSecond).toBeCloseTo(1_000);
    expect(p.dynamo.hottestPartitionWcu).toBeCloseTo(100);
    expect(p.dynamo.usdPerHour).toBeCloseTo(3.6);
  });

  it("relay and gas: one buyer-epoch per buyer per hour, batches of 100, the drain at the epoch's end", () => {
    expect(p.buyerEpochsPerHour).toBe(100_000);
    expect(p.relay.receiptBatchesPerHour).toBe(1_000);
    expect(p.relay.queueDepthAtEpochEnd).toBe(100_000);
    // 100,000 receipts / (100/s per worker x 100 s) = 10 workers.
    expect(p.relay.workersToDrain).toBeCloseTo(10);
    expect(p.gas.paymentChainPerHour).toBe(2e10);
    expect(p.gas.homeChainPerHour).toBe(3e8);
  });

  it("probers and the evaluator: per-sample signatures checked once each per epoch", () => {
    expect(p.prober.probesPerHour).toBe(300_000);
    expect(p.prober.cpuCores).toBeCloseTo(600 / 3_600);
    expect(p.evaluator.signatureChecksPerEpoch).toBe(300_000);
    expect(p.evaluator.cpuSeconds).toBeCloseTo(900);
    // 1,000 hosts x 60 ms = 60 s of evaluateEpoch: half the 120 s timeout.
    expect(p.evaluator.evaluateSeconds).toBeCloseTo(60);
    expect(p.pressures.find((x) => x.resource.startsWith("evaluator: evaluateEpoch"))?.use).toBeCloseTo(0.5);
  });

  it("cost per million calls and the first bottleneck (the highest use)", () => {
    expect(p.usdPerMillionCalls).toBeCloseTo((36.72 + 3.6) / 3.6);
    // gas on "small": 2e10 / 1e9 = 20x; the evaluator 900 / 120 = 7.5x; concurrency 1x.
    expect(p.firstBottleneck.resource).toBe("gas on small (all payments on it)");
    expect(p.firstBottleneck.use).toBeCloseTo(20);
    expect(p.pressures.find((x) => x.resource.startsWith("evaluator: per-sample"))?.use).toBeCloseTo(7.5);
  });

  it("never counts more buyer-epochs than calls", () => {
    const few = project(
      { name: "few calls", models: 10, buyers: 1e6, callsPerHour: 1_000, hottestModelShare: 1 },
      unit,
      constants,
    );
    expect(few.buyerEpochsPerHour).toBe(1_000);
  });
});
