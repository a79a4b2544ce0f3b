import {
  type SignedUsageReceipt,
  signedUsageReceiptJsonSchema,
  USAGE_RECEIPT_HEADER,
  type UsageReceipt,
  usageReceiptDigest,
  usageReceiptJson,
} from "@slabridge/core";
import { type Address, type Hex, isAddressEqual, recoverAddress } from "viem";
import { z } from "zod";
import { InvalidReceiptError } from "./InvalidReceiptError.ts";

/** The response header that carries the signed usage receipt (core's name, re-exported for the gateway's users). */
export { USAGE_RECEIPT_HEADER };

/** EIP-712 types of a usage receipt; the domain is {@link usageReceiptDomain}. */
export const usageReceiptTypes = {
  UsageReceipt: [
    { name: "requestHash", type: "bytes32" },
    { name: "model", type: "string" },
    { name: "modelId", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "channelId", type: "bytes32" },
    { name: "payer", type: "bytes32" },
    { name: "inputTokens", type: "uint64" },
    { name: "outputTokens", type: "uint64" },
    { name: "served", type: "bool" },
    { name: "charge", type: "uint128" },
    { name: "cumulative", type: "uint128" },
    { name: "ttfbMs", type: "uint32" },
    { name: "latencyMs", type: "uint32" },
    { name: "startedAt", type: "uint64" },
    { name: "finishedAt", type: "uint64" },
  ],
} as const;

export type { SignedUsageReceipt, UsageReceipt };

/**
 * Signs a 32-byte digest: a viem local account, or a KMS-backed one with the same shape (KMS signs digests). The
 * gateway hashes the receipt itself (core's `usageReceiptDigest`, equal to viem's `hashTypedData` of
 * {@link usageReceiptTypes}): half the per-call signing time of `signTypedData`.
 */
export interface ReceiptSigner {
  readonly address: Address;
  sign(parameters: { hash: Hex }): Promise<Hex>;
}

/**
 * The receipt's EIP-712 domain: slabridge's name and version, bound to the channel's chain.
 *
 * @example usageReceiptDomain(31337) // { name: "slabridge usage receipt", version: "1", chainId: 31337 }
 */
export function usageReceiptDomain(chainId: number) {
  return { name: "slabridge usage receipt", version: "1", chainId } as const;
}

/**
 * Signs a usage receipt with the gateway's key, for the chain the call was paid on.
 *
 * @example const signed = await signUsageReceipt(gatewayAccount, 31337, receipt);
 */
export async function signUsageReceipt(
  signer: ReceiptSigner,
  chainId: number,
  receipt: UsageReceipt,
): Promise<SignedUsageReceipt> {
  const signature = await signer.sign({ hash: usageReceiptDigest(chainId, receipt) });
  return { chainId, receipt, signature };
}

/**
 * Who signed a usage receipt (for the evaluator and the probers, which trust only the gateway's registered keys).
 *
 * @throws {InvalidReceiptError} when the signature does not recover.
 * @example const signer = await usageReceiptSigner(signed);
 */
async function usageReceiptSigner(signed: SignedUsageReceipt): Promise<Address> {
  try {
    return await recoverAddress({
      hash: usageReceiptDigest(signed.chainId, signed.receipt),
      signature: signed.signature,
    });
  } catch (error) {
    throw new InvalidReceiptError("the signature does not recover", error);
  }
}

/**
 * The header value of a signed receipt: base64 of JSON, bigints as decimal strings.
 *
 * @example headers.set(USAGE_RECEIPT_HEADER, encodeUsageReceipt(signed));
 */
export function encodeUsageReceipt(signed: SignedUsageReceipt): string {
  return Buffer.from(JSON.stringify(usageReceiptJson(signed)), "utf8").toString("base64");
}

/** What a verifier trusts: the gateway's address and the chain the receipt must be bound to. */
export interface VerifyUsageReceiptOptions {
  readonly gateway: Address;
  readonly chainId: number;
}

/**
 * Decodes a receipt header and checks it was signed by `gateway` for `chainId`; returns the receipt, or throws an
 * {@link InvalidReceiptError} saying why not (not base64 JSON, a field out of shape, or another signer).
 *
 * @example
 * const receipt = await verifyUsageReceipt(response.headers.get(USAGE_RECEIPT_HEADER) ?? "", { gateway, chainId: 31337 });
 */
export async function verifyUsageReceipt(header: string, options: VerifyUsageReceiptOptions): Promise<UsageReceipt> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch (error) {
    throw new InvalidReceiptError("the receipt is not base64 JSON", error);
  }
  const parsed = signedUsageReceiptJsonSchema.safeParse(json);
  if (!parsed.success) throw new InvalidReceiptError(z.prettifyError(parsed.error));
  const signed = parsed.data;
  if (signed.chainId !== options.chainId) {
    throw new InvalidReceiptError(`the receipt is for chain ${signed.chainId}, not ${options.chainId}`);
  }
  const signer = await usageReceiptSigner(signed);
  if (!isAddressEqual(signer, options.gateway)) {
    throw new InvalidReceiptError(`signed by ${signer}, not by the gateway ${options.gateway}`);
  }
  return signed.receipt;
}
