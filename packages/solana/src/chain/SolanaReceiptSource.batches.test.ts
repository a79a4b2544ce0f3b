import { decodeMessage, type Hex, type PaymentRecord, type PaymentStore, paymentsRoot } from "@slabridge/core";
import { MemoryPaymentStore } from "@slabridge/store";
import { Keypair, PublicKey } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { FakeCursorStore } from "../testing/FakeCursorStore.ts";
import { SolanaReceiptConfigError, SolanaReceiptSource, solanaReceiptProgressId } from "./SolanaReceiptSource.ts";

const CHAIN = 9_001;
const MODEL = 4n;
const GENESIS = 1_700_000_000;
const EPOCH_SECONDS = 60;
const SCAN = "solana:vault-scan:test";
const buyers = Array.from({ length: 3 }, () => Keypair.generate().publicKey);

const id = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const payment = (paymentId: string, i: number): PaymentRecord => ({
  chainId: CHAIN,
  modelId: MODEL,
  epoch: 0n,
  paymentId,
  buyer: (buyers[i % buyers.length] ?? Keypair.generate().publicKey).toBase58(),
  amount: BigInt(1_000 + i),
  transaction: `sig${i}`,
  block: BigInt(i),
  blockHash: "slot",
  observedAt: 0,
});

/** A payment store that counts what each read returned. */
function counting(store: PaymentStore) {
  const reads: { call: string; after?: string | undefined; limit?: number; returned: number }[] = [];
  const counted: PaymentStore = {
    record: (p) => store.record(p),
    listEpoch: async (...args) => {
      const all = await store.listEpoch(...args);
      reads.push({ call: "listEpoch", returned: all.length });
      return all;
    },
    listEpochPage: async (chainId, modelId, epoch, page) => {
      const got = await store.listEpochPage(chainId, modelId, epoch, page);
      reads.push({ call: "listEpochPage", after: page.after, limit: page.limit, returned: got.length });
      return got;
    },
  };
  return { counted, reads };
}

async function world(ids: readonly string[]) {
  const store = new MemoryPaymentStore();
  // Recorded out of order: batches follow paymentId order, whatever order the vault watcher saw them in.
  for (const [i, paymentId] of [...ids].reverse().entries()) await store.record(payment(paymentId, i));
  const { counted, reads } = counting(store);
  const cursors = new FakeCursorStore();
  const published: Hex[] = [];
  const source = new SolanaReceiptSource({
    chainId: CHAIN,
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
    payments: counted,
    cursors,
    vaultScanCursorId: SCAN,
    publisher: {
      publish: async (payload) => {
        published.push(payload);
        return { emitterChain: 1, emitter: `0x${"00".repeat(32)}`, sequence: BigInt(published.length) };
      },
    },
  });
  const sorted = await store.listEpoch(CHAIN, MODEL, 0n);
  // The payload is the home chain id (uint32) and the message.
  const batches = () => published.map((payload) => decodeMessage(`0x${payload.slice(10)}`));
  return { source, reads, cursors, published, sorted, batches };
}

const rootOf = (payments: readonly PaymentRecord[]) =>
  paymentsRoot(
    payments.map((p) => ({
      paymentId: p.paymentId as Hex,
      buyer: `0x${Buffer.from(new PublicKey(p.buyer).toBytes()).toString("hex")}` as Hex,
      amount: p.amount,
    })),
  );

