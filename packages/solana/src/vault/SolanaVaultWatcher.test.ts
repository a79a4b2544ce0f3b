import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { solanaPaymentId } from "../memo/solanaPaymentId.ts";
import { FakeCursorStore } from "../testing/FakeCursorStore.ts";
import { payVault, type SolanaTestWorld, startSolanaTestWorld } from "../testing/solanaTestWorld.ts";
import { SolanaVaultWatcher } from "./SolanaVaultWatcher.ts";
import type { SolanaPayment, VaultBatch } from "./vaultEvents.ts";

const UNKNOWN_MODEL = 99n;
const epochOf = (modelId: bigint, blockTime: number) =>
  modelId === UNKNOWN_MODEL ? undefined : BigInt(Math.floor(blockTime / 3600));
const ref = (n: number) => n.toString(16).padStart(32, "0");
const payMemo = (modelId: bigint, n: number) => formatSlabridgeMemo({ kind: "pay", modelId, ref: ref(n) });

function watcherFor(world: SolanaTestWorld, cursorStore: FakeCursorStore, pageSize: number) {
  return new SolanaVaultWatcher({
    connection: world.connection,
    vault: world.fx.vault,
    mint: world.fx.mint,
    cursorStore,
    cursorId: `solana:vault:${world.fx.vault.toBase58()}`,
    epochOf,
    pageSize,
  });
}

async function collect(watcher: SolanaVaultWatcher): Promise<VaultBatch[]> {
  const batches: VaultBatch[] = [];
  await watcher.poll(async (b) => {
    batches.push(b);
  });
  return batches;
}

describe("SolanaVaultWatcher: what counts as a payment", () => {
  let world: SolanaTestWorld;
  beforeAll(async () => {
    world = await startSolanaTestWorld(5);
  });
  afterAll(() => world.close());

  it("yields exactly the valid payments and skips the rest with reasons", async () => {
    const multi = await payVault(world, 0, [1_500_000n, 2_500_000n], payMemo(1n, 1));
    const malformed = await payVault(world, 1, [3_000_000n], "slabridge:v1:pay:model=01:ref=nothex");
    const failed = await payVault(world, 2, [10n ** 15n], payMemo(1n, 2), { skipPreflight: true });
    const single = await payVault(world, 2, [4_000_000n], payMemo(2n, 3), { unchecked: true });
    const noMemo = await payVault(world, 3, [5_000_000n], undefined);
    const otherMemo = await payVault(world, 3, [5_000_000n], "thanks!");
    const unknownModel = await payVault(world, 4, [6_000_000n], payMemo(UNKNOWN_MODEL, 4));

    const batches = await collect(watcherFor(world, new FakeCursorStore(), 100));
    expect(batches).toHaveLength(1);
    const [batch] = batches as [VaultBatch];
    expect(batch.outflows).toEqual([]);

    const txOf = async (sig: string) => {
      const tx = await world.connection.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
      if (tx?.blockTime == null) throw new Error("no tx");
      return tx;
    };
    const multiTx = await txOf(multi);
    const singleTx = await txOf(single);
    const buyer = (i: number) => world.fx.buyers[i]?.keypair.publicKey.toBase58();
    const expected: SolanaPayment[] = [
      {
        signature: multi,
        slot: multiTx.slot,
        blockTime: multiTx.blockTime as number,
        instructionIndex: 0,
        innerIndex: undefined,
        paymentId: solanaPaymentId(multi, { instructionIndex: 0 }),
        buyer: buyer(0) as string,
        sourceTokenAccount: world.fx.buyers[0]?.tokenAccount.toBase58() as string,
        amount: 1_500_000n,
        modelId: 1n,
        ref: ref(1),
        epoch: BigInt(Math.floor((multiTx.blockTime as number) / 3600)),
      },
      {
        signature: multi,
        slot: multiTx.slot,
        blockTime: multiTx.blockTime as number,
        instructionIndex: 1,
        innerIndex: undefined,
        paymentId: solanaPaymentId(multi, { instructionIndex: 1 }),
        buyer: buyer(0) as string,
        sourceTokenAccount: world.fx.buyers[0]?.tokenAccount.toBase58() as string,
        amount: 2_500_000n,
        modelId: 1n,
        ref: ref(1),
        epoch: BigInt(Math.floor((multiTx.blockTime as number) / 3600)),
      },
      {
        signature: single,
        slot: singleTx.slot,
        blockTime: singleTx.blockTime as number,
        instructionIndex: 0,
        innerIndex: undefined,
        paymentId: solanaPaymentId(single, { instructionIndex: 0 }),
        buyer: buyer(2) as string,
        sourceTokenAccount: world.fx.buyers[2]?.tokenAccount.toBase58() as string,
        amount: 4_000_000n,
        modelId: 2n,
        ref: ref(3),
        epoch: BigInt(Math.floor((singleTx.blockTime as number) / 3600)),
      },
    ];
    expect(batch.payments).toEqual(expected);
    expect(new Set(batch.payments.map((p) => p.paymentId)).size).toBe(3);

    const reasons = new Map(batch.skipped.map((s) => [s.signature, s]));
    expect(reasons.get(malformed)?.reason).toBe("malformed-memo");
    expect(reasons.get(malformed)?.detail).toContain("invalid-model-id");
    expect(reasons.get(failed)?.reason).toBe("failed");
    expect(reasons.get(noMemo)?.reason).toBe("missing-memo");
    expect(reasons.get(otherMemo)?.reason).toBe("missing-memo");
    expect(reasons.get(unknownModel)?.reason).toBe("unknown-epoch");
    // The fixture's vault-creation transaction touches the vault but moves no tokens.
    expect(batch.skipped.filter((s) => s.reason === "no-vault-transfer")).toHaveLength(1);
    expect(batch.skipped).toHaveLength(6);
    expect(batch.lastSignature).toBe(unknownModel);
  });
});

