import type { SolanaSettlementTransfer } from "@slabridge/core";
import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { type Connection, type Finality, PublicKey } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { readVaultOutflows } from "../multisig/readVaultOutflows.ts";
import type { SolanaVaultOutflow } from "../vault/vaultEvents.ts";
import type { SolanaSettlementFindings, SolanaSettlementReader } from "./SolanaStatusReader.ts";

/** Options of {@link VaultOutflowSettlementReader}. */
export interface VaultOutflowSettlementReaderOptions {
  /** A read-only connection (no keypair anywhere near it). */
  connection: Connection;
  /** The payment vault token account the refunds and payouts leave from. */
  vault: PublicKey;
  /** Default "confirmed" (what the settlement itself checks against). */
  commitment?: Finality;
  tokenProgramId?: PublicKey;
}

// getMultipleAccounts takes at most 100 keys.
const ACCOUNTS_PER_CALL = 100;
// An SPL token account is mint (32 bytes), then owner (32 bytes), ...
const OWNER_OFFSET = 32;

/**
 * Solana settlement evidence for the status API, read from the chain alone: the vault's outflows whose memo names the
 * (model, epoch) (`slabridge:v1:refund:model=..:epoch=..:payment=..` and `slabridge:v1:payout:model=..:epoch=..:index=..`,
 * found with `readVaultOutflows`), whoever sent them. A refund's `reference` is the payment id, a payout's its index;
 * the `recipient` is the owner of the destination token account (the buyer, the payee), or the token account itself
 * when it no longer exists. A refund parked as a credit (`slabridge:v1:credit:…`, see the settlement target) counts as
 * a refund held by the vault (recipient: the vault's owner, the multisig) until its refund memo delivers it. Refunds come sorted by payment id, payouts by index. RPC failures throw `SolanaRpcError`.
 *
 * @example
 * ```ts
 * const reader = new VaultOutflowSettlementReader({ connection: new Connection(rpcUrl), vault: new PublicKey(solana.vault) });
 * const { refunds, payouts } = await reader.read({ modelId: 2n, epoch: 41n, payments, refundBps: 2_500 });
 * ```
 */
export class VaultOutflowSettlementReader implements SolanaSettlementReader {
  readonly #o: VaultOutflowSettlementReaderOptions;

  constructor(options: VaultOutflowSettlementReaderOptions) {
    this.#o = options;
  }

  async read(input: { readonly modelId: bigint; readonly epoch: bigint }): Promise<SolanaSettlementFindings> {
    const { modelId, epoch } = input;
    const outflows = [
      ...(
        await readVaultOutflows(this.#o.connection, this.#o.vault, {
          match: (memo) => memo.modelId === modelId && memo.epoch === epoch,
          commitment: this.#o.commitment ?? "confirmed",
          ...(this.#o.tokenProgramId ? { tokenProgramId: this.#o.tokenProgramId } : {}),
        })
      ).values(),
    ];
    const owners = await this.#owners(outflows.map((outflow) => outflow.destination));
    const transfer = (outflow: SolanaVaultOutflow, reference: string): SolanaSettlementTransfer => ({
      reference,
      recipient: owners.get(outflow.destination) ?? outflow.destination,
      amount: outflow.amount,
      signature: outflow.signature,
      slot: BigInt(outflow.slot),
    });
    const refunds: SolanaSettlementTransfer[] = [];
    const payouts: { index: number; transfer: SolanaSettlementTransfer }[] = [];
    const delivered = new Set(outflows.flatMap((o) => (o.memo.kind === "refund" ? [o.memo.paymentId] : [])));
    for (const outflow of outflows) {
      const { memo } = outflow;
      if (memo.kind === "refund") refunds.push(transfer(outflow, memo.paymentId));
      // A refund parked as a credit (still in the vault, the buyer's to claim) counts until it is delivered.
      else if (memo.kind === "credit" && !delivered.has(memo.paymentId))
        refunds.push(transfer(outflow, memo.paymentId));
      else if (memo.kind === "payout")
        payouts.push({ index: memo.index, transfer: transfer(outflow, `${memo.index}`) });
      // Net memos (netted shares of Solana payees) are netting's, not the epoch's settlement.
    }
    refunds.sort((a, b) => (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0));
    payouts.sort((a, b) => a.index - b.index);
    return { refunds, payouts: payouts.map((p) => p.transfer) };
  }

  /** The owner of each token account that still exists and is one (base58 both ways). */
  async #owners(tokenAccounts: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(tokenAccounts)];
    const programId = this.#o.tokenProgramId ?? TOKEN_PROGRAM_ID;
    const owners = new Map<string, string>();
    for (let start = 0; start < unique.length; start += ACCOUNTS_PER_CALL) {
      const chunk = unique.slice(start, start + ACCOUNTS_PER_CALL);
      let infos: Awaited<ReturnType<Connection["getMultipleAccountsInfo"]>>;
      try {
        infos = await this.#o.connection.getMultipleAccountsInfo(
          chunk.map((account) => new PublicKey(account)),
          this.#o.commitment ?? "confirmed",
        );
      } catch (error) {
        throw new SolanaRpcError("getMultipleAccounts", error);
      }
      chunk.forEach((account, i) => {
        const info = infos[i];
        if (!info?.owner.equals(programId) || info.data.length < OWNER_OFFSET + 32) return;
        owners.set(account, new PublicKey(info.data.subarray(OWNER_OFFSET, OWNER_OFFSET + 32)).toBase58());
      });
    }
    return owners;
  }
}
