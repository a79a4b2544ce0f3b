import { type Hex, keccak256 } from "@slabridge/core";

/** The kinds of netting steps that move value. */
export type NettingStepKind = "bridge" | "payout";

/**
 * The deterministic id of one netting step: keccak256 of `slabridge:netting:v1:<round>:<kind>:<parts>`. The same
 * round, kind and parts (source and destination chain of a bridge transfer; chain and account of a payout) always
 * give the same id, which the vault appends to the step's calldata so the chain itself records that it was done.
 *
 * @example
 * ```ts
 * nettingStepId("round-42", "payout", [31338, "0xabc…"]); // "0x…" (32 bytes)
 * ```
 */
export function nettingStepId(roundId: string, kind: NettingStepKind, parts: readonly (string | number)[]): Hex {
  return keccak256(new TextEncoder().encode(`slabridge:netting:v1:${roundId}:${kind}:${parts.join(":")}`));
}
