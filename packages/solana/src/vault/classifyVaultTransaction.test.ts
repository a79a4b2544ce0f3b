import { createTransferCheckedInstruction, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import {
  Keypair,
  MessageV0,
  PublicKey,
  type TokenBalance,
  TransactionInstruction,
  type VersionedTransactionResponse,
} from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { base58 } from "../base58.ts";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { solanaPaymentId } from "../memo/solanaPaymentId.ts";
import { MEMO_PROGRAM_ID } from "../multisig/buildMultisigTransfer.ts";
import { classifyVaultTransaction, type VaultContext } from "./classifyVaultTransaction.ts";

// Synthetic transactions for what the local cluster cannot produce: a transfer made by a program (CPI), and
// balances that disagree with the instructions.
const vault = Keypair.generate().publicKey;
const mint = Keypair.generate().publicKey;
const buyer = Keypair.generate().publicKey;
const source = Keypair.generate().publicKey;
const router = Keypair.generate().publicKey;
const ctx: VaultContext = { vault, mint, tokenProgramId: TOKEN_PROGRAM_ID, epochOf: () => 9n };
const memo = formatSlabridgeMemo({ kind: "pay", modelId: 4n, ref: "cd".repeat(10) });
const signature = base58.encode(new Uint8Array(64).fill(7));

function transferData(amount: bigint): Uint8Array {
  const data = new Uint8Array(9);
  data[0] = 3;
  new DataView(data.buffer).setBigUint64(1, amount, true);
  return data;
}

function cpiPayment(options: {
  amount: bigint;
  vaultDelta: bigint;
  vaultMint?: PublicKey;
  /** Where the memo is: a top-level instruction (default), made by the router through CPI, or nowhere. */
  memoAt?: "top" | "cpi" | "none";
}): VersionedTransactionResponse {
  const memoAt = options.memoAt ?? "top";
  // A router program is called with the accounts; it CPIs a plain SPL Token Transfer into the vault.
  const message = MessageV0.compile({
    payerKey: buyer,
    recentBlockhash: base58.encode(new Uint8Array(32).fill(1)),
    instructions: [
      new TransactionInstruction({
        programId: router,
        keys: [
          { pubkey: source, isSigner: false, isWritable: true },
          { pubkey: vault, isSigner: false, isWritable: true },
          { pubkey: TOKEN_PROGRAM_ID, isSigner: false, isWritable: false },
          { pubkey: MEMO_PROGRAM_ID, isSigner: false, isWritable: false },
        ],
        data: Buffer.alloc(0),
      }),
      ...(memoAt === "top"
        ? [new TransactionInstruction({ programId: MEMO_PROGRAM_ID, keys: [], data: Buffer.from(memo) })]
        : []),
    ],
  });
  const keys = message.staticAccountKeys;
  const at = (k: PublicKey) => keys.findIndex((x) => x.equals(k));
  const balance = (account: PublicKey, owner: PublicKey, amount: bigint, m = mint): TokenBalance => ({
    accountIndex: at(account),
    mint: m.toBase58(),
    owner: owner.toBase58(),
    uiTokenAmount: { amount: amount.toString(), decimals: 6, uiAmount: null },
  });
  return {
    slot: 10,
    blockTime: 7_200,
    transaction: { message, signatures: [signature] },
    meta: {
      err: null,
      fee: 5000,
      preBalances: [],
      postBalances: [],
      innerInstructions: [
        {
          index: 0,
          instructions: [
            {
              programIdIndex: at(TOKEN_PROGRAM_ID),
              accounts: [at(source), at(vault), at(buyer)],
              data: base58.encode(transferData(options.amount)),
            },
            ...(memoAt === "cpi"
              ? [{ programIdIndex: at(MEMO_PROGRAM_ID), accounts: [], data: base58.encode(Buffer.from(memo)) }]
              : []),
          ],
        },
      ],
      preTokenBalances: [balance(source, buyer, 100n), balance(vault, router, 0n, options.vaultMint)],
      postTokenBalances: [
        balance(source, buyer, 100n - options.amount),
        balance(vault, router, options.vaultDelta, options.vaultMint),
      ],
      loadedAddresses: { writable: [], readonly: [] },
    },
    version: 0,
  };
}

/**
 * The vault multisig pulling from two buyers' token accounts as their delegate, in one transaction: each
 * `TransferChecked` (authority: the multisig, not the owner) followed by its own pay memo.
 */
function delegatedPullBatch(memos: readonly [string, string]): VersionedTransactionResponse {
  const multisig = Keypair.generate().publicKey;
  const feePayer = Keypair.generate().publicKey;
  const owners = [Keypair.generate().publicKey, Keypair.generate().publicKey] as const;
  const sources = [Keypair.generate().publicKey, Keypair.generate().publicKey] as const;
  const amounts = [30n, 12n] as const;
  const message = MessageV0.compile({
    payerKey: feePayer,
    recentBlockhash: base58.encode(new Uint8Array(32).fill(1)),
    instructions: [0, 1].flatMap((i) => [
      createTransferCheckedInstruction(sources[i] ?? source, mint, vault, multisig, amounts[i] ?? 0n, 6),
      new TransactionInstruction({ programId: MEMO_PROGRAM_ID, keys: [], data: Buffer.from(memos[i] ?? "") }),
    ]),
  });
  const at = (k: PublicKey) => message.staticAccountKeys.findIndex((x) => x.equals(k));
  const balance = (account: PublicKey, owner: PublicKey, amount: bigint): TokenBalance => ({
    accountIndex: at(account),
    mint: mint.toBase58(),
    owner: owner.toBase58(),
    uiTokenAmount: { amount: amount.toString(), decimals: 6, uiAmount: null },
  });
  return {
    slot: 11,
    blockTime: 7_200,
    transaction: { message, signatures: [signature] },
    meta: {
      err: null,
      fee: 5000,
      preBalances: [],
      postBalances: [],
      innerInstructions: [],
      preTokenBalances: [
        balance(sources[0], owners[0], 100n),
        balance(sources[1], owners[1], 100n),
        balance(vault, multisig, 0n),
      ],
      postTokenBalances: [
        balance(sources[0], owners[0], 70n),
        balance(sources[1], owners[1], 88n),
        balance(vault, multisig, 42n),
      ],
      loadedAddresses: { writable: [], readonly: [] },
    },
    version: 0,
  };
}

describe("classifyVaultTransaction", () => {
  it("reads a batch of delegated pulls, each transfer with its own pay memo, as one payment per source owner", () => {
    const memos = [
      formatSlabridgeMemo({ kind: "pay", modelId: 4n, ref: "aa".repeat(32) }),
      formatSlabridgeMemo({ kind: "pay", modelId: 4n, ref: "bb".repeat(32) }),
    ] as const;
    const tx = delegatedPullBatch(memos);
    const owners = (tx.meta?.preTokenBalances ?? []).slice(0, 2).map((b) => b.owner);
    const outcome = classifyVaultTransaction(signature, tx, ctx);
    expect(outcome).toMatchObject({
      kind: "payments",
      payments: [
        { instructionIndex: 0, buyer: owners[0], amount: 30n, modelId: 4n, ref: "aa".repeat(32), epoch: 9n },
        { instructionIndex: 2, buyer: owners[1], amount: 12n, modelId: 4n, ref: "bb".repeat(32), epoch: 9n },
      ],
    });
  });

  it("still refuses pulls whose memos do not pair one to one with the transfers", () => {
    const memo = formatSlabridgeMemo({ kind: "pay", modelId: 4n, ref: "aa".repeat(32) });
    const tx = delegatedPullBatch([memo, "slabridge:v1:pay:model=4:ref=zz"]);
    expect(classifyVaultTransaction(signature, tx, ctx)).toMatchObject({ kind: "skipped" });
  });

  it("finds a transfer made in a CPI and ids it by outer.inner position", () => {
    const outcome = classifyVaultTransaction(signature, cpiPayment({ amount: 25n, vaultDelta: 25n }), ctx);
    expect(outcome).toEqual({
      kind: "payments",
      payments: [
        {
          signature,
          slot: 10,
          blockTime: 7_200,
          instructionIndex: 0,
          innerIndex: 0,
          paymentId: solanaPaymentId(signature, { instructionIndex: 0, innerIndex: 0 }),
          buyer: buyer.toBase58(),
          sourceTokenAccount: source.toBase58(),
          amount: 25n,
          modelId: 4n,
          ref: "cd".repeat(10),
          epoch: 9n,
        },
      ],
    });
  });

  it("reads a memo a wallet program made through CPI: the payment counts (finding 9)", () => {
    const outcome = classifyVaultTransaction(
      signature,
      cpiPayment({ amount: 25n, vaultDelta: 25n, memoAt: "cpi" }),
      ctx,
    );
    expect(outcome).toMatchObject({ kind: "payments", payments: [{ amount: 25n, modelId: 4n, epoch: 9n }] });
  });

  it("reports a deposit with no memo at all as a refundable unmatched deposit", () => {
    const outcome = classifyVaultTransaction(
      signature,
      cpiPayment({ amount: 25n, vaultDelta: 25n, memoAt: "none" }),
      ctx,
    );
    expect(outcome).toEqual({
      kind: "skipped",
      skipped: { signature, slot: 10, blockTime: 7_200, reason: "missing-memo", detail: "no memo" },
      unmatched: [
        {
          signature,
          slot: 10,
          blockTime: 7_200,
          depositId: solanaPaymentId(signature, { instructionIndex: 0, innerIndex: 0 }),
          sourceTokenAccount: source.toBase58(),
          owner: buyer.toBase58(),
          amount: 25n,
          reason: "missing-memo",
        },
      ],
    });
  });

  it("skips a transaction whose balances do not match the decoded transfers", () => {
    const outcome = classifyVaultTransaction(signature, cpiPayment({ amount: 25n, vaultDelta: 24n }), ctx);
    expect(outcome).toMatchObject({ kind: "skipped", skipped: { reason: "balance-mismatch" } });
  });

  it("skips a vault of another mint", () => {
    const other = Keypair.generate().publicKey;
    const outcome = classifyVaultTransaction(
      signature,
      cpiPayment({ amount: 25n, vaultDelta: 25n, vaultMint: other }),
      ctx,
    );
    expect(outcome).toMatchObject({ kind: "skipped", skipped: { reason: "wrong-mint" } });
  });
});

describe("base58", () => {
  it("round-trips with leading zeros", () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array([0, 0, 1]), new Uint8Array(32).fill(255)]) {
      expect(base58.decode(base58.encode(bytes))).toEqual(bytes);
    }
    expect(base58.encode(new PublicKey(new Uint8Array(32).fill(9)).toBytes())).toBe(
      new PublicKey(new Uint8Array(32).fill(9)).toBase58(),
    );
  });
});
