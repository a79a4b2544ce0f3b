import {
  type CursorStore,
  type DeploymentManifest,
  type Hex,
  NotReadyError,
  type PaymentRecord,
  type PaymentStore,
  type SettlementState,
  type SettlementTarget,
  SlabridgeError,
} from "@slabridge/core";
import { PublicKey } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { TransactionFailedError } from "../errors/TransactionFailedError.ts";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import {
  associatedTokenAccount,
  buildVaultTransferBatch,
  type VaultTransferOrder,
} from "../multisig/buildVaultTransferBatch.ts";
import { readVaultOutflows } from "../multisig/readVaultOutflows.ts";
import {
  planSolanaSettlement,
  type SolanaSettlementPlan,
  type SplitEntry,
} from "../settlement/planSolanaSettlement.ts";
import { readVaultPayment, type VaultPaymentOnChain } from "../vault/readVaultPayment.ts";
import type { SolanaVaultOutflow } from "../vault/vaultEvents.ts";
import { readTokenAccounts, type TokenAccountUse } from "./readTokenAccounts.ts";
import { SolanaNettingVault } from "./SolanaNettingVault.ts";
import type { SolanaVerdict, SolanaVerdictSource } from "./SolanaVerdictSource.ts";
import type { VaultAccess } from "./VaultAccess.ts";
import { type VaultSend, withVaultSendLease } from "./withVaultSendLease.ts";

type ModelManifest = DeploymentManifest["models"][number];

/** A stored payment is not in its transaction as recorded: refuse to refund from it. Never retryable. */
export class SolanaPaymentMismatchError extends SlabridgeError {
  override readonly name = "SolanaPaymentMismatchError" as const;
  constructor(reason: string) {
    super(reason, { retryable: false });
  }
}

/** The (model, epoch) cannot be settled as configured (e.g. the model is not in the manifest). Never retryable. */
export class SolanaSettlementConfigError extends SlabridgeError {
  override readonly name = "SolanaSettlementConfigError" as const;
  constructor(reason: string) {
    super(reason, { retryable: false });
  }
}

/** Payouts were asked for while refunds of the (model, epoch) are still owed. Retryable (refunds come first). */
export class SolanaRefundsPendingError extends SlabridgeError {
  override readonly name = "SolanaRefundsPendingError" as const;
  constructor(pending: number) {
    super(`${pending} refunds are still owed; payouts wait for them`, { retryable: true });
  }
}

/**
 * How many epochs after an epoch's end its verdict may take before the epoch is void (no verdict, no lock-in), while
 * no `verdictGraceEpochs` reader of the model's term (the listing's, home `termsAt`) is given.
 */
export const DEFAULT_SOLANA_VERDICT_GRACE_EPOCHS = 2;

/** What the Solana vault did and owes for one (model, epoch): the Solana side of cross-chain netting. */
export interface SolanaNettingPosition extends SolanaSettlementPlan {
  modelId: bigint;
  epoch: bigint;
  /** The verified verdict settled by; undefined when the epoch is void. */
  verdict: SolanaVerdict | undefined;
  /**
   * No verdict came within the grace: every payment goes back in full, nothing is released, and a verdict arriving
   * later is ignored (the vault's void memo, written before the first refund, says so for good).
   */
  voided: boolean;
  /** Every owed refund is paid out of the vault, or parked in it as the buyer's claimable credit. */
  refundsDone: boolean;
  /** Refunds parked as claimable credits and not yet claimed (they stay in the vault, owed to their buyers). */
  credits: SolanaRefundCredit[];
  /** Every Solana payee's share is paid out of the vault. */
  payoutsDone: boolean;
}

/** A refund that could not be delivered, parked in the vault until its buyer can receive it. */
export interface SolanaRefundCredit {
  paymentId: Hex;
  amount: bigint;
  /** The signature of the vault-to-itself transfer that carries its credit memo. */
  signature: string;
}

