import { NettingVaultNotReadyError, SlabridgeError } from "@slabridge/core";
import { PublicKey } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import {
  associatedTokenAccount,
  buildVaultTransferBatch,
  type VaultTransferOrder,
} from "../multisig/buildVaultTransferBatch.ts";
import { readVaultOutflows } from "../multisig/readVaultOutflows.ts";
import type { VaultAccess } from "./VaultAccess.ts";
import { type VaultSend, withVaultSendLease } from "./withVaultSendLease.ts";

/** A netting round's Solana payouts are not payable as given (wrong chain, bad key, bad amount, a payee twice). */
export class InvalidSolanaNetPayoutError extends SlabridgeError {
  override readonly name = "InvalidSolanaNetPayoutError" as const;
  constructor(reason: string) {
    super(reason, { retryable: false });
  }
}

/** One payee's netted share as the round's outcome records it (JSON-safe: `amount` in decimal raw units). */
export interface SolanaNetPayout {
  chain: number;
  /** The payee's Solana public key (base58). */
  account: string;
  amount: string;
}

/** A netted share paid out of the Solana vault (JSON-safe). */
export interface SolanaNetPayment {
  account: string;
  amount: string;
  /** The transaction that paid it (with its `net` memo). */
  signature: string;
}

/** What one {@link SolanaNettingVault.pay} found and did. */
export interface SolanaNettingPayResult {
  /** Paid by this call. */
  paid: SolanaNetPayment[];
  /** Found already paid in the vault's history (an earlier call, a crashed run, a duplicate). */
  alreadyPaid: SolanaNetPayment[];
}

/** Options of {@link SolanaNettingVault}. */
export interface SolanaNettingVaultOptions extends VaultAccess {
  /** Payouts per transaction. Default 16. */
  maxPayoutsPerTransaction?: number;
  /** How long a submitted, unconfirmed send blocks the next one (a blockhash lives ~60-90 s). Default 90 s. */
  inFlightGuardMs?: number;
  now?: () => number;
  /**
   * What the vault must keep for buyers' pending refunds and credits and its own payees' payouts (the settlement
   * target's `reserve`); netted shares are paid only from the balance above it. Default: nothing kept.
   */
  reserve?: () => Promise<bigint>;
}

/**
 * Pays the netted shares of Solana payees (a netting round's `solanaPayouts`: what EVM revenue owes them) out of the
 * Solana vault through its M-of-N multisig, to each payee's associated token account (created when missing), each
 * transfer followed by its `net` memo (`slabridge:v1:net:model=<id>:epoch=<n>:account=<base58>`), one per
 * (round, payee). The vault's history is the record: before sending, the vault's outflows are read back
 * (`readVaultOutflows`) and every payee whose net memo is already there is skipped, so a crash after a send, a retry
 * or a duplicate call never pays twice. Sends hold the (model, epoch) lease the settlement target uses
 * (`solana:vault-send:<model>:<epoch>`, a `SendLease`: "sending" / "sent" with its signature / "idle"), so a call racing another, or coming
 * while an earlier transaction may still land, backs off with `VaultSendInFlightError` instead of paying.
 * Bad input throws {@link InvalidSolanaNetPayoutError} and sends nothing. Netted shares are paid only from the
 * vault's free balance, its balance minus the `reserve` (buyers' money of epochs without a verdict or with refunds
 * owed, unclaimed credits, its own payees' unpaid payouts): when that is less than what is still owed it throws
 * `NettingVaultNotReadyError` (retryable) and sends nothing, so the round waits rather than spend buyers' escrow.
 *
 * @example
 * ```ts
import { NettingVaultNotReadyError, type SendLeaseStore, SlabridgeError } from "@slabridge/core";
 *   multisig, mint, decimals: 6, leases });
 * const { paid } = await payer.pay({ modelId: 1n, epoch: 7n, solanaPayouts: outcome.solanaPayouts });
 * paid; // [{ account: "9xQe…", amount: "1012", signature: "5h…" }]
 * ```
 */
export class SolanaNettingVault {
  readonly #o: SolanaNettingVaultOptions;
  readonly #now: () => number;

