import type { SendLeaseStore } from "@slabridge/core";
import { createTransferCheckedInstruction, TOKEN_PROGRAM_ID, unpackAccount } from "@solana/spl-token";
import {
  type AccountInfo,
  type Connection,
  PACKET_DATA_SIZE,
  type PublicKey,
  TransactionInstruction,
} from "@solana/web3.js";
import { withVaultSendLeaseId } from "../chain/withVaultSendLease.ts";
import { InvalidSvmVoucherError } from "../errors/InvalidSvmVoucherError.ts";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { TransactionFailedError } from "../errors/TransactionFailedError.ts";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { MEMO_PROGRAM_ID } from "../multisig/buildMultisigTransfer.ts";
import { vaultTransactionSize } from "../multisig/buildVaultTransferBatch.ts";
import type { SolanaSender, SolanaTransactionSigner } from "../sender/SolanaSender.ts";
import { readVoucherPulls } from "./readVoucherPulls.ts";
import { deriveSvmChannelId, verifySvmVoucher } from "./svmVoucher.ts";
import { channelPrefixOf, voucherClaimRef } from "./voucherClaimRef.ts";

/** A buyer's latest voucher of the epoch, with the channel terms it was signed under. */
export interface SolanaVoucherClaim {
  /** 32 bytes; must equal `deriveSvmChannelId` of the terms below. */
  channelId: Uint8Array;
  payer: PublicKey;
  /** The buyer's token account the vault multisig is the delegate of. */
  tokenAccount: PublicKey;
  /** The channel's 32-byte salt. */
  salt: Uint8Array;
  /** Cumulative amount the voucher promises over the channel's life (what it signs). */
  cumulative: bigint;
  /**
   * What to claim in total, at most `cumulative`: the gateway's charged cumulative amount (a voucher signs for the
   * call's ceiling, the call is charged its actual usage). Default: `cumulative`.
   */
  claimable?: bigint;
  /** The payer's 64-byte ed25519 signature of the voucher. */
  signature: Uint8Array;
}

/** Why a voucher pulled nothing (stable strings); none of them fails the batch. */
export type VoucherSkipReason =
  | "malformed"
  | "channel-mismatch"
  | "bad-signature"
  | "duplicate-channel"
  | "not-payer-account"
  | "revoked"
  | "frozen"
  | "no-balance"
  | "nothing-owed"
  | "transfer-failed";

/** A voucher that pulled nothing, and why. */
export interface SkippedVoucher {
  /** Channel id, lowercase hex. */
  channelId: string;
  payer: string;
  reason: VoucherSkipReason;
  detail: string;
  /** What the channel owed when it was known (cumulative minus what was pulled before). */
  owed?: bigint;
}

/** A channel's epoch delta pulled into the vault (possibly less than owed: `owed - amount` is a bad row). */
export interface PulledVoucher {
  channelId: string;
  payer: string;
  tokenAccount: string;
  /** Cumulative minus everything pulled for the channel before. */
  owed: bigint;
  /** What this claim pulled (`<= owed`). */
  amount: bigint;
  /** The pull's transaction. */
  signature: string;
  /** Its pay memo's ref (`voucherClaimRef(channelId, epoch)`). */
  ref: string;
  /** Set when the allowance or balance was short of `owed`: the rest is a bad row, not pulled. */
  shortBy?: { amount: bigint; reason: "short-allowance" | "short-balance" };
}

/** Inputs of {@link claimSolanaVouchers}. */
export interface ClaimSolanaVouchersOptions {
  connection: Connection;
  /** Sends with the vault's fee payer (the sender's `payer`). */
  sender: Pick<SolanaSender, "send">;
  /** The M operator keys of the vault multisig. */
  operators: readonly SolanaTransactionSigner[];
  /** The vault send leases: one claimer per model; a transaction that can still land is waited for. */
  leases: SendLeaseStore;
  now(): number;
  inFlightGuardMs?: number;
  vault: PublicKey;
  multisigAuthority: PublicKey;
  mint: PublicKey;
  decimals: number;
  /** The sender's fee payer, to size the batches. */
  feePayer: PublicKey;
  modelId: bigint;
  /**
   * The voucher epoch being claimed: in the memo ref (the exactly-once key) and the pay memo's `epoch`, so the vault
   * watcher books the pull to this epoch while its receipts have not gone home.
   */
  epoch: bigint;
  /** The epoch's latest voucher per channel. */
  vouchers: readonly SolanaVoucherClaim[];
  /** Pulls per transaction, at most (default 8; the 1,232-byte packet caps it too). */
  maxTransfers?: number;
  tokenProgramId?: PublicKey;
  /** Bounds the scan of the vault's history for earlier pulls (see `readVoucherPulls`). */
  pullsUntil?: string;
}

