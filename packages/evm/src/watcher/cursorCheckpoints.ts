/** A block the watcher processed, with the hash it had then. */
export interface BlockCheckpoint {
  block: bigint;
  hash: string;
}

/** The watcher's view of a stored cursor: its block and hash, plus older checkpoints, newest first. */
export interface CheckpointedCursor {
  block: bigint;
  /** "" when nothing was processed yet (the cursor sits just before `startBlock`). */
  hash: string;
  checkpoints: BlockCheckpoint[];
}

const CHECKPOINT = /^(\d+):(0x[0-9a-fA-F]{64})$/;
/** Stored hash of a cursor rewound to before its first block (stores reject negative blocks and empty hashes). */
const UNSCANNED = "unscanned";

/**
 * Packs older checkpoints into `Cursor.blockHash`, which the core `Cursor` type has as its only free-form field:
 * `<hash>;<block>:<hash>,<block>:<hash>...`. The part before `;` is the cursor block's own hash, so a reader that
 * only wants the hash takes `blockHash.split(";")[0]`. (Core could grow an optional `checkpoints` field instead.)
 *
 * @example
 * ```ts
 * const { block, blockHash } = cursorCheckpoints.encode({ block: 10n, hash: h10, checkpoints: [{ block: 5n, hash: h5 }] });
 * cursorCheckpoints.decode(block, blockHash); // { block: 10n, hash: h10, checkpoints: [{ block: 5n, hash: h5 }] }
 * ```
 */
export const cursorCheckpoints = {
  encode(cursor: CheckpointedCursor): { block: bigint; blockHash: string } {
    // Nothing processed yet: stored as "the next block to scan" so the block stays non-negative.
    if (cursor.hash === "") return { block: cursor.block + 1n, blockHash: UNSCANNED };
    const older = cursor.checkpoints.map((c) => `${c.block}:${c.hash}`).join(",");
    return { block: cursor.block, blockHash: older === "" ? cursor.hash : `${cursor.hash};${older}` };
  },
  decode(block: bigint, blockHash: string): CheckpointedCursor {
    if (blockHash === UNSCANNED) return { block: block - 1n, hash: "", checkpoints: [] };
    const [hash = "", older = ""] = blockHash.split(";", 2);
    const checkpoints: BlockCheckpoint[] = [];
    for (const entry of older === "" ? [] : older.split(",")) {
      const match = CHECKPOINT.exec(entry);
      // A malformed entry is dropped: fewer checkpoints only means a deeper rewind on a reorg, never a missed log.
      if (match?.[1] !== undefined && match[2] !== undefined) {
        checkpoints.push({ block: BigInt(match[1]), hash: match[2] });
      }
    }
    return {
      block,
      hash,
      checkpoints: checkpoints.filter((c) => c.block < block).sort((a, b) => (a.block > b.block ? -1 : 1)),
    };
  },
} as const;
