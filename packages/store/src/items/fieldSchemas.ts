import { type Hex, isHex } from "@slabridge/core";
import { z } from "zod";

/**
 * Field schemas shared by the item codecs. Bigints are stored as decimal strings (DynamoDB numbers stop at 38
 * digits and the document client turns them into lossy JS numbers), hex as strings.
 *
 * @example fields.decimal.parse("42") // 42n
 */
export const fields = {
  /** A non-negative bigint stored as a canonical decimal string (no sign, no leading zeros). */
  decimal: z
    .string()
    .regex(/^(?:0|[1-9][0-9]*)$/, "expected a decimal string")
    .transform((value) => BigInt(value)),
  hex: z.custom<Hex>(isHex, "expected 0x-prefixed hex"),
  count: z.number().int().nonnegative(),
  timestamp: z.number().int().nonnegative(),
  text: z.string().min(1),
} as const;