/** Options of {@link SolanaSettlementTarget}. */
export interface SolanaSettlementTargetOptions extends VaultAccess {
  /** Where the vault watch records Solana payments. */
  payments: PaymentStore;
  /** Where the vault scan cursor is (see `vaultScanCursorId`). */
  cursors: CursorStore;
  verdicts: Pick<SolanaVerdictSource, "verified">;
  /**
   * The model's `verdictGraceEpochs` term for the epoch (the listing's): once epoch `epoch + 1 + grace` has begun with
   * no verified verdict, the epoch is void and every buyer is refunded in full. Default
   * {@link DEFAULT_SOLANA_VERDICT_GRACE_EPOCHS} (the Solana side does not read the home terms yet).
   */
  verdictGraceEpochs?(modelId: bigint, epoch: bigint): Promise<number>;
  /** The model's split table for the epoch (home ModelRegistry `payees(modelId, epoch)`), in table order. */
  payees(modelId: bigint, epoch: bigint): Promise<readonly SplitEntry[]>;
  models: readonly ModelManifest[];
  /** Cursor the vault watch marks each completed pass with (unix ms): see `vaultScanCursorId`. */
  vaultScanCursorId: string;
  /** How long after its end an epoch's payments are surely finalized and recorded (default 0: devnet). */
  finalityLagMs?: number;
  /** Payouts per transaction (refunds use the engine's `maxRefundsPerTransaction`). Default 16. */
  maxPayoutsPerTransaction?: number;
  /** How long a submitted, unconfirmed send blocks the next one (a blockhash lives ~60-90 s). Default 90 s. */
  inFlightGuardMs?: number;
  /**
   * How many epochs back (per model) {@link SolanaSettlementTarget.reserve} keeps buyers' money for; must exceed the
   * verdict grace plus the time settlement takes. Default 48.
   */
  reserveLookbackEpochs?: number;
  now?: () => number;
}

/**
 * Settlement on Solana, where the payment vault is an SPL token account owned by an M-of-N SPL multisig and
 * verdicts arrive as verified VAAs ({@link SolanaVerdictSource}). There is no on-chain cursor: the vault's own
 * history is the record. Every refund and payout carries its memo (`refund:…:payment=<id>`,
 * `payout:…:index=<i>`), and each step first reads what the vault already paid out by memo
 * (`readVaultOutflows`), so a crash between a send and anything after it, a retried or duplicate job, or a whole
 * settlement run again pays nothing twice. Sends for one (model, epoch) are serialized by a send lease
 * (`SendLeaseStore`, `solana:vault-send:<model>:<epoch>`) naming the last submitted signature, so a refund job and a
 * settle job racing, or a retry while an earlier transaction may still land, cannot both pay.
 *
 * Amounts: each payment refunds floor(amount × refundBps / 10,000) plus its share of the verdict's bond top-up
 * (`topUpShares` over the epoch's payments in paymentId order, so the shares sum to the top-up; refundBps and topUp
 * from the verified VAA only), as one transfer under the payment's refund memo: a payment is done once that memo (or
 * its credit memo) is in the vault's history, whatever the amount, so its share is never paid apart or twice. The
 * vault advances the top-up from its balance (it is the Solana netting vault too). The transfer goes back to the
 * token account the payment came from, as its transaction shows, while that account is open, unfrozen and still the
 * payer's; otherwise to the payer's associated token account (created when missing). When neither can take it
 * (both frozen, or no owner known), the refund is parked as a claimable credit: a transfer from the vault to itself
 * with its credit memo (`credit:…:payment=<id>`), so the vault's history records it and it counts as done; the
 * buyer gets it later with {@link claimCredits}. A batch refused in preflight is retried one refund at a time and a
 * refund refused alone is parked, so one refund never holds up the others or the payouts. The released rest
 * (paid − refunded; the top-up is not revenue) is split like the EVM escrow (`planSolanaSettlement`) and only the
 * Solana payees (their associated token accounts) are paid here; the other payees' shares stay in the vault for
 * netting ({@link nettingPosition}). A void epoch refunds in full and never pays a later verdict's top-up. While the
 * vault's balance is short of its {@link reserve} (what it owes, top-ups included), a refund pass with a top-up sends
 * nothing and throws a retryable `NotReadyError`: the vault advances the top-up, never out of others' escrow.
 *
 * @example
 * ```ts
 * const target = new SolanaSettlementTarget({ chainId: SOLANA_CHAIN_ID, connection, sender, feePayer, operators,
 *   vault, multisig, mint, decimals: 6, payments, cursors, leases, verdicts, payees, models, vaultScanCursorId });
 * if (!(await target.state(2n, 41n)).refundsDone) await target.refundNext(2n, 41n, 100);
 * ```
 */
