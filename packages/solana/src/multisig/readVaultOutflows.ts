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
      const cache = outflowsCacheOf(vault, tokenProgramId);
      // Keyed by slot too: a transaction that lands again in another slot after a rollback is read again.
      const cacheKey = `${info.signature}@${info.slot}`;
      let outflows = cache.get(cacheKey);
      if (outflows === undefined) {
        let tx: Awaited<ReturnType<typeof connection.getTransaction>>;
        try {
          tx = await connection.getTransaction(info.signature, { maxSupportedTransactionVersion: 0, commitment });
        } catch (e) {
          throw new SolanaRpcError("getTransaction", e);
        }
        if (tx === null) continue; // not readable yet: asked again on the next scan
        outflows = tx.meta?.err
          ? []
          : (pairVaultOutflows(
              info.signature,
              tx.slot,
              tx.blockTime ?? null,
              decodeVaultTransfers(tx, vault, tokenProgramId),
            ) ?? []);
        remember(cache, cacheKey, outflows);
      }
      for (const outflow of outflows) {
        if (options.match && !options.match(outflow.memo)) continue;
        if (!found.has(outflow.memoText)) found.set(outflow.memoText, outflow);
      }
    }
    const last = page.at(-1);
    if (page.length < pageSize || last === undefined) return found;
    before = last.signature;
  }
}

/**
 * The outflows each vault transaction holds, by signature and slot. A signature names one transaction's exact bytes,
 * so what it holds never changes; only whether it is still in the vault's history can (a rolled-back slot drops it from the
 * signature listing, which every scan reads afresh). Without this, every scan fetched every outflow transaction the
 * vault ever made again, one RPC each.
 */
const outflowCaches = new Map<string, Map<string, SolanaVaultOutflow[]>>();
const OUTFLOW_CACHE_MAX = 50_000;

/** The cache of one vault (and token program): the same transaction is the same bytes on whichever connection. */
function outflowsCacheOf(vault: PublicKey, tokenProgramId: PublicKey): Map<string, SolanaVaultOutflow[]> {
  const key = `${vault.toBase58()}:${tokenProgramId.toBase58()}`;
  let cache = outflowCaches.get(key);
  if (cache === undefined) {
    cache = new Map();
    outflowCaches.set(key, cache);
  }
  return cache;
}

function remember(cache: Map<string, SolanaVaultOutflow[]>, key: string, outflows: SolanaVaultOutflow[]): void {
  if (cache.size >= OUTFLOW_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, outflows);
}
