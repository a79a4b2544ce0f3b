import { type DeploymentManifest, SOLANA_CHAIN_ID } from "@slabridge/core";
import { MemoryCursorStore, MemoryPaymentStore, MemorySendLeaseStore } from "@slabridge/store";
import { Connection, type Keypair, type PublicKey, type SendOptions } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { solanaPaymentId } from "../memo/solanaPaymentId.ts";
import { readVaultOutflows } from "../multisig/readVaultOutflows.ts";
import { SolanaSender } from "../sender/SolanaSender.ts";
import { payVault, type SolanaTestWorld, startSolanaTestWorld } from "../testing/solanaTestWorld.ts";
import { SolanaSettlementTarget } from "./SolanaSettlementTarget.ts";
import type { SolanaVerdict } from "./SolanaVerdictSource.ts";

const MODEL = 6n;
const SCAN = "solana:vault-scan:lease-test";
const model: DeploymentManifest["models"][number] = {
  modelId: "6",
  homeChainId: 31_338,
  genesis: 0,
  epochSeconds: 10,
  hostName: "test",
  hostUrl: "http://127.0.0.1:1",
  pricePerRequest: "1",
};

/** A connection whose broadcasts are lost on the way (kept, so the test can deliver them late). */
class LossyConnection extends Connection {
  readonly held: Uint8Array[] = [];
  override async sendRawTransaction(raw: Buffer | Uint8Array | number[], _options?: SendOptions): Promise<string> {
    this.held.push(Uint8Array.from(raw));
    throw new TypeError("fetch failed"); // the RPC never answered: the sender treats it as maybe sent
  }
}