export class SolanaSettlementTarget implements SettlementTarget {
  readonly chainId: number;
  readonly #o: SolanaSettlementTargetOptions;
  readonly #now: () => number;

  constructor(options: SolanaSettlementTargetOptions) {
    if (options.operators.length === 0) throw new RangeError("the vault multisig needs operator keys");
    this.chainId = options.chainId;
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async state(modelId: bigint, epoch: bigint): Promise<SettlementState> {
    const current = await this.#current(modelId, epoch);
    if (!current) return { verdictApplied: false, refundsDone: false, released: false };
    const position = this.#position(modelId, epoch, current);
    // A parked credit its buyer can now take keeps the refunds open, so the sweep's refund job delivers it.
    const refundsDone = position.refundsDone && (await this.#claimable(modelId, epoch, current)).length === 0;
    return { verdictApplied: true, refundsDone, released: refundsDone && position.payoutsDone };
  }

  /**
   * The Solana side of netting for (model, epoch): what the vault took in, refunded, released, pays (paid) to Solana
   * payees and holds for payees on other chains. Undefined until the verified verdict is known and every payment of
   * the epoch is recorded.
   *
   * @example
   * ```ts
   * const position = await target.nettingPosition(2n, 41n);
   * if (position?.payoutsDone) bridge(position.heldForOtherChains);
   * ```
   */
  async nettingPosition(modelId: bigint, epoch: bigint): Promise<SolanaNettingPosition | undefined> {
    const current = await this.#current(modelId, epoch);
    return current ? this.#position(modelId, epoch, current) : undefined;
  }

  #position(modelId: bigint, epoch: bigint, current: Current): SolanaNettingPosition {
    const { verdict, plan, paid } = current;
    const credits: SolanaRefundCredit[] = [];
    for (const r of plan.refunds) {
      const parked = paid.get(creditMemo(modelId, epoch, r.paymentId));
      if (parked && !paid.has(refundMemo(modelId, epoch, r.paymentId))) {
        credits.push({ paymentId: r.paymentId, amount: parked.amount, signature: parked.signature });
      }
    }
    return {
      ...plan,
      modelId,
      epoch,
      verdict,
      voided: current.voided,
      refundsDone: plan.refunds.every((r) => settled(paid, modelId, epoch, r.paymentId)),
      credits,
      payoutsDone: plan.payouts.every((p) => paid.has(payoutMemo(modelId, epoch, p.index))),
    };
  }

  /**
   * A payer of netted shares to Solana payees out of the same vault, with the same connection, sender, operator keys
   * and (model, epoch) send lease as this target.
   *
   * @example
   * ```ts
   * await target.nettingPayer().pay({ modelId: 1n, epoch: 7n, solanaPayouts: outcome.solanaPayouts });
   * ```
   */
  nettingPayer(): SolanaNettingVault {
    const o = this.#o;
    return new SolanaNettingVault({
      chainId: o.chainId,
      connection: o.connection,
      sender: o.sender,
      feePayer: o.feePayer,
      operators: o.operators,
      vault: o.vault,
      multisig: o.multisig,
      mint: o.mint,
      decimals: o.decimals,
      leases: o.leases,
      ...(o.maxPayoutsPerTransaction === undefined ? {} : { maxPayoutsPerTransaction: o.maxPayoutsPerTransaction }),
      ...(o.inFlightGuardMs === undefined ? {} : { inFlightGuardMs: o.inFlightGuardMs }),
      now: this.#now,
      reserve: () => this.reserve(),
    });
  }

  /**
   * What the vault must keep for its buyers and its own payees, so netting pays nothing out of it: over the last
   * `reserveLookbackEpochs` epochs of every model (and the current one), an epoch without a verified verdict (or not
   * yet fully recorded) keeps everything its buyers paid (a breach, or the no-verdict escape, may refund it all);
   * an epoch with one keeps its refunds not yet paid or parked (each with its share of the bond top-up, which the
   * vault advances), its unclaimed credits and its Solana payees' unpaid payouts. What is left of the vault's balance (the shares held for payees on other chains) is free for netting.
   *
   * @example
   * const free = vaultBalance - (await target.reserve());
   */
  async reserve(): Promise<bigint> {
    const outflows = await readVaultOutflows(this.#o.connection, this.#o.vault);
    const lookback = BigInt(this.#o.reserveLookbackEpochs ?? 48);
    const nowSeconds = Math.floor(this.#now() / 1000);
    let total = 0n;
    for (const model of this.#o.models) {
      if (nowSeconds < model.genesis) continue;
      const modelId = BigInt(model.modelId);
      const current = BigInt(Math.floor((nowSeconds - model.genesis) / model.epochSeconds));
      for (let epoch = current > lookback ? current - lookback : 0n; epoch <= current; epoch++) {
        total += await this.#kept(modelId, epoch, outflows);
      }
    }
    return total;
  }

  /** What one (model, epoch) still owes out of the vault (see {@link reserve}). */
  async #kept(modelId: bigint, epoch: bigint, outflows: ReadonlyMap<string, SolanaVaultOutflow>): Promise<bigint> {
    const stored = await this.#o.payments.listEpoch(this.chainId, modelId, epoch);
    if (stored.length === 0) return 0n;
    const current = await this.#current(modelId, epoch, outflows);
    if (!current) return stored.reduce((sum, p) => sum + p.amount, 0n);
    const { plan, paid } = current;
    let kept = 0n;
    for (const r of plan.refunds) {
      if (!paid.has(refundMemo(modelId, epoch, r.paymentId))) kept += r.amount; // owed, or parked as a credit
    }
    for (const p of plan.payouts) if (!paid.has(payoutMemo(modelId, epoch, p.index))) kept += p.amount;
    return kept;
  }

  async refundNext(modelId: bigint, epoch: bigint, maxPayments: number): Promise<{ transaction: string }> {
    return this.#exclusive(modelId, epoch, async (send) => {
      const current = await this.#current(modelId, epoch);
      if (!current) throw this.#notReady();
      const { plan, paid, records } = current;
      const pending = plan.refunds.filter((r) => !settled(paid, modelId, epoch, r.paymentId));
      // Every refund is paid or parked: deliver the parked credits whose buyer can now take them (once, by memo).
      if (pending.length === 0) return this.#deliverCredits(send, modelId, epoch, current);
      if (current.voided && !paid.has(voidMemo(modelId, epoch))) {
        // The void is on record before any refund leaves: a verdict arriving later is then ignored for good.
        await send(this.#batch([this.#voidOrder(modelId, epoch)], 1).instructions);
      }
      // Read back only what can fit in one transaction (a handful), not every pending payment.
      const refunds: RefundToSend[] = [];
      for (const refund of pending.slice(0, Math.min(maxPayments, 16))) {
        const record = records.get(refund.paymentId.toLowerCase());
        if (!record) throw new SolanaPaymentMismatchError(`payment ${refund.paymentId} vanished from the store`);
        const onChain = await readVaultPayment(this.#o.connection, this.#o.vault, record.transaction, refund.paymentId);
        if (!onChain || onChain.amount !== record.amount) {
          throw new SolanaPaymentMismatchError(
            `payment ${refund.paymentId} is not a transfer of ${record.amount} into the vault in ${record.transaction}`,
          );
        }
        refunds.push({ paymentId: refund.paymentId, amount: refund.amount, onChain });
      }
      const orders = await this.#refundOrders(modelId, epoch, refunds);
      const batch = this.#batch(orders, maxPayments);
      // The vault advances the bond top-up from its own balance, never from what it owes others: short, it waits.
      if (plan.topUp > 0n) await this.#assertVaultCovers();
      try {
        return await send(batch.instructions);
      } catch (error) {
        if (!refusedInPreflight(error)) throw error;
        // One refund's destination turned unusable after it was read (closed or frozen meanwhile): find it alone.
        return this.#sendAlone(send, orders.slice(0, batch.count), modelId, epoch);
      }
    });
  }

  /**
   * Delivers the (model, epoch)'s parked credits whose buyer can now receive them (the paying account or the
   * buyer's associated token account, created when missing), each with its refund memo, so a credit is paid once.
   * Credits still undeliverable stay parked. Resolves with the last transaction ("" when nothing was deliverable).
   *
   * @example
   * ```ts
   * const { credits } = (await target.nettingPosition(2n, 41n)) ?? { credits: [] };
   * if (credits.length > 0) await target.claimCredits(2n, 41n);
   * ```
   */
  async claimCredits(modelId: bigint, epoch: bigint): Promise<{ transaction: string }> {
    return this.#exclusive(modelId, epoch, async (send) => {
      const current = await this.#current(modelId, epoch);
      if (!current) throw this.#notReady();
      return this.#deliverCredits(send, modelId, epoch, current);
    });
  }

  /** Sends every parked credit its buyer can now take (see {@link claimCredits}); "" when there is none. */
  async #deliverCredits(send: VaultSend, modelId: bigint, epoch: bigint, current: Current): Promise<string> {
    let orders = await this.#claimable(modelId, epoch, current);
    let last = "";
    while (orders.length > 0) {
      const batch = this.#batch(orders, 16);
      last = await send(batch.instructions);
      orders = orders.slice(batch.count);
    }
    return last;
  }

