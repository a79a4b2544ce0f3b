import {
  type CursorStore,
  IllegalTransitionError,
  type Job,
  type JobBase,
  type JobStatus,
  type JobStore,
  LEGAL_TRANSITIONS,
  MAX_UINT256,
  type NonceStore,
  type PaymentStore,
  type SendLease,
  type SendLeaseStore,
  type SubmittedJob,
} from "@slabridge/core";
import { beforeEach, describe, expect, it } from "vitest";
import { ConflictingRecordError } from "../errors/ConflictingRecordError.ts";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { jobItem } from "../items/jobItem.ts";
import { paymentItem } from "../items/paymentItem.ts";
import { fixtures } from "./fixtures.ts";

/**
 * Fresh, empty stores of one backend, plus a way to plant raw items (as a bad writer would) in each table.
 *
 * @example const harness: StoreHarness = { ...createMemoryStores(), putRaw: async () => {} };
 */
export interface StoreHarness {
  jobs: JobStore;
  cursors: CursorStore;
  nonces: NonceStore;
  payments: PaymentStore;
  leases: SendLeaseStore;
  /** "leases" is the table the lease store keeps its items in (the Cursors table in DynamoDB). */
  putRaw(table: "jobs" | "cursors" | "nonces" | "payments" | "leases", item: Record<string, unknown>): Promise<void>;
}

const STATUSES = Object.keys(LEGAL_TRANSITIONS) as JobStatus[];

/** `job` moved one step to `status`, version + 1, with the new status's fields only. */
function stepped(job: Job, status: JobStatus, fields: Partial<JobBase> = {}): Job {
  const { kind, source, destinationChainId, transport, payload, attempts, createdAt } = job;
  const base = { kind, source, destinationChainId, transport, payload, attempts, createdAt };
  return fixtures.job(status, job.id, { ...base, version: job.version + 1, updatedAt: job.updatedAt + 1, ...fields });
}

/**
 * The store contract every backend must meet, run against the memory and the DynamoDB stores alike so the memory
 * twins used by unit tests cannot drift from production behaviour.
 *
 * @example describeStoreContract("memory", async () => ({ ...createMemoryStores(), putRaw: ... }));
 */
