import type { Cursor, CursorStore } from "@slabridge/core";
import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { ConfirmedSignatureInfo, Connection, PublicKey, VersionedTransactionResponse } from "@solana/web3.js";
import { CursorConflictError } from "../errors/CursorConflictError.ts";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { classifyVaultTransaction, type VaultContext } from "./classifyVaultTransaction.ts";
import type { SolanaPayment, VaultBatch } from "./vaultEvents.ts";

/** Options of {@link SolanaVaultWatcher}. */
export interface SolanaVaultWatcherOptions {
  connection: Connection;
  /** The payment vault (an SPL token account). */
  vault: PublicKey;
  /** The stablecoin mint. */
  mint: PublicKey;
  /** SPL Token by default; Token-2022 vaults pass its id. */
  tokenProgramId?: PublicKey;
  cursorStore: CursorStore;
  /** e.g. `solana:vault:<address>`. */
  cursorId: string;
  /** The epoch a payment made at `blockTime` (unix seconds) counts in; undefined for an unknown model. */
  epochOf(modelId: bigint, blockTime: number): bigint | undefined;
  /** Signatures per `getSignaturesForAddress` page and transactions per handler call. Default 100. */
  pageSize?: number;
  /**
   * The vault's multisig authority. With it, a voucher pull the multisig signed is booked to the epoch its pay memo
   * names (see `voucherEpochOpen`); without it every payment is booked by its block time.
   */
  multisigAuthority?: PublicKey | undefined;
  /**
   * Whether a voucher pull may still be booked to (model, epoch): false once that epoch's receipts started going home
   * (a payment booked after its epoch's batches were cut would be in no receipt). Default: always true.
   */
  voucherEpochOpen?(modelId: bigint, epoch: bigint): Promise<boolean>;
}

/** What one `poll` did. */
export interface VaultPollResult {
  batches: number;
  payments: number;
  outflows: number;
  skipped: number;
  /** The cursor after the poll (unchanged when nothing was new). */
  cursor: Cursor | undefined;
}

/**
 * Turns finalized SPL transfers into and out of the payment vault into payments and outflows. Each `poll` lists
 * the vault's signatures newer than the cursor (finalized only: no reorg can undo what it reports), then hands
 * them to `handler` oldest first in batches of `pageSize`, and moves the cursor past a batch only after the
 * handler returned (a conditional write on the cursor version). A crash re-delivers at most one batch; payment
 * ids are deterministic, so a handler that stores by id is idempotent.
 *
 * @example
 * ```ts
 * const watcher = new SolanaVaultWatcher({ connection, vault, mint, cursorStore, cursorId: `solana:vault:${vault}`,
 *   epochOf: (model, t) => registry.epochAt(model, t), pageSize: 100 });
 * await watcher.poll(async ({ payments, outflows, skipped }) => { await jobs.recordAll(payments); });
 * ```
 */
export class SolanaVaultWatcher {
  private readonly connection: Connection;
  private readonly ctx: VaultContext;
  private readonly cursorStore: CursorStore;
  private readonly cursorId: string;
  private readonly pageSize: number;
  private readonly voucherEpochOpen: (modelId: bigint, epoch: bigint) => Promise<boolean>;

