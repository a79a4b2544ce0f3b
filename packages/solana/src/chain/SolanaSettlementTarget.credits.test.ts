import { type DeploymentManifest, type Hex, SOLANA_CHAIN_ID } from "@slabridge/core";
import { MemoryCursorStore, MemoryPaymentStore, MemorySendLeaseStore } from "@slabridge/store";
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createCloseAccountInstruction,
  createTransferInstruction,
} from "@solana/spl-token";
import { Keypair, type PublicKey, sendAndConfirmTransaction, Transaction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { solanaPaymentId } from "../memo/solanaPaymentId.ts";
import { associatedTokenAccount } from "../multisig/buildVaultTransferBatch.ts";
import { readVaultOutflows } from "../multisig/readVaultOutflows.ts";
import { SolanaSender } from "../sender/SolanaSender.ts";
import type { SplitEntry } from "../settlement/planSolanaSettlement.ts";
import { payVault, type SolanaTestWorld, startSolanaTestWorld, tokenBalance } from "../testing/solanaTestWorld.ts";
import { SolanaSettlementTarget } from "./SolanaSettlementTarget.ts";

const MODEL = 7n;
const SCAN = "solana:vault-scan:credits-test";
const model: DeploymentManifest["models"][number] = {
  modelId: "7",
  homeChainId: 31_338,
  genesis: 0,
  epochSeconds: 10,
  hostName: "test",
  hostUrl: "http://127.0.0.1:1",
  pricePerRequest: "1",
};
// SPL token account layout: mint (32), owner (32), amount (8), delegate (36), then the state byte.
const STATE_OFFSET = 108;
const FROZEN = 2;
const INITIALIZED = 1;

describe("refunds to closed or frozen buyer accounts (finding 4)", () => {
  let world: SolanaTestWorld;
  const payments = new MemoryPaymentStore();
  const cursors = new MemoryCursorStore();
  const leases = new MemorySendLeaseStore();
  const payee = Keypair.generate().publicKey;
  const payees: SplitEntry[] = [
    { chain: 31_338, account: `0x${"00".repeat(31)}01`, shareBps: 7_000 },
    { chain: SOLANA_CHAIN_ID, account: `0x${Buffer.from(payee.toBytes()).toString("hex")}`, shareBps: 3_000 },
  ];
  let beforeSend: (() => void) | undefined;

  const target = (epoch: bigint) => {
    const sender = new SolanaSender({
      connection: world.connection,
      payer: world.feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
      confirmTimeoutMs: 10_000,
      pollIntervalMs: 20,
    });
    return new SolanaSettlementTarget({
      chainId: SOLANA_CHAIN_ID,
      connection: world.connection,
      sender: {
        send: (...args: Parameters<SolanaSender["send"]>) => {
          beforeSend?.();
          beforeSend = undefined;
          return sender.send(...args);
        },
      },
      feePayer: world.feePayer.publicKey,
      operators: world.operators.slice(0, 2),
      vault: world.fx.vault,
      multisig: world.fx.multisig,
      mint: world.fx.mint,
      decimals: world.fx.decimals,
      payments,
      cursors,
      leases,
      verdicts: {
        verified: async () => ({
          modelId: MODEL,
          epoch,
          refundBps: 5_000,
          reportHash: `0x${"ab".repeat(32)}`,
          topUp: 0n,
          vaaId: `10003/${"00".repeat(32)}/0`,
          vaaHash: `0x${"cd".repeat(32)}`,
        }),
      },
      payees: async () => payees,
      models: [model],
      vaultScanCursorId: SCAN,
    });
  };

  const buyer = (i: number) => {
    const b = world.fx.buyers[i];
    if (!b) throw new Error(`no buyer ${i}`);
    return b;
  };
  async function pay(i: number, epoch: bigint, amount: bigint): Promise<Hex> {
    const memo = formatSlabridgeMemo({ kind: "pay", modelId: MODEL, ref: "ef".repeat(8) });
    const signature = await payVault(world, i, [amount], memo);
    const paymentId = solanaPaymentId(signature, { instructionIndex: 0 });
    await payments.record({
      chainId: SOLANA_CHAIN_ID,
      modelId: MODEL,
      epoch,
      paymentId,
      buyer: buyer(i).keypair.publicKey.toBase58(),
      amount,
      transaction: signature,
      block: 1n,
      blockHash: signature,
      observedAt: Date.now(),
    });
    return paymentId;
  }
  const setState = (account: PublicKey, state: number) => {
    const info = world.rpc.ledger.getAccount(account);
    if (!info) throw new Error(`no account ${account.toBase58()}`);
    const data = Uint8Array.from(info.data);
    data[STATE_OFFSET] = state;
    world.rpc.setAccount(account, { ...info, data });
  };
  const balance = (account: PublicKey) => tokenBalance(world, account).catch(() => 0n);
  const ataOf = (i: number) => associatedTokenAccount(buyer(i).keypair.publicKey, world.fx.mint);
  /** Every token account of the mint this test knows about, summed: must always equal the supply. */
  const conserved = async () => {
    const accounts = [world.fx.vault, associatedTokenAccount(payee, world.fx.mint)];
    for (let i = 0; i < 3; i++) accounts.push(buyer(i).tokenAccount, ataOf(i));
    const held = (await Promise.all(accounts.map(balance))).reduce((a, b) => a + b, 0n);
    const supply = BigInt((await world.connection.getTokenSupply(world.fx.mint)).value.amount);
    expect(held).toBe(supply);
  };

  beforeAll(async () => {
    world = await startSolanaTestWorld(3);
    await cursors.advance({ id: SCAN, block: BigInt(Date.now()), blockHash: "scan", version: 1 }, undefined);
  });
  afterAll(() => world.close());

  it("refunds everyone else, pays the payouts, and keeps the closed account's refund for its owner", async () => {
    const ids = [await pay(0, 0n, 1_000n), await pay(1, 0n, 2_000n), await pay(2, 0n, 3_000n)];
    // Before the verdict, buyer 1 empties and closes its token account (wallets offer this to reclaim rent), and
    // buyer 2's account and its associated token account are frozen by the mint's freeze authority.
    const b1 = buyer(1);
    const rest = await balance(b1.tokenAccount);
    await sendAndConfirmTransaction(
      world.connection,
      new Transaction().add(
        createTransferInstruction(b1.tokenAccount, buyer(0).tokenAccount, b1.keypair.publicKey, rest),
        createCloseAccountInstruction(b1.tokenAccount, b1.keypair.publicKey, b1.keypair.publicKey),
      ),
      [b1.keypair],
    );
    const b2 = buyer(2);
    await sendAndConfirmTransaction(
      world.connection,
      new Transaction().add(
        createAssociatedTokenAccountIdempotentInstruction(
          b2.keypair.publicKey,
          ataOf(2),
          b2.keypair.publicKey,
          world.fx.mint,
        ),
      ),
      [b2.keypair],
    );
    setState(b2.tokenAccount, FROZEN);
    setState(ataOf(2), FROZEN);
    const before = await Promise.all([buyer(0).tokenAccount, ataOf(1), b2.tokenAccount, ataOf(2)].map(balance));

    const t = target(0n);
    for (let i = 0; i < 5 && !(await t.state(MODEL, 0n)).refundsDone; i++) await t.refundNext(MODEL, 0n, 10);
    expect(await t.state(MODEL, 0n)).toMatchObject({ refundsDone: true });
    await t.release(MODEL, 0n);
    expect(await t.state(MODEL, 0n)).toEqual({ verdictApplied: true, refundsDone: true, released: true });

    const after = await Promise.all([buyer(0).tokenAccount, ataOf(1), b2.tokenAccount, ataOf(2)].map(balance));
    // 50 %: buyer 0 back to its account, buyer 1 to its (new) associated account, buyer 2 nothing yet.
    expect(after.map((a, i) => a - (before[i] ?? 0n))).toEqual([500n, 1_000n, 0n, 0n]);
    // released 3,000: the Solana payee's 30 % lands even though one refund could not be delivered.
    expect(await balance(associatedTokenAccount(payee, world.fx.mint))).toBe(900n);
    const position = await t.nettingPosition(MODEL, 0n);
    expect(position?.credits).toEqual([{ paymentId: ids[2], amount: 1_500n, signature: expect.any(String) }]);
    // The vault holds exactly the parked credit and the other chains' payees' shares.
    expect(await balance(world.fx.vault)).toBe(1_500n + (position?.heldForOtherChains ?? -1n));
    expect(position?.heldForOtherChains).toBe(2_100n);
    await conserved();

    // The credit is the buyer's: once its associated account can receive again, claiming pays it once.
    expect(await t.claimCredits(MODEL, 0n)).toEqual({ transaction: "" }); // still frozen: stays parked
    setState(ataOf(2), INITIALIZED);
    expect((await t.claimCredits(MODEL, 0n)).transaction).not.toBe("");
    expect(await balance(ataOf(2))).toBe((before[3] ?? 0n) + 1_500n);
    expect(await t.claimCredits(MODEL, 0n)).toEqual({ transaction: "" });
    expect((await t.nettingPosition(MODEL, 0n))?.credits).toEqual([]);
    expect(await balance(world.fx.vault)).toBe(2_100n);
    await conserved();
    const refunds = await readVaultOutflows(world.connection, world.fx.vault, {
      match: (m) => m.kind === "refund" && m.epoch === 0n,
    });
    expect([...refunds.values()].map((o) => o.amount).sort((a, b) => Number(a - b))).toEqual([500n, 1_000n, 1_500n]);
  });

  it("parks a refund whose account is frozen between the read and the send; the rest of the batch lands", async () => {
    setState(buyer(2).tokenAccount, INITIALIZED);
    await pay(0, 1n, 400n);
    await pay(2, 1n, 800n);
    const vaultBefore = await balance(world.fx.vault);
    const b0Before = await balance(buyer(0).tokenAccount);
    const b2Before = await balance(buyer(2).tokenAccount);
    const t = target(1n);
    beforeSend = () => setState(buyer(0).tokenAccount, FROZEN);
    await t.refundNext(MODEL, 1n, 10);
    // Every refund is paid or parked (the state keeps refunds open: buyer 0's associated account could take it now).
    expect((await t.nettingPosition(MODEL, 1n))?.refundsDone).toBe(true);
    expect(await balance(buyer(0).tokenAccount)).toBe(b0Before);
    expect(await balance(buyer(2).tokenAccount)).toBe(b2Before + 400n);
    const position = await t.nettingPosition(MODEL, 1n);
    expect(position?.credits.map((c) => c.amount)).toEqual([200n]);
    expect(await balance(world.fx.vault)).toBe(vaultBefore - 400n);
    await conserved();
    setState(buyer(0).tokenAccount, INITIALIZED);
    await t.claimCredits(MODEL, 1n);
    expect(await balance(buyer(0).tokenAccount)).toBe(b0Before + 200n);
    await conserved();
  });

  it("delivers a parked credit through the refund pass once its buyer can take it, once, with no claim call", async () => {
    const b2 = buyer(2);
    await pay(2, 2n, 600n);
    setState(b2.tokenAccount, FROZEN);
    setState(ataOf(2), FROZEN);
    const t = target(2n);
    /** What a refund job does (the settlement sweep's, on its schedule): refund until the state says done. */
    const refundJob = async () => {
      for (let i = 0; i < 5 && !(await t.state(MODEL, 2n)).refundsDone; i++) await t.refundNext(MODEL, 2n, 10);
    };
    await refundJob();
    expect((await t.nettingPosition(MODEL, 2n))?.credits.map((c) => c.amount)).toEqual([300n]);
    // Still frozen: nothing to deliver, the epoch counts as settled (the credit stays parked).
    expect(await t.state(MODEL, 2n)).toMatchObject({ refundsDone: true });
    expect(await t.refundNext(MODEL, 2n, 10)).toEqual({ transaction: "" });

    const ataBefore = await balance(ataOf(2));
    const vaultBefore = await balance(world.fx.vault);
    setState(ataOf(2), INITIALIZED);
    // The buyer can take it now: the sweep sees refunds owed again and its refund job delivers the credit.
    expect(await t.state(MODEL, 2n)).toMatchObject({ verdictApplied: true, refundsDone: false, released: false });
    await refundJob();
    expect(await t.state(MODEL, 2n)).toMatchObject({ refundsDone: true });
    expect(await t.refundNext(MODEL, 2n, 10)).toEqual({ transaction: "" });
    expect(await t.claimCredits(MODEL, 2n)).toEqual({ transaction: "" });
    expect(await balance(ataOf(2))).toBe(ataBefore + 300n);
    expect(await balance(world.fx.vault)).toBe(vaultBefore - 300n);
    expect((await t.nettingPosition(MODEL, 2n))?.credits).toEqual([]);
    await conserved();
    setState(b2.tokenAccount, INITIALIZED);
  });
});
