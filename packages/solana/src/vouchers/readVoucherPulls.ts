import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { ConfirmedSignatureInfo, Connection, Finality, PublicKey } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { decodeVaultTransfers } from "../vault/decodeVaultTransfers.ts";
import { pairVaultPayments } from "../vault/pairVaultOutflows.ts";
import { parseVoucherClaimRef } from "./voucherClaimRef.ts";

/** One delegated pull of a channel's epoch delta into the vault, as the vault's history shows it. */
export interface VoucherPull {
  signature: string;
  /** The buyer's token account pulled from (base58). */
  tokenAccount: string;
  amount: bigint;
  modelId: bigint;
  /** The voucher epoch the pull claimed (from the memo ref). */
  epoch: bigint;
}

/** Options of {@link readVoucherPulls}. */
export interface ReadVoucherPullsOptions {
  /** Default "confirmed": a claim must see its own recent pulls. */
  commitment?: Finality;
  /** Stop at this signature (exclusive): e.g. the vault's history before the first channel was opened. */
  until?: string;
  pageSize?: number;
  tokenProgramId?: PublicKey;
}

/**
 * Every delegated pull the vault multisig made, keyed by the channel-id prefix of its memo ref
 * (`voucherClaimRef`). Only transfers **into** the vault **authorised by the multisig** count: a buyer paying in
 * with a copied memo ref signs as owner, never as the multisig, so it cannot make a channel look already pulled.
 * The chain, not a store, is the record: a claim that crashed after its transaction landed still sees it.
 *
 * @example
 * ```ts
 * const pulls = await readVoucherPulls(connection, vault, multisig);
 * const pulled = (pulls.get(channelPrefixOf(channelId)) ?? []).reduce((s, p) => s + p.amount, 0n);
 * ```
 */
export async function readVoucherPulls(
  connection: Connection,
  vault: PublicKey,
  multisigAuthority: PublicKey,
  options: ReadVoucherPullsOptions = {},
): Promise<Map<string, VoucherPull[]>> {
  const commitment = options.commitment ?? "confirmed";
  const pageSize = options.pageSize ?? 1000;
  const tokenProgramId = options.tokenProgramId ?? TOKEN_PROGRAM_ID;
  const pulls = new Map<string, VoucherPull[]>();
  let before: string | undefined;
  for (;;) {
    let page: ConfirmedSignatureInfo[];
    try {
      page = await connection.getSignaturesForAddress(
        vault,
        {
          limit: pageSize,
          ...(before === undefined ? {} : { before }),
          ...(options.until === undefined ? {} : { until: options.until }),
        },
        commitment,
      );
    } catch (e) {
      throw new SolanaRpcError("getSignaturesForAddress", e);
    }
    for (const info of page) {
      // The RPC's memo field narrows the scan; the transaction itself decides.
      if (info.err !== null || info.memo === null || !info.memo.includes("slabridge:v1:pay:")) continue;
      let tx: Awaited<ReturnType<typeof connection.getTransaction>>;
      try {
        tx = await connection.getTransaction(info.signature, { maxSupportedTransactionVersion: 0, commitment });
      } catch (e) {
        throw new SolanaRpcError("getTransaction", e);
      }
      if (tx === null || tx.meta?.err) continue;
      const decoded = decodeVaultTransfers(tx, vault, tokenProgramId);
      for (const { transfer, memo } of pairVaultPayments(decoded) ?? []) {
        if (!transfer.authority.equals(multisigAuthority)) continue;
        const ref = parseVoucherClaimRef(memo.ref);
        if (ref === undefined) continue;
        const list = pulls.get(ref.channelPrefix) ?? [];
        list.push({
          signature: info.signature,
          tokenAccount: transfer.source.toBase58(),
          amount: transfer.amount,
          modelId: memo.modelId,
          epoch: ref.epoch,
        });
        pulls.set(ref.channelPrefix, list);
      }
    }
    const last = page.at(-1);
    if (page.length < pageSize || last === undefined) return pulls;
    before = last.signature;
  }
}
