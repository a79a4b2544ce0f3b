import { base58 } from "@slabridge/solana";
import { z } from "zod";

/**
 * The scheme name, the same as EVM's: a buyer's client picks it by (scheme, network) and `solana:*` networks get
 * slabridge's SVM binding.
 *
 * @example x402Client.register("solana:*", new SlabridgeSvmBatchClientScheme(options)) // scheme = SVM_BATCH_SCHEME
 */
export const SVM_BATCH_SCHEME = "batch-settlement";

/** The 402 `error` codes of the SVM scheme (the EVM binding's names with `svm`). */
export const SvmBatchError = {
  payload: "invalid_batch_settlement_svm_payload",
  channelTerms: "invalid_batch_settlement_svm_channel_terms",
  signature: "invalid_batch_settlement_svm_signature",
  cumulativeMismatch: "invalid_batch_settlement_svm_cumulative_amount_mismatch",
  channelBusy: "invalid_batch_settlement_svm_channel_busy",
  allowance: "invalid_batch_settlement_svm_allowance",
  chargeExceedsSigned: "invalid_batch_settlement_svm_charge_exceeds_signed_cumulative",
  stateUnavailable: "invalid_batch_settlement_svm_state_unavailable",
} as const;

const base58Key = z.string().refine((s) => {
  try {
    return base58.decode(s).length === 32;
  } catch {
    return false;
  }
}, "a base58 public key");
const bytes32Hex = z.string().regex(/^0x[0-9a-f]{64}$/, "0x + 64 lowercase hex");
const uintString = z.string().regex(/^(0|[1-9][0-9]*)$/, "a canonical decimal");
const signature = z.string().refine((s) => {
  try {
    return base58.decode(s).length === 64;
  } catch {
    return false;
  }
}, "a base58 ed25519 signature");

/**
 * The payment payload of a call (`PaymentPayload.payload`): the channel's terms and this call's cumulative voucher.
 * Keys base58, channel id and salt `0x` hex, amounts canonical decimals, the signature base58 (64 bytes).
 *
 * @example const parsed = svmVoucherPayloadSchema.safeParse(paymentPayload.payload);
 */
export const svmVoucherPayloadSchema = z.strictObject({
  type: z.literal("voucher"),
  channelConfig: z.strictObject({
    payer: base58Key,
    tokenAccount: base58Key,
    mint: base58Key,
    vaultAuthority: base58Key,
    modelId: uintString,
    salt: bytes32Hex,
  }),
  voucher: z.strictObject({
    channelId: bytes32Hex,
    maxClaimableAmount: uintString,
    expiresAt: z.literal("0"),
    signature,
  }),
});

/** A parsed {@link svmVoucherPayloadSchema}. */
export type SvmVoucherPayload = z.infer<typeof svmVoucherPayloadSchema>;

/**
 * What the scheme adds to `PaymentRequirements.extra` (`extra.svmChannel`): the terms a client needs to derive the
 * channel id and approve the right delegate.
 *
 * @example const terms = svmChannelExtraSchema.parse(requirements.extra.svmChannel);
 */
export const svmChannelExtraSchema = z.looseObject({
  modelId: uintString,
  decimals: z.number().int().min(0).max(18),
  voucher: z.literal("x402-svm-batch-v1"),
});

/** The corrective state a 402 or a settlement carries (`extra.channelState`). */
export const svmChannelStateSchema = z.looseObject({
  channelId: bytes32Hex,
  chargedCumulativeAmount: uintString,
});

/**
 * The payer (base58) and channel id (0x hex) of an SVM voucher payment, for the gateway's receipts and rate limits;
 * `undefined` when the payload is not one.
 *
 * @example const who = svmPayerOf(paymentPayload.payload); // { payer, channelId } | undefined
 */
export function svmPayerOf(payload: unknown): { payer: string; channelId: string } | undefined {
  const parsed = svmVoucherPayloadSchema.safeParse(payload);
  return parsed.success
    ? { payer: parsed.data.channelConfig.payer, channelId: parsed.data.voucher.channelId }
    : undefined;
}
