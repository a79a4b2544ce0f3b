import { decodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentPayload } from "@x402/core/types";
import { z } from "zod";
import { MalformedPaymentSignatureError, OversizedPaymentSignatureError } from "../errors/errors.ts";

/** Longest `PAYMENT-SIGNATURE` accepted; a batch-settlement deposit payload is about 2 KB of base64. */
export const DEFAULT_MAX_PAYMENT_SIGNATURE_BYTES = 8_192;

const payloadShape = z.looseObject({
  x402Version: z.literal(2),
  accepted: z.looseObject({ scheme: z.string(), network: z.string() }),
  payload: z.record(z.string(), z.unknown()),
});

/**
 * Checks a `PAYMENT-SIGNATURE` header before the x402 server sees it, which would otherwise treat a header it
 * cannot decode as no payment at all (a plain 402): an oversized one is a 431, one that is not base64 JSON of an
 * x402 v2 payload a 400, both with the code `invalid_payload`.
 *
 * @example const payment = header === null ? undefined : checkPaymentSignature(header, 8_192);
 */
export function checkPaymentSignature(header: string, maxBytes: number): PaymentPayload {
  if (header.length > maxBytes) throw new OversizedPaymentSignatureError(header.length, maxBytes);
  let decoded: PaymentPayload;
  try {
    decoded = decodePaymentSignatureHeader(header);
  } catch (error) {
    throw new MalformedPaymentSignatureError(error instanceof Error ? error.message : "not base64 JSON");
  }
  const shape = payloadShape.safeParse(decoded);
  if (!shape.success) throw new MalformedPaymentSignatureError(z.prettifyError(shape.error));
  return decoded;
}
