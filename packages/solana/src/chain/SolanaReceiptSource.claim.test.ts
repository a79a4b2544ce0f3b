import { NotReadyError } from "@slabridge/core";
import { MemoryPaymentStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { FakeCursorStore } from "../testing/FakeCursorStore.ts";
import { SolanaReceiptSource, solanaReceiptProgressId } from "./SolanaReceiptSource.ts";

const MODEL = 4n;
const GENESIS = 1_700_000_000;
const EPOCH_SECONDS = 60;
const SCAN = "solana:vault-scan:test";

describe("SolanaReceiptSource: an epoch's vouchers are claimed once, before its first batch", () => {
  function world(finalityLagMs = 0, pulls = 1) {
    let now = (GENESIS + EPOCH_SECONDS) * 1000; // epoch 0 just ended
    const cursors = new FakeCursorStore();
    const claims: Array<[bigint, bigint]> = [];
    const published: string[] = [];
    const source = new SolanaReceiptSource({
      chainId: 9_001,
      homeChainId: 1,
      models: [
        {
          modelId: MODEL.toString(),
          homeChainId: 1,
          genesis: GENESIS,
          epochSeconds: EPOCH_SECONDS,
          hostName: "h",
          hostUrl: "http://127.0.0.1:1",
          pricePerRequest: "0",
        },
      ],
      payments: new MemoryPaymentStore(),
      cursors,
      vaultScanCursorId: SCAN,
      finalityLagMs,
      claimer: {
        claim: async (modelId, epoch) => {
          claims.push([modelId, epoch]);
          return { pulled: Array.from({ length: pulls }, () => "pull"), alreadyPulled: [] };
        },
      },
      claimDelayMs: 3_000,
      publisher: {
        publish: async (payload) => {
          published.push(payload);
          return { emitterChain: 1, emitter: `0x${"00".repeat(32)}`, sequence: BigInt(published.length) };
        },
      },
      now: () => now,
    });
    const scanned = (at: number) =>
      cursors
        .get(SCAN)
        .then((current) =>
          cursors.advance(
            { id: SCAN, block: BigInt(at), blockHash: "scan", version: (current?.version ?? 0) + 1 },
            current?.version,
          ),
        );
    return { source, claims, published, cursors, scanned, tick: (ms: number) => (now += ms) };
  }

  it("is not over until the claim delay passed", async () => {
    const { source, scanned, tick } = world();
    await scanned((GENESIS + EPOCH_SECONDS) * 1000 + 3_000);
    expect((await source.progress(MODEL, 0n)).epochOver).toBe(false);
    tick(3_000);
    expect(await source.progress(MODEL, 0n)).toMatchObject({ epochOver: true, relayedAll: false });
  });

  it("claims, waits for a vault pass that started after the pulls were final, then cuts the epoch", async () => {
    const { source, claims, published, cursors, scanned, tick } = world(2_000);
    tick(3_000);
    const claimedAt = (GENESIS + EPOCH_SECONDS) * 1000 + 3_000;
    await scanned(claimedAt);
    await expect(source.relayNextBatch(MODEL, 0n, "wormhole", 100)).rejects.toBeInstanceOf(NotReadyError);
    // A retry before the pass claims nothing again.
    tick(1_000);
    await expect(source.relayNextBatch(MODEL, 0n, "wormhole", 100)).rejects.toMatchObject({
      retryAt: claimedAt + 2_000,
    });
    expect(claims).toEqual([[MODEL, 0n]]);
    expect(published).toEqual([]);
    expect(await cursors.get(solanaReceiptProgressId(MODEL, 0n))).toBeUndefined(); // still open to the pulls

    tick(1_000);
    await scanned(claimedAt + 2_000);
    await source.relayNextBatch(MODEL, 0n, "wormhole", 100);
    expect(published).toHaveLength(1);
    expect(claims).toEqual([[MODEL, 0n]]);
    expect((await source.progress(MODEL, 0n)).relayedAll).toBe(true);
  });

  it("with nothing pulled (no checkpoint of the epoch) cuts the epoch without waiting for another vault pass", async () => {
    const { source, claims, published, scanned, tick } = world(2_000, 0);
    tick(3_000);
    await scanned((GENESIS + EPOCH_SECONDS) * 1000 + 3_000);
    await source.relayNextBatch(MODEL, 0n, "wormhole", 100);
    expect(claims).toEqual([[MODEL, 0n]]);
    expect(published).toHaveLength(1);
  });
});