  /** The delivery orders of the parked, unclaimed credits whose buyer can receive them now. */
  async #claimable(modelId: bigint, epoch: bigint, current: Current): Promise<RefundOrder[]> {
    const { paid, records } = current;
    const parked: RefundToSend[] = [];
    for (const r of current.plan.refunds) {
      const credit = paid.get(creditMemo(modelId, epoch, r.paymentId));
      if (!credit || paid.has(refundMemo(modelId, epoch, r.paymentId))) continue;
      const record = records.get(r.paymentId.toLowerCase());
      const onChain = record
        ? await readVaultPayment(this.#o.connection, this.#o.vault, record.transaction, r.paymentId)
        : undefined;
      if (onChain) parked.push({ paymentId: r.paymentId, amount: credit.amount, onChain });
    }
    if (parked.length === 0) return [];
    return (await this.#refundOrders(modelId, epoch, parked)).filter((o) => !o.parked);
  }

  /**
   * Throws a retryable {@link NotReadyError} when the vault's balance is short of its {@link reserve} (which counts
   * the pending refunds with their top-up shares): paying the top-up then would spend other buyers' escrow.
   */
  async #assertVaultCovers(): Promise<void> {
    let held: bigint;
    try {
      held = BigInt((await this.#o.connection.getTokenAccountBalance(this.#o.vault, "confirmed")).value.amount);
    } catch (error) {
      throw new SolanaRpcError("getTokenAccountBalance", error);
    }
    const owed = await this.reserve();
    if (held < owed) {
      throw new NotReadyError(
        `the Solana vault holds ${held} but owes ${owed} with the bond top-up: it waits to be funded`,
        this.#now() + 60_000,
      );
    }
  }

  /** The void marker: a transfer of 0 from the vault to itself with the epoch's void memo. */
  #voidOrder(modelId: bigint, epoch: bigint): VaultTransferOrder {
    return { destination: this.#o.vault, amount: 0n, memo: voidMemo(modelId, epoch) };
  }

  async release(modelId: bigint, epoch: bigint): Promise<{ transaction: string }> {
    return this.#exclusive(modelId, epoch, async (send) => {
      const current = await this.#current(modelId, epoch);
      if (!current) throw this.#notReady();
      const { plan, paid } = current;
      const owed = plan.refunds.filter((r) => !settled(paid, modelId, epoch, r.paymentId)).length;
      if (owed > 0) throw new SolanaRefundsPendingError(owed);
      let orders: VaultTransferOrder[] = plan.payouts
        .filter((p) => !paid.has(payoutMemo(modelId, epoch, p.index)))
        .map((p) => {
          const owner = new PublicKey(p.owner);
          return {
            destination: associatedTokenAccount(owner, this.#o.mint),
            amount: p.amount,
            memo: payoutMemo(modelId, epoch, p.index),
            createAssociatedFor: owner,
          };
        });
      let last = "";
      while (orders.length > 0) {
        const batch = this.#batch(orders, this.#o.maxPayoutsPerTransaction ?? 16);
        last = await send(batch.instructions);
        orders = orders.slice(batch.count);
      }
      return last;
    });
  }

  /**
   * Each refund's transfer: to the account the payment came from while it is open, unfrozen and still the payer's;
   * else to the payer's associated token account (created when missing); else parked in the vault as a credit.
   */
  async #refundOrders(modelId: bigint, epoch: bigint, refunds: readonly RefundToSend[]): Promise<RefundOrder[]> {
    const { mint } = this.#o;
    const owners = refunds.map((r) => (r.onChain.owner === undefined ? undefined : new PublicKey(r.onChain.owner)));
    const sources = refunds.map((r) => new PublicKey(r.onChain.sourceTokenAccount));
    const associated = owners.map((owner) => (owner ? associatedTokenAccount(owner, mint) : undefined));
    const uses = await readTokenAccounts(this.#o.connection, mint, [...sources, ...associated]);
    return refunds.map((refund, i): RefundOrder => {
      const owner = owners[i];
      const source = sources[i] as PublicKey;
      const ata = associated[i];
      const sourceUse: TokenAccountUse | undefined = uses[i];
      const ataUse: TokenAccountUse | undefined = uses[refunds.length + i];
      const order = {
        paymentId: refund.paymentId,
        amount: refund.amount,
        memo: refundMemo(modelId, epoch, refund.paymentId),
        parked: false,
      };
      if (sourceUse?.kind === "usable" && owner !== undefined && sourceUse.owner.equals(owner)) {
        return { ...order, destination: source };
      }
      if (owner !== undefined && ata !== undefined && ataUse?.kind === "usable") return { ...order, destination: ata };
      if (owner !== undefined && ata !== undefined && ataUse?.kind === "missing") {
        return { ...order, destination: ata, createAssociatedFor: owner };
      }
      return this.#parkOrder(modelId, epoch, refund);
    });
  }

  #parkOrder(modelId: bigint, epoch: bigint, refund: { paymentId: Hex; amount: bigint }): RefundOrder {
    const { paymentId, amount } = refund;
    return { paymentId, amount, destination: this.#o.vault, memo: creditMemo(modelId, epoch, paymentId), parked: true };
  }

  /** Sends `orders` one per transaction; one refused in preflight is parked instead (a credit always lands). */
  async #sendAlone(send: VaultSend, orders: readonly RefundOrder[], modelId: bigint, epoch: bigint) {
    let last = "";
    for (const order of orders) {
      try {
        last = await send(this.#batch([order], 1).instructions);
      } catch (error) {
        if (!refusedInPreflight(error) || order.parked) throw error;
        last = await send(this.#batch([this.#parkOrder(modelId, epoch, order)], 1).instructions);
      }
    }
    return last;
  }

  /**
   * How the (model, epoch) settles, the plan and what the vault already paid for it, once ready: by its verified
   * verdict; or void (everything back in full, nothing released) once its void memo is in the vault (whatever verdict
   * came since), or once its verdict grace passed with no verified verdict and nothing paid out for it yet.
   */
  async #current(
    modelId: bigint,
    epoch: bigint,
    outflows?: ReadonlyMap<string, SolanaVaultOutflow>,
  ): Promise<Current | undefined> {
    const model = this.#model(modelId);
    const verdict = await this.#o.verdicts.verified(modelId, epoch);
    if (!verdict && !(await this.#graceOver(model, modelId, epoch))) return undefined;
    if (!(await this.#paymentsComplete(model, epoch))) return undefined;
    // Memo texts name their (model, epoch), so a map of every outflow answers for this epoch too.
    const paid: ReadonlyMap<string, SolanaVaultOutflow> =
      outflows ??
      (await readVaultOutflows(this.#o.connection, this.#o.vault, {
        match: (memo) => memo.modelId === modelId && memo.epoch === epoch,
      }));
    const marked = paid.has(voidMemo(modelId, epoch));
    // Without the void memo, anything already paid for the epoch was settled by a verdict: never void it then.
    if (!verdict && !marked && settledByVerdict(paid, modelId, epoch)) return undefined;
    const voided = marked || !verdict;
    const [stored, payees] = await Promise.all([
      this.#o.payments.listEpoch(this.chainId, modelId, epoch),
      voided ? [] : this.#o.payees(modelId, epoch),
    ]);
    const payments = stored.map((p) => ({ paymentId: p.paymentId as Hex, amount: p.amount }));
    const plan = voided
      ? voidPlan(payments)
      : planSolanaSettlement({
          payments,
          refundBps: verdict?.refundBps ?? 10_000,
          topUp: verdict?.topUp ?? 0n,
          payees,
          solanaChainId: this.chainId,
        });
    const records = new Map<string, PaymentRecord>(stored.map((p) => [p.paymentId.toLowerCase(), p]));
    return { verdict: voided ? undefined : verdict, voided, plan, paid, records };
  }

  #model(modelId: bigint): ModelManifest {
    const model = this.#o.models.find((m) => BigInt(m.modelId) === modelId);
    if (!model) throw new SolanaSettlementConfigError(`model ${modelId} is not in the manifest`);
    return model;
  }

  /** Epoch `epoch + 1 + grace` has begun (the EVM escrow's `withdrawUnverdicted` opens at the same second). */
  async #graceOver(model: ModelManifest, modelId: bigint, epoch: bigint): Promise<boolean> {
    const grace = (await this.#o.verdictGraceEpochs?.(modelId, epoch)) ?? DEFAULT_SOLANA_VERDICT_GRACE_EPOCHS;
    if (!Number.isInteger(grace) || grace <= 0 || grace > 0xffff) {
      throw new SolanaSettlementConfigError(`model ${modelId} verdictGraceEpochs ${grace} is not in 1..65535`);
    }
    const opensAt = (model.genesis + Number(epoch + 1n + BigInt(grace)) * model.epochSeconds) * 1000;
    return this.#now() >= opensAt;
  }

  /** Every payment of the epoch is in the store once a vault pass that started after its end (+ lag) completed. */
  async #paymentsComplete(model: ModelManifest, epoch: bigint): Promise<boolean> {
    const readyAt = (model.genesis + Number(epoch + 1n) * model.epochSeconds) * 1000 + (this.#o.finalityLagMs ?? 0);
    const scan = await this.#o.cursors.get(this.#o.vaultScanCursorId);
    return this.#now() >= readyAt && scan !== undefined && Number(scan.block) >= readyAt;
  }

  #notReady(): NotReadyError {
    return new NotReadyError(
      "no verified verdict on Solana or the epoch's payments are not all recorded yet",
      this.#now() + 60_000,
    );
  }

  #batch(orders: readonly VaultTransferOrder[], maxTransfers: number) {
    return buildVaultTransferBatch({
      vault: this.#o.vault,
      multisigAuthority: this.#o.multisig,
      signers: this.#o.operators.map((k) => k.publicKey),
      mint: this.#o.mint,
      decimals: this.#o.decimals,
      feePayer: this.#o.feePayer,
      orders,
      maxTransfers,
    });
  }

  /** Runs `work` holding the (model, epoch) vault send lease (see {@link withVaultSendLease}). */
  async #exclusive(
    modelId: bigint,
    epoch: bigint,
    work: (send: VaultSend) => Promise<string>,
  ): Promise<{ transaction: string }> {
    const o = this.#o;
    const lease = {
      connection: o.connection,
      sender: o.sender,
      operators: o.operators,
      leases: o.leases,
      now: this.#now,
      inFlightGuardMs: o.inFlightGuardMs,
    };
    return { transaction: await withVaultSendLease(lease, modelId, epoch, work) };
  }
}

