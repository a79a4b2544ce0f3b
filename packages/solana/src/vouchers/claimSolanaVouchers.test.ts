import { MemorySendLeaseStore } from "@slabridge/store";
import { createApproveInstruction, createRevokeInstruction } from "@solana/spl-token";
import { Keypair, Transaction, type TransactionInstruction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VaultSendInFlightError } from "../errors/VaultSendInFlightError.ts";
import { SolanaSender } from "../sender/SolanaSender.ts";
import { FakeCursorStore } from "../testing/FakeCursorStore.ts";
import { type SolanaTestWorld, startSolanaTestWorld, tokenBalance } from "../testing/solanaTestWorld.ts";
import { SolanaVaultWatcher } from "../vault/SolanaVaultWatcher.ts";
import type { SolanaPayment } from "../vault/vaultEvents.ts";
import { claimSolanaVouchers, type SolanaVoucherClaim } from "./claimSolanaVouchers.ts";
import { deriveSvmChannelId, signSvmVoucher } from "./svmVoucher.ts";
import { voucherClaimRef } from "./voucherClaimRef.ts";

const MODEL = 5n;
const CAP = 10_000_000n;

describe("claimSolanaVouchers", () => {
  let world: SolanaTestWorld;
  let sender: SolanaSender;
  const leases = new MemorySendLeaseStore();

  beforeAll(async () => {
    world = await startSolanaTestWorld(6);
    sender = new SolanaSender({
      connection: world.connection,
      payer: world.feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
      confirmTimeoutMs: 30_000,
      pollIntervalMs: 20,
    });
    for (const index of world.fx.buyers.keys()) await approve(index, CAP);
  });
  afterAll(() => world.close());

  const buyer = (index: number) => {
    const b = world.fx.buyers[index];
    if (b === undefined) throw new Error(`no buyer ${index}`);
    return b;
  };

  async function buyerSends(index: number, ix: TransactionInstruction): Promise<void> {
    const { keypair } = buyer(index);
    const tx = new Transaction().add(ix);
    tx.recentBlockhash = (await world.connection.getLatestBlockhash()).blockhash;
    tx.feePayer = keypair.publicKey;
    tx.sign(keypair);
    await world.connection.confirmTransaction(await world.connection.sendRawTransaction(tx.serialize()));
  }

  const approve = (index: number, amount: bigint) =>
    buyerSends(
      index,
      createApproveInstruction(buyer(index).tokenAccount, world.fx.multisig, buyer(index).keypair.publicKey, amount),
    );

  /** Buyer `index`'s channel for the model (salt = its index) and a voucher for `cumulative`, signed by `signer`. */
  function voucher(index: number, cumulative: bigint, signer = buyer(index).keypair): SolanaVoucherClaim {
    const { keypair, tokenAccount } = buyer(index);
    const salt = new Uint8Array(32).fill(index);
    const channelId = deriveSvmChannelId({
      payer: keypair.publicKey,
      tokenAccount,
      mint: world.fx.mint,
      vaultAuthority: world.fx.multisig,
      modelId: MODEL,
      salt,
    });
    return {
      channelId,
      payer: keypair.publicKey,
      tokenAccount,
      salt,
      cumulative,
      signature: signSvmVoucher({ channelId, cumulative }, signer),
    };
  }

  const claim = (
    epoch: bigint,
    vouchers: SolanaVoucherClaim[],
    via: Pick<SolanaSender, "send"> = sender,
    inFlightGuardMs = 0,
  ) =>
    claimSolanaVouchers({
      connection: world.connection,
      sender: via,
      operators: world.operators.slice(0, 2),
      leases,
      now: Date.now,
      inFlightGuardMs,
      vault: world.fx.vault,
      multisigAuthority: world.fx.multisig,
      mint: world.fx.mint,
      decimals: world.fx.decimals,
      feePayer: world.feePayer.publicKey,
      modelId: MODEL,
      epoch,
      vouchers,
    });

  async function watchedPayments(): Promise<SolanaPayment[]> {
    const watcher = new SolanaVaultWatcher({
      connection: world.connection,
      vault: world.fx.vault,
      mint: world.fx.mint,
      cursorStore: new FakeCursorStore(),
      cursorId: "solana:vault:test",
      epochOf: () => 0n,
      pageSize: 100,
    });
    const payments: SolanaPayment[] = [];
    await watcher.poll(async (batch) => {
      payments.push(...batch.payments);
    });
    return payments;
  }

  it("pulls 3 buyers' deltas in one batch, and the watcher books each as that buyer's payment", async () => {
    const vaultBefore = await tokenBalance(world, world.fx.vault);
    const amounts = [1_500n, 2_000n, 700n];
    const before = await Promise.all([0, 1, 2].map((i) => tokenBalance(world, buyer(i).tokenAccount)));
    const result = await claim(
      1n,
      amounts.map((a, i) => voucher(i, a)),
    );
    expect(result.skipped).toEqual([]);
    expect(result.pulled.map((p) => p.amount)).toEqual(amounts);
    expect(new Set(result.pulled.map((p) => p.signature)).size).toBe(1); // one transaction
    expect(await tokenBalance(world, world.fx.vault)).toBe(vaultBefore + 4_200n);
    for (const [i, amount] of amounts.entries()) {
      expect(await tokenBalance(world, buyer(i).tokenAccount)).toBe((before[i] ?? 0n) - amount);
    }

    const payments = await watchedPayments();
    const pulls = payments.filter((p) => p.signature === result.pulled[0]?.signature);
    expect(
      pulls.map((p) => ({
        buyer: p.buyer,
        source: p.sourceTokenAccount,
        amount: p.amount,
        model: p.modelId,
        ref: p.ref,
      })),
    ).toEqual(
      amounts.map((amount, i) => ({
        buyer: buyer(i).keypair.publicKey.toBase58(), // the account's owner, not the multisig that signed
        source: buyer(i).tokenAccount.toBase58(),
        amount,
        model: MODEL,
        ref: voucherClaimRef(voucher(i, 0n).channelId, 1n),
      })),
    );
  });

  it("a replayed claim pulls nothing; the next epoch pulls only the new delta", async () => {
    const vaultBefore = await tokenBalance(world, world.fx.vault);
    const replay = await claim(1n, [voucher(0, 1_500n), voucher(1, 2_000n), voucher(2, 700n)]);
    expect(replay.pulled).toEqual([]);
    expect(replay.alreadyPulled.map((p) => p.amount)).toEqual([1_500n, 2_000n, 700n]);
    expect(await tokenBalance(world, world.fx.vault)).toBe(vaultBefore);

    // Buyer 0's voucher signs for 2,300, the gateway charged 1,800 of it: the claim pulls what was charged.
    const next = await claim(2n, [{ ...voucher(0, 2_300n), claimable: 1_800n }, voucher(1, 2_000n)]);
    expect(next.pulled.map((p) => [p.owed, p.amount])).toEqual([[300n, 300n]]);
    expect(next.skipped).toMatchObject([{ reason: "nothing-owed", owed: 0n }]);
    expect(await tokenBalance(world, world.fx.vault)).toBe(vaultBefore + 300n);
  });

  it("skips a forged voucher, a claim beyond its voucher and a revoked approval without failing the others", async () => {
    await buyerSends(4, createRevokeInstruction(buyer(4).tokenAccount, buyer(4).keypair.publicKey));
    const forged = voucher(3, 9_000n, Keypair.generate());
    // A buyer signing for another buyer's approved account gets nothing either.
    const { channelId: _ignored, ...theirs } = voucher(5, 1n);
    const thief = Keypair.generate();
    const stealTerms = { ...theirs, payer: thief.publicKey };
    const stealId = deriveSvmChannelId({
      ...stealTerms,
      mint: world.fx.mint,
      vaultAuthority: world.fx.multisig,
      modelId: MODEL,
    });
    const steal: SolanaVoucherClaim = {
      ...stealTerms,
      channelId: stealId,
      cumulative: 5_000n,
      signature: signSvmVoucher({ channelId: stealId, cumulative: 5_000n }, thief),
    };
    const vaultBefore = await tokenBalance(world, world.fx.vault);
    const greedy = { ...voucher(2, 900n), claimable: 901n };
    const result = await claim(3n, [forged, voucher(4, 400n), steal, voucher(5, 250n), greedy]);
    expect(result.skipped.map((s) => s.reason)).toEqual(["bad-signature", "malformed", "revoked", "not-payer-account"]);
    expect(result.pulled.map((p) => [p.payer, p.amount])).toEqual([[buyer(5).keypair.publicKey.toBase58(), 250n]]);
    expect(await tokenBalance(world, world.fx.vault)).toBe(vaultBefore + 250n);
  });

  it("pulls what a short allowance allows and reports the rest", async () => {
    await approve(3, 100n);
    const result = await claim(4n, [voucher(3, 160n)]);
    expect(result.pulled).toMatchObject([
      { amount: 100n, owed: 160n, shortBy: { amount: 60n, reason: "short-allowance" } },
    ]);
    // The allowance is spent: the next epoch's claim finds the approval gone and skips it.
    const after = await claim(5n, [voucher(3, 160n)]);
    expect(after.skipped).toMatchObject([{ reason: "revoked", owed: 60n }]);
  });

  it("retries a batch the token program refuses one pull at a time (an approval revoked after the read)", async () => {
    await approve(0, CAP);
    await approve(1, CAP);
    let revoked = false;
    const racing: Pick<SolanaSender, "send"> = {
      send: async (instructions, signers, options) => {
        if (!revoked) {
          revoked = true;
          await buyerSends(1, createRevokeInstruction(buyer(1).tokenAccount, buyer(1).keypair.publicKey));
        }
        return sender.send(instructions, signers, options);
      },
    };
    const result = await claim(6n, [voucher(0, 2_000n), voucher(1, 2_500n)], racing);
    expect(result.pulled.map((p) => [p.payer, p.amount])).toEqual([[buyer(0).keypair.publicKey.toBase58(), 200n]]);
    expect(result.skipped).toMatchObject([{ reason: "transfer-failed", owed: 500n }]);
  });

  it("never runs two epochs' claims of a model at once (both would read the same pulls and pull the delta twice)", async () => {
    await approve(2, CAP);
    const vaultBefore = await tokenBalance(world, world.fx.vault);
    // Buyer 2 was pulled 700 so far; both claims see a voucher for 1,000 and would each pull 300.
    const runs = await Promise.allSettled([
      claim(7n, [voucher(2, 1_000n)], sender, 90_000),
      claim(8n, [voucher(2, 1_000n)], sender, 90_000),
    ]);
    expect(runs.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = runs.find((r) => r.status === "rejected");
    expect(refused?.status === "rejected" && refused.reason).toBeInstanceOf(VaultSendInFlightError);
    expect(await tokenBalance(world, world.fx.vault)).toBe(vaultBefore + 300n);
  });
});