describe("SolanaReceiptSource: receipt batches of an epoch, one page each", () => {
  it("cuts batches in paymentId order, each read as the page after the last one sent (not the whole epoch again)", async () => {
    const ids = [7, 3, 11, 1, 9, 5, 2].map(id);
    const { source, reads, batches, sorted } = await world(ids);
    for (let i = 0; i < 3; i++) await source.relayNextBatch(MODEL, 0n, "wormhole", 3);
    const sent = batches();
    expect(sent.map((m) => (m.kind === "ReceiptBatch" ? [m.batchIndex, m.count, m.finalBatch] : m.kind))).toEqual([
      [0, 3, false],
      [1, 3, false],
      [2, 1, true],
    ]);
    // Each batch is the next slice of the sorted epoch: its root and total are that slice's.
    const slices = [sorted.slice(0, 3), sorted.slice(3, 6), sorted.slice(6)];
    expect(sent.map((m) => (m.kind === "ReceiptBatch" ? [m.paymentsRoot, m.total] : []))).toEqual(
      slices.map((slice) => [rootOf(slice), slice.reduce((sum, p) => sum + p.amount, 0n)]),
    );
    // 3 + 1 payments a batch at most (one more shows whether it is the last): 9 read, not 3 x 7.
    expect(reads).toEqual([
      { call: "listEpochPage", after: undefined, limit: 4, returned: 4 },
      { call: "listEpochPage", after: sorted[2]?.paymentId, limit: 4, returned: 4 },
      { call: "listEpochPage", after: sorted[5]?.paymentId, limit: 4, returned: 1 },
    ]);
    expect(await source.progress(MODEL, 0n)).toMatchObject({ relayedAll: true });
  });

  it("marks the last full page final when the payments divide evenly, and an empty epoch is one empty final batch", async () => {
    const even = await world([1, 2, 3, 4].map(id));
    await even.source.relayNextBatch(MODEL, 0n, "wormhole", 2);
    await even.source.relayNextBatch(MODEL, 0n, "wormhole", 2);
    expect(even.batches().map((m) => m.kind === "ReceiptBatch" && [m.count, m.finalBatch])).toEqual([
      [2, false],
      [2, true],
    ]);
    const empty = await world([]);
    await empty.source.relayNextBatch(MODEL, 0n, "wormhole", 2);
    expect(empty.batches().map((m) => m.kind === "ReceiptBatch" && [m.count, m.finalBatch])).toEqual([[0, true]]);
  });

  it("a crash before the progress write re-cuts the same batch (same root); a record from before paging still cuts it", async () => {
    const ids = [4, 8, 15, 16, 23].map(id);
    const paged = await world(ids);
    await paged.source.relayNextBatch(MODEL, 0n, "wormhole", 2);
    const progress = await paged.cursors.get(solanaReceiptProgressId(MODEL, 0n));
    await paged.source.relayNextBatch(MODEL, 0n, "wormhole", 2);
    // The worker that sent batch 1 crashed before recording it: put the record back and run again.
    const now = await paged.cursors.get(solanaReceiptProgressId(MODEL, 0n));
    if (!progress || !now) throw new Error("no progress record");
    await paged.cursors.advance({ ...progress, version: now.version + 1 }, now.version);
    await paged.source.relayNextBatch(MODEL, 0n, "wormhole", 2);
    const [, first, again] = paged.batches();
    expect(again).toEqual(first);

    // Progress written before paging: "open:<size>" with no last id; batch 1 is cut from the whole listing, the same.
    const legacy = await world(ids);
    await legacy.cursors.advance(
      { id: solanaReceiptProgressId(MODEL, 0n), block: 1n, blockHash: "open:2", version: 1 },
      undefined,
    );
    await legacy.source.relayNextBatch(MODEL, 0n, "wormhole", 2);
    expect(legacy.batches()).toEqual([first]);
    expect(legacy.reads.map((r) => r.call)).toEqual(["listEpoch"]);
  });

  it("refuses a payment id that is not 0x + 64 lowercase hex (it would sort apart from the settlement's proofs)", async () => {
    const odd = await world([id(1), `0x${"A".repeat(64)}`]);
    await expect(odd.source.relayNextBatch(MODEL, 0n, "wormhole", 10)).rejects.toBeInstanceOf(SolanaReceiptConfigError);
    expect(odd.published).toEqual([]);
    expect(await odd.cursors.get(solanaReceiptProgressId(MODEL, 0n))).toBeUndefined();
  });
});