export function describeStoreContract(backend: string, fresh: () => Promise<StoreHarness>): void {
  let h: StoreHarness;
  beforeEach(async () => {
    h = await fresh();
  });

  describe(`${backend} JobStore`, () => {
    it("creates once: a second create of the same id is 'exists' and changes nothing", async () => {
      const job = fixtures.job("observed", "refund:31337:1:1");
      expect(await h.jobs.create(job)).toBe("created");
      expect(await h.jobs.create({ ...job, attempts: 9, payload: "0xff" })).toBe("exists");
      expect(await h.jobs.get(job.id)).toEqual(job);
      expect(await h.jobs.get("refund:31337:1:404")).toBeUndefined();
    });

    it("takes every legal step", async () => {
      for (const from of STATUSES) {
        for (const to of LEGAL_TRANSITIONS[from]) {
          const job = fixtures.job(from, `legal:${from}:${to}`, { version: 3 });
          await h.jobs.create(job);
          const next = stepped(job, to);
          expect(await h.jobs.transition(job, next), `${from} -> ${to}`).toBe(true);
          expect(await h.jobs.get(job.id)).toEqual(next);
        }
      }
    });

    it("refuses every illegal step with IllegalTransitionError and changes nothing", async () => {
      let checked = 0;
      for (const from of STATUSES) {
        for (const to of STATUSES.filter((s) => !LEGAL_TRANSITIONS[from].includes(s))) {
          const job = fixtures.job(from, `illegal:${from}:${to}`);
          await h.jobs.create(job);
          await expect(h.jobs.transition(job, stepped(job, to)), `${from} -> ${to}`).rejects.toBeInstanceOf(
            IllegalTransitionError,
          );
          expect(await h.jobs.get(job.id)).toEqual(job);
          checked++;
        }
      }
      expect(checked).toBe(36 - 11); // 6 x 6 pairs minus the 11 legal steps (confirmed -> finalized re-arms a job)
    });

    it("returns false for a stale version or status, or a missing job, and changes nothing", async () => {
      const job = fixtures.job("observed", "stale:1");
      await h.jobs.create(job);
      const finalized = stepped(job, "finalized");
      expect(await h.jobs.transition(job, finalized)).toBe(true);
      // A second worker still holding version 1.
      expect(await h.jobs.transition(job, stepped(job, "failed"))).toBe(false);
      // Right status, wrong version.
      const wrongVersion = { ...finalized, version: 7 };
      expect(await h.jobs.transition(wrongVersion, stepped(wrongVersion, "submitted"))).toBe(false);
      expect(await h.jobs.get(job.id)).toEqual(finalized);
      const ghost = fixtures.job("observed", "stale:ghost");
      expect(await h.jobs.transition(ghost, stepped(ghost, "finalized"))).toBe(false);
      expect(await h.jobs.get(ghost.id)).toBeUndefined();
    });

    it("rejects a next version that is not expected + 1, another id, or a changed kind or source", async () => {
      const job = fixtures.job("observed", "rules:1");
      await h.jobs.create(job);
      const bad: Job[] = [
        { ...stepped(job, "finalized"), version: job.version + 2 },
        { ...stepped(job, "finalized"), version: job.version },
        { ...stepped(job, "finalized"), id: "rules:other" },
        { ...stepped(job, "finalized"), kind: "settle" },
        { ...stepped(job, "finalized"), source: { ...job.source, blockHash: `0x${"99".repeat(32)}` } },
        { ...stepped(job, "finalized"), source: { ...job.source, block: job.source.block + 1n } },
      ];
      for (const next of bad) {
        await expect(h.jobs.transition(job, next)).rejects.toBeInstanceOf(InvalidStoreInputError);
        expect(await h.jobs.get(job.id)).toEqual(job);
      }
    });

    it("keeps only the new status's fields when the next job is spread from the previous one", async () => {
      const job = fixtures.job("submitted", "spread:1");
      await h.jobs.create(job);
      const confirmed = stepped(job, "confirmed");
      // What `{ ...submitted, status: "confirmed", ... }` produces at run time: submitted's fields ride along.
      expect(await h.jobs.transition(job, { ...job, ...confirmed })).toBe(true);
      expect(await h.jobs.get(job.id)).toEqual(confirmed);
    });

    it("lets exactly one of many concurrent transitions from the same version win", async () => {
      const job = fixtures.job("finalized", "race:1");
      await h.jobs.create(job);
      const attempts = Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0 ? stepped(job, "submitted", { attempts: i }) : stepped(job, "failed", { attempts: i }),
      );
      const results = await Promise.all(attempts.map((next) => h.jobs.transition(job, next)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await h.jobs.get(job.id)).toEqual(attempts[results.indexOf(true)]);
    });

    it("lists by status oldest update first, with limit and updatedBefore", async () => {
      const times = [50, 10, 40, 20, 30];
      for (const [i, t] of times.entries()) await h.jobs.create(fixtures.job("failed", `list:${i}`, { updatedAt: t }));
      await h.jobs.create(fixtures.job("observed", "list:other", { updatedAt: 1 }));
      const ids = (jobs: Job[]) => jobs.map((j) => j.updatedAt);
      expect(ids(await h.jobs.listByStatus("failed"))).toEqual([10, 20, 30, 40, 50]);
      expect(ids(await h.jobs.listByStatus("failed", { limit: 2 }))).toEqual([10, 20]);
      expect(ids(await h.jobs.listByStatus("failed", { updatedBefore: 40 }))).toEqual([10, 20, 30]);
      expect(ids(await h.jobs.listByStatus("failed", { updatedBefore: 40, limit: 1 }))).toEqual([10]);
      expect(await h.jobs.listByStatus("confirmed")).toEqual([]);
      // A transition moves the job between status lists.
      const oldest = (await h.jobs.listByStatus("failed", { limit: 1 }))[0] as Job;
      await h.jobs.transition(oldest, stepped(oldest, "dead-lettered", { updatedAt: 60 }));
      expect(ids(await h.jobs.listByStatus("failed"))).toEqual([20, 30, 40, 50]);
      expect(ids(await h.jobs.listByStatus("dead-lettered"))).toEqual([60]);
      await expect(h.jobs.listByStatus("failed", { limit: 0 })).rejects.toBeInstanceOf(InvalidStoreInputError);
    });

    it("round-trips bigints up to uint256 max and every optional field", async () => {
      const refs = {
        epochRef: { modelId: MAX_UINT256, epoch: MAX_UINT256 - 1n },
        messageRef: { transport: "wormhole", messageId: "2/00ab/7", sourceChainId: 31338, sourceTransaction: "0x01" },
      };
      const jobs: Job[] = [
        fixtures.job("observed", "big:1", { source: { ...fixtures.job("observed", "x").source, block: MAX_UINT256 } }),
        { ...fixtures.job("observed", "big:refs"), ...refs } as Job,
        { ...(fixtures.job("finalized", "big:2") as Job & { status: "finalized" }), notBefore: 123 },
        { ...(fixtures.job("submitted", "big:3") as Job & { status: "submitted" }), nonce: 0 },
        fixtures.job("confirmed", "big:4"),
        fixtures.job("failed", "big:5"),
        fixtures.job("dead-lettered", "big:6"),
      ];
      for (const job of jobs) {
        await h.jobs.create(job);
        const read = await h.jobs.get(job.id);
        expect(read).toEqual(job);
        expect(typeof read?.source.block).toBe("bigint");
      }
    });

    it("round-trips a settle job's payout claim through its claim, and drops it on the next step", async () => {
      const finalized = fixtures.job("finalized", "settle:31337:2:7", { kind: "settle" });
      await h.jobs.create(finalized);
      const { destinationTransaction: _sent, ...submitted } = stepped(finalized, "submitted") as SubmittedJob;
      const claimed: SubmittedJob = { ...submitted, payoutClaim: { claimedAt: 9, release: `0x${"aa".repeat(32)}` } };
      expect(await h.jobs.transition(finalized, claimed)).toBe(true);
      const read = await h.jobs.get(claimed.id);
      expect(read).toEqual(claimed);
      expect(read).not.toHaveProperty("destinationTransaction");
      // A claim without a release (the release was sent by an earlier run) reads back without one.
      const bare = fixtures.job("finalized", "settle:31337:2:8", { kind: "settle" });
      await h.jobs.create(bare);
      const { destinationTransaction: _none, ...bareSubmitted } = stepped(bare, "submitted") as SubmittedJob;
      const bareClaim: SubmittedJob = { ...bareSubmitted, payoutClaim: { claimedAt: 10 } };
      expect(await h.jobs.transition(bare, bareClaim)).toBe(true);
      expect(await h.jobs.get(bareClaim.id)).toEqual(bareClaim);
      // Confirmed from the claim: what `{ ...claimed, status: "confirmed" }` carries along is not kept.
      const confirmed = stepped(claimed, "confirmed");
      expect(await h.jobs.transition(claimed, { ...claimed, ...confirmed })).toBe(true);
      expect(await h.jobs.get(claimed.id)).toEqual(confirmed);
    });

    it("refuses a payout claim on another kind, beside a send, or a submitted job with neither", async () => {
      const finalized = fixtures.job("finalized", "settle:31337:3:7", { kind: "settle" });
      await h.jobs.create(finalized);
      const sent = stepped(finalized, "submitted") as SubmittedJob;
      const { destinationTransaction: _sent, ...unsent } = sent;
      const claim = { claimedAt: 9 };
      const bad: Job[] = [
        { ...unsent, kind: "refund", payoutClaim: claim },
        { ...sent, payoutClaim: claim },
        { ...unsent, payoutClaim: claim, nonce: 4 },
        unsent,
      ];
      for (const next of bad) {
        await expect(h.jobs.transition(finalized, next)).rejects.toBeInstanceOf(InvalidStoreInputError);
        expect(await h.jobs.get(finalized.id)).toEqual(finalized);
      }
      await expect(
        h.jobs.create({ ...unsent, id: "refund:31337:3:9", kind: "refund", payoutClaim: claim }),
      ).rejects.toBeInstanceOf(InvalidStoreInputError);
      // A stored item that lost its claim (a bad writer) is reported, not read as a claim or a send.
      const item = jobItem.encode({ ...unsent, id: "settle:31337:3:10", payoutClaim: claim });
      const { payoutClaim: _lost, ...lost } = item;
      await h.putRaw("jobs", lost);
      await expect(h.jobs.get("settle:31337:3:10")).rejects.toMatchObject({
        name: "CorruptRecordError",
        field: "payoutClaim",
      });
    });

    it("refuses to store a job that would not read back, or that has a field the store does not know", async () => {
      const job = fixtures.job("observed", "invalid:1");
      const bad = [
        { ...job, payload: "0x123" },
        { ...job, attempts: -1 },
        { ...job, version: 1.5 },
        { ...job, source: { ...job.source, block: -1n } },
        { ...job, surprise: "field" },
      ] as Job[];
      for (const next of bad) await expect(h.jobs.create(next)).rejects.toBeInstanceOf(InvalidStoreInputError);
      expect(await h.jobs.get(job.id)).toBeUndefined();
    });

    it("reports a corrupt stored job as CorruptRecordError naming the id and the field", async () => {
      const job = fixtures.job("observed", "corrupt:1");
      const item = jobItem.encode(job);
      await h.putRaw("jobs", { ...item, source: { ...(item.source as object), block: "not a number" } });
      const error = await h.jobs.get(job.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptRecordError);
      expect(error).toMatchObject({ name: "CorruptRecordError", key: job.id, field: "source.block", retryable: false });
      await expect(h.jobs.listByStatus("observed")).rejects.toBeInstanceOf(CorruptRecordError);
    });
  });

  describe(`${backend} CursorStore`, () => {
    it("creates at version 1, then advances one version at a time", async () => {
      const id = "evm:31337:escrow:0xabc";
      expect(await h.cursors.get(id)).toBeUndefined();
      expect(await h.cursors.advance(fixtures.cursor(id, 1, 10n), undefined)).toBe(true);
      expect(await h.cursors.advance(fixtures.cursor(id, 1, 99n), undefined)).toBe(false);
      const second = { ...fixtures.cursor(id, 2, MAX_UINT256), lastSignature: "5Kx...sig" };
      expect(await h.cursors.advance(second, 1)).toBe(true);
      expect(await h.cursors.get(id)).toEqual(second);
      // Stale writer still at version 1.
      expect(await h.cursors.advance(fixtures.cursor(id, 2, 11n), 1)).toBe(false);
      expect(await h.cursors.get(id)).toEqual(second);
      // lastSignature dropped by a later advance is gone.
      expect(await h.cursors.advance(fixtures.cursor(id, 3, 12n), 2)).toBe(true);
      expect(await h.cursors.get(id)).toEqual(fixtures.cursor(id, 3, 12n));
      // A version for a cursor not stored yet.
      expect(await h.cursors.advance(fixtures.cursor("missing", 5), 4)).toBe(false);
      expect(await h.cursors.get("missing")).toBeUndefined();
    });

    it("rejects a version that does not step by one", async () => {
      await expect(h.cursors.advance(fixtures.cursor("c", 2), undefined)).rejects.toBeInstanceOf(
        InvalidStoreInputError,
      );
      await h.cursors.advance(fixtures.cursor("c", 1), undefined);
      await expect(h.cursors.advance(fixtures.cursor("c", 3), 1)).rejects.toBeInstanceOf(InvalidStoreInputError);
      expect(await h.cursors.get("c")).toEqual(fixtures.cursor("c", 1));
    });

    it("lets exactly one of concurrent advances from the same version win", async () => {
      await h.cursors.advance(fixtures.cursor("race", 1), undefined);
      const nexts = Array.from({ length: 10 }, (_, i) => fixtures.cursor("race", 2, BigInt(100 + i)));
      const results = await Promise.all(nexts.map((next) => h.cursors.advance(next, 1)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await h.cursors.get("race")).toEqual(nexts[results.indexOf(true)]);
      const creators = await Promise.all(
        Array.from({ length: 10 }, () => h.cursors.advance(fixtures.cursor("new", 1), undefined)),
      );
      expect(creators.filter(Boolean)).toHaveLength(1);
    });

    it("round-trips a watcher's reorg checkpoints as their own attribute, newest first, below the cursor block", async () => {
      const hash = (n: bigint) => `0x${n.toString(16).padStart(64, "0")}`;
      const checkpoints = [
        { block: MAX_UINT256 - 1n, hash: hash(9n) },
        { block: 20n, hash: hash(20n) },
      ];
      const cursor = { ...fixtures.cursor("evm:31337:escrow:0xcp", 1, MAX_UINT256), checkpoints };
      expect(await h.cursors.advance(cursor, undefined)).toBe(true);
      const read = await h.cursors.get(cursor.id);
      expect(read).toEqual(cursor);
      expect(read?.blockHash).toBe(hash(MAX_UINT256)); // the hash alone: nothing packed into it
      // Dropped by a later advance without them.
      const next = fixtures.cursor(cursor.id, 2, 40n);
      expect(await h.cursors.advance(next, 1)).toBe(true);
      expect(await h.cursors.get(cursor.id)).toEqual(next);
      // At the cursor block, oldest first, or without a hash: refused.
      const unordered = [
        { ...fixtures.cursor(cursor.id, 3, 50n), checkpoints: [{ block: 50n, hash: hash(50n) }] },
        {
          ...fixtures.cursor(cursor.id, 3, 50n),
          checkpoints: [
            { block: 10n, hash: hash(10n) },
            { block: 20n, hash: hash(20n) },
          ],
        },
        { ...fixtures.cursor(cursor.id, 3, 50n), checkpoints: [{ block: 10n, hash: "" }] },
      ];
      for (const bad of unordered) {
        await expect(h.cursors.advance(bad, 2)).rejects.toBeInstanceOf(InvalidStoreInputError);
      }
      expect(await h.cursors.get(cursor.id)).toEqual(next);
      await h.putRaw("cursors", {
        cursorId: "bad-checkpoints",
        block: "5",
        blockHash: "0x05",
        checkpoints: [{ block: "6", hash: "0x06" }],
        version: 1,
      });
      await expect(h.cursors.get("bad-checkpoints")).rejects.toMatchObject({
        name: "CorruptRecordError",
        field: "checkpoints.0.block",
      });
    });

    it("reports a corrupt stored cursor", async () => {
      await h.putRaw("cursors", { cursorId: "bad", block: "1e3", blockHash: "0x00", version: 1 });
      await expect(h.cursors.get("bad")).rejects.toMatchObject({ name: "CorruptRecordError", field: "block" });
    });
  });

  describe(`${backend} SendLeaseStore`, () => {
    it("round-trips every lease state, each move conditional on the version it moves from", async () => {
      const id = "solana:vault-send:2:41";
      expect(await h.leases.get(id)).toBeUndefined();
      const sending: SendLease = { id, state: "sending", takenAt: 1_700_000_000_000, version: 1 };
      expect(await h.leases.advance(sending, undefined)).toBe(true);
      expect(await h.leases.get(id)).toEqual(sending);
      expect(await h.leases.advance({ ...sending, takenAt: 5 }, undefined)).toBe(false); // taken by someone else
      const sent: SendLease = {
        id,
        state: "sent",
        signature: "5VfydnLu4XwV2H2dLHPv22JxhLbYJruaM9YTaGY5S8Ue",
        lastValidBlockHeight: 1_234,
        takenAt: 2,
        version: 2,
      };
      expect(await h.leases.advance(sent, 1)).toBe(true);
      expect(await h.leases.get(id)).toEqual(sent);
      const idle: SendLease = { id, state: "idle", takenAt: 3, version: 3 };
      expect(await h.leases.advance({ ...idle, version: 2 }, 1)).toBe(false); // a stale holder
      expect(await h.leases.advance(idle, 2)).toBe(true);
      expect(await h.leases.get(id)).toEqual(idle); // the signature is gone with the "sent" state
      expect(await h.leases.advance({ ...idle, version: 3 }, 2)).toBe(false);
    });

    it("lets exactly one of concurrent takers win, and refuses a bad step or record", async () => {
      const id = "solana:vault-send:2:42";
      const takers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          h.leases.advance({ id, state: "sending", takenAt: i, version: 1 }, undefined),
        ),
      );
      expect(takers.filter(Boolean)).toHaveLength(1);
      await expect(h.leases.advance({ id, state: "idle", takenAt: 1, version: 3 }, 1)).rejects.toBeInstanceOf(
        InvalidStoreInputError,
      );
      const bad = [
        { id, state: "sent", takenAt: 1, version: 2 },
        { id, state: "idle", signature: "5Vfy", takenAt: 1, version: 2 },
        { id, state: "lost", takenAt: 1, version: 2 },
        { id, state: "idle", takenAt: -1, version: 2 },
      ] as SendLease[];
      for (const next of bad) await expect(h.leases.advance(next, 1)).rejects.toBeInstanceOf(InvalidStoreInputError);
      expect((await h.leases.get(id))?.version).toBe(1);
    });

    it("reports a corrupt stored lease (a sent lease without its signature, or a watcher cursor)", async () => {
      await h.putRaw("leases", { cursorId: "l1", record: "send-lease", state: "sent", takenAt: 1, version: 1 });
      await expect(h.leases.get("l1")).rejects.toMatchObject({ name: "CorruptRecordError", field: "signature" });
      await h.putRaw("leases", { cursorId: "l2", block: "5", blockHash: "idle", version: 1 });
      await expect(h.leases.get("l2")).rejects.toMatchObject({ name: "CorruptRecordError" });
    });
  });

  describe(`${backend} NonceStore`, () => {
    it("hands out max(stored next, chain pending) and remembers it", async () => {
      const sender = "evm:31337:0xsender";
      expect(await h.nonces.peek(sender)).toBeUndefined();
      expect(await h.nonces.reserve(sender, 5)).toBe(5);
      expect(await h.nonces.peek(sender)).toBe(6);
      expect(await h.nonces.reserve(sender, 0)).toBe(6); // chain lags behind our own pending sends
      expect(await h.nonces.reserve(sender, 7)).toBe(7); // exactly caught up
      expect(await h.nonces.reserve(sender, 20)).toBe(20); // sent from elsewhere: jump ahead
      expect(await h.nonces.peek(sender)).toBe(21);
      expect(await h.nonces.reserve("other", 0)).toBe(0);
    });

    it("gives 20 concurrent reservations distinct, gap-free nonces", async () => {
      const fresh20 = await Promise.all(Array.from({ length: 20 }, () => h.nonces.reserve("burst", 3)));
      expect([...fresh20].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 3 + i));
      expect(await h.nonces.peek("burst")).toBe(23);
      // Mixed chain views while already ahead: still distinct and gap-free.
      const mixed = await Promise.all(Array.from({ length: 20 }, (_, i) => h.nonces.reserve("burst", i % 4)));
      expect([...mixed].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 23 + i));
    });

    it("gives back only the last nonce handed out, so a refused broadcast leaves no gap", async () => {
      const sender = "evm:31337:0xrelease";
      expect(await h.nonces.release(sender, 0)).toBe(false); // nothing handed out yet
      expect(await h.nonces.reserve(sender, 4)).toBe(4);
      expect(await h.nonces.release(sender, 4)).toBe(true);
      expect(await h.nonces.peek(sender)).toBe(4);
      expect(await h.nonces.reserve(sender, 4)).toBe(4); // reused
      expect(await h.nonces.reserve(sender, 4)).toBe(5);
      expect(await h.nonces.release(sender, 4)).toBe(false); // 5 was handed out after it: stays taken
      expect(await h.nonces.release(sender, 5)).toBe(true);
      expect(await h.nonces.peek(sender)).toBe(5);
      await expect(h.nonces.release(sender, -1)).rejects.toBeInstanceOf(InvalidStoreInputError);
    });

    it("rejects an invalid pending nonce and reports a corrupt stored one", async () => {
      await expect(h.nonces.reserve("s", -1)).rejects.toBeInstanceOf(InvalidStoreInputError);
      await expect(h.nonces.reserve("s", 1.5)).rejects.toBeInstanceOf(InvalidStoreInputError);
      await h.putRaw("nonces", { senderId: "bad", next: "seven" });
      await expect(h.nonces.reserve("bad", 0)).rejects.toBeInstanceOf(CorruptRecordError);
      await expect(h.nonces.peek("bad")).rejects.toMatchObject({ name: "CorruptRecordError", field: "next" });
    });
  });

  describe(`${backend} PaymentStore`, () => {
    it("records once; the identical payment again is 'exists', even observed later", async () => {
      const payment = fixtures.payment(`0x${"01".repeat(32)}`, { amount: MAX_UINT256 });
      expect(await h.payments.record(payment)).toBe("created");
      expect(await h.payments.record({ ...payment })).toBe("exists");
      expect(await h.payments.record({ ...payment, observedAt: payment.observedAt + 5 })).toBe("exists");
      expect(await h.payments.listEpoch(31337, 1n, 42n)).toEqual([payment]);
    });

    it("refuses a different payment under the same key and keeps the first", async () => {
      const payment = fixtures.payment(`0x${"02".repeat(32)}`);
      await h.payments.record(payment);
      const error = await h.payments.record({ ...payment, amount: 1n }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConflictingRecordError);
      expect(error).toMatchObject({ name: "ConflictingRecordError", field: "amount", retryable: false });
      await expect(h.payments.record({ ...payment, buyer: "0x00" })).rejects.toMatchObject({ field: "buyer" });
      await expect(h.payments.record({ ...payment, blockHash: "0x00" })).rejects.toMatchObject({ field: "blockHash" });
      expect(await h.payments.listEpoch(31337, 1n, 42n)).toEqual([payment]);
    });

    it("lists one (chain, model, epoch) ordered by paymentId", async () => {
      const ids = ["0x0c", "0xa0", "0x0b", "0xff", "0x01", "5Solana/0", "5Solana/1"];
      for (const id of ids) await h.payments.record(fixtures.payment(id));
      await h.payments.record(fixtures.payment("0x00", { epoch: 43n }));
      await h.payments.record(fixtures.payment("0x00", { chainId: 31338 }));
      await h.payments.record(fixtures.payment("0x00", { modelId: 2n }));
      const listed = await h.payments.listEpoch(31337, 1n, 42n);
      expect(listed.map((p) => p.paymentId)).toEqual([...ids].sort());
      expect(await h.payments.listEpoch(31337, 1n, 43n)).toEqual([fixtures.payment("0x00", { epoch: 43n })]);
      expect(await h.payments.listEpoch(1, 1n, 42n)).toEqual([]);
    });

    it("pages one (chain, model, epoch) in the same order, each page after the last id of the one before", async () => {
      const ids = ["0x0c", "0xa0", "0x0b", "0xff", "0x01", "5Solana/0", "5Solana/1"];
      for (const id of ids) await h.payments.record(fixtures.payment(id));
      await h.payments.record(fixtures.payment("0x0d", { epoch: 43n }));
      const pages: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page = await h.payments.listEpochPage(31337, 1n, 42n, { after, limit: 3 });
        if (page.length === 0) break;
        pages.push(page.map((p) => p.paymentId));
        after = page.at(-1)?.paymentId;
      }
      const sorted = [...ids].sort();
      expect(pages).toEqual([sorted.slice(0, 3), sorted.slice(3, 6), sorted.slice(6)]);
      // `after` need not be a stored id; the limit caps the page.
      expect(
        (await h.payments.listEpochPage(31337, 1n, 42n, { after: "0x0", limit: 2 })).map((p) => p.paymentId),
      ).toEqual(["0x01", "0x0b"]);
      expect(await h.payments.listEpochPage(31337, 1n, 44n, { limit: 5 })).toEqual([]);
    });

    it("creates exactly once under concurrent records of the same payment", async () => {
      const payment = fixtures.payment("0x77");
      const results = await Promise.all(Array.from({ length: 10 }, () => h.payments.record(payment)));
      expect(results.filter((r) => r === "created")).toHaveLength(1);
      expect(results.filter((r) => r === "exists")).toHaveLength(9);
    });

    it("refuses a payment that would not read back and reports a corrupt stored one", async () => {
      await expect(h.payments.record(fixtures.payment("0x01", { amount: -1n }))).rejects.toBeInstanceOf(
        InvalidStoreInputError,
      );
      await expect(h.payments.record(fixtures.payment(""))).rejects.toBeInstanceOf(InvalidStoreInputError);
      await h.putRaw("payments", { ...paymentItem.encode(fixtures.payment("0x09")), amount: "12.5" });
      await expect(h.payments.listEpoch(31337, 1n, 42n)).rejects.toMatchObject({
        name: "CorruptRecordError",
        field: "amount",
      });
      await expect(h.payments.record(fixtures.payment("0x09"))).rejects.toBeInstanceOf(CorruptRecordError);
    });
  });
}