  constructor(options: SolanaNettingVaultOptions) {
    if (options.operators.length === 0) throw new RangeError("the vault multisig needs operator keys");
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Pays every payout of the round not yet paid (see the class). Idempotent: the second call pays nothing.
   *
   * @example
   * ```ts
   * const { paid, alreadyPaid } = await payer.pay({ modelId: 1n, epoch: 7n, solanaPayouts });
   * ```
   */
  async pay(round: {
    modelId: bigint;
    epoch: bigint;
    solanaPayouts: readonly SolanaNetPayout[];
  }): Promise<SolanaNettingPayResult> {
    const { modelId, epoch } = round;
    const owed = this.#validate(round.solanaPayouts);
    const memoOf = (account: string) => formatSlabridgeMemo({ kind: "net", modelId, epoch, account });
    return this.#exclusive(modelId, epoch, async (send) => {
      const outflows = await readVaultOutflows(this.#o.connection, this.#o.vault, {
        match: (memo) => memo.kind === "net" && memo.modelId === modelId && memo.epoch === epoch,
      });
      const result: SolanaNettingPayResult = { paid: [], alreadyPaid: [] };
      const pending: { account: string; amount: bigint }[] = [];
      for (const payout of owed) {
        const done = outflows.get(memoOf(payout.account));
        if (done) {
          result.alreadyPaid.push({
            account: payout.account,
            amount: done.amount.toString(),
            signature: done.signature,
          });
        } else {
          pending.push(payout);
        }
      }
      if (pending.length === 0) return result;
      const total = pending.reduce((sum, p) => sum + p.amount, 0n);
      // Read under the lease, after the outflows: nothing of this (model, epoch) moves meanwhile.
      const [held, kept] = await Promise.all([this.#vaultBalance(), this.#o.reserve?.() ?? 0n]);
      // Buyers' escrow (epochs without a verdict, refunds owed, credits) is not netting's to spend: wait instead.
      if (held - kept < total) {
        throw new NettingVaultNotReadyError(
          this.#o.chainId,
          `the Solana vault holds ${held}, keeps ${kept} for buyers' refunds and its own payouts, owes payees ${total}`,
        );
      }
      let orders: (VaultTransferOrder & { account: string })[] = pending.map((p) => {
        const owner = new PublicKey(p.account);
        return {
          account: p.account,
          destination: associatedTokenAccount(owner, this.#o.mint),
          amount: p.amount,
          memo: memoOf(p.account),
          createAssociatedFor: owner,
        };
      });
      while (orders.length > 0) {
        const batch = buildVaultTransferBatch({
          vault: this.#o.vault,
          multisigAuthority: this.#o.multisig,
          signers: this.#o.operators.map((k) => k.publicKey),
          mint: this.#o.mint,
          decimals: this.#o.decimals,
          feePayer: this.#o.feePayer,
          orders,
          maxTransfers: this.#o.maxPayoutsPerTransaction ?? 16,
        });
        const signature = await send(batch.instructions);
        for (const order of orders.slice(0, batch.count)) {
          result.paid.push({ account: order.account, amount: order.amount.toString(), signature });
        }
        orders = orders.slice(batch.count);
      }
      return result;
    });
  }

  /** The payouts as amounts, refused whole when any is not payable here. Zero amounts are nothing to pay. */
  #validate(payouts: readonly SolanaNetPayout[]): { account: string; amount: bigint }[] {
    const seen = new Set<string>();
    const owed: { account: string; amount: bigint }[] = [];
    for (const payout of payouts) {
      if (payout.chain !== this.#o.chainId) {
        throw new InvalidSolanaNetPayoutError(`payout to ${payout.account} is on chain ${payout.chain}, not Solana`);
      }
      if (!isCanonicalKey(payout.account)) {
        throw new InvalidSolanaNetPayoutError(`payee ${payout.account} is not a base58 Solana public key`);
      }
      if (typeof payout.amount !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(payout.amount)) {
        throw new InvalidSolanaNetPayoutError(`payout to ${payout.account} has a bad amount ${String(payout.amount)}`);
      }
      const amount = BigInt(payout.amount);
      if (amount >= 2n ** 64n) throw new InvalidSolanaNetPayoutError(`payout to ${payout.account} exceeds u64`);
      if (seen.has(payout.account)) {
        throw new InvalidSolanaNetPayoutError(`payee ${payout.account} is listed twice in one round`);
      }
      seen.add(payout.account);
      if (amount > 0n) owed.push({ account: payout.account, amount });
    }
    return owed;
  }

  async #vaultBalance(): Promise<bigint> {
    try {
      return BigInt((await this.#o.connection.getTokenAccountBalance(this.#o.vault, "confirmed")).value.amount);
    } catch (error) {
      throw new SolanaRpcError("getTokenAccountBalance", error);
    }
  }

  /** Runs `work` holding the (model, epoch) vault send lease (shared with the settlement target's sends). */
  #exclusive<T>(modelId: bigint, epoch: bigint, work: (send: VaultSend) => Promise<T>): Promise<T> {
    const o = this.#o;
    const lease = {
      connection: o.connection,
      sender: o.sender,
      operators: o.operators,
      leases: o.leases,
      now: this.#now,
      inFlightGuardMs: o.inFlightGuardMs,
    };
    return withVaultSendLease(lease, modelId, epoch, work);
  }
}

/** A base58 public key spelled canonically (the spelling the net memo carries). */
function isCanonicalKey(text: unknown): text is string {
  if (typeof text !== "string" || !/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(text)) return false;
  try {
    return new PublicKey(text).toBase58() === text;
  } catch {
    return false;
  }
}
