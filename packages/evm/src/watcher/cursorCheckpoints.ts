import type { Cursor, CursorCheckpoint } from "@slabridge/core";

/** The watcher's view of a stored cursor: its block and hash, plus older checkpoints, newest first. */
export interface CheckpointedCursor {
  block: bigint;
  /** "" when nothing was processed yet (the cursor sits just before `startBlock`). */
  hash: string;
  checkpoints: CursorCheckpoint[];
}

/** The fields of a stored cursor the watcher writes and reads. */
export type StoredCheckpoints = Pick<Cursor, "block" | "blockHash" | "checkpoints">;

/** Stored hash of a cursor rewound to before its first block (stores reject negative blocks and empty hashes). */
const UNSCANNED = "unscanned";

/**
 * Maps the watcher's view to the stored cursor and back. Older checkpoints go in the cursor's own typed
 * `checkpoints` field (the store keeps them as their own attribute, newest first, each below the cursor block), so
 * `blockHash` is only ever the cursor block's hash, or "unscanned" for a cursor before its first block.
 *
 * @example
 * ```ts
 * const stored = cursorCheckpoints.encode({ block: 10n, hash: h10, checkpoints: [{ block: 5n, hash: h5 }] });
 * // { block: 10n, blockHash: h10, checkpoints: [{ block: 5n, hash: h5 }] }
 * cursorCheckpoints.decode(stored); // { block: 10n, hash: h10, checkpoints: [{ block: 5n, hash: h5 }] }
 * ```
 */
export const cursorCheckpoints = {
  encode(cursor: CheckpointedCursor): StoredCheckpoints {
    // Nothing processed yet: stored as "the next block to scan" so the block stays non-negative.
    if (cursor.hash === "") return { block: cursor.block + 1n, blockHash: UNSCANNED };
    return {
      block: cursor.block,
      blockHash: cursor.hash,
      ...(cursor.checkpoints.length === 0 ? {} : { checkpoints: cursor.checkpoints }),
    };
  },
  decode(stored: StoredCheckpoints): CheckpointedCursor {
    if (stored.blockHash === UNSCANNED) return { block: stored.block - 1n, hash: "", checkpoints: [] };
    return { block: stored.block, hash: stored.blockHash, checkpoints: stored.checkpoints ?? [] };
  },
} as const;
