import type { Hex } from "@slabridge/core";
import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { ConfirmedSignatureInfo, Connection, Finality, PublicKey } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
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
  if (parsed.kind === "pay" || parsed.kind === "return") return undefined;
  const found = await findTransferOutWithMemo(connection, vault, memo, options);
  return found === undefined ? undefined : { ...found, memo: parsed, memoText: memo };
}

/** A transfer out of the vault found by its memo. */
export type VaultTransferOut = Omit<SolanaVaultOutflow, "memo" | "memoText">;

/**
 * The return of an unmatched deposit (`slabridge:v1:return:deposit=<depositId>`) if the vault already made it: the
 * returner's idempotency check before sending a deposit back.
 *
 * @example if (await findDepositReturn(connection, vault, depositId)) return; // already returned
 */
export async function findDepositReturn(
  connection: Connection,
  vault: PublicKey,
  depositId: Hex,
  options: FindVaultOutflowOptions = {},
): Promise<VaultTransferOut | undefined> {
  return findTransferOutWithMemo(connection, vault, formatSlabridgeMemo({ kind: "return", depositId }), options);
}

async function findTransferOutWithMemo(
  connection: Connection,
  vault: PublicKey,
  memo: string,
  options: FindVaultOutflowOptions,
): Promise<VaultTransferOut | undefined> {
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
      };
    }
    const last = page.at(-1);
    if (page.length < pageSize || last === undefined) return undefined;
    before = last.signature;
  }
}
