import { createTransferCheckedInstruction } from "@solana/spl-token";
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  type PublicKey,
  SendTransactionError,
  sendAndConfirmTransaction,
  Transaction,
  TransactionMessage,
  VersionedTransaction,
} from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStablecoinFixture, type StablecoinFixture } from "./createStablecoinFixture.ts";
import { createMemoInstruction } from "./memo.ts";
import { SolanaLocalRpc } from "./SolanaLocalRpc.ts";

const USDC = 1_000_000n;

describe("SolanaLocalRpc with a web3.js Connection", () => {
  let rpc: SolanaLocalRpc;
  let conn: Connection;
  let fx: StablecoinFixture;
  const operators = [Keypair.generate(), Keypair.generate(), Keypair.generate()];
  const [op0, op1] = operators as [Keypair, Keypair, Keypair];

  const tokenAmount = async (account: PublicKey) => (await conn.getTokenAccountBalance(account)).value.amount;

  beforeAll(async () => {
    rpc = await SolanaLocalRpc.start();
    conn = new Connection(rpc.url, "confirmed");
    fx = createStablecoinFixture(rpc, { operators: operators.map((k) => k.publicKey), threshold: 2 });
    const sig = await conn.requestAirdrop(op0.publicKey, LAMPORTS_PER_SOL);
    await conn.confirmTransaction({ signature: sig, ...(await conn.getLatestBlockhash()) });
  });

  afterAll(async () => {
    await rpc.close();
  });

  it("serves the fixture: mint, multisig-owned vault, funded buyer", async () => {
    const buyer = fx.buyers[0];
    if (buyer === undefined) throw new Error("fixture has no buyer");
    expect(await tokenAmount(buyer.tokenAccount)).toBe((1000n * USDC).toString());
    const vault = await conn.getParsedAccountInfo(fx.vault);
    expect(vault.value?.data).toMatchObject({
      program: "spl-token",
      parsed: { type: "account", info: { owner: fx.multisig.toBase58(), mint: fx.mint.toBase58() } },
    });
    const multisig = await conn.getParsedAccountInfo(fx.multisig);
    expect(multisig.value?.data).toMatchObject({
      parsed: { type: "multisig", info: { numRequiredSigners: 2, numValidSigners: 3 } },
    });
    const mint = await conn.getParsedAccountInfo(fx.mint);
    expect(mint.value?.data).toMatchObject({ parsed: { type: "mint", info: { decimals: 6, supply: "1000000000" } } });
    const raw = await conn.getAccountInfo(fx.vault);
    expect(raw?.data.length).toBe(165);
    const byOwner = await conn.getParsedTokenAccountsByOwner(buyer.keypair.publicKey, { mint: fx.mint });
    expect(byOwner.value.map((a) => a.pubkey.toBase58())).toEqual([buyer.tokenAccount.toBase58()]);
    expect(await conn.getBalance(op0.publicKey)).toBe(LAMPORTS_PER_SOL);
  });

  it("records a stablecoin payment with a memo, visible by address and in getTransaction", async () => {
    const buyer = fx.buyers[0];
    if (buyer === undefined) throw new Error("fixture has no buyer");
    const memo = "slabridge:v1:model=1:payment=0xabc123";
    const tx = new Transaction().add(
      createTransferCheckedInstruction(buyer.tokenAccount, fx.mint, fx.vault, buyer.keypair.publicKey, 25n * USDC, 6),
      createMemoInstruction(memo, [buyer.keypair.publicKey]),
    );
    const before = Math.floor(Date.now() / 1000);
    const sig = await sendAndConfirmTransaction(conn, tx, [buyer.keypair]);

    const listed = await conn.getSignaturesForAddress(fx.vault);
    expect(listed[0]).toMatchObject({
      signature: sig,
      err: null,
      memo: `[${memo.length}] ${memo}`,
      confirmationStatus: "finalized",
    });
    expect(listed[0]?.blockTime).toBeGreaterThanOrEqual(before - 1);

    const got = await conn.getTransaction(sig, { maxSupportedTransactionVersion: 0, commitment: "confirmed" });
    if (got?.meta == null) throw new Error("transaction not found");
    expect(got.version).toBe("legacy");
    expect(got.meta.err).toBeNull();
    expect(got.meta.fee).toBe(5000);
    expect(got.meta.logMessages).toContain(`Program log: Memo (len ${memo.length}): "${memo}"`);
    const keys = got.transaction.message.staticAccountKeys.map((k) => k.toBase58());
    const vaultIndex = keys.indexOf(fx.vault.toBase58());
    const buyerIndex = keys.indexOf(buyer.tokenAccount.toBase58());
    const balance = (list: typeof got.meta.preTokenBalances, index: number) =>
      list?.find((b) => b.accountIndex === index)?.uiTokenAmount;
    expect(balance(got.meta.preTokenBalances, vaultIndex)).toMatchObject({ amount: "0", uiAmountString: "0" });
    expect(balance(got.meta.postTokenBalances, vaultIndex)).toMatchObject({
      amount: "25000000",
      uiAmount: 25,
      decimals: 6,
    });
    expect(balance(got.meta.preTokenBalances, buyerIndex)?.amount).toBe("1000000000");
    expect(balance(got.meta.postTokenBalances, buyerIndex)?.amount).toBe("975000000");
    expect(got.meta.postTokenBalances?.find((b) => b.accountIndex === vaultIndex)).toMatchObject({
      mint: fx.mint.toBase58(),
      owner: fx.multisig.toBase58(),
    });
    const payerIndex = 0;
    expect((got.meta.preBalances[payerIndex] ?? 0) - (got.meta.postBalances[payerIndex] ?? 0)).toBe(5000);

    const parsed = await conn.getParsedTransaction(sig, { maxSupportedTransactionVersion: 0 });
    expect(parsed?.transaction.message.instructions[1]).toMatchObject({ program: "spl-memo", parsed: memo });
  });

  it("lets 2 of the 3 operators refund out of the multisig vault, and refuses 1 with a clear error", async () => {
    const buyer = fx.buyers[0];
    if (buyer === undefined) throw new Error("fixture has no buyer");
    const refund = (signers: Keypair[]) =>
      new Transaction().add(
        createTransferCheckedInstruction(fx.vault, fx.mint, buyer.tokenAccount, fx.multisig, 10n * USDC, 6, signers),
      );
    const vaultBefore = await tokenAmount(fx.vault);
    const buyerBefore = await tokenAmount(buyer.tokenAccount);

    const failure = await sendAndConfirmTransaction(conn, refund([op0]), [op0]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SendTransactionError);
    const sendError = failure as SendTransactionError;
    expect(sendError.message).toContain("Transaction simulation failed");
    expect(sendError.message).toContain("missing required signature for instruction");
    expect(sendError.logs?.join("\n")).toMatch(/TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA failed/);
    expect(await tokenAmount(fx.vault)).toBe(vaultBefore);
    expect(await tokenAmount(buyer.tokenAccount)).toBe(buyerBefore);

    await sendAndConfirmTransaction(conn, refund([op0, op1]), [op0, op1]);
    expect(BigInt(await tokenAmount(fx.vault))).toBe(BigInt(vaultBefore) - 10n * USDC);
    expect(BigInt(await tokenAmount(buyer.tokenAccount))).toBe(BigInt(buyerBefore) + 10n * USDC);
  });

  it("lands a failing transaction sent with skipPreflight, with err in statuses and getTransaction", async () => {
    const buyer = fx.buyers[0];
    if (buyer === undefined) throw new Error("fixture has no buyer");
    const lamportsBefore = await conn.getBalance(buyer.keypair.publicKey);
    const tooMuch = new Transaction().add(
      createTransferCheckedInstruction(
        buyer.tokenAccount,
        fx.mint,
        fx.vault,
        buyer.keypair.publicKey,
        10_000n * USDC,
        6,
      ),
    );
    const { blockhash, lastValidBlockHeight } = await conn.getLatestBlockhash();
    tooMuch.recentBlockhash = blockhash;
    tooMuch.feePayer = buyer.keypair.publicKey;
    tooMuch.sign(buyer.keypair);
    const sig = await conn.sendRawTransaction(tooMuch.serialize(), { skipPreflight: true });
    const confirmed = await conn.confirmTransaction({ signature: sig, blockhash, lastValidBlockHeight });
    expect(confirmed.value.err).toEqual({ InstructionError: [0, { Custom: 1 }] });

    const status = await conn.getSignatureStatuses([
      sig,
      "1111111111111111111111111111111111111111111111111111111111111111",
    ]);
    expect(status.value[0]).toMatchObject({
      err: { InstructionError: [0, { Custom: 1 }] },
      confirmationStatus: "finalized",
    });
    expect(status.value[1]).toBeNull();
    const got = await conn.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
    expect(got?.meta?.err).toEqual({ InstructionError: [0, { Custom: 1 }] });
    expect(got?.meta?.logMessages?.join("\n")).toContain("insufficient funds");
    expect(await conn.getBalance(buyer.keypair.publicKey)).toBe(lamportsBefore - 5000);
    const listed = await conn.getSignaturesForAddress(fx.vault, { limit: 1 });
    expect(listed[0]).toMatchObject({ signature: sig, err: { InstructionError: [0, { Custom: 1 }] }, memo: null });

    // The same failure with preflight is an RPC error carrying the program logs, and nothing lands.
    const again = new Transaction().add(
      createTransferCheckedInstruction(
        buyer.tokenAccount,
        fx.mint,
        fx.vault,
        buyer.keypair.publicKey,
        10_001n * USDC,
        6,
      ),
    );
    const error = await sendAndConfirmTransaction(conn, again, [buyer.keypair]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendTransactionError);
    expect((error as SendTransactionError).message).toContain("custom program error: 0x1");
    expect((error as SendTransactionError).logs?.some((l) => l.includes("insufficient funds"))).toBe(true);
    expect(await conn.getBalance(buyer.keypair.publicKey)).toBe(lamportsBefore - 5000);
  });

  it("handles v0 transactions and enforces maxSupportedTransactionVersion", async () => {
    const buyer = fx.buyers[0];
    if (buyer === undefined) throw new Error("fixture has no buyer");
    const { blockhash } = await conn.getLatestBlockhash();
    const message = new TransactionMessage({
      payerKey: buyer.keypair.publicKey,
      recentBlockhash: blockhash,
      instructions: [createMemoInstruction("v0 memo")],
    }).compileToV0Message();
    const tx = new VersionedTransaction(message);
    tx.sign([buyer.keypair]);
    const sig = await conn.sendTransaction(tx);
    const got = await conn.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
    expect(got?.version).toBe(0);
    expect(got?.meta?.loadedAddresses).toEqual({ writable: [], readonly: [] });
    await expect(conn.getTransaction(sig, {} as { maxSupportedTransactionVersion: 0 })).rejects.toThrow(
      /Transaction version \(0\) is not supported/,
    );
  });

  it("advances slots and blockhashes per transaction and expires old blockhashes after 150 slots", async () => {
    const slot = await conn.getSlot();
    const { blockhash, lastValidBlockHeight } = await conn.getLatestBlockhash();
    expect(lastValidBlockHeight).toBe((await conn.getBlockHeight()) + 150);
    await conn.confirmTransaction({
      signature: await conn.requestAirdrop(op1.publicKey, LAMPORTS_PER_SOL),
      blockhash,
      lastValidBlockHeight,
    });
    expect(await conn.getSlot()).toBe(slot + 1);
    expect((await conn.getLatestBlockhash()).blockhash).not.toBe(blockhash);
    expect((await conn.isBlockhashValid(blockhash)).value).toBe(true);

    for (let i = 0; i < 150; i++) rpc.ledger.advanceSlot();
    expect((await conn.isBlockhashValid(blockhash)).value).toBe(false);
    const stale = new Transaction({ feePayer: op0.publicKey, blockhash, lastValidBlockHeight }).add(
      createMemoInstruction("late"),
    );
    stale.sign(op0);
    await expect(conn.sendRawTransaction(stale.serialize())).rejects.toThrow(/Blockhash not found/);

    const clock = rpc.svm.getClock();
    expect(Number(clock.unixTimestamp)).toBeGreaterThan(Date.now() / 1000 - 5);
    const epoch = await conn.getEpochInfo();
    expect(epoch.absoluteSlot).toBe(await conn.getSlot());
  });

  it("answers the small cluster queries web3.js uses", async () => {
    expect(await conn.getVersion()).toHaveProperty("solana-core");
    expect(await conn.getGenesisHash()).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    expect(await conn.getMinimumBalanceForRentExemption(165)).toBe(2_039_280);
    const { blockhash } = await conn.getLatestBlockhash();
    const message = new TransactionMessage({
      payerKey: op0.publicKey,
      recentBlockhash: blockhash,
      instructions: [createMemoInstruction("fee?", [op1.publicKey])],
    }).compileToV0Message();
    expect((await conn.getFeeForMessage(message)).value).toBe(10_000);
    const sim = await conn.simulateTransaction(new VersionedTransaction(message));
    expect(sim.value.err).toBeNull();
    expect(sim.value.logs?.some((l) => l.includes('Memo (len 4): "fee?"'))).toBe(true);
    const res = await fetch(`${rpc.url}/health`);
    expect(await res.text()).toBe("ok");
  });
});
