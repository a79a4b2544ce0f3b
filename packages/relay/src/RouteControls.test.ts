import { DEFAULT_RETRY_POLICY, encodeMessage, type Job, type MessageRef, type Transport } from "@slabridge/core";
import { MemoryCursorStore, MemoryJobStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { RelayEngine } from "./RelayEngine.ts";
import { InvalidRouteControlError, RouteControls } from "./RouteControls.ts";

const HOME = 31_338;
const PAYMENT = 31_337;
const HOUR = 3_600_000;

/** A destination that counts every delivery. */
class CountingTransport implements Transport {
  readonly name = "layerzero" as const;
  readonly delivered: string[] = [];
  async quote() {
    return { nativeFee: 0n };
  }
  async messagesIn(): Promise<MessageRef[]> {
    return [];
  }
  async status(ref: MessageRef) {
    return this.delivered.includes(ref.messageId) ? ("delivered" as const) : ("deliverable" as const);
  }
  async deliver(ref: MessageRef) {
    this.delivered.push(ref.messageId);
    return { transactions: [`0xtx-${ref.messageId}`], status: "delivered" as const };
  }
}

function setup(maxValuePerHour?: bigint) {
  let now = 10 * HOUR + 1_000;
  const clock = { now: () => now };
  const jobs = new MemoryJobStore({ clock });
  const controls = new RouteControls({
    records: new MemoryCursorStore(),
    clock,
    chains: [PAYMENT, HOME],
    routes: [{ source: PAYMENT, destination: HOME, maxValuePerHour }],
    models: [2n],
    pausePollMs: 30_000,
  });
  const transport = new CountingTransport();
  const engine = new RelayEngine({
    jobs,
    transports: { layerzero: transport },
    receiptSources: new Map(),
    enqueue: async () => {},
    clock,
    retry: { ...DEFAULT_RETRY_POLICY, tiersMs: [1_000], maxAttempts: 3 },
    maxPaymentsPerBatch: 100,
    controls,
  });
  const advance = (ms: number) => {
    now += ms;
  };
  return { jobs, controls, transport, engine, advance, clock };
}

/** A ReceiptBatch message from the payment chain to home, moving `total`. */
function batchJob(id: string, total: bigint): Job {
  const payload = encodeMessage({
    kind: "ReceiptBatch",
    modelId: 2n,
    epoch: 7n,
    paymentChain: PAYMENT,
    batchIndex: 0,
    count: 1,
    total,
    paymentsRoot: `0x${"11".repeat(32)}`,
    finalBatch: true,
  });
  return {
    id: `deliver-message:lz:${id}`,
    kind: "deliver-message",
    status: "observed",
    version: 1,
    source: { chainId: PAYMENT, transaction: "0xsrc", block: 1n, blockHash: "0xh", index: 0 },
    destinationChainId: HOME,
    transport: "layerzero",
    payload,
    messageRef: { transport: "layerzero", messageId: id, sourceChainId: PAYMENT, sourceTransaction: "0xsrc" },
    attempts: 0,
    createdAt: 1,
    updatedAt: 1,
  };
}

describe("RouteControls in the relay engine (kill switch and rate limits)", () => {
  it("a paused route sends nothing and its job waits with the pause's reason, no attempt spent; resumed, it goes", async () => {
    const { jobs, controls, transport, engine, advance } = setup();
    await controls.pause({ kind: "route", source: PAYMENT, destination: HOME }, "home registry upgrade");
    expect(await controls.paused()).toEqual([
      { scope: `route:${PAYMENT}-${HOME}`, reason: "home registry upgrade", pausedAt: expect.any(String) },
    ]);
    const job = batchJob("a", 5n);
    await engine.ingest(job);
    expect((await engine.process(job.id)).result).toBe("waiting");
    expect(transport.delivered).toEqual([]);
    const held = await jobs.get(job.id);
    expect(held).toMatchObject({ status: "failed", attempts: 0 });
    expect(held?.status === "failed" && held.reason).toBe(
      `not ready: route ${PAYMENT}->${HOME} is paused: home registry upgrade`,
    );

    // Still paused when it asks again: still nothing sent, still no attempt spent.
    advance(30_000);
    expect((await engine.process(job.id)).result).toBe("waiting");
    expect((await jobs.get(job.id))?.attempts).toBe(0);

    await controls.resume({ kind: "route", source: PAYMENT, destination: HOME });
    expect(await controls.paused()).toEqual([]);
    advance(30_000);
    expect((await engine.process(job.id)).result).toBe("confirmed");
    expect(transport.delivered).toEqual(["a"]);
  });

  it("a paused chain holds every job sending on it (deliveries to it, refunds and settles on it)", async () => {
    const { jobs, controls, transport, engine } = setup();
    await controls.pause({ kind: "chain", chainId: HOME }, "RPC provider incident");
    const job = batchJob("b", 5n);
    await engine.ingest(job);
    expect((await engine.process(job.id)).result).toBe("waiting");
    const held = await jobs.get(job.id);
    expect(held?.status === "failed" && held.reason).toBe(`not ready: chain ${HOME} is paused: RPC provider incident`);
    expect(transport.delivered).toEqual([]);
  });

  it("refuses a pause without a reason or of a chain or route the stage does not have, writing nothing", async () => {
    const { controls } = setup();
    await expect(controls.pause({ kind: "chain", chainId: HOME }, "  ")).rejects.toThrow(InvalidRouteControlError);
    await expect(controls.pause({ kind: "chain", chainId: 1 }, "x")).rejects.toThrow(InvalidRouteControlError);
    await expect(controls.pause({ kind: "route", source: HOME, destination: PAYMENT }, "x")).rejects.toThrow(
      InvalidRouteControlError,
    );
    expect(await controls.paused()).toEqual([]);
  });

  it("pauses a model's sales with a reason (listed with the rest), lifts it, and refuses a model the deployment lacks", async () => {
    const { controls } = setup();
    expect(await controls.modelPause(2n)).toBeUndefined();
    await controls.pause({ kind: "model", modelId: 2n }, "host under investigation");
    expect(await controls.modelPause(2n)).toMatchObject({ reason: "host under investigation" });
    expect((await controls.paused()).map((p) => p.scope)).toEqual(["model:2"]);
    await expect(controls.pause({ kind: "model", modelId: 3n }, "x")).rejects.toThrow(InvalidRouteControlError);
    await controls.resume({ kind: "model", modelId: 2n });
    expect(await controls.modelPause(2n)).toBeUndefined();
    expect(await controls.paused()).toEqual([]);
  });

  it("over the route's value per hour a message waits (not fails) for the next hour, counted once however retried", async () => {
    const { jobs, transport, engine, advance, clock } = setup(100n);
    const first = batchJob("c1", 60n);
    const second = batchJob("c2", 50n);
    const third = batchJob("c3", 40n);
    for (const job of [first, second, third]) await engine.ingest(job);
    expect((await engine.process(first.id)).result).toBe("confirmed");
    expect((await engine.process(second.id)).result).toBe("waiting"); // 60 + 50 > 100
    expect((await engine.process(third.id)).result).toBe("confirmed"); // 60 + 40 = 100
    expect(transport.delivered).toEqual(["c1", "c3"]);

    const waiting = await jobs.get(second.id);
    const nextHour = (Math.floor(clock.now() / HOUR) + 1) * HOUR;
    expect(waiting).toMatchObject({ status: "failed", attempts: 0, nextAttemptAt: nextHour });
    expect(waiting?.status === "failed" && waiting.reason).toMatch(
      new RegExp(`^not ready: route ${PAYMENT}->${HOME} is at its limit of 100 per hour \\(60 sent this hour\\)`),
    );
    advance(nextHour - clock.now());
    expect((await engine.process(second.id)).result).toBe("confirmed");
    expect(transport.delivered).toEqual(["c1", "c3", "c2"]);
  });
});
