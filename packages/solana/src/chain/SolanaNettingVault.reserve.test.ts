import { type DeploymentManifest, SOLANA_CHAIN_ID } from "@slabridge/core";
import { MemoryCursorStore, MemoryPaymentStore, MemorySendLeaseStore } from "@slabridge/store";
import { Keypair, type PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { solanaPaymentId } from "../memo/solanaPaymentId.ts";
import { associatedTokenAccount } from "../multisig/buildVaultTransferBatch.ts";
import { SolanaSender } from "../sender/SolanaSender.ts";
import type { SplitEntry } from "../settlement/planSolanaSettlement.ts";
import { payVault, type SolanaTestWorld, startSolanaTestWorld, tokenBalance } from "../testing/solanaTestWorld.ts";
import { SolanaSettlementTarget } from "./SolanaSettlementTarget.ts";
import type { SolanaVerdict } from "./SolanaVerdictSource.ts";

const MODEL = 8n;
const SCAN = "solana:vault-scan:reserve-test";
const GENESIS = Math.floor(Date.now() / 1000) - 100; // epochs of 10 s: epochs 0 and 1 are recent
const model: DeploymentManifest["models"][number] = {
  modelId: "8",
  homeChainId: 31_338,
  genesis: GENESIS,
  epochSeconds: 10,
  hostName: "test",
  hostUrl: "http://127.0.0.1:1",
  pricePerRequest: "1",
};

describe("the Solana netting payer keeps buyers' escrow (finding 10)", () => {
  let world: SolanaTestWorld;
  const payments = new MemoryPaymentStore();
  const cursors = new MemoryCursorStore();
  const leases = new MemorySendLeaseStore();
  const verdicts = new Map<bigint, SolanaVerdict>();
  // Every payee of the model is on an EVM chain: the vault holds all released revenue for netting.
  const payees: SplitEntry[] = [{ chain: 31_338, account: `0x${"00".repeat(31)}01`, shareBps: 10_000 }];
  const netPayee = Keypair.generate().publicKey;

  const target = () =>
    new SolanaSettlementTarget({
      chainId: SOLANA_CHAIN_ID,
      connection: world.connection,
      sender: new SolanaSender({
        connection: world.connection,
        payer: world.feePayer,
        priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
        confirmTimeoutMs: 10_000,
        pollIntervalMs: 20,
      }),
      feePayer: world.feePayer.publicKey,
      operators: world.operators.slice(0, 2),
      vault: world.fx.vault,
      multisig: world.fx.multisig,
      mint: world.fx.mint,
      decimals: world.fx.decimals,
      payments,
      cursors,
      leases,
      verdicts: { verified: async (_m, epoch) => verdicts.get(epoch) },
      payees: async () => payees,
      models: [model],
      vaultScanCursorId: SCAN,
    });
  const verdict = (epoch: bigint, refundBps: number): SolanaVerdict => ({
    modelId: MODEL,
    epoch,
    refundBps,
    reportHash: `0x${"ab".repeat(32)}`,
    topUp: 0n,
    vaaId: `10003/${"00".repeat(32)}/0`,
    vaaHash: `0x${"cd".repeat(32)}`,
  });
  async function pay(buyer: number, epoch: bigint, amount: bigint): Promise<void> {
    const memo = formatSlabridgeMemo({ kind: "pay", modelId: MODEL, ref: "ab".repeat(8) });
    const signature = await payVault(world, buyer, [amount], memo);
    await payments.record({
      chainId: SOLANA_CHAIN_ID,
      modelId: MODEL,
      epoch,
      paymentId: solanaPaymentId(signature, { instructionIndex: 0 }),
      buyer: world.fx.buyers[buyer]?.keypair.publicKey.toBase58() ?? "",
      amount,
      transaction: signature,
      block: 1n,
      blockHash: signature,
      observedAt: Date.now(),
    });
  }
  const balance = (account: PublicKey) => tokenBalance(world, account).catch(() => 0n);
  const netted = (amount: bigint) => [{ chain: SOLANA_CHAIN_ID, account: netPayee.toBase58(), amount: `${amount}` }];

  beforeAll(async () => {
    world = await startSolanaTestWorld(2);
    await cursors.advance({ id: SCAN, block: BigInt(Date.now()), blockHash: "scan", version: 1 }, undefined);
  });
  afterAll(() => world.close());

  it("pays netted shares only from the free balance, and a later breach refund still lands in full", async () => {
    // Epoch 0 is settled: 1,000 released, all of it held for the EVM payees (the free part netting may use).
    await pay(0, 0n, 1_000n);
    verdicts.set(0n, verdict(0n, 0));
    const t = target();
    await t.release(MODEL, 0n);
    expect(await t.state(MODEL, 0n)).toMatchObject({ released: true });
    // Epoch 1 is paid but has no verdict yet: its 5,000 are buyers' escrow.
    const buyer = world.fx.buyers[1]?.tokenAccount as PublicKey;
    await pay(1, 1n, 5_000n);
    const buyerPaid = await balance(buyer);
    expect(await balance(world.fx.vault)).toBe(6_000n);
    expect(await t.reserve()).toBe(5_000n);

    // A round owing the Solana payee 3,000 would have spent 2,000 of the buyers' escrow: it waits instead.
    await expect(
      t.nettingPayer().pay({ modelId: MODEL, epoch: 0n, solanaPayouts: netted(3_000n) }),
    ).rejects.toMatchObject({ name: "NettingVaultNotReadyError", retryable: true });
    expect(await balance(world.fx.vault)).toBe(6_000n);
    // What the free balance covers is paid.
    const paid = await t.nettingPayer().pay({ modelId: MODEL, epoch: 0n, solanaPayouts: netted(1_000n) });
    expect(paid.paid.map((p) => p.amount)).toEqual(["1000"]);
    expect(await balance(associatedTokenAccount(netPayee, world.fx.mint))).toBe(1_000n);

    // Epoch 1 breaches in full: every buyer is refunded, out of the escrow netting left alone.
    verdicts.set(1n, verdict(1n, 10_000));
    await t.refundNext(MODEL, 1n, 10);
    expect(await t.state(MODEL, 1n)).toEqual({ verdictApplied: true, refundsDone: true, released: true });
    expect(await balance(buyer)).toBe(buyerPaid + 5_000n);
    expect(await balance(world.fx.vault)).toBe(0n);
    expect(await t.reserve()).toBe(0n);
  });
});
