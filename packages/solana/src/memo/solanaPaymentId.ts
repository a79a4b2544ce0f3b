import { createHash } from "node:crypto";
import type { Hex } from "@slabridge/core";

/**
 * Where a transfer sits in its transaction: the top-level instruction index, plus the position inside that
 * instruction's inner (CPI) instructions when the transfer was made by a program.
 */
export interface InstructionLocation {
  instructionIndex: number;
  innerIndex?: number | undefined;
}

/**
 * The id of a Solana payment: `sha256("slabridge:solana:" + signature + ":" + location)` as 0x + 64 hex, where
 * location is the top-level instruction index (`"2"`) or `"outer.inner"` for a transfer made in a CPI (`"2.0"`).
 * Deterministic (a re-delivered payment gets the same id, so stores dedupe it), unique per transfer (a
 * transaction may carry several), and 32 bytes so it fits the codec's bytes32 receipt leaf.
 *
 * @example
 * ```ts
 * solanaPaymentId("5h6x…", { instructionIndex: 1 }); // "0x9f…" (64 hex digits)
 * ```
 */
export function solanaPaymentId(signature: string, location: InstructionLocation): Hex {
  const where =
    location.innerIndex === undefined
      ? `${location.instructionIndex}`
      : `${location.instructionIndex}.${location.innerIndex}`;
  return `0x${createHash("sha256").update(`slabridge:solana:${signature}:${where}`, "utf8").digest("hex")}`;
}
