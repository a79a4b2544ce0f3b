import type { ReceiptProgress, ReceiptSource } from "@slabridge/core";
import {
  AlreadyDoneAtDestinationError,
  ClaimHeldError,
  DEFAULT_RETRY_POLICY,
  type DeliveryStatus,
  type Job,
  type JobRun,
  type JobWorkers,
  type MessageRef,
  NotReadyError,
  SlabridgeError,
  type Transport,
} from "@slabridge/core";
import { MemoryJobStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { MalformedQueueMessageError, parseRelayQueueMessage } from "./queueMessage.ts";
import { RelayEngine } from "./RelayEngine.ts";

class FakeClock {
  ms = 1_000_000;
  now = () => this.ms;
}

/** A destination chain seen through a transport, with faults to inject. */
class FakeTransport implements Transport {
  readonly name = "layerzero" as const;
  readonly delivered = new Map<string, number>(); // messageId -> times executed on "chain"
  failNext: Array<() => never> = [];
  refuse = false;
  async quote() {
    return { nativeFee: 0n };
  }
  async messagesIn(): Promise<MessageRef[]> {
    return [];
  }
  async status(ref: MessageRef): Promise<DeliveryStatus> {
    if (this.refuse) return "failed";
    return this.delivered.has(ref.messageId) ? "delivered" : "deliverable";
  }
  async deliver(ref: MessageRef) {
    const fault = this.failNext.shift();
    if (this.delivered.has(ref.messageId)) return { transactions: [], status: "delivered" as const };
    // Like the chain: a second execution of the same message would be refused; count to prove it never happens.
    this.delivered.set(ref.messageId, (this.delivered.get(ref.messageId) ?? 0) + 1);
    if (fault) fault(); // the process "dies" after the transaction landed, before anything is recorded
    return { transactions: [`0xtx-${ref.messageId}`], status: "delivered" as const };
  }
}

/** An escrow-like receipt source: an on-chain cursor makes each batch go out once. */
class FakeReceiptSource implements ReceiptSource {
  readonly chainId = 31_337;
  cursor = 0;
  batches: number[] = [];
  crashAfterBatch: number | undefined;
  constructor(
    readonly payments: number,
    readonly clock: FakeClock,
    readonly epochEndsAt: number,
  ) {}
  async progress(): Promise<ReceiptProgress> {
    const epochOver = this.clock.now() >= this.epochEndsAt;
    return {
      epochOver,
      epochEndsAt: this.epochEndsAt,
      relayedAll: epochOver && this.cursor >= this.payments && this.batches.length > 0,
    };
  }
  async relayNextBatch(_m: bigint, _e: bigint, _t: string, maxPayments: number) {
    const size = Math.min(maxPayments, this.payments - this.cursor);
    this.cursor += size;
    this.batches.push(size);
    if (this.crashAfterBatch === this.batches.length) {
      this.crashAfterBatch = undefined;
      throw new Error("process killed after sending a batch");
    }
    return { transaction: `0xbatch${this.batches.length}` };
  }
}

function setup(options: { payments?: number; epochEndsAt?: number; workers?: JobWorkers; handBack?: boolean } = {}) {
  const clock = new FakeClock();
  const jobs = new MemoryJobStore({ clock });
  const transport = new FakeTransport();
  const source = new FakeReceiptSource(options.payments ?? 250, clock, options.epochEndsAt ?? 0);
  const queued: string[] = [];
  const delayed: Array<{ jobId: string; delaySeconds: number }> = [];
  const engine = new RelayEngine({
    jobs,
    transports: { layerzero: transport },
    receiptSources: new Map([[source.chainId, source]]),
    enqueue: async (id) => {
      queued.push(id);
    },
    clock,
    retry: { ...DEFAULT_RETRY_POLICY, tiersMs: [1_000, 10_000], maxAttempts: 3 },
    maxPaymentsPerBatch: 100,
    random: () => 0.5,
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.handBack
      ? {
          enqueueAfter: async (jobId: string, delaySeconds: number) => {
            delayed.push({ jobId, delaySeconds });
          },
        }
      : {}),
  });
  return { clock, jobs, transport, source, queued, delayed, engine };
}

function deliverJob(id = "guid-1"): Job {
  return {
    id: `deliver-message:lz:${id}`,
    kind: "deliver-message",
    status: "observed",
    version: 1,
    source: { chainId: 31_338, transaction: "0xsrc", block: 10n, blockHash: "0xhash", index: 0 },
    destinationChainId: 31_337,
    transport: "layerzero",
    payload: "0x01",
    messageRef: { transport: "layerzero", messageId: id, sourceChainId: 31_338, sourceTransaction: "0xsrc" },
    attempts: 0,
    createdAt: 1,
    updatedAt: 1,
  };
}

