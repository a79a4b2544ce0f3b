import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { SolanaSender } from "../sender/SolanaSender.ts";
import { FakeCursorStore } from "../testing/FakeCursorStore.ts";
import { payVault, type SolanaTestWorld, startSolanaTestWorld, tokenBalance } from "../testing/solanaTestWorld.ts";
import { SolanaVaultWatcher } from "../vault/SolanaVaultWatcher.ts";
import type { SolanaPayment, VaultBatch } from "../vault/vaultEvents.ts";
import { buildMultisigTransfer, type MultisigTransferParams } from "./buildMultisigTransfer.ts";
import { findVaultOutflow } from "./findVaultOutflow.ts";
import { sendVaultTransferOnce } from "./sendVaultTransferOnce.ts";

describe("multisig refunds and payouts", () => {
  let world: SolanaTestWorld;
  let sender: SolanaSender;
  let payment: SolanaPayment;
  const cursorStore = new FakeCursorStore();
  let watcher: SolanaVaultWatcher;
  const poll = async () => {
    const batches: VaultBatch[] = [];
    await watcher.poll(async (b) => {
      batches.push(b);
    });
    return batches;
  };

  beforeAll(async () => {
    world = await startSolanaTestWorld(2);
    sender = new SolanaSender({
      connection: world.connection,
      payer: world.feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
      confirmTimeoutMs: 10_000,
      pollIntervalMs: 20,
    });
    watcher = new SolanaVaultWatcher({
      connection: world.connection,
      vault: world.fx.vault,
      mint: world.fx.mint,
      cursorStore,
      cursorId: "solana:vault:test",
      epochOf: () => 5n,
      pageSize: 50,
    });
    await payVault(world, 0, [7_000_000n], formatSlabridgeMemo({ kind: "pay", modelId: 1n, ref: "ab".repeat(8) }));
    const [batch] = await poll();
    const first = batch?.payments[0];
    if (first === undefined) throw new Error("payment not seen");
    payment = first;
  });
  afterAll(() => world.close());

  const refundOf = (p: SolanaPayment, signers: MultisigTransferParams["signers"]): MultisigTransferParams => ({
    vault: world.fx.vault,
    destination: world.fx.buyers[0]?.tokenAccount ?? world.fx.vault,
    multisigAuthority: world.fx.multisig,
    signers,
    amount: p.amount,
    memo: formatSlabridgeMemo({ kind: "refund", modelId: p.modelId, epoch: p.epoch, paymentId: p.paymentId }),
    mint: world.fx.mint,
    decimals: world.fx.decimals,
  });

  it("refunds with 2 of 3 operators, once, and everyone sees the outflow", async () => {
    const [op0, , op2] = world.operators as [typeof world.feePayer, unknown, typeof world.feePayer];
    const transfer = refundOf(payment, [op0.publicKey, op2.publicKey]);
    const buyerBefore = await tokenBalance(world, transfer.destination);
    const vaultBefore = await tokenBalance(world, world.fx.vault);

    const submitted: string[] = [];
    const first = await sendVaultTransferOnce({
      connection: world.connection,
      sender,
      transfer,
      operators: [op0, op2],
      onSubmitted: (s) => {
        submitted.push(s);
      },
    });
    expect(first.status).toBe("sent");
    const signature = first.status === "sent" ? first.signature : "";
    expect(submitted).toEqual([signature]);
    expect(await tokenBalance(world, transfer.destination)).toBe(buyerBefore + payment.amount);
    expect(await tokenBalance(world, world.fx.vault)).toBe(vaultBefore - payment.amount);

    const found = await findVaultOutflow(world.connection, world.fx.vault, transfer.memo);
    expect(found).toMatchObject({
      signature,
      amount: payment.amount,
      destination: transfer.destination.toBase58(),
      memoText: transfer.memo,
      memo: { kind: "refund", paymentId: payment.paymentId, epoch: 5n, modelId: 1n },
    });

    const batches = await poll();
    expect(batches.flatMap((b) => b.payments)).toEqual([]);
    expect(batches.flatMap((b) => b.outflows)).toEqual([found]);

    // The retry (crash, timeout, second worker after the lock expired) checks first and pays nothing.
    const again = await sendVaultTransferOnce({
      connection: world.connection,
      sender,
      transfer,
      operators: [op0, op2],
    });
    expect(again).toEqual({ status: "already-done", outflow: found });
    expect(await tokenBalance(world, world.fx.vault)).toBe(vaultBefore - payment.amount);
  });

  it("does not find an outflow for another memo, and ignores inbound payments with the memo text", async () => {
    const other = formatSlabridgeMemo({ kind: "payout", modelId: 1n, epoch: 5n, index: 0 });
    expect(await findVaultOutflow(world.connection, world.fx.vault, other)).toBeUndefined();
    // A buyer cannot fake a refund record by paying in with the refund memo: only transfers out count.
    const fake = formatSlabridgeMemo({ kind: "payout", modelId: 1n, epoch: 5n, index: 9 });
    await payVault(world, 1, [1n], fake);
    expect(await findVaultOutflow(world.connection, world.fx.vault, fake)).toBeUndefined();
    const [batch] = await poll();
    expect(batch?.skipped.map((s) => s.reason)).toEqual(["unexpected-memo-kind"]);
  });

  it("pays a payout with a payout memo; a single operator is not enough", async () => {
    const [op0, op1] = world.operators as [typeof world.feePayer, typeof world.feePayer];
    const payee = world.fx.buyers[1]?.tokenAccount ?? world.fx.vault;
    const transfer: MultisigTransferParams = {
      ...refundOf(payment, [op0.publicKey]),
      destination: payee,
      // All the vault holds now: the buyer's 1-unit "fake" payment above.
      amount: 1n,
      memo: formatSlabridgeMemo({ kind: "payout", modelId: 1n, epoch: 5n, index: 1 }),
    };
    const refused = await sender.send(buildMultisigTransfer(transfer), [op0]).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: "TransactionFailedError", retryable: false, signature: undefined });
    expect((refused as { logs: string[] }).logs).toContain("Program log: Error: MissingRequiredSignature");
    const result = await sendVaultTransferOnce({
      connection: world.connection,
      sender,
      transfer: { ...transfer, signers: [op0.publicKey, op1.publicKey] },
      operators: [op0, op1],
    });
    expect(result.status).toBe("sent");
    const [batch] = await poll();
    expect(batch?.outflows.map((o) => [o.memo.kind, o.amount, o.destination])).toEqual([
      ["payout", 1n, payee.toBase58()],
    ]);
  });

  it("refuses to build a transfer out of the vault without a refund or payout memo", () => {
    const base = refundOf(
      payment,
      world.operators.slice(0, 2).map((k) => k.publicKey),
    );
    expect(() => buildMultisigTransfer({ ...base, memo: "refund please" })).toThrow(
      expect.objectContaining({ name: "MalformedMemoError", reason: "not-slabridge" }),
    );
    expect(() =>
      buildMultisigTransfer({ ...base, memo: formatSlabridgeMemo({ kind: "pay", modelId: 1n, ref: "ab".repeat(8) }) }),
    ).toThrow(expect.objectContaining({ reason: "wrong-kind" }));
  });
});
