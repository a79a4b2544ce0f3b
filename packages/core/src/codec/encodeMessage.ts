import type { Hex } from "../hex/hex.ts";
import { MESSAGE_VERSION } from "./constants.ts";
import { InvalidMessageError } from "./errors.ts";
import { MESSAGE_LAYOUTS } from "./messageLayouts.ts";
import { type SlabridgeMessageInput, slabridgeMessageSchema } from "./messageSchemas.ts";

const byteHex = (n: number): string => n.toString(16).padStart(2, "0");

function word(value: unknown): string {
  if (typeof value === "boolean") return (value ? 1n : 0n).toString(16).padStart(64, "0");
  if (typeof value === "bigint" || typeof value === "number") return value.toString(16).padStart(64, "0");
  if (typeof value === "string") return value.slice(2); // bytes32, already validated and lowercased
  throw new TypeError(`Unexpected field value of type ${typeof value}`);
}

/**
 * Encodes a message in wire format v1: `version (uint8) || kind (uint8) || abi.encode(fields...)`, byte for byte what
 * `MessageCodec.encode*` produces. Validates the message first (zod): uint ranges, `refundBps`/`shareBps` <= 10,000,
 * bytes32 as 0x + 64 hex digits.
 *
 * @throws {InvalidMessageError} when the message does not fit the format (`issues` lists each problem).
 * @example
 * ```ts
 * const hex = encodeMessage({ kind: "Verdict", modelId: 7n, epoch: 12n, refundBps: 2_500, reportHash: `0x${"ab".repeat(32)}` });
 * // "0x0103" + 4 words: 2 + 128 bytes
 * ```
 */
export function encodeMessage(message: SlabridgeMessageInput): Hex {
  const parsed = slabridgeMessageSchema.safeParse(message);
  if (!parsed.success) {
    throw new InvalidMessageError(
      parsed.error.issues.map((issue) => ({ path: issue.path, message: issue.message })),
      { cause: parsed.error },
    );
  }
  const msg = parsed.data;
  const layout = MESSAGE_LAYOUTS[msg.kind];
  const values = msg as unknown as Readonly<Record<string, unknown>>;
  let out = `0x${byteHex(MESSAGE_VERSION)}${byteHex(layout.kind)}`;
  for (const field of layout.fields) out += word(values[field.name]);
  return out as Hex;
}