  constructor(options: SolanaVaultWatcherOptions) {
    this.connection = options.connection;
    this.ctx = {
      vault: options.vault,
      mint: options.mint,
      tokenProgramId: options.tokenProgramId ?? TOKEN_PROGRAM_ID,
      epochOf: options.epochOf,
      multisigAuthority: options.multisigAuthority,
    };
    this.voucherEpochOpen = options.voucherEpochOpen ?? (async () => true);
    this.cursorStore = options.cursorStore;
    this.cursorId = options.cursorId;
    this.pageSize = options.pageSize ?? 100;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > 1000) {
      throw new RangeError("pageSize must be an integer from 1 to 1000");
    }
  }

  /**
   * Processes everything finalized since the cursor. Throws `SolanaRpcError` (retryable) when the RPC fails,
   * `CursorConflictError` when another worker moved the cursor, and whatever `handler` throws; in each case the
   * cursor stays after the last batch the handler accepted. Without a cursor the whole vault history is read
   * (the vault is created for slabridge, so that history is all relevant).
   */
  async poll(handler: (batch: VaultBatch) => Promise<void>): Promise<VaultPollResult> {
    let cursor = await this.cursorStore.get(this.cursorId);
    const pending = await this.signaturesSince(cursor?.lastSignature);
    const result: VaultPollResult = { batches: 0, payments: 0, outflows: 0, skipped: 0, cursor };
    for (let start = 0; start < pending.length; start += this.pageSize) {
      const infos = pending.slice(start, start + this.pageSize);
      const batch = await this.buildBatch(infos);
      await handler(batch);
      const next: Cursor = {
        id: this.cursorId,
        block: BigInt(batch.lastSlot),
        // Finalized history cannot reorg, so there is no block hash to re-check; keep the signature there.
        blockHash: batch.lastSignature,
        lastSignature: batch.lastSignature,
        version: (cursor?.version ?? 0) + 1,
      };
      if (!(await this.cursorStore.advance(next, cursor?.version))) throw new CursorConflictError(this.cursorId);
      cursor = next;
      result.cursor = next;
      result.batches++;
      result.payments += batch.payments.length;
      result.outflows += batch.outflows.length;
      result.skipped += batch.skipped.length;
    }
    return result;
  }

  /** Finalized signatures newer than `until`, oldest first. */
  private async signaturesSince(until: string | undefined): Promise<ConfirmedSignatureInfo[]> {
    const newestFirst: ConfirmedSignatureInfo[] = [];
    let before: string | undefined;
    for (;;) {
      const options = {
        limit: this.pageSize,
        ...(until === undefined ? {} : { until }),
        ...(before === undefined ? {} : { before }),
      };
      let page: ConfirmedSignatureInfo[];
      try {
        page = await this.connection.getSignaturesForAddress(this.ctx.vault, options, "finalized");
      } catch (e) {
        throw new SolanaRpcError("getSignaturesForAddress", e);
      }
      newestFirst.push(...page);
      const last = page.at(-1);
      if (page.length < this.pageSize || last === undefined) break;
      before = last.signature;
    }
    return newestFirst.reverse();
  }

  private async buildBatch(infos: readonly ConfirmedSignatureInfo[]): Promise<VaultBatch> {
    const last = infos.at(-1);
    if (last === undefined) throw new RangeError("empty batch");
    const batch: VaultBatch = {
      payments: [],
      outflows: [],
      skipped: [],
      unmatched: [],
      returns: [],
      lastSignature: last.signature,
      lastSlot: last.slot,
    };
    // Failed transactions need no fetch; the rest are fetched in parallel, then judged in order.
    const txs = await Promise.all(infos.map((info) => (info.err ? undefined : this.fetch(info.signature))));
    infos.forEach((info, i) => {
      const tx = txs[i];
      if (info.err || tx === undefined) {
        batch.skipped.push({
          signature: info.signature,
          slot: info.slot,
          blockTime: info.blockTime ?? null,
          reason: "failed",
          detail: `transaction failed: ${JSON.stringify(info.err)}`,
        });
        return;
      }
      const outcome = classifyVaultTransaction(info.signature, tx, this.ctx);
      if (outcome.kind === "payments") batch.payments.push(...outcome.payments);
      else if (outcome.kind === "outflows") batch.outflows.push(...outcome.outflows);
      else if (outcome.kind === "returns") batch.returns.push(...outcome.returns);
      else {
        batch.skipped.push(outcome.skipped);
        batch.unmatched.push(...outcome.unmatched);
      }
    });
    await this.bookVoucherPulls(batch.payments);
    return batch;
  }

  /**
   * A multisig pull is booked to the epoch its vouchers were spent in while that epoch's receipts have not started
   * going home. Once they have, it is booked by its block time (usually the next epoch): late, but counted once, and
   * never in an epoch whose batches are already cut.
   */
  private async bookVoucherPulls(payments: SolanaPayment[]): Promise<void> {
    const open = new Map<string, Promise<boolean>>();
    for (const payment of payments) {
      const { voucherEpoch } = payment;
      if (voucherEpoch === undefined || voucherEpoch === payment.epoch) continue;
      const key = `${payment.modelId}:${voucherEpoch}`;
      let check = open.get(key);
      if (check === undefined) {
        check = this.voucherEpochOpen(payment.modelId, voucherEpoch);
        open.set(key, check);
      }
      if (await check) payment.epoch = voucherEpoch;
    }
  }

  private async fetch(signature: string): Promise<VersionedTransactionResponse> {
    let tx: VersionedTransactionResponse | null;
    try {
      tx = await this.connection.getTransaction(signature, {
        maxSupportedTransactionVersion: 0,
        commitment: "finalized",
      });
    } catch (e) {
      throw new SolanaRpcError("getTransaction", e);
    }
    // Listed as finalized but not served: a lagging node. Retry later rather than skip a payment.
    if (tx === null)
      throw new SolanaRpcError("getTransaction", undefined, `finalized transaction ${signature} not found`);
    return tx;
  }
}