/** What a claim did: pulled, pulled before (a retry), and skipped, per channel. */
export interface ClaimSolanaVouchersResult {
  pulled: PulledVoucher[];
  /** Channels whose pull for this epoch was already in the vault's history: nothing pulled again. */
  alreadyPulled: Array<{ channelId: string; payer: string; signature: string; amount: bigint }>;
  skipped: SkippedVoucher[];
}

interface PullOrder {
  claim: SolanaVoucherClaim;
  channelId: string;
  owed: bigint;
  amount: bigint;
  ref: string;
  shortBy?: PulledVoucher["shortBy"];
}

/**
 * Pulls each buyer's epoch delta into the vault at epoch end: for every voucher that verifies, a `TransferChecked`
 * from the buyer's token account to the vault authorised by the vault multisig **as the account's delegate** (the
 * buyer's SPL `approve` is the channel), followed by a pay memo naming the epoch, whose ref is
 * `voucherClaimRef(channelId, epoch)`, so the vault watcher books the pull as that buyer's payment for the model in
 * that epoch. Batched, several pulls per transaction.
 *
 * Exactly once: the claim runs under the vault send lease `solana:vault-send:claim:<model>` (one claimer per model
 * whatever the epoch; a transaction that can still land is waited for, never sent twice) and, holding it, reads what each channel was already pulled
 * **from the vault's history** (`readVoucherPulls`; a store could lag behind a transaction that landed just before a
 * crash). A channel with a pull for this epoch is `alreadyPulled`; otherwise it owes `cumulative - pulled so far`.
 *
 * Never fails the batch for one buyer: a malformed voucher, a channel id that does not match its terms, a bad
 * signature, a token account not the payer's, a revoked approval (delegate gone or 0 left), a frozen or empty account
 * are `skipped` with a reason; an allowance or balance short of the delta pulls what it can (`shortBy`); a pull the
 * token program refuses when sent is retried alone and skipped (`transfer-failed`) if it fails alone.
 *
 * @example
 * ```ts
 * const result = await claimSolanaVouchers({ connection, sender, operators: [op0, op1], leases, now: Date.now,
 *   vault, multisigAuthority, mint, decimals: 6, feePayer: feePayer.publicKey, modelId: 2n, epoch: 41n, vouchers });
 * for (const s of result.skipped) log(s.channelId, s.reason);
 * ```
 */
export async function claimSolanaVouchers(options: ClaimSolanaVouchersOptions): Promise<ClaimSolanaVouchersResult> {
  const skipped: SkippedVoucher[] = [];
  const valid = checkVouchers(options, skipped);
  const lease = {
    connection: options.connection,
    sender: options.sender,
    operators: options.operators,
    leases: options.leases,
    now: options.now,
    inFlightGuardMs: options.inFlightGuardMs,
  };
  // One claimer per model, not per epoch: two epochs' claims would read the same pulls and pull one delta twice.
  return withVaultSendLeaseId(lease, `solana:vault-send:claim:${options.modelId}`, async (send) => {
    const pulls = await readVoucherPulls(options.connection, options.vault, options.multisigAuthority, {
      ...(options.pullsUntil === undefined ? {} : { until: options.pullsUntil }),
      ...(options.tokenProgramId === undefined ? {} : { tokenProgramId: options.tokenProgramId }),
    });
    const alreadyPulled: ClaimSolanaVouchersResult["alreadyPulled"] = [];
    const owing: Array<{ claim: SolanaVoucherClaim; channelId: string; owed: bigint }> = [];
    for (const claim of valid) {
      const channelId = hex(claim.channelId);
      const mine = (pulls.get(channelPrefixOf(claim.channelId)) ?? []).filter(
        (p) => p.tokenAccount === claim.tokenAccount.toBase58(),
      );
      const thisEpoch = mine.find((p) => p.epoch === options.epoch);
      if (thisEpoch !== undefined) {
        alreadyPulled.push({
          channelId,
          payer: claim.payer.toBase58(),
          signature: thisEpoch.signature,
          amount: thisEpoch.amount,
        });
        continue;
      }
      const owed = (claim.claimable ?? claim.cumulative) - mine.reduce((sum, p) => sum + p.amount, 0n);
      if (owed <= 0n) {
        skipped.push({ channelId, payer: claim.payer.toBase58(), reason: "nothing-owed", detail: "", owed });
        continue;
      }
      owing.push({ claim, channelId, owed });
    }
    const orders = await allocate(options, owing, skipped);
    const pulled = await sendPulls(options, orders, send, skipped);
    return { pulled, alreadyPulled, skipped };
  });
}

