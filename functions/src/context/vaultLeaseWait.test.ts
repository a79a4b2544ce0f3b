import { type Job, jobIds, type SettlementState, type SettlementTarget, SOLANA_CHAIN_ID } from "@slabridge/core";
import { RelayEngine } from "@slabridge/relay";
import { createSettlementWorkers } from "@slabridge/settlement";
import { VaultSendInFlightError } from "@slabridge/solana";
import { MemoryJobStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { waitOnVaultLease } from "./vaultLeaseWait.ts";

const GUARD_MS = 90_000; // the Solana vault send lease's in-flight guard

/**
 * A Solana vault whose send lease a slow refund holds for the guard: until then every vault send backs off with
 * VaultSendInFlightError, as withVaultSendLease does; afterwards the refunds are done and the release goes through.
 */
class SlowRefundVault implements SettlementTarget {
  readonly chainId = SOLANA_CHAIN_ID;
  released = false;
  constructor(
    private readonly clock: { now(): number },
    private readonly leaseFreeAt: number,
  ) {}
  async state(): Promise<SettlementState> {
    const refundsDone = this.clock.now() >= this.leaseFreeAt;
    return { verdictApplied: true, refundsDone, released: this.released };
  }
  async refundNext(): Promise<{ transaction: string }> {
    throw new VaultSendInFlightError("a send for model 2 epoch 7 is in flight");
  }
  async release(): Promise<{ transaction: string }> {
    if (this.clock.now() < this.leaseFreeAt)
      throw new VaultSendInFlightError("a send for model 2 epoch 7 is in flight");
    this.released = true;
    return { transaction: "release-signature" };
  }
}

describe("a settle job behind a slow refund holding the Solana vault's send lease", () => {
  it("waits for the lease without spending attempts, and is not dead-lettered: it releases once the lease is free", async () => {
    let now = 1_700_000_000_000;
    const clock = { now: () => now };
    const vault = new SlowRefundVault(clock, now + GUARD_MS);
    const jobs = new MemoryJobStore({ clock });
    const engine = new RelayEngine({
      jobs,
      transports: {},
      receiptSources: new Map(),
      enqueue: async () => {},
      clock,
      // The devnet's schedule: six attempts within seconds, far inside the lease's 90 s guard.
      retry: { tiersMs: [200, 1_000, 5_000], maxAttempts: 6, jitter: 0 },
      maxPaymentsPerBatch: 10,
      workers: createSettlementWorkers({
        settlementTargets: new Map([[SOLANA_CHAIN_ID, waitOnVaultLease(vault, clock)]]),
        clock,
      }),
    });
    const ref = { chainId: SOLANA_CHAIN_ID, modelId: 2n, epoch: 7n };
    const job: Job = {
      id: jobIds.settle(ref),
      kind: "settle",
      status: "observed",
      version: 1,
      source: { chainId: SOLANA_CHAIN_ID, transaction: "sweep", block: 0n, blockHash: "sweep", index: 0 },
      destinationChainId: SOLANA_CHAIN_ID,
      transport: "wormhole",
      payload: "0x",
      epochRef: { modelId: ref.modelId, epoch: ref.epoch },
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    };
    await engine.ingest(job);

    // The retry schedule and the queue: process, then come back when the job says it may go on.
    for (let round = 0; round < 500; round++) {
      const outcome = await engine.process(job.id);
      if (outcome.result === "confirmed" || outcome.result === "dead-lettered") break;
      const current = await jobs.get(job.id);
      now = current?.status === "failed" ? Math.max(now + 1, current.nextAttemptAt) : now + 1_000;
    }
    const final = await jobs.get(job.id);
    expect(final?.status).toBe("confirmed");
    expect(final?.attempts).toBe(0); // waiting on the lease was never a failed attempt
    expect(vault.released).toBe(true);
    expect(now).toBeGreaterThanOrEqual(1_700_000_000_000 + GUARD_MS);
  });
});
