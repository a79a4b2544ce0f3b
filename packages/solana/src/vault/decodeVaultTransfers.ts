import type { PublicKey, VersionedTransactionResponse } from "@solana/web3.js";
import { base58 } from "../base58.ts";
import type { InstructionLocation } from "../memo/solanaPaymentId.ts";

const MEMO_PROGRAMS = new Set([
  "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr",
  "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo",
]);
const TRANSFER = 3;
const TRANSFER_CHECKED = 12;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** One SPL Token transfer into or out of the vault, as decoded from the instruction bytes. */
export interface VaultTransfer extends InstructionLocation {
  direction: "in" | "out";
  source: PublicKey;
  destination: PublicKey;
  /** Owner, delegate or multisig that signed the transfer. */
  authority: PublicKey;
  amount: bigint;
  /** Mint named by a TransferChecked (a plain Transfer names none). */
  mint: PublicKey | undefined;
  /** Owner of the source token account from `preTokenBalances`, when the RPC reported it. */
  sourceOwner: string | undefined;
}

/** What a transaction did to the vault, before any memo or balance judgement. */
export interface DecodedVaultTransaction {
  transfers: VaultTransfer[];
  /**
   * Transfers from the vault to itself (they move nothing; `direction` is "out"): how the settlement parks an
   * undeliverable refund as a credit, each followed by its credit memo.
   */
  selfTransfers: VaultTransfer[];
  /**
   * Memo texts in instruction order, top-level and made by a program through CPI (a smart wallet's memo), `undefined`
   * for a memo that is not UTF-8.
   */
  memos: Array<string | undefined>;
  /**
   * Top-level instruction index of each entry of `memos`, -1 for a memo made through CPI (pairs a batched outflow
   * with the top-level memo after it).
   */
  memoInstructions: number[];
  /** The vault's post minus pre token balance, undefined when the RPC did not report both. */
  vaultDelta: bigint | undefined;
  /** Mint of the vault account per the token balances. */
  vaultMint: string | undefined;
}

/**
 * Finds the SPL Token `Transfer`/`TransferChecked` instructions (top-level and inner) that move tokens into or out
 * of `vault`, the transaction's memos (top-level and inner) and the vault's balance delta. Pure: no RPC.
 *
 * @example
 * ```ts
 * const tx = await connection.getTransaction(sig, { maxSupportedTransactionVersion: 0, commitment: "finalized" });
 * const { transfers, memos, vaultDelta } = decodeVaultTransfers(tx, vault, TOKEN_PROGRAM_ID);
 * ```
 */
export function decodeVaultTransfers(
  tx: VersionedTransactionResponse,
  vault: PublicKey,
  tokenProgramId: PublicKey,
): DecodedVaultTransaction {
  const meta = tx.meta;
  const message = tx.transaction.message;
  const keys = message
    .getAccountKeys(meta?.loadedAddresses ? { accountKeysFromLookups: meta.loadedAddresses } : undefined)
    .keySegments()
    .flat();
  const keyAt = (i: number | undefined) => (i === undefined ? undefined : keys[i]);
  const ownerOf = (accountIndex: number | undefined) =>
    meta?.preTokenBalances?.find((b) => b.accountIndex === accountIndex)?.owner;

  const transfers: VaultTransfer[] = [];
  const selfTransfers: VaultTransfer[] = [];
  const consider = (programIdIndex: number, accounts: readonly number[], data: Uint8Array, at: InstructionLocation) => {
    if (!keyAt(programIdIndex)?.equals(tokenProgramId)) return;
    const decoded = decodeTokenTransfer(accounts, data);
    if (decoded === undefined) return;
    const source = keyAt(decoded.source);
    const destination = keyAt(decoded.destination);
    const authority = keyAt(decoded.authority);
    if (source === undefined || destination === undefined || authority === undefined) return;
    const into = destination.equals(vault);
    const outOf = source.equals(vault);
    if (!into && !outOf) return;
    // A vault-to-vault transfer moves nothing: kept apart rather than counted twice.
    (into && outOf ? selfTransfers : transfers).push({
      ...at,
      direction: into && !outOf ? "in" : "out",
      source,
      destination,
      authority,
      amount: decoded.amount,
      mint: keyAt(decoded.mint),
      sourceOwner: ownerOf(decoded.source),
    });
  };

  const memos: Array<string | undefined> = [];
  const memoInstructions: number[] = [];
  message.compiledInstructions.forEach((ix, instructionIndex) => {
    const program = keyAt(ix.programIdIndex)?.toBase58();
    if (program !== undefined && MEMO_PROGRAMS.has(program)) {
      memos.push(decodeUtf8(ix.data));
      memoInstructions.push(instructionIndex);
    }
    consider(ix.programIdIndex, ix.accountKeyIndexes, ix.data, { instructionIndex });
    const inner = meta?.innerInstructions?.find((group) => group.index === instructionIndex);
    inner?.instructions.forEach((cpi, innerIndex) => {
      let data: Uint8Array;
      try {
        data = base58.decode(cpi.data);
      } catch {
        return;
      }
      const cpiProgram = keyAt(cpi.programIdIndex)?.toBase58();
      if (cpiProgram !== undefined && MEMO_PROGRAMS.has(cpiProgram)) {
        memos.push(decodeUtf8(data));
        memoInstructions.push(-1);
      }
      consider(cpi.programIdIndex, cpi.accounts, data, { instructionIndex, innerIndex });
    });
  });

  const vaultIndex = keys.findIndex((k) => k.equals(vault));
  const pre = meta?.preTokenBalances?.find((b) => b.accountIndex === vaultIndex);
  const post = meta?.postTokenBalances?.find((b) => b.accountIndex === vaultIndex);
  const vaultDelta =
    vaultIndex < 0 || post === undefined
      ? undefined
      : BigInt(post.uiTokenAmount.amount) - BigInt(pre?.uiTokenAmount.amount ?? "0");
  return { transfers, selfTransfers, memos, memoInstructions, vaultDelta, vaultMint: post?.mint ?? pre?.mint };
}

interface DecodedTransfer {
  source: number | undefined;
  destination: number | undefined;
  authority: number | undefined;
  mint: number | undefined;
  amount: bigint;
}

function decodeTokenTransfer(accounts: readonly number[], data: Uint8Array): DecodedTransfer | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data[0] === TRANSFER && data.length === 9) {
    return {
      source: accounts[0],
      destination: accounts[1],
      authority: accounts[2],
      mint: undefined,
      amount: view.getBigUint64(1, true),
    };
  }
  if (data[0] === TRANSFER_CHECKED && data.length === 10) {
    return {
      source: accounts[0],
      mint: accounts[1],
      destination: accounts[2],
      authority: accounts[3],
      amount: view.getBigUint64(1, true),
    };
  }
  return undefined;
}

function decodeUtf8(data: Uint8Array): string | undefined {
  try {
    return utf8.decode(data);
  } catch {
    return undefined;
  }
}
