import type { PublicKey, VersionedTransaction } from "@solana/web3.js";
import type { UiTokenAmount } from "./tokenAmount.ts";
import type { TransactionErrorJson } from "./transactionError.ts";

/** A `preTokenBalances` / `postTokenBalances` entry. */
export interface TokenBalanceJson {
  accountIndex: number;
  mint: string;
  owner: string;
  programId: string;
  uiTokenAmount: UiTokenAmount;
}

/** Compiled instruction as in `meta.innerInstructions[].instructions[]`. */
export interface CompiledInstructionJson {
  programIdIndex: number;
  accounts: number[];
  data: string;
  stackHeight: number | null;
}

/** `meta` of `getTransaction` (json encoding), already in wire shape. */
export interface TransactionMetaJson {
  err: TransactionErrorJson | null;
  status: { Ok: null } | { Err: TransactionErrorJson };
  fee: number;
  preBalances: number[];
  postBalances: number[];
  innerInstructions: Array<{ index: number; instructions: CompiledInstructionJson[] }>;
  logMessages: string[];
  preTokenBalances: TokenBalanceJson[];
  postTokenBalances: TokenBalanceJson[];
  rewards: [];
  loadedAddresses: { writable: string[]; readonly: string[] };
  computeUnitsConsumed: number;
  returnData?: { programId: string; data: [string, "base64"] };
}

/** One executed (landed) transaction, successful or failed. */
export interface TransactionRecord {
  readonly signature: string;
  /** Position in execution order, used to order entries within a slot. */
  readonly seq: number;
  readonly slot: number;
  readonly blockTime: number;
  readonly transaction: VersionedTransaction;
  /** Static keys followed by keys loaded from lookup tables, as the runtime indexes them. */
  readonly accountKeys: readonly PublicKey[];
  readonly meta: TransactionMetaJson;
  readonly memo: string | null;
}

/** Paging options of `getSignaturesForAddress`. */
export interface SignaturePage {
  before?: string | undefined;
  until?: string | undefined;
  limit: number;
}

/**
 * In-memory ledger history: signature lookup plus a per-address index, so watchers can scan by address.
 *
 * @example history.forAddress(vault.toBase58(), { limit: 10 })
 */
export class TransactionHistory {
  private readonly bySignature = new Map<string, TransactionRecord>();
  private readonly byAddress = new Map<string, TransactionRecord[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(record: TransactionRecord): void {
    this.bySignature.set(record.signature, record);
    this.count++;
    const seen = new Set<string>();
    for (const key of record.accountKeys) {
      const address = key.toBase58();
      if (seen.has(address)) continue;
      seen.add(address);
      const list = this.byAddress.get(address);
      if (list === undefined) this.byAddress.set(address, [record]);
      else list.push(record);
    }
  }

  get(signature: string): TransactionRecord | undefined {
    return this.bySignature.get(signature);
  }

  /** Newest first; `before` and `until` are exclusive, an unknown `before` yields nothing (like the validator). */
  forAddress(address: string, page: SignaturePage): TransactionRecord[] {
    const list = this.byAddress.get(address) ?? [];
    let start = list.length - 1;
    if (page.before !== undefined) {
      const before = this.bySignature.get(page.before);
      if (before === undefined) return [];
      start = upperIndexBelow(list, before.seq);
    }
    const untilSeq = page.until === undefined ? undefined : this.bySignature.get(page.until)?.seq;
    const out: TransactionRecord[] = [];
    for (let i = start; i >= 0 && out.length < page.limit; i--) {
      const rec = list[i];
      if (rec === undefined) break;
      if (untilSeq !== undefined && rec.seq <= untilSeq) break;
      out.push(rec);
    }
    return out;
  }
}

// Index of the last record with seq < `seq` (records are appended in seq order), or -1.
function upperIndexBelow(list: readonly TransactionRecord[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid]?.seq ?? Number.POSITIVE_INFINITY) < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