describe("SolanaVaultWatcher: pagination and the cursor", () => {
  let world: SolanaTestWorld;
  beforeAll(async () => {
    world = await startSolanaTestWorld(3);
  });
  afterAll(() => world.close());

  it("delivers 45 payments once, oldest first, in pages of 10; then only what is new", async () => {
    const sent: string[] = [];
    for (let i = 0; i < 45; i++) sent.push(await payVault(world, i % 3, [BigInt(1_000 + i)], payMemo(1n, i)));
    const store = new FakeCursorStore();
    const watcher = watcherFor(world, store, 10);

    const batches = await collect(watcher);
    // 46 vault transactions (45 payments + the vault's creation): 10+10+10+10+6.
    expect(batches.map((b) => b.payments.length + b.skipped.length)).toEqual([10, 10, 10, 10, 6]);
    const payments = batches.flatMap((b) => b.payments);
    expect(payments.map((p) => p.signature)).toEqual(sent);
    expect(payments.map((p) => p.amount)).toEqual(sent.map((_, i) => BigInt(1_000 + i)));
    expect(store.history.map((c) => c.version)).toEqual([1, 2, 3, 4, 5]);
    expect((await store.get(`solana:vault:${world.fx.vault.toBase58()}`))?.lastSignature).toBe(sent.at(-1));

    expect(await collect(watcher)).toEqual([]);

    const later = [await payVault(world, 0, [7n], payMemo(1n, 100)), await payVault(world, 1, [8n], payMemo(1n, 101))];
    const next = await collect(watcher);
    expect(next.flatMap((b) => b.payments).map((p) => p.signature)).toEqual(later);
  });
});

describe("SolanaVaultWatcher: crash between handler and cursor", () => {
  let world: SolanaTestWorld;
  beforeAll(async () => {
    world = await startSolanaTestWorld(2);
  });
  afterAll(() => world.close());

  it("re-delivers the batch whose cursor write never happened, with the same payment ids", async () => {
    for (let i = 0; i < 25; i++) await payVault(world, i % 2, [BigInt(10 + i)], payMemo(3n, i));
    const store = new FakeCursorStore();
    const watcher = watcherFor(world, store, 10);
    // The handler's own store, keyed by payment id as the real one is.
    const recorded = new Map<string, SolanaPayment>();
    let deliveries = 0;
    let calls = 0;
    const handler = async (batch: VaultBatch) => {
      for (const p of batch.payments) {
        recorded.set(p.paymentId, p);
        deliveries++;
      }
      calls++;
      // Stored the 2nd batch, then "crashed" before the cursor moved.
      if (calls === 2) throw new Error("crash");
    };

    await expect(watcher.poll(handler)).rejects.toThrow("crash");
    expect(store.history).toHaveLength(1);
    const firstRun = new Set(recorded.keys());

    const result = await watcher.poll(handler);
    expect(result.batches).toBe(2);
    expect(recorded.size).toBe(25);
    // The 2nd batch (10 transactions) was delivered twice; its ids were the same both times.
    expect(deliveries).toBe(25 + 10);
    for (const id of firstRun) expect(recorded.has(id)).toBe(true);
    expect(store.history.map((c) => c.version)).toEqual([1, 2, 3]);
  });

  it("refuses to move a cursor another worker moved", async () => {
    const store = new FakeCursorStore();
    const watcher = watcherFor(world, store, 10);
    const id = `solana:vault:${world.fx.vault.toBase58()}`;
    await expect(
      watcher.poll(async () => {
        // Another worker commits while this one is in its handler.
        if (store.history.length === 0) {
          await store.advance({ id, block: 0n, blockHash: "", version: 1 }, undefined);
        }
      }),
    ).rejects.toMatchObject({ name: "CursorConflictError", retryable: true });
  });
});
