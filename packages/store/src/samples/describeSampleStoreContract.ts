import type { SampleRecord, SampleStore } from "@slabridge/core";
import { beforeEach, describe, expect, it } from "vitest";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";

/**
 * A fresh, empty sample store of one backend, plus a way to plant raw items (as a bad writer would).
 *
 * @example const harness: SampleStoreHarness = { samples: new MemorySampleStore(), putRaw: async () => {} };
 */
export interface SampleStoreHarness {
  samples: SampleStore;
  putRaw(item: Record<string, unknown>): Promise<void>;
}

/** A valid sample; override any field. */
function sample(fields: Partial<SampleRecord> = {}): SampleRecord {
  return {
    modelId: 2n,
    epoch: 41n,
    vantage: "local-1",
    roundId: "1700000000000",
    startedAt: 1_700_000_000_003,
    rttMs: 52.25,
    ok: true,
    outcome: "ok",
    status: 200,
    ...fields,
  };
}

/**
 * The sample store contract, run against the memory and the DynamoDB stores alike.
 *
 * @example describeSampleStoreContract("memory", async () => ({ samples: new MemorySampleStore(), putRaw: ... }));
 */
export function describeSampleStoreContract(backend: string, fresh: () => Promise<SampleStoreHarness>): void {
  let h: SampleStoreHarness;
  beforeEach(async () => {
    h = await fresh();
  });

  describe(`${backend} SampleStore`, () => {
    it("records once per (vantage, round, model): a re-run of the round is 'exists' and keeps the first sample", async () => {
      const first = sample();
      expect(await h.samples.record(first)).toBe("created");
      expect(await h.samples.record({ ...first, rttMs: 900, ok: false, outcome: "timeout" })).toBe("exists");
      expect(await h.samples.get(2n, 41n, "local-1#1700000000000#2")).toEqual(first);
      expect(await h.samples.listEpoch(2n, 41n)).toEqual([first]);
      expect(await h.samples.get(2n, 41n, "local-1#404#2")).toBeUndefined();
    });

    it("lists one (model, epoch) from every vantage point in sample-id order, and nothing of other epochs", async () => {
      const { status: _, ...noAnswer } = sample({ vantage: "local-1", ok: false, outcome: "network-error" });
      const inEpoch: SampleRecord[] = [
        sample({ vantage: "local-3" }),
        sample({ vantage: "local-1", roundId: "1700000001000", startedAt: 1_700_000_001_000 }),
        sample({ vantage: "local-2", ok: false, outcome: "http-error", status: 503 }),
        noAnswer,
      ];
      for (const s of inEpoch) expect(await h.samples.record(s)).toBe("created");
      await h.samples.record(sample({ epoch: 42n }));
      await h.samples.record(sample({ modelId: 3n }));
      const listed = await h.samples.listEpoch(2n, 41n);
      expect(listed.map((s) => `${s.vantage}#${s.roundId}`)).toEqual([
        "local-1#1700000000000",
        "local-1#1700000001000",
        "local-2#1700000000000",
        "local-3#1700000000000",
      ]);
      expect(listed[0]).toEqual(noAnswer);
      expect(listed[0] && "status" in listed[0]).toBe(false); // absent, not undefined
      expect(await h.samples.listEpoch(2n, 40n)).toEqual([]);
    });

    it("lets exactly one of many concurrent records of the same sample win", async () => {
      const attempts = Array.from({ length: 8 }, (_, i) => sample({ rttMs: 10 + i }));
      const results = await Promise.all(attempts.map((s) => h.samples.record(s)));
      expect(results.filter((r) => r === "created")).toHaveLength(1);
      expect(await h.samples.listEpoch(2n, 41n)).toHaveLength(1);
    });

    it("refuses samples it could not read back, with InvalidStoreInputError, and stores nothing", async () => {
      const bad: SampleRecord[] = [
        sample({ vantage: "eu#west" }),
        sample({ roundId: "" }),
        sample({ rttMs: -1 }),
        sample({ rttMs: Number.NaN }),
        sample({ startedAt: 1.5 }),
        sample({ status: 42 }),
        sample({ outcome: "" }),
      ];
      for (const s of bad) await expect(h.samples.record(s)).rejects.toBeInstanceOf(InvalidStoreInputError);
      expect(await h.samples.listEpoch(2n, 41n)).toEqual([]);
    });

    it("reports a corrupt stored sample as CorruptRecordError instead of returning it", async () => {
      await h.putRaw({
        sampleKey: "2#41",
        sampleId: "local-1#r#2",
        modelId: "2",
        epoch: "41",
        vantage: "local-1",
        roundId: "r",
        startedAt: 1,
        rttMs: -3,
        ok: true,
        outcome: "ok",
      });
      await expect(h.samples.listEpoch(2n, 41n)).rejects.toBeInstanceOf(CorruptRecordError);
      await h.putRaw({
        sampleKey: "2#42",
        sampleId: "local-9#r#2",
        modelId: "2",
        epoch: "42",
        vantage: "local-1",
        roundId: "r",
        startedAt: 1,
        rttMs: 3,
        ok: true,
        outcome: "ok",
      });
      await expect(h.samples.get(2n, 42n, "local-9#r#2")).rejects.toBeInstanceOf(CorruptRecordError);
    });
  });
}
