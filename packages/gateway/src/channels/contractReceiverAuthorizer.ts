import { type AuthorizerSigner, BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN } from "@x402/evm";
import { concat, getAddress, type Hex, isAddressEqual, numberToHex } from "viem";
import { z } from "zod";
import { GatewayError } from "../errors/GatewayError.ts";

/**
 * Something asked the gateway to sign as a receiver contract that authorizes its own claims (slabridge's
 * SlaReceiver) what the contract never accepts from a key: a `ClaimBatch` (claims go through `claimEpoch`, booked per
 * buyer-epoch, so the contract refuses every other claim), or a `Refund` when the gateway holds no refund key.
 */
export class ReceiverContractSignsItselfError extends GatewayError {
  override readonly name = "ReceiverContractSignsItselfError" as const;
  constructor(receiver: string, primaryType: string) {
    super("The receiver contract authorizes its own claims; the gateway cannot sign this for it.", {
      status: 501,
      code: "receiver_contract_authorizes_itself",
      details: `asked to sign ${primaryType} as ${receiver}`,
    });
  }
}

/** A `Refund` to sign that is not the channel contract's: another domain, chain or shape. */
export class InvalidRefundRequestError extends GatewayError {
  override readonly name = "InvalidRefundRequestError" as const;
  constructor(receiver: string, reason: string) {
    super("The refund to authorize is not the x402 channel contract's Refund.", {
      status: 400,
      code: "invalid_refund_request",
      details: `as ${receiver}: ${reason}`,
    });
  }
}

const MAX_UINT128 = (1n << 128n) - 1n;
const bigintLike = z.union([z.bigint(), z.number().int(), z.string().regex(/^\d+$/)]).transform((v) => BigInt(v));

/** The SDK's `Refund` typed data (`signRefund`): the channel contract's domain on one chain. */
const refundRequestSchema = z.object({
  domain: z.object({
    name: z.literal(BATCH_SETTLEMENT_DOMAIN.name),
    version: z.literal(BATCH_SETTLEMENT_DOMAIN.version),
    chainId: bigintLike,
    verifyingContract: z.string().refine((v) => isAddressEqual(v as Hex, BATCH_SETTLEMENT_ADDRESS)),
  }),
  primaryType: z.literal("Refund"),
  message: z.object({
    channelId: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
    nonce: bigintLike,
    amount: bigintLike.refine((v) => v <= MAX_UINT128, "amount over uint128"),
  }),
});

/** SlaReceiver's own EIP-712 type for its authorizer key (`refundAuthorizationDigest`). */
const refundAuthorizationTypes = {
  RefundAuthorization: [
    { name: "channelId", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "amount", type: "uint128" },
  ],
} as const;

/**
 * The `receiverAuthorizer` of a model whose receiver is slabridge's SlaReceiver, which is its channels'
 * `receiverAuthorizer` and answers EIP-1271 for them. The SDK's server scheme advertises this signer's address (the
 * contract) as `extra.receiverAuthorizer`, so every channel a buyer opens names the contract.
 *
 * A `Refund` (a buyer's cooperative refund request) is signed with `refundKey`, the key the receiver has as its
 * `authorizer`, in the form the contract's `isValidSignature` takes: the channel id, nonce and amount packed (32 + 32
 * + 16 bytes), then the key's ECDSA signature of the receiver's `RefundAuthorization` (domain "slabridge SlaReceiver",
 * bound to the receiver and chain). Anything else, and a `Refund` without `refundKey`, throws
 * {@link ReceiverContractSignsItselfError}: a `ClaimBatch` is never signed, the contract claims each epoch itself.
 *
 * @example
 * const scheme = new BatchSettlementEvmScheme(slaReceiver, { storage, receiverAuthorizerSigner: contractReceiverAuthorizer(slaReceiver, kmsAccount) });
 */
export function contractReceiverAuthorizer(contract: `0x${string}`, refundKey?: AuthorizerSigner): AuthorizerSigner {
  const address = getAddress(contract);
  return {
    address,
    signTypedData: async (request) => {
      if (request.primaryType !== "Refund" || refundKey === undefined) {
        throw new ReceiverContractSignsItselfError(address, request.primaryType);
      }
      const parsed = refundRequestSchema.safeParse(request);
      if (!parsed.success) throw new InvalidRefundRequestError(address, z.prettifyError(parsed.error));
      const { domain, message } = parsed.data;
      const channelId = message.channelId as Hex;
      const signature = await refundKey.signTypedData({
        domain: { name: "slabridge SlaReceiver", version: "1", chainId: domain.chainId, verifyingContract: address },
        types: refundAuthorizationTypes,
        primaryType: "RefundAuthorization",
        message: { channelId, nonce: message.nonce, amount: message.amount },
      });
      return concat([
        channelId,
        numberToHex(message.nonce, { size: 32 }),
        numberToHex(message.amount, { size: 16 }),
        signature,
      ]);
    },
  };
}
