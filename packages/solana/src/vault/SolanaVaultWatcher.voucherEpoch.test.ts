import { createApproveInstruction, createTransferCheckedInstruction } from "@solana/spl-token";
import { Transaction, TransactionInstruction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { MEMO_PROGRAM_ID } from "../multisig/buildMultisigTransfer.ts";
import { SolanaSender } from "../sender/SolanaSender.ts";
import { FakeCursorStore } from "../testing/FakeCursorStore.ts";
import { payVault, type SolanaTestWorld, startSolanaTestWorld } from "../testing/solanaTestWorld.ts";
import { SolanaVaultWatcher } from "./SolanaVaultWatcher.ts";
import type { SolanaPayment } from "./vaultEvents.ts";

const MODEL = 3n;
const epochOf = (_modelId: bigint, blockTime: number) => BigInt(Math.floor(blockTime / 3600));
const nowEpoch = () => BigInt(Math.floor(Date.now() / 1000 / 3600));
const memo = (epoch: bigint | undefined, n: number) =>
  formatSlabridgeMemo({
    kind: "pay",
    modelId: MODEL,
    ...(epoch === undefined ? {} : { epoch }),
    ref: n.toString(16).padStart(64, "0"),
  });

describe("SolanaVaultWatcher: a voucher pull is booked to the epoch its memo names", () => {
  let world: SolanaTestWorld;
  let sender: SolanaSender;

  beforeAll(async () => {
    world = await startSolanaTestWorld(2);
    sender = new SolanaSender({
      connection: world.connection,
      payer: world.feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
      confirmTimeoutMs: 30_000,
      pollIntervalMs: 20,
    });
    const buyer = world.fx.buyers[0];
    if (buyer === undefined) throw new Error("no buyer");
    const tx = new Transaction().add(
      createApproveInstruction(buyer.tokenAccount, world.fx.multisig, buyer.keypair.publicKey, 1_000_000n),
    );
    tx.recentBlockhash = (await world.connection.getLatestBlockhash()).blockhash;
    tx.feePayer = buyer.keypair.publicKey;
    tx.sign(buyer.keypair);
    await world.connection.confirmTransaction(await world.connection.sendRawTransaction(tx.serialize()));
  });
  afterAll(() => world.close());

  /** The vault multisig pulls `amount` from buyer 0 as its delegate, with `text` as the pay memo. */
  async function multisigPull(amount: bigint, text: string): Promise<string> {
    const buyer = world.fx.buyers[0];
    if (buyer === undefined) throw new Error("no buyer");
    const operators = world.operators.slice(0, 2);
    const { signature } = await sender.send(
      [
        createTransferCheckedInstruction(
          buyer.tokenAccount,
          world.fx.mint,
          world.fx.vault,
          world.fx.multisig,
          amount,
          world.fx.decimals,
          operators.map((o) => o.publicKey),
        ),
        new TransactionInstruction({ programId: MEMO_PROGRAM_ID, keys: [], data: Buffer.from(text, "utf8") }),
      ],
      operators,
    );
    return signature;
  }

  async function watch(open: (epoch: bigint) => boolean): Promise<SolanaPayment[]> {
    const watcher = new SolanaVaultWatcher({
      connection: world.connection,
      vault: world.fx.vault,
      mint: world.fx.mint,
      cursorStore: new FakeCursorStore(),
      cursorId: "solana:vault:test",
      epochOf,
      multisigAuthority: world.fx.multisig,
      voucherEpochOpen: async (modelId, epoch) => modelId === MODEL && open(epoch),
    });
    const payments: SolanaPayment[] = [];
    await watcher.poll(async (batch) => {
      payments.push(...batch.payments);
    });
    return payments;
  }

  it("books the multisig's pull to its vouchers' epoch, and anyone else's transfer by its block time", async () => {
    const past = nowEpoch() - 2n;
    const pull = await multisigPull(1_200n, memo(past, 1));
    // A buyer writing a past epoch on its own transfer must not slip a payment into that epoch.
    const own = await payVault(world, 1, [800n], memo(past, 2));
    await world.connection.confirmTransaction(own);
    const future = await multisigPull(300n, memo(nowEpoch() + 5n, 3));
    const old = await multisigPull(400n, memo(undefined, 4)); // a pay memo written before memos named an epoch

    const booked = new Map((await watch(() => true)).map((p) => [p.signature, p]));
    expect(booked.get(pull)).toMatchObject({ amount: 1_200n, epoch: past, voucherEpoch: past });
    expect(booked.get(own)?.epoch).toBe(epochOf(MODEL, booked.get(own)?.blockTime ?? 0));
    expect(booked.get(own)?.voucherEpoch).toBeUndefined();
    expect(booked.get(future)?.epoch).toBe(epochOf(MODEL, booked.get(future)?.blockTime ?? 0));
    expect(booked.get(old)?.epoch).toBe(epochOf(MODEL, booked.get(old)?.blockTime ?? 0));
  });

  it("books the pull by its block time once the vouchers' epoch had its receipts relayed", async () => {
    const past = nowEpoch() - 1n;
    const pull = await multisigPull(500n, memo(past, 5));
    const payment = (await watch((epoch) => epoch !== past)).find((p) => p.signature === pull);
    expect(payment?.voucherEpoch).toBe(past);
    expect(payment?.epoch).toBe(epochOf(MODEL, payment?.blockTime ?? 0));
  });
});
