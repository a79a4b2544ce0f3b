import { MEMO_PROGRAM_ID, MEMO_V1_PROGRAM_ID } from "./memo.ts";

const MEMO_PROGRAMS = new Set([MEMO_PROGRAM_ID.toBase58(), MEMO_V1_PROGRAM_ID.toBase58()]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The `memo` field of `getSignaturesForAddress`, formatted like the validator does:
 * each top-level memo instruction becomes `"[byteLength] text"`, joined by `"; "`; `null` when there is none.
 *
 * @example formatMemos([{ programId: MEMO_PROGRAM_ID.toBase58(), data: Buffer.from("hi") }]) // "[2] hi"
 */
export function formatMemos(instructions: ReadonlyArray<{ programId: string; data: Uint8Array }>): string | null {
  const memos: string[] = [];
  for (const ix of instructions) {
    if (!MEMO_PROGRAMS.has(ix.programId)) continue;
    let text: string;
    try {
      text = utf8.decode(ix.data);
    } catch {
      text = "(unparseable)";
    }
    memos.push(`[${ix.data.length}] ${text}`);
  }
  return memos.length === 0 ? null : memos.join("; ");
}