/** Vouchers whose bytes, channel binding and signature hold; the rest go to `skipped`. */
function checkVouchers(options: ClaimSolanaVouchersOptions, skipped: SkippedVoucher[]): SolanaVoucherClaim[] {
  const seen = new Set<string>();
  const valid: SolanaVoucherClaim[] = [];
  for (const claim of options.vouchers) {
    const channelId = hex(claim.channelId);
    const skip = (reason: VoucherSkipReason, detail: string) =>
      skipped.push({ channelId, payer: claim.payer.toBase58(), reason, detail });
    if (seen.has(channelId)) {
      skip("duplicate-channel", "one voucher per channel per claim");
      continue;
    }
    seen.add(channelId);
    if (claim.claimable !== undefined && (claim.claimable < 0n || claim.claimable > claim.cumulative)) {
      skip("malformed", "the claimable amount is outside 0..cumulative");
      continue;
    }
    try {
      const derived = deriveSvmChannelId({
        payer: claim.payer,
        tokenAccount: claim.tokenAccount,
        mint: options.mint,
        vaultAuthority: options.multisigAuthority,
        modelId: options.modelId,
        salt: claim.salt,
      });
      if (hex(derived) !== channelId) {
        skip("channel-mismatch", "the channel id is not the one of its terms, model and vault");
        continue;
      }
      if (
        !verifySvmVoucher({ channelId: claim.channelId, cumulative: claim.cumulative }, claim.signature, claim.payer)
      ) {
        skip("bad-signature", "the voucher is not signed by the payer");
        continue;
      }
    } catch (error) {
      if (error instanceof InvalidSvmVoucherError) {
        skip("malformed", error.reason);
        continue;
      }
      throw error;
    }
    valid.push(claim);
  }
  return valid;
}

/** What each channel can be pulled now: its token account's delegate allowance and balance, shared per account. */
async function allocate(
  options: ClaimSolanaVouchersOptions,
  owing: ReadonlyArray<{ claim: SolanaVoucherClaim; channelId: string; owed: bigint }>,
  skipped: SkippedVoucher[],
): Promise<PullOrder[]> {
  const addresses = [...new Map(owing.map((o) => [o.claim.tokenAccount.toBase58(), o.claim.tokenAccount])).values()];
  let infos: Array<AccountInfo<Buffer> | null>;
  try {
    infos = addresses.length === 0 ? [] : await options.connection.getMultipleAccountsInfo(addresses, "confirmed");
  } catch (error) {
    throw new SolanaRpcError("getMultipleAccountsInfo", error);
  }
  // Remaining allowance and balance per token account, spent as channels of the same account are allocated.
  const left = new Map<string, AccountLeft>();
  for (const [i, address] of addresses.entries()) {
    left.set(address.toBase58(), readAccount(options, address, infos[i] ?? null));
  }
  const orders: PullOrder[] = [];
  for (const { claim, channelId, owed } of owing) {
    const state = left.get(claim.tokenAccount.toBase58());
    const skip = (reason: VoucherSkipReason, detail: string) =>
      skipped.push({ channelId, payer: claim.payer.toBase58(), reason, detail, owed });
    if (state === undefined) continue;
    if (state.problem !== undefined) {
      skip(...state.problem);
      continue;
    }
    // The payer signs for its own account only: another buyer's approval is not the signer's to spend.
    if (state.owner !== claim.payer.toBase58()) {
      skip("not-payer-account", "the token account is not the payer's");
      continue;
    }
    if (state.allowance === 0n) {
      skip("revoked", "the vault authority is no longer a delegate of the account");
      continue;
    }
    if (state.balance === 0n) {
      skip("no-balance", "the token account is empty");
      continue;
    }
    const amount = minOf(owed, state.allowance, state.balance);
    const order: PullOrder = { claim, channelId, owed, amount, ref: voucherClaimRef(claim.channelId, options.epoch) };
    if (amount < owed) {
      order.shortBy = {
        amount: owed - amount,
        reason: amount === state.allowance ? "short-allowance" : "short-balance",
      };
    }
    state.allowance -= amount;
    state.balance -= amount;
    orders.push(order);
  }
  return orders;
}

interface AccountLeft {
  owner: string | undefined;
  allowance: bigint;
  balance: bigint;
  problem?: [VoucherSkipReason, string];
}

