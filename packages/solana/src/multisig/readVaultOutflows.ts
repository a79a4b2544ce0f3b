import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { ConfirmedSignatureInfo, Connection, Finality, PublicKey } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import type { OutflowMemo } from "../memo/slabridgeMemo.ts";
import { decodeVaultTransfers } from "../vault/decodeVaultTransfers.ts";
import { pairVaultOutflows } from "../vault/pairVaultOutflows.ts";
import type { SolanaVaultOutflow } from "../vault/vaultEvents.ts";

/** Options of {@link readVaultOutflows}. */
export interface ReadVaultOutflowsOptions {
  /** Only outflows whose memo passes (e.g. one model and epoch). All refund, payout and net outflows by default. */
  match?: (memo: OutflowMemo) => boolean;
  /** Default "confirmed": the check before a send must see recent transfers too. */
  commitment?: Finality;
  /** Stop scanning at this signature (exclusive). */
  until?: string;
  pageSize?: number;
  tokenProgramId?: PublicKey;
}

// The RPC renders a transaction's memos as "[len] text; [len] text": a cheap filter before fetching it.
const OUTFLOW_MEMO = /slabridge:v1:(refund|payout|net|credit|void):/;

/**
 * Everything the vault has already paid out, by memo text: one scan of the vault's history (newest first) that
 * reads each successful transaction carrying a refund, payout, net or credit memo and pairs every transfer out of the vault
 * with the memo after it (see `pairVaultOutflows`). It is the settlement's record of what is done: a refund or
 * payout whose memo is in the map was paid, whoever sent it and whether or not anyone recorded it. A memo paid
 * twice (which the settlement never does) keeps the newest outflow.
 *
 * @example
 * ```ts
 * const paid = await readVaultOutflows(connection, vault, { match: (m) => m.modelId === 2n && m.epoch === 7n });
 * if (paid.has(formatSlabridgeMemo({ kind: "refund", modelId: 2n, epoch: 7n, paymentId }))) skip();
 * ```
 */
export async function readVaultOutflows(
  connection: Connection,
  vault: PublicKey,
  options: ReadVaultOutflowsOptions = {},
): Promise<Map<string, SolanaVaultOutflow>> {
  const commitment = options.commitment ?? "confirmed";
  const pageSize = options.pageSize ?? 1000;
  const tokenProgramId = options.tokenProgramId ?? TOKEN_PROGRAM_ID;
  const found = new Map<string, SolanaVaultOutflow>();
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
      if (info.err !== null || info.memo === null || !OUTFLOW_MEMO.test(info.memo)) continue;
      let tx: Awaited<ReturnType<typeof connection.getTransaction>>;
      try {
        tx = await connection.getTransaction(info.signature, { maxSupportedTransactionVersion: 0, commitment });
      } catch (e) {
        throw new SolanaRpcError("getTransaction", e);
      }
      if (tx === null || tx.meta?.err) continue;
      const decoded = decodeVaultTransfers(tx, vault, tokenProgramId);
      for (const outflow of pairVaultOutflows(info.signature, tx.slot, tx.blockTime ?? null, decoded) ?? []) {
        if (options.match && !options.match(outflow.memo)) continue;
        if (!found.has(outflow.memoText)) found.set(outflow.memoText, outflow);
      }
    }
    const last = page.at(-1);
    if (page.length < pageSize || last === undefined) return found;
    before = last.signature;
  }
}
