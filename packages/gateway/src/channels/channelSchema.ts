import type { Channel } from "@x402/evm/batch-settlement/server";
import { isAddress, isHex } from "viem";
import { z } from "zod";

const address = z.custom<`0x${string}`>((value) => typeof value === "string" && isAddress(value, { strict: false }));
const hex = z.custom<`0x${string}`>((value) => typeof value === "string" && isHex(value));
const decimal = z.string().regex(/^\d{1,78}$/);

/**
 * The SDK's server-side `Channel` record, checked field by field, so a store adapter can parse what it reads back
 * (a record that does not parse is corrupt, not trusted).
 *
 * @example const channel = channelSchema.parse(JSON.parse(item.channel));
 */
export const channelSchema = z
  .object({
    channelId: hex.describe("EIP-712 hash of the channel config"),
    channelConfig: z.object({
      payer: address,
      payerAuthorizer: address,
      receiver: address,
      receiverAuthorizer: address,
      token: address,
      withdrawDelay: z.number().int().nonnegative(),
      salt: hex,
    }),
    chargedCumulativeAmount: decimal.describe("what the gateway has charged on this channel so far"),
    signedMaxClaimable: decimal.describe("the latest voucher's maxClaimableAmount"),
    signature: z.string().describe("the latest voucher's signature"),
    balance: decimal,
    totalClaimed: decimal,
    withdrawRequestedAt: z.number().int().nonnegative(),
    refundNonce: z.number().int().nonnegative(),
    onchainSyncedAt: z.number().int().nonnegative().optional(),
    lastRequestTimestamp: z.number().int().nonnegative(),
    pendingRequest: z
      .object({
        pendingId: z.string(),
        signedMaxClaimable: decimal,
        expiresAt: z.number().int().nonnegative(),
      })
      .optional(),
  })
  // exactOptionalPropertyTypes: an absent optional field must be left out, not set to undefined.
  .transform(
    ({ onchainSyncedAt, pendingRequest, ...required }): Channel => ({
      ...required,
      ...(onchainSyncedAt === undefined ? {} : { onchainSyncedAt }),
      ...(pendingRequest === undefined ? {} : { pendingRequest }),
    }),
  );