function receiptsJob(): Job {
  return {
    ...deliverJob(),
    id: "relay-receipts:31337:1:7",
    kind: "relay-receipts",
    source: { chainId: 31_337, transaction: "0xlastpaid", block: 5n, blockHash: "0xh5", index: 3 },
    destinationChainId: 31_338,
    epochRef: { modelId: 1n, epoch: 7n },
  } as Job;
}

describe("RelayEngine", () => {
  it("hands a job parked until its epoch ends back to the queue for that time, once per parking", async () => {
    const { engine, delayed, clock, source } = setup({ payments: 10, epochEndsAt: 1_000_000 + 4_200, handBack: true });
    await engine.ingest(receiptsJob());
    expect((await engine.process("relay-receipts:31337:1:7")).result).toBe("waiting");
    // 4.2 s to the epoch's end: due in 5 whole seconds, never early.
    expect(delayed).toEqual([{ jobId: "relay-receipts:31337:1:7", delaySeconds: 5 }]);
    // A duplicate message before it is due changes nothing and makes no second message.
    expect((await engine.process("relay-receipts:31337:1:7")).result).toBe("waiting");
    expect(delayed).toHaveLength(1);
    clock.ms += 5_000;
    expect((await engine.process("relay-receipts:31337:1:7")).result).toBe("confirmed");
    expect(source.batches).toEqual([10]);
    expect(delayed).toHaveLength(1);
  });

  it("hands a failed job back for the end of its backoff; beyond the queue's 15 minutes it leaves it to the sweep", async () => {
    const { engine, transport, delayed } = setup({ handBack: true });
    transport.deliver = async () => {
      throw new SlabridgeError("RPC unavailable", { retryable: true });
    };
    await engine.ingest(deliverJob());
    expect((await engine.process("deliver-message:lz:guid-1")).result).toBe("failed");
    // The first tier (1 s, jitter at its midpoint) from the policy of setup().
    expect(delayed).toEqual([{ jobId: "deliver-message:lz:guid-1", delaySeconds: 1 }]);

    const parkedLong = setup({ payments: 1, epochEndsAt: 1_000_000 + 3_600_000, handBack: true });
    await parkedLong.engine.ingest(receiptsJob());
    expect((await parkedLong.engine.process("relay-receipts:31337:1:7")).result).toBe("waiting");
    expect(parkedLong.delayed).toEqual([]);
  });

  it("a receipts job whose last batch a second worker sent first confirms instead of failing on the refusal", async () => {
    const { engine, source, jobs } = setup({ payments: 10 });
    await engine.ingest(receiptsJob());
    const relay = source.relayNextBatch.bind(source);
    // The other worker's batch lands between our progress read and our send; the source then refuses ours.
    source.relayNextBatch = async (...args) => {
      await relay(...args);
      throw new SlabridgeError("NothingToRelay(7)", { retryable: false });
    };
    expect((await engine.process("relay-receipts:31337:1:7")).result).toBe("confirmed");
    expect(source.batches).toEqual([10]);
    expect((await jobs.get("relay-receipts:31337:1:7"))?.status).toBe("confirmed");
  });

  it("a job that keeps coming back ready by our clock but not by its chain's is looked at again a second later", async () => {
    const { engine, delayed, source, clock } = setup({ payments: 1, epochEndsAt: 1_000_000, handBack: true });
    // The chain's clock is behind: the epoch is not over there, though its end is past by ours.
    let reads = 0;
    source.progress = async () => {
      reads++;
      return { epochOver: false, epochEndsAt: clock.now() - 1, relayedAll: false };
    };
    await engine.ingest(receiptsJob());
    expect((await engine.process("relay-receipts:31337:1:7")).result).toBe("waiting");
    expect(delayed).toEqual([{ jobId: "relay-receipts:31337:1:7", delaySeconds: 1 }]);
    // Two looks, not the whole step budget of reads and writes.
    expect(reads).toBe(2);
  });

  it("without a hand-back, out of steps with such a job it leaves it to the retry schedule", async () => {
    const { engine, source, clock, jobs } = setup({ payments: 1, epochEndsAt: 1_000_000 });
    source.progress = async () => ({ epochOver: false, epochEndsAt: clock.now() - 1, relayedAll: false });
    await engine.ingest(receiptsJob());
    expect((await engine.process("relay-receipts:31337:1:7")).result).toBe("waiting");
    expect((await jobs.get("relay-receipts:31337:1:7"))?.status).toBe("failed");
  });

  it("stores a duplicate observation once and queues it once", async () => {
    const { engine, queued, jobs } = setup();
    expect(await engine.ingest(deliverJob())).toBe("created");
    expect(await engine.ingest(deliverJob())).toBe("exists");
    expect(queued).toEqual(["deliver-message:lz:guid-1"]);
    expect((await jobs.get("deliver-message:lz:guid-1"))?.status).toBe("observed");
  });

  it("delivers a message and confirms the job", async () => {
    const { engine, transport } = setup();
    await engine.ingest(deliverJob());
    const outcome = await engine.process("deliver-message:lz:guid-1");
    expect(outcome.result).toBe("confirmed");
    expect(transport.delivered.get("guid-1")).toBe(1);
  });

  it("killed after the submit landed and before it was recorded: the retry finds it delivered, exactly once", async () => {
    const { engine, transport, clock } = setup();
    transport.failNext.push(() => {
      throw new Error("process killed");
    });
    await engine.ingest(deliverJob());
    const first = await engine.process("deliver-message:lz:guid-1");
    expect(first.result).toBe("failed");
    clock.ms += 1_000;
    const second = await engine.process("deliver-message:lz:guid-1");
    expect(second.result).toBe("confirmed");
    if (second.result === "confirmed" && second.job.status === "confirmed") expect(second.job.alreadyDone).toBe(true);
    expect(transport.delivered.get("guid-1")).toBe(1);
  });

  it("processes duplicate queue deliveries concurrently without a second delivery", async () => {
    const { engine, transport, jobs } = setup();
    await engine.ingest(deliverJob());
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => engine.process("deliver-message:lz:guid-1")));
    expect(outcomes.some((o) => o.result === "confirmed")).toBe(true);
    expect(transport.delivered.get("guid-1")).toBe(1);
    expect((await jobs.get("deliver-message:lz:guid-1"))?.status).toBe("confirmed");
  });

  it("backs off on retryable errors, dead-letters with the reason after the limit, and the operator can retry", async () => {
    const { engine, transport, clock, queued } = setup();
    const rpcDown = () => {
      throw new SlabridgeError("RPC unavailable", { retryable: true });
    };
    transport.failNext.push(rpcDown, rpcDown, rpcDown);
    transport.deliver = async () => {
      const fault = transport.failNext.shift();
      if (fault) fault();
      return { transactions: ["0xtx"], status: "delivered" };
    };
    await engine.ingest(deliverJob());
    expect((await engine.process("deliver-message:lz:guid-1")).result).toBe("failed");
    expect((await engine.process("deliver-message:lz:guid-1")).result).toBe("waiting"); // backoff not elapsed
    clock.ms += 1_000;
    expect(await engine.retryDue()).toEqual(["deliver-message:lz:guid-1"]);
    expect((await engine.process("deliver-message:lz:guid-1")).result).toBe("failed");
    clock.ms += 10_000;
    const last = await engine.process("deliver-message:lz:guid-1");
    expect(last.result).toBe("dead-lettered");
    if (last.result === "dead-lettered" && last.job.status === "dead-lettered") {
      expect(last.job.reason).toContain("RPC unavailable");
      expect(last.job.attempts).toBe(3);
    }
    expect(await engine.retryDeadLettered("deliver-message:lz:guid-1")).toBe(true);
    expect(queued.at(-1)).toBe("deliver-message:lz:guid-1");
    expect((await engine.process("deliver-message:lz:guid-1")).result).toBe("confirmed");
  });

  it("confirms a message the destination refuses as already done (a racing worker published the payout twice)", async () => {
    const { engine, transport, jobs } = setup();
    transport.deliver = async (ref: MessageRef) => {
      throw new AlreadyDoneAtDestinationError(ref.messageId, 31_337, "PayoutAlreadyPaid");
    };
    await engine.ingest(deliverJob());
    const outcome = await engine.process("deliver-message:lz:guid-1");
    expect(outcome.result).toBe("confirmed");
    expect(await jobs.get("deliver-message:lz:guid-1")).toMatchObject({ status: "confirmed", alreadyDone: true });
    expect(await jobs.listByStatus("dead-lettered")).toEqual([]);
  });

  it("dead-letters at once when the destination refuses the message", async () => {
    const { engine, transport } = setup();
    transport.refuse = true;
    await engine.ingest(deliverJob());
    const outcome = await engine.process("deliver-message:lz:guid-1");
    expect(outcome.result).toBe("dead-lettered");
    expect(transport.delivered.size).toBe(0);
  });

  it("relays an epoch's receipts in batches once the epoch is over, resuming after a crash without a duplicate", async () => {
    const { engine, source, clock } = setup({ payments: 250, epochEndsAt: 2_000_000 });
    await engine.ingest(receiptsJob());
    const early = await engine.process("relay-receipts:31337:1:7");
    expect(early.result).toBe("waiting");
    if (early.result === "waiting") expect(early.job.attempts).toBe(0); // not ready is not an attempt
    clock.ms = 2_000_000;
    source.crashAfterBatch = 2;
    expect(await engine.retryDue()).toEqual(["relay-receipts:31337:1:7"]);
    expect((await engine.process("relay-receipts:31337:1:7")).result).toBe("failed");
    clock.ms += 1_000;
    expect((await engine.process("relay-receipts:31337:1:7")).result).toBe("confirmed");
    expect(source.batches).toEqual([100, 100, 50]);
  });

  it("queues again a job whose queue message was lost (crash between storing and queueing)", async () => {
    const { engine, jobs, queued, clock, transport } = setup();
    await jobs.create({ ...deliverJob(), createdAt: clock.ms, updatedAt: clock.ms }); // stored, never queued
    expect(await engine.retryDue()).toEqual([]); // not stuck yet
    clock.ms += 300_001;
    expect(await engine.retryDue()).toEqual(["deliver-message:lz:guid-1"]);
    expect(queued).toEqual(["deliver-message:lz:guid-1"]);
    expect((await engine.process("deliver-message:lz:guid-1")).result).toBe("confirmed");
    expect(transport.delivered.get("guid-1")).toBe(1);
  });

  it("dispatches refund and settle jobs to their workers; dead-letters a kind without one", async () => {
    const settleJob = { ...receiptsJob(), id: "settle:31337:1:7", kind: "settle" } as Job;
    const refundJob = { ...receiptsJob(), id: "refund:31337:1:7", kind: "refund" } as Job;
    const runs: string[] = [];
    const { engine, jobs, clock } = setup({
      workers: {
        settle: {
          run: async (run: JobRun) => {
            runs.push(run.job.status);
            if (run.job.status === "submitted") throw new ClaimHeldError(run.job.id, clock.ms + 1);
            const claimed = await run.claimPayouts({ claimedAt: clock.ms });
            expect(claimed).toMatchObject({ status: "submitted", payoutClaim: { claimedAt: clock.ms } });
            expect(await jobs.get(run.job.id)).toEqual(claimed);
            throw new NotReadyError("crashed mid-publish", clock.ms + 10);
          },
        },
      },
    });
    await engine.ingest(settleJob);
    const parked = await engine.process(settleJob.id);
    // Failures after a claim are recorded on the claimed job; not ready is not an attempt.
    expect(parked).toMatchObject({ result: "waiting", job: { status: "failed", attempts: 0 } });
    expect(runs).toEqual(["finalized"]);

    await engine.ingest(refundJob);
    const dead = await engine.process(refundJob.id);
    expect(dead).toMatchObject({
      result: "dead-lettered",
      job: { reason: expect.stringContaining("MissingWorkerError") },
    });
  });

  it("leaves a job whose claim another worker holds untouched, and confirms through the worker", async () => {
    const settleJob = { ...receiptsJob(), id: "settle:31337:1:8", kind: "settle" } as Job;
    let holder: JobRun | undefined;
    const { engine, jobs, clock } = setup({
      workers: {
        settle: {
          run: async (run: JobRun) => {
            if (run.job.status === "submitted") throw new ClaimHeldError(run.job.id, clock.ms + 1);
            holder = run;
            await run.claimPayouts({ claimedAt: clock.ms, release: "0xrelease" });
          },
        },
      },
    });
    await engine.ingest(settleJob);
    const waiting = await engine.process(settleJob.id);
    expect(waiting).toMatchObject({ result: "waiting", job: { status: "submitted" } });
    const before = await jobs.get(settleJob.id);
    expect(before).toMatchObject({ payoutClaim: { claimedAt: clock.ms, release: "0xrelease" } });
    expect((await engine.process(settleJob.id)).result).toBe("waiting");
    expect(await jobs.get(settleJob.id)).toEqual(before); // nothing written while the claim holds
    await holder?.confirm("0xpublish", false);
    expect(await jobs.get(settleJob.id)).toMatchObject({ status: "confirmed", destinationTransaction: "0xpublish" });
  });

  it("reports an unknown job without creating anything", async () => {
    const { engine, jobs } = setup();
    expect((await engine.process("deliver-message:lz:nope")).result).toBe("unknown-job");
    expect(await jobs.get("deliver-message:lz:nope")).toBeUndefined();
  });
});

describe("parseRelayQueueMessage", () => {
  it("accepts a job id and rejects malformed bodies with a typed error", () => {
    expect(parseRelayQueueMessage('{"jobId":"deliver-message:lz:0xabc"}').jobId).toBe("deliver-message:lz:0xabc");
    for (const body of ["", "not json", "{}", '{"jobId":42}', '{"jobId":"../../etc"}', "[]"]) {
      expect(() => parseRelayQueueMessage(body)).toThrow(MalformedQueueMessageError);
    }
  });
});
