import { Keypair, PACKET_DATA_SIZE, type PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { SolanaSender } from "../sender/SolanaSender.ts";
import { FakeCursorStore } from "../testing/FakeCursorStore.ts";
import { payVault, type SolanaTestWorld, startSolanaTestWorld, tokenBalance } from "../testing/solanaTestWorld.ts";
import { SolanaVaultWatcher } from "../vault/SolanaVaultWatcher.ts";
import type { VaultBatch } from "../vault/vaultEvents.ts";
import { associatedTokenAccount, buildVaultTransferBatch, type VaultTransferOrder } from "./buildVaultTransferBatch.ts";
import { readVaultOutflows } from "./readVaultOutflows.ts";

const paymentId = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;
const refundMemo = (n: number, epoch = 9n) =>
  formatSlabridgeMemo({ kind: "refund", modelId: 4n, epoch, paymentId: paymentId(n) });

describe("batched multisig transfers out of the vault", () => {
  let world: SolanaTestWorld;
  let sender: SolanaSender;
  let signers: PublicKey[];
  const base = () => ({
    vault: world.fx.vault,
    multisigAuthority: world.fx.multisig,
    signers,
    mint: world.fx.mint,
    decimals: world.fx.decimals,
    feePayer: world.feePayer.publicKey,
  });

  beforeAll(async () => {
    world = await startSolanaTestWorld(3);
    signers = world.operators.slice(0, 2).map((k) => k.publicKey);
    sender = new SolanaSender({
      connection: world.connection,
      payer: world.feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
      confirmTimeoutMs: 10_000,
      pollIntervalMs: 20,
    });
    // Fund the vault (a buyer's payment) so there is something to pay out.
    const memo = formatSlabridgeMemo({ kind: "pay", modelId: 4n, ref: "cd".repeat(8) });
    await payVault(world, 0, [1_000_000n], memo);
  });
  afterAll(() => world.close());

  it("takes as many transfers as fit in 1,232 bytes, and at most maxTransfers", () => {
    const orders: VaultTransferOrder[] = Array.from({ length: 20 }, (_, i) => ({
      destination: Keypair.generate().publicKey,
      amount: BigInt(i + 1),
      memo: refundMemo(i),
    }));
    const full = buildVaultTransferBatch({ ...base(), orders, maxTransfers: 100 });
    expect(full.count).toBeGreaterThan(1);
    expect(full.count).toBeLessThan(20);
    expect(full.bytes).toBeLessThanOrEqual(PACKET_DATA_SIZE);
    expect(full.instructions).toHaveLength(full.count * 2);
    // One more would not fit.
    const more = buildVaultTransferBatch({ ...base(), orders: orders.slice(0, full.count + 1), maxTransfers: 100 });
    expect(more.count).toBe(full.count);
    expect(buildVaultTransferBatch({ ...base(), orders, maxTransfers: 2 }).count).toBe(2);
  });

  it("refuses duplicate memos, a memo that is not a refund or payout, and a zero bound", () => {
    const destination = Keypair.generate().publicKey;
    const twice = [
      { destination, amount: 1n, memo: refundMemo(1) },
      { destination, amount: 2n, memo: refundMemo(1) },
    ];
    expect(() => buildVaultTransferBatch({ ...base(), orders: twice, maxTransfers: 10 })).toThrow(/two transfers/);
    const pay = formatSlabridgeMemo({ kind: "pay", modelId: 4n, ref: "ab".repeat(8) });
    expect(() =>
      buildVaultTransferBatch({ ...base(), orders: [{ destination, amount: 1n, memo: pay }], maxTransfers: 10 }),
    ).toThrow(expect.objectContaining({ name: "MalformedMemoError", reason: "wrong-kind" }));
    expect(() => buildVaultTransferBatch({ ...base(), orders: [], maxTransfers: 0 })).toThrow(RangeError);
  });

  it("pays a batch (per transaction what fits); the reader and the watcher pair each transfer with its memo, net ones too", async () => {
    const buyers = world.fx.buyers.map((b) => b.tokenAccount);
    const payee = Keypair.generate().publicKey;
    const payeeAccount = associatedTokenAccount(payee, world.fx.mint);
    const netPayee = Keypair.generate().publicKey; // a netted share (EVM revenue owed to a Solana payee)
    const orders: VaultTransferOrder[] = [
      { destination: buyers[0] as PublicKey, amount: 11n, memo: refundMemo(1) },
      { destination: buyers[1] as PublicKey, amount: 22n, memo: refundMemo(2) },
      {
        destination: payeeAccount,
        amount: 33n,
        memo: formatSlabridgeMemo({ kind: "payout", modelId: 4n, epoch: 9n, index: 1 }),
        createAssociatedFor: payee,
      },
      {
        destination: associatedTokenAccount(netPayee, world.fx.mint),
        amount: 44n,
        memo: formatSlabridgeMemo({ kind: "net", modelId: 4n, epoch: 9n, account: netPayee.toBase58() }),
        createAssociatedFor: netPayee,
      },
    ];
    const batch = buildVaultTransferBatch({ ...base(), orders, maxTransfers: 10 });
    expect(batch.count).toBe(3); // the net order's longer memo and second account creation need a second one
    const before = await Promise.all(buyers.slice(0, 2).map((b) => tokenBalance(world, b)));
    const { signature } = await sender.send(batch.instructions, world.operators.slice(0, 2));
    const rest = buildVaultTransferBatch({ ...base(), orders: orders.slice(batch.count), maxTransfers: 10 });
    expect(rest.count).toBe(1);
    await sender.send(rest.instructions, world.operators.slice(0, 2));
    expect(await tokenBalance(world, buyers[0] as PublicKey)).toBe((before[0] ?? 0n) + 11n);
    expect(await tokenBalance(world, buyers[1] as PublicKey)).toBe((before[1] ?? 0n) + 22n);
    expect(await tokenBalance(world, payeeAccount)).toBe(33n);
    expect(await tokenBalance(world, associatedTokenAccount(netPayee, world.fx.mint))).toBe(44n);

    const paid = await readVaultOutflows(world.connection, world.fx.vault, { match: (m) => m.epoch === 9n });
    expect([...paid.keys()].sort()).toEqual(orders.map((o) => o.memo).sort());
    expect(paid.get(refundMemo(2))).toMatchObject({ signature, amount: 22n, destination: buyers[1]?.toBase58() });
    expect(paid.get(orders[2]?.memo ?? "")).toMatchObject({ amount: 33n, destination: payeeAccount.toBase58() });
    const none = await readVaultOutflows(world.connection, world.fx.vault, { match: (m) => m.epoch === 10n });
    expect(none.size).toBe(0);
    // A later scan lists the history again but reads no transaction it already read (each would be one RPC).
    let reads = 0;
    const counted = new Proxy(world.connection, {
      get(target, key, receiver) {
        if (key === "getTransaction") reads++;
        const value = Reflect.get(target, key, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const again = await readVaultOutflows(counted, world.fx.vault, { match: (m) => m.epoch === 9n });
    expect([...again.keys()].sort()).toEqual([...paid.keys()].sort());
    expect(reads).toBe(0);

    const watcher = new SolanaVaultWatcher({
      connection: world.connection,
      vault: world.fx.vault,
      mint: world.fx.mint,
      cursorStore: new FakeCursorStore(),
      cursorId: "solana:vault:batch-test",
      epochOf: () => 9n,
      pageSize: 50,
    });
    const batches: VaultBatch[] = [];
    await watcher.poll(async (b) => {
      batches.push(b);
    });
    const outflows = batches.flatMap((b) => b.outflows);
    expect(outflows.map((o) => [o.memoText, o.amount])).toEqual(orders.map((o) => [o.memo, o.amount]));
    // Before pairing, a batch with three memos was skipped as "ambiguous-memo"; the fixture's setup is skipped.
    expect(batches.flatMap((b) => b.skipped).map((s) => s.reason)).toEqual(["no-vault-transfer"]);
    expect(batches.flatMap((b) => b.payments)).toHaveLength(1);
  });

  it("does not read an inbound transfer carrying a refund memo as a refund", async () => {
    const fake = refundMemo(77, 11n);
    await payVault(world, 2, [5n], fake);
    const paid = await readVaultOutflows(world.connection, world.fx.vault, { match: (m) => m.epoch === 11n });
    expect(paid.size).toBe(0);
  });
});
