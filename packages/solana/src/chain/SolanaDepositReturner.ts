import type { CursorStore } from "@slabridge/core";
import { PublicKey } from "@solana/web3.js";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { associatedTokenAccount, buildVaultTransferBatch } from "../multisig/buildVaultTransferBatch.ts";
import { findDepositReturn } from "../multisig/findVaultOutflow.ts";
import { SolanaVaultWatcher } from "../vault/SolanaVaultWatcher.ts";
import type { UnmatchedDeposit } from "../vault/vaultEvents.ts";
import { readTokenAccounts } from "./readTokenAccounts.ts";
import type { VaultAccess } from "./VaultAccess.ts";
import { withVaultSendLeaseId } from "./withVaultSendLease.ts";

/** Options of {@link SolanaDepositReturner}. */
export interface SolanaDepositReturnerOptions extends VaultAccess {
  /** Holds the returner's own scan cursor (`cursorId`). */
  cursors: CursorStore;
  /** Default `solana:vault-returns:<vault>`. */
  cursorId?: string;
  /** The epoch a payment made at `blockTime` counts in (undefined: unknown model, or before its genesis). */
  epochOf(modelId: bigint, blockTime: number): bigint | undefined;
  /** How long a "sending" lease blocks the next worker. Default 90 s. */
  inFlightGuardMs?: number;
  now?: () => number;
}

/** A deposit sent back, or found sent back by an earlier run. */
export interface ReturnedDeposit extends UnmatchedDeposit {
  /** The return's transaction. */
  returnSignature: string;
  /** Where it went (base58 token account). */
  destination: string;
}

/** What one {@link SolanaDepositReturner.returnUnmatched} pass did. */
export interface ReturnDepositsResult {
  returned: ReturnedDeposit[];
  alreadyReturned: ReturnedDeposit[];
  /** Neither the sending account nor its owner's associated token account can take it (both frozen, or no owner). */
  undeliverable: UnmatchedDeposit[];
}

/**
 * Sends back every deposit into the vault that matches no payment (no memo, a memo made by a program we could not
 * read, two models in one transaction, an unknown model, an epoch before genesis, a malformed memo): in full, to the
 * token account it came from while that is open, unfrozen and still the sender's, else to the sender's associated
 * token account (created when missing), each transfer with its return memo (`slabridge:v1:return:deposit=<id>`).
 * The deposits are read from the vault's own history (finalized) with a cursor of their own that moves past a batch
 * only once each of its deposits is returned; before sending, the vault's history is checked for the return memo and
 * the send holds the lease `solana:vault-send:return:<depositId>`, so a deposit is never returned twice.
 *
 * @example
 * ```ts
 * const returner = new SolanaDepositReturner({ ...vaultAccess, cursors, epochOf });
 * const { returned, undeliverable } = await returner.returnUnmatched();
 * ```
 */
export class SolanaDepositReturner {
  readonly #o: SolanaDepositReturnerOptions;

  constructor(options: SolanaDepositReturnerOptions) {
    if (options.operators.length === 0) throw new RangeError("the vault multisig needs operator keys");
    this.#o = options;
  }

  /** Returns every unmatched deposit since the cursor (see the class). Safe to run again at any time. */
  async returnUnmatched(): Promise<ReturnDepositsResult> {
    const o = this.#o;
    const result: ReturnDepositsResult = { returned: [], alreadyReturned: [], undeliverable: [] };
    const watcher = new SolanaVaultWatcher({
      connection: o.connection,
      vault: o.vault,
      mint: o.mint,
      cursorStore: o.cursors,
      cursorId: o.cursorId ?? `solana:vault-returns:${o.vault.toBase58()}`,
      epochOf: o.epochOf,
    });
    await watcher.poll(async (batch) => {
      for (const deposit of batch.unmatched) await this.#returnOne(deposit, result);
    });
    return result;
  }

  async #returnOne(deposit: UnmatchedDeposit, result: ReturnDepositsResult): Promise<void> {
    const o = this.#o;
    const lease = {
      connection: o.connection,
      sender: o.sender,
      operators: o.operators,
      leases: o.leases,
      now: o.now ?? Date.now,
      inFlightGuardMs: o.inFlightGuardMs,
    };
    await withVaultSendLeaseId(lease, `solana:vault-send:return:${deposit.depositId}`, async (send) => {
      const done = await findDepositReturn(o.connection, o.vault, deposit.depositId);
      if (done) {
        result.alreadyReturned.push({ ...deposit, returnSignature: done.signature, destination: done.destination });
        return;
      }
      const source = new PublicKey(deposit.sourceTokenAccount);
      const owner = deposit.owner === undefined ? undefined : new PublicKey(deposit.owner);
      const ata = owner === undefined ? undefined : associatedTokenAccount(owner, o.mint);
      const [sourceUse, ataUse] = await readTokenAccounts(o.connection, o.mint, [source, ata]);
      const order =
        sourceUse?.kind === "usable" && (owner === undefined || sourceUse.owner.equals(owner))
          ? { destination: source }
          : ata !== undefined && ataUse?.kind === "usable"
            ? { destination: ata }
            : ata !== undefined && owner !== undefined && ataUse?.kind === "missing"
              ? { destination: ata, createAssociatedFor: owner }
              : undefined;
      if (order === undefined) {
        result.undeliverable.push(deposit);
        return;
      }
      const { instructions } = buildVaultTransferBatch({
        vault: o.vault,
        multisigAuthority: o.multisig,
        signers: o.operators.map((k) => k.publicKey),
        mint: o.mint,
        decimals: o.decimals,
        feePayer: o.feePayer,
        orders: [
          {
            ...order,
            amount: deposit.amount,
            memo: formatSlabridgeMemo({ kind: "return", depositId: deposit.depositId }),
          },
        ],
        maxTransfers: 1,
      });
      const signature = await send(instructions);
      result.returned.push({ ...deposit, returnSignature: signature, destination: order.destination.toBase58() });
    });
  }
}