function refundMemo(modelId: bigint, epoch: bigint, paymentId: Hex): string {
  return formatSlabridgeMemo({ kind: "refund", modelId, epoch, paymentId });
}

function creditMemo(modelId: bigint, epoch: bigint, paymentId: Hex): string {
  return formatSlabridgeMemo({ kind: "credit", modelId, epoch, paymentId });
}

function voidMemo(modelId: bigint, epoch: bigint): string {
  return formatSlabridgeMemo({ kind: "void", modelId, epoch });
}

/** A refund, credit or payout of the (model, epoch) left the vault: a verdict settled it (no void memo before). */
function settledByVerdict(paid: ReadonlyMap<string, SolanaVaultOutflow>, modelId: bigint, epoch: bigint): boolean {
  for (const { memo } of paid.values()) {
    const kind = memo.kind;
    if (
      (kind === "refund" || kind === "credit" || kind === "payout") &&
      memo.modelId === modelId &&
      memo.epoch === epoch
    ) {
      return true;
    }
  }
  return false;
}

/** A void epoch: every payment back in full, nothing released, nobody paid out. */
function voidPlan(payments: readonly { paymentId: Hex; amount: bigint }[]): SolanaSettlementPlan {
  const paid = payments.reduce((sum, p) => sum + p.amount, 0n);
  return {
    paid,
    refunded: paid,
    released: 0n,
    topUp: 0n, // the void memo stands for good: a later verdict's top-up is never paid
    refunds: payments
      .filter((p) => p.amount > 0n)
      .map((p) => ({ paymentId: p.paymentId, amount: p.amount }))
      .sort((a, b) => (a.paymentId.toLowerCase() < b.paymentId.toLowerCase() ? -1 : 1)),
    payouts: [],
    paidLocally: 0n,
    heldForOtherChains: 0n,
  };
}

