import { SOLANA_CHAIN_ID } from "@slabridge/core";
import {
  createMemoInstruction,
  createStablecoinFixture,
  SolanaLocalRpc,
  type StablecoinFixture,
} from "@slabridge/devnet";
import { associatedTokenAccount, formatSlabridgeMemo, readVaultOutflows, SolanaSender } from "@slabridge/solana";
import { MemorySendLeaseStore } from "@slabridge/store";
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  type PublicKey,
  sendAndConfirmTransaction,
  Transaction,
  TransactionInstruction,
} from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SolanaNettingVault, type SolanaNettingVaultOptions } from "./SolanaNettingVault.ts";

const MODEL = 4n;
const EPOCH = 9n;

describe("SolanaNettingVault on a local Solana cluster", () => {
  let rpc: SolanaLocalRpc;
  let fx: StablecoinFixture;
  let connection: Connection;
  let operators: Keypair[];
  const leases = new MemorySendLeaseStore();
  const alice = Keypair.generate().publicKey;
  const bob = Keypair.generate().publicKey;
  const carol = Keypair.generate().publicKey;
  let sends = 0;

  const payer = (overrides: Partial<SolanaNettingVaultOptions> = {}) => {
    const [feePayer] = operators as [Keypair];
    const sender = new SolanaSender({
      connection,
      payer: feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
      confirmTimeoutMs: 10_000,
      pollIntervalMs: 20,
    });
    return new SolanaNettingVault({
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
      leases,
      ...overrides,
    });
  };
  const balance = async (account: PublicKey) =>
    BigInt((await connection.getTokenAccountBalance(account).catch(() => undefined))?.value.amount ?? "0");
  const payout = (account: PublicKey, amount: bigint) => ({
    chain: SOLANA_CHAIN_ID,
    account: account.toBase58(),
    amount: amount.toString(),
  });

  beforeAll(async () => {
    rpc = await SolanaLocalRpc.start();
    operators = [Keypair.generate(), Keypair.generate(), Keypair.generate()];
    fx = createStablecoinFixture(rpc, {
      operators: operators.map((k) => k.publicKey),
      threshold: 2,
      buyers: [Keypair.generate()],
    });
    operators = operators.slice(0, 2);
    rpc.airdrop(operators[0]?.publicKey as PublicKey, 10 * LAMPORTS_PER_SOL);
    connection = new Connection(rpc.url, "confirmed");
    // Fund the vault as a buyer's payment would (the vault keeps other chains' payees' shares of Solana revenue).
    const buyer = fx.buyers[0];
    if (!buyer) throw new Error("no buyer");
    const data = Buffer.alloc(9);
    data.writeUInt8(3, 0);
    data.writeBigUInt64LE(10_000n, 1);
    const transfer = new TransactionInstruction({
      programId: fx.programId,
      keys: [
        { pubkey: buyer.tokenAccount, isSigner: false, isWritable: true },
        { pubkey: fx.vault, isSigner: false, isWritable: true },
        { pubkey: buyer.keypair.publicKey, isSigner: true, isWritable: false },
      ],
      data,
    });
    const memo = formatSlabridgeMemo({ kind: "pay", modelId: MODEL, ref: "00".repeat(8) });
    const tx = new Transaction().add(transfer, createMemoInstruction(memo, [buyer.keypair.publicKey]));
    await sendAndConfirmTransaction(connection, tx, [buyer.keypair]);
  });
  afterAll(() => rpc.close());

  it("refuses bad payouts whole and sends nothing", async () => {
    const bad = [
      [payout(alice, 5n), { chain: 31_338, account: bob.toBase58(), amount: "5" }],
      [{ chain: SOLANA_CHAIN_ID, account: `0x${"ab".repeat(32)}`, amount: "5" }],
      [{ chain: SOLANA_CHAIN_ID, account: alice.toBase58(), amount: "-5" }],
      [{ chain: SOLANA_CHAIN_ID, account: alice.toBase58(), amount: "05" }],
      [payout(alice, 2n ** 64n)],
      [payout(alice, 5n), payout(alice, 6n)],
    ];
    for (const solanaPayouts of bad) {
      await expect(payer().pay({ modelId: MODEL, epoch: EPOCH, solanaPayouts })).rejects.toMatchObject({
        name: "InvalidSolanaNetPayoutError",
        retryable: false,
      });
    }
    await expect(
      payer().pay({ modelId: MODEL, epoch: EPOCH, solanaPayouts: [payout(alice, 1_000_000n)] }),
    ).rejects.toMatchObject({ name: "NettingVaultNotReadyError", retryable: true });
    expect(sends).toBe(0);
    expect(await balance(associatedTokenAccount(alice, fx.mint))).toBe(0n);
  });

  it("pays each payee exactly once, each transfer with its net memo; a second call pays nothing", async () => {
    const solanaPayouts = [payout(alice, 1_234n), payout(bob, 56n), { ...payout(carol, 0n) }];
    const first = await payer().pay({ modelId: MODEL, epoch: EPOCH, solanaPayouts });
    expect(first.alreadyPaid).toEqual([]);
    expect(first.paid.map(({ account, amount }) => ({ account, amount }))).toEqual([
      { account: alice.toBase58(), amount: "1234" },
      { account: bob.toBase58(), amount: "56" },
    ]);
    expect(typeof first.paid[0]?.signature).toBe("string");
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
    expect(await balance(associatedTokenAccount(alice, fx.mint))).toBe(1_234n);
    expect(await balance(associatedTokenAccount(bob, fx.mint))).toBe(56n);
    expect(await balance(associatedTokenAccount(carol, fx.mint))).toBe(0n);
    expect(await balance(fx.vault)).toBe(10_000n - 1_290n);
    const outflows = await readVaultOutflows(connection, fx.vault, { match: (m) => m.kind === "net" });
    expect([...outflows.keys()].sort()).toEqual(
      [alice, bob].map((k) => `slabridge:v1:net:model=4:epoch=9:account=${k.toBase58()}`).sort(),
    );

    const before = sends;
    const second = await payer().pay({ modelId: MODEL, epoch: EPOCH, solanaPayouts });
    expect(second.paid).toEqual([]);
    expect(second.alreadyPaid).toEqual(first.paid);
    expect(sends).toBe(before);
    expect(await balance(fx.vault)).toBe(10_000n - 1_290n);
  });

  it("after a crash once the transfer landed (result lost, lease left 'sent'), the retry pays nothing new", async () => {
    const epoch = EPOCH + 1n;
    const solanaPayouts = [payout(alice, 100n), payout(carol, 7n)];
    const crashing = payer({
      sender: {
        send: async (...args: Parameters<SolanaSender["send"]>) => {
          const sender = new SolanaSender({
            connection,
            payer: operators[0] as Keypair,
            priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
            confirmTimeoutMs: 10_000,
            pollIntervalMs: 20,
          });
          await sender.send(...args);
          throw new Error("worker died after the send");
        },
      },
    });
    await expect(crashing.pay({ modelId: MODEL, epoch, solanaPayouts })).rejects.toThrow("worker died");
    // The crash left the lease naming the transaction it broadcast.
    const lease = await leases.get(`solana:vault-send:${MODEL}:${epoch}`);
    expect(lease?.state).toBe("sent");
    expect(lease?.state === "sent" && lease.signature).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
    const vaultAfterCrash = await balance(fx.vault);

    const retry = await payer().pay({ modelId: MODEL, epoch, solanaPayouts });
    expect(retry.paid).toEqual([]);
    expect(retry.alreadyPaid.map((p) => [p.account, p.amount])).toEqual([
      [alice.toBase58(), "100"],
      [carol.toBase58(), "7"],
    ]);
    expect(await balance(fx.vault)).toBe(vaultAfterCrash);
    expect(await balance(associatedTokenAccount(alice, fx.mint))).toBe(1_334n);
    expect(await balance(associatedTokenAccount(carol, fx.mint))).toBe(7n);
    expect((await leases.get(`solana:vault-send:${MODEL}:${epoch}`))?.state).toBe("idle");
  });

  it("backs off while another worker holds the send lease", async () => {
    const epoch = EPOCH + 2n;
    const id = `solana:vault-send:${MODEL}:${epoch}`;
    await leases.advance({ id, state: "sending", takenAt: Date.now(), version: 1 }, undefined);
    const before = sends;
    await expect(payer().pay({ modelId: MODEL, epoch, solanaPayouts: [payout(bob, 3n)] })).rejects.toMatchObject({
      name: "VaultSendInFlightError",
      retryable: true,
    });
    expect(sends).toBe(before);
    const late = await payer({ inFlightGuardMs: 0 }).pay({ modelId: MODEL, epoch, solanaPayouts: [payout(bob, 3n)] });
    expect(late.paid.map((p) => p.amount)).toEqual(["3"]);
    expect(await balance(associatedTokenAccount(bob, fx.mint))).toBe(59n);
  });
});