function readAccount(
  options: ClaimSolanaVouchersOptions,
  address: PublicKey,
  info: AccountInfo<Buffer> | null,
): AccountLeft {
  const none = { owner: undefined, allowance: 0n, balance: 0n };
  if (info === null) return { ...none, problem: ["revoked", "the token account is closed"] };
  try {
    const account = unpackAccount(address, info, options.tokenProgramId ?? TOKEN_PROGRAM_ID);
    const state: AccountLeft = {
      owner: account.owner.toBase58(),
      // Another delegate (or none) means the buyer revoked or replaced the approval: nothing is ours to pull.
      allowance: account.delegate?.equals(options.multisigAuthority) === true ? account.delegatedAmount : 0n,
      balance: account.amount,
    };
    if (!account.mint.equals(options.mint)) return { ...state, problem: ["not-payer-account", "another mint"] };
    if (account.isFrozen) return { ...state, problem: ["frozen", "the token account is frozen"] };
    return state;
  } catch {
    return { ...none, problem: ["not-payer-account", "not a token account"] };
  }
}

/** Sends the pulls in batches (transfer, memo pairs); a batch the token program refuses is retried one pull at a time. */
async function sendPulls(
  options: ClaimSolanaVouchersOptions,
  orders: readonly PullOrder[],
  send: (instructions: TransactionInstruction[]) => Promise<string>,
  skipped: SkippedVoucher[],
): Promise<PulledVoucher[]> {
  const pulled: PulledVoucher[] = [];
  const done = (order: PullOrder, signature: string) =>
    pulled.push({
      channelId: order.channelId,
      payer: order.claim.payer.toBase58(),
      tokenAccount: order.claim.tokenAccount.toBase58(),
      owed: order.owed,
      amount: order.amount,
      signature,
      ref: order.ref,
      ...(order.shortBy === undefined ? {} : { shortBy: order.shortBy }),
    });
  const maxTransfers = options.maxTransfers ?? 8;
  let rest = [...orders];
  while (rest.length > 0) {
    const batch = takeBatch(options, rest, maxTransfers);
    rest = rest.slice(batch.length);
    try {
      const signature = await send(batch.flatMap((o) => pullInstructions(options, o)));
      for (const order of batch) done(order, signature);
    } catch (error) {
      if (!(error instanceof TransactionFailedError)) throw error;
      // Nothing of a failed transaction moved: one pull the token program refuses (an approval revoked since the
      // read) must not hold back the others.
      for (const order of batch) {
        try {
          done(order, await send(pullInstructions(options, order)));
        } catch (alone) {
          if (!(alone instanceof TransactionFailedError)) throw alone;
          skipped.push({
            channelId: order.channelId,
            payer: order.claim.payer.toBase58(),
            reason: "transfer-failed",
            detail: alone.shortMessage,
            owed: order.owed,
          });
        }
      }
    }
  }
  return pulled;
}

/** The longest prefix of `orders` that fits `maxTransfers` and one transaction. */
function takeBatch(options: ClaimSolanaVouchersOptions, orders: readonly PullOrder[], maxTransfers: number) {
  const batch: PullOrder[] = [];
  for (const order of orders.slice(0, maxTransfers)) {
    const next = [...batch, order];
    const size = vaultTransactionSize(
      next.flatMap((o) => pullInstructions(options, o)),
      options.feePayer,
    );
    if (size > PACKET_DATA_SIZE && batch.length > 0) break;
    batch.push(order);
  }
  return batch;
}

/** The delegated pull of one channel's delta, then its pay memo (the watcher pairs them). */
function pullInstructions(options: ClaimSolanaVouchersOptions, order: PullOrder): TransactionInstruction[] {
  return [
    createTransferCheckedInstruction(
      order.claim.tokenAccount,
      options.mint,
      options.vault,
      options.multisigAuthority,
      order.amount,
      options.decimals,
      options.operators.map((o) => o.publicKey),
      options.tokenProgramId ?? TOKEN_PROGRAM_ID,
    ),
    new TransactionInstruction({
      programId: MEMO_PROGRAM_ID,
      keys: [],
      data: Buffer.from(
        formatSlabridgeMemo({ kind: "pay", modelId: options.modelId, epoch: options.epoch, ref: order.ref }),
        "utf8",
      ),
    }),
  ];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** Math.min for bigints. */
function minOf(first: bigint, ...rest: bigint[]): bigint {
  let min = first;
  for (const value of rest) if (value < min) min = value;
  return min;
}
