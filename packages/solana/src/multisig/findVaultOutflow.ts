import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { ConfirmedSignatureInfo, Connection, Finality, PublicKey } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { parseSlabridgeMemo } from "../memo/slabridgeMemo.ts";
import { decodeVaultTransfers } from "../vault/decodeVaultTransfers.ts";
import type { SolanaVaultOutflow } from "../vault/vaultEvents.ts";

/** Options of {@link findVaultOutflow}. */
export interface FindVaultOutflowOptions {
  /** Default "confirmed": the check before a send should see recent transfers too. */
  commitment?: Finality;
  /** Stop scanning at this signature (exclusive), e.g. the first transaction of the epoch. */
  until?: string;
  pageSize?: number;
  tokenProgramId?: PublicKey;
}

/**
 * Scans the vault's history (newest first) for a successful transfer out of the vault carrying exactly `memo`,
 * the settle step's idempotency check before paying a refund or payout. The RPC's per-signature memo field
 * narrows the scan; each candidate is then verified from the transaction itself.
 *
 * @example
 * ```ts
 * const done = await findVaultOutflow(connection, vault, formatSlabridgeMemo({ kind: "refund", modelId, epoch, paymentId }));
 * if (done) return done.signature; // already refunded
 * ```
 */
export async function findVaultOutflow(
  connection: Connection,
  vault: PublicKey,
  memo: string,
  options: FindVaultOutflowOptions = {},
): Promise<SolanaVaultOutflow | undefined> {
  const parsed = parseSlabridgeMemo(memo);
  if (parsed.kind === "pay") return undefined;
  const commitment = options.commitment ?? "confirmed";
  const pageSize = options.pageSize ?? 1000;
  const tokenProgramId = options.tokenProgramId ?? TOKEN_PROGRAM_ID;
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
      // The RPC renders memos as "[len] text; [len] text".
      if (info.err !== null || info.memo === null || !info.memo.includes(memo)) continue;
      let tx: Awaited<ReturnType<typeof connection.getTransaction>>;
      try {
        tx = await connection.getTransaction(info.signature, { maxSupportedTransactionVersion: 0, commitment });
      } catch (e) {
        throw new SolanaRpcError("getTransaction", e);
      }
      if (tx === null || tx.meta?.err) continue;
      const decoded = decodeVaultTransfers(tx, vault, tokenProgramId);
      if (!decoded.memos.includes(memo)) continue;
      const out = decoded.transfers.find((t) => t.direction === "out");
      if (out === undefined) continue;
      return {
        signature: info.signature,
        slot: tx.slot,
        blockTime: tx.blockTime ?? null,
        instructionIndex: out.instructionIndex,
        innerIndex: out.innerIndex,
        destination: out.destination.toBase58(),
        amount: out.amount,
        memo: parsed,
        memoText: memo,
      };
    }
    const last = page.at(-1);
    if (page.length < pageSize || last === undefined) return undefined;
    before = last.signature;
  }
}