describe("the vault send lease and a transaction still in flight (finding 7)", () => {
  let world: SolanaTestWorld;
  let connection: Connection;
  let operators: Keypair[];
  const payments = new MemoryPaymentStore();
  const cursors = new MemoryCursorStore();
  const leases = new MemorySendLeaseStore();
  let sends = 0;
  const later = () => Date.now() + 10 * 60_000; // long past any guard

  const target = (epoch: bigint, sender: SolanaSender, now: () => number = Date.now) => {
    const { fx, feePayer } = world;
    return new SolanaSettlementTarget({
      chainId: SOLANA_CHAIN_ID,
      connection,
      sender: {
        send: (...args: Parameters<SolanaSender["send"]>) => {
          sends++;
          return sender.send(...args);
        },
      },
      feePayer: feePayer.publicKey,
      operators,
      vault: fx.vault,
      multisig: fx.multisig,
      mint: fx.mint,
      decimals: fx.decimals,
      payments,
      cursors,
      leases,
      verdicts: {
        verified: async (): Promise<SolanaVerdict> => ({
          modelId: MODEL,
          epoch,
          refundBps: 10_000,
          reportHash: `0x${"ab".repeat(32)}`,
          topUp: 0n,
          vaaId: `10003/${"00".repeat(32)}/0`,
          vaaHash: `0x${"cd".repeat(32)}`,
        }),
      },
      payees: async () => [],
      models: [model],
      vaultScanCursorId: SCAN,
      inFlightGuardMs: 0,
      now,
    });
  };
  const senderOn = (conn: Connection, confirmTimeoutMs: number) =>
    new SolanaSender({
      connection: conn,
      payer: world.feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
      confirmTimeoutMs,
      pollIntervalMs: 20,
    });

  async function pay(epoch: bigint, amount: bigint): Promise<string> {
    const memo = formatSlabridgeMemo({ kind: "pay", modelId: MODEL, ref: "ab".repeat(8) });
    const signature = await payVault(world, 0, [amount], memo);
    const paymentId = solanaPaymentId(signature, { instructionIndex: 0 });
    await payments.record({
      chainId: SOLANA_CHAIN_ID,
      modelId: MODEL,
      epoch,
      paymentId,
      buyer: world.fx.buyers[0]?.keypair.publicKey.toBase58() ?? "",
      amount,
      transaction: signature,
      block: 1n,
      blockHash: signature,
      observedAt: Date.now(),
    });
    return formatSlabridgeMemo({ kind: "refund", modelId: MODEL, epoch, paymentId });
  }
  const balance = async (account: PublicKey) => BigInt((await connection.getTokenAccountBalance(account)).value.amount);
  const refundsOf = async (memo: string) => {
    const found = await readVaultOutflows(connection, world.fx.vault, { match: (m) => m.kind === "refund" });
    return [...found.values()].filter((o) => o.memoText === memo).length;
  };

  beforeAll(async () => {
    world = await startSolanaTestWorld(1);
    ({ connection } = world);
    operators = world.operators.slice(0, 2);
    await cursors.advance({ id: SCAN, block: BigInt(Date.now()), blockHash: "scan", version: 1 }, undefined);
  });
  afterAll(() => world.close());

  it("does not take over a stale sent:<sig> lease whose transaction can still land, so nothing is paid twice", async () => {
    const memo = await pay(0n, 4_000n);
    const buyer = world.fx.buyers[0]?.tokenAccount as PublicKey;
    const lossy = new LossyConnection(world.rpc.url, "confirmed");
    // The first refund's broadcast is lost in congestion: the sender gives up, the lease names its signature.
    await expect(target(0n, senderOn(lossy, 300)).refundNext(MODEL, 0n, 10)).rejects.toMatchObject({
      name: "ConfirmationTimeoutError",
    });
    const lease = await leases.get(`solana:vault-send:${MODEL}:0`);
    expect(lease).toMatchObject({ state: "sent" });
    const inFlight = lossy.held.at(-1) as Uint8Array;

    // Minutes later (long past the guard) a retry finds the lease: its transaction can still land, so it waits.
    const before = sends;
    await expect(target(0n, senderOn(connection, 10_000), later).refundNext(MODEL, 0n, 10)).rejects.toMatchObject({
      name: "VaultSendInFlightError",
      retryable: true,
    });
    expect(sends).toBe(before);

    // The held transaction lands after all: the refund is paid by it, once.
    const buyerBefore = await balance(buyer);
    await connection.sendRawTransaction(inFlight);
    expect(await balance(buyer)).toBe(buyerBefore + 4_000n);
    const t = target(0n, senderOn(connection, 10_000), later);
    expect(await t.refundNext(MODEL, 0n, 10)).toEqual({ transaction: "" }); // the landed check frees the lease
    expect(await t.state(MODEL, 0n)).toMatchObject({ refundsDone: true });
    expect(await refundsOf(memo)).toBe(1);
    expect(await balance(buyer)).toBe(buyerBefore + 4_000n);
  });

  it("takes over once the finalized height is past the transaction's last valid height and it never landed", async () => {
    const memo = await pay(1n, 3_000n);
    const buyer = world.fx.buyers[0]?.tokenAccount as PublicKey;
    const lossy = new LossyConnection(world.rpc.url, "confirmed");
    await expect(target(1n, senderOn(lossy, 300)).refundNext(MODEL, 1n, 10)).rejects.toMatchObject({
      name: "ConfirmationTimeoutError",
    });
    const lease = await leases.get(`solana:vault-send:${MODEL}:1`);
    const lastValid = lease?.state === "sent" ? (lease.lastValidBlockHeight ?? 0) : 0;

    while (world.rpc.ledger.blockHeight <= lastValid) world.rpc.ledger.advanceSlot();
    expect(world.rpc.ledger.blockHeight).toBeGreaterThan(lastValid);

    const buyerBefore = await balance(buyer);
    const { transaction } = await target(1n, senderOn(connection, 10_000)).refundNext(MODEL, 1n, 10);
    expect(transaction).not.toBe("");
    expect(lossy.held).toHaveLength(1);
    expect(await balance(buyer)).toBe(buyerBefore + 3_000n);
    // The lost transaction can no longer land.
    await expect(connection.sendRawTransaction(lossy.held.at(-1) as Uint8Array)).rejects.toThrow(
      /Blockhash not found/i,
    );
    expect(await refundsOf(memo)).toBe(1);
    expect((await leases.get(`solana:vault-send:${MODEL}:1`))?.state).toBe("idle");
  });
});
