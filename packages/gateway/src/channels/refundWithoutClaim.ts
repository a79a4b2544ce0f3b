import type { SettleContext } from "@x402/core/server";
import { SettleError } from "@x402/core/types";
import {
  type AuthorizerSigner,
  BATCH_SETTLEMENT_ADDRESS,
  BATCH_SETTLEMENT_DOMAIN,
  isBatchSettlementRefundPayload,
  refundTypes,
} from "@x402/evm";
import { computeChannelId } from "@x402/evm/batch-settlement/client";
import type { BatchSettlementEvmScheme } from "@x402/evm/batch-settlement/server";
import { GatewayError } from "../errors/GatewayError.ts";

/** A buyer's cooperative refund request the gateway will not authorize (the channel's state says otherwise). */
export class RefundRefusedError extends GatewayError {
  override readonly name = "RefundRefusedError" as const;
  constructor(code: string, reason: string) {
    super(`The refund request is refused: ${reason}.`, { status: 402, code });
  }
}

/**
 * Makes `scheme` settle a buyer's cooperative refund (a `refund` payload) without the SDK's claim-before-refund: the
 * SDK's own enrichment adds a claim of the channel's outstanding voucher and asks the receiverAuthorizer for a
 * `ClaimBatch` signature, which a SlaReceiver never gives (its claims go through `claimEpoch`, booked per
 * buyer-epoch). The refund alone is safe: it returns what the buyer deposited and was not charged (balance less the
 * charged cumulative, or the smaller amount asked for), and the channel contract pays out no more than its balance
 * less what was claimed, so the charged part stays in the channel for the epoch's claim. The request is checked as
 * the SDK checks it (the channel reserved for this request, the voucher at the charged cumulative and the one the
 * gateway holds) and the `Refund` is signed by `authorizer`. Other payloads keep the SDK's enrichment.
 *
 * @example refundWithoutClaim(scheme, contractReceiverAuthorizer(slaReceiver, refundKey));
 */
export function refundWithoutClaim(scheme: BatchSettlementEvmScheme, authorizer: AuthorizerSigner): void {
  const sdkEnrichment = scheme.enrichSettlementPayload;
  scheme.enrichSettlementPayload = async (ctx: SettleContext) => {
    if (!isBatchSettlementRefundPayload(ctx.paymentPayload.payload)) return sdkEnrichment(ctx);
    try {
      return await enrichRefund(scheme, authorizer, ctx);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      // The SDK answers a SettleError as a 402 whose reason is the code.
      throw new SettleError(400, {
        success: false,
        errorReason: error.code,
        errorMessage: error.shortMessage,
        transaction: "",
        network: ctx.requirements.network,
      });
    }
  };
}

async function enrichRefund(scheme: BatchSettlementEvmScheme, authorizer: AuthorizerSigner, ctx: SettleContext) {
  const { paymentPayload, requirements } = ctx;
  const raw = paymentPayload.payload;
  if (!isBatchSettlementRefundPayload(raw)) throw new RefundRefusedError("invalid_payload", "not a refund");
  const channelId = computeChannelId(raw.channelConfig, requirements.network);
  if (raw.voucher.channelId.toLowerCase() !== channelId.toLowerCase()) {
    throw new RefundRefusedError("invalid_payload", "the voucher's channel is not the config's");
  }
  const channel = await scheme.getStorage().get(channelId);
  if (channel === undefined) throw new RefundRefusedError("refund_unknown_channel", "the channel is unknown here");
  const pendingId = scheme.readRequestContext(paymentPayload)?.pendingId;
  if (pendingId === undefined || channel.pendingRequest?.pendingId !== pendingId) {
    throw new RefundRefusedError("channel_busy", "another request holds the channel");
  }
  if (BigInt(raw.voucher.maxClaimableAmount) !== BigInt(channel.chargedCumulativeAmount)) {
    throw new RefundRefusedError("refund_cumulative_mismatch", "the voucher is not at the charged cumulative");
  }
  if (raw.voucher.signature !== channel.signature) {
    throw new RefundRefusedError("refund_voucher_mismatch", "the voucher is not the one the gateway holds");
  }
  const remainder = BigInt(channel.balance) - BigInt(channel.chargedCumulativeAmount);
  if (remainder <= 0n) throw new RefundRefusedError("refund_no_balance", "nothing deposited is left uncharged");
  let amount = remainder;
  if (raw.amount !== undefined) {
    if (!/^\d+$/.test(raw.amount) || BigInt(raw.amount) === 0n || BigInt(raw.amount) > remainder) {
      throw new RefundRefusedError("refund_amount_invalid", `the amount asked for is not in 1..${remainder}`);
    }
    amount = BigInt(raw.amount);
  }
  const nonce = BigInt(channel.refundNonce ?? 0);
  const refundAuthorizerSignature = await authorizer.signTypedData({
    domain: {
      ...BATCH_SETTLEMENT_DOMAIN,
      chainId: Number(requirements.network.slice("eip155:".length)),
      verifyingContract: BATCH_SETTLEMENT_ADDRESS,
    },
    types: refundTypes,
    primaryType: "Refund",
    message: { channelId, nonce, amount },
  });
  scheme.rememberChannelSnapshot(paymentPayload, channel);
  return {
    ...(raw.amount === undefined ? { amount: amount.toString() } : {}),
    refundNonce: nonce.toString(),
    claims: [],
    refundAuthorizerSignature,
  };
}