/** How a (model, epoch) settles now and what the vault already did for it (see `#current`). */
interface Current {
  verdict: SolanaVerdict | undefined;
  voided: boolean;
  plan: SolanaSettlementPlan;
  paid: ReadonlyMap<string, SolanaVaultOutflow>;
  records: Map<string, PaymentRecord>;
}

/** A refund is settled once paid, or once parked as a credit (the credit is then the buyer's to claim). */
function settled(paid: ReadonlyMap<string, unknown>, modelId: bigint, epoch: bigint, paymentId: Hex): boolean {
  return paid.has(refundMemo(modelId, epoch, paymentId)) || paid.has(creditMemo(modelId, epoch, paymentId));
}

/** A refund being sent: its amount and the payment as its transaction shows it. */
interface RefundToSend {
  paymentId: Hex;
  amount: bigint;
  onChain: VaultPaymentOnChain;
}

/** The runtime refused the transaction before it could land (nothing was paid). */
function refusedInPreflight(error: unknown): boolean {
  return error instanceof TransactionFailedError && error.signature === undefined;
}

/** A refund's transfer (to the buyer, or parked in the vault), with the payment it refunds. */
type RefundOrder = VaultTransferOrder & { paymentId: Hex; parked: boolean };

function payoutMemo(modelId: bigint, epoch: bigint, index: number): string {
  return formatSlabridgeMemo({ kind: "payout", modelId, epoch, index });
}
