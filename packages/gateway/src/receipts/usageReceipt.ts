import {
  type Address,
  getAddress,
  type Hex,
  isAddress,
  isAddressEqual,
  isHex,
  type LocalAccount,
  recoverTypedDataAddress,
} from "viem";
import { z } from "zod";
import { InvalidReceiptError } from "./InvalidReceiptError.ts";

/** The response header that carries the signed usage receipt (base64 JSON of {@link SignedUsageReceipt}). */
export const USAGE_RECEIPT_HEADER = "SLABRIDGE-RECEIPT";

/** EIP-712 types of a usage receipt; the domain is {@link usageReceiptDomain}. */
export const usageReceiptTypes = {
  UsageReceipt: [
    { name: "requestHash", type: "bytes32" },
    { name: "model", type: "string" },
    { name: "modelId", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "channelId", type: "bytes32" },
    { name: "payer", type: "address" },
    { name: "inputTokens", type: "uint64" },
    { name: "outputTokens", type: "uint64" },
    { name: "charge", type: "uint128" },
    { name: "cumulative", type: "uint128" },
    { name: "ttfbMs", type: "uint32" },
    { name: "latencyMs", type: "uint32" },
    { name: "startedAt", type: "uint64" },
    { name: "finishedAt", type: "uint64" },
  ],
} as const;

/**
 * What the gateway attests for one served call: which request (hash of method, path and body), which model and
 * epoch, which channel and payer, the tokens the host reported, the charge, the channel's charged cumulative after
 * it, the time to first byte and total latency of the host call (ms), and when the call started and finished
 * (unix ms).
 */
export interface UsageReceipt {
  readonly requestHash: Hex;
  readonly model: string;
  readonly modelId: bigint;
  readonly epoch: bigint;
  readonly channelId: Hex;
  readonly payer: Address;
  readonly inputTokens: bigint;
  readonly outputTokens: bigint;
  readonly charge: bigint;
  readonly cumulative: bigint;
  readonly ttfbMs: number;
  readonly latencyMs: number;
  readonly startedAt: bigint;
  readonly finishedAt: bigint;
}

/** A receipt with the gateway's EIP-712 signature over it. */
export interface SignedUsageReceipt {
  readonly receipt: UsageReceipt;
  readonly signature: Hex;
}

/** Signs typed data: a viem local account, or a KMS-backed one with the same shape. */
export type ReceiptSigner = Pick<LocalAccount, "address" | "signTypedData">;

/**
 * The receipt's EIP-712 domain: slabridge's name and version, bound to the channel's chain.
 *
 * @example usageReceiptDomain(31337) // { name: "slabridge usage receipt", version: "1", chainId: 31337 }
 */
export function usageReceiptDomain(chainId: number) {
  return { name: "slabridge usage receipt", version: "1", chainId } as const;
}

/**
 * Signs a usage receipt with the gateway's key.
 *
 * @example const signed = await signUsageReceipt(gatewayAccount, 31337, receipt);
 */
export async function signUsageReceipt(
  signer: ReceiptSigner,
  chainId: number,
  receipt: UsageReceipt,
): Promise<SignedUsageReceipt> {
  const signature = await signer.signTypedData({
    domain: usageReceiptDomain(chainId),
    types: usageReceiptTypes,
    primaryType: "UsageReceipt",
    message: { ...receipt },
  });
  return { receipt, signature };
}

/**
 * The header value of a signed receipt: base64 of JSON, bigints as decimal strings.
 *
 * @example headers.set(USAGE_RECEIPT_HEADER, encodeUsageReceipt(signed));
 */
export function encodeUsageReceipt(signed: SignedUsageReceipt): string {
  const json = JSON.stringify(signed, (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
  return Buffer.from(json, "utf8").toString("base64");
}

const hex32 = z.custom<Hex>(
  (value) => typeof value === "string" && isHex(value) && value.length === 66,
  "must be 32 bytes of hex",
);
const decimal = z
  .string()
  .regex(/^\d{1,78}$/)
  .transform(BigInt);
const signedReceiptSchema = z.object({
  receipt: z.object({
    requestHash: hex32,
    model: z.string(),
    modelId: decimal,
    epoch: decimal,
    channelId: hex32,
    payer: z
      .custom<Address>(
        (value) => typeof value === "string" && isAddress(value, { strict: false }),
        "must be an address",
      )
      .transform((value) => getAddress(value)),
    inputTokens: decimal,
    outputTokens: decimal,
    charge: decimal,
    cumulative: decimal,
    ttfbMs: z.number().int().nonnegative(),
    latencyMs: z.number().int().nonnegative(),
    startedAt: decimal,
    finishedAt: decimal,
  }),
  signature: z.custom<Hex>((value) => typeof value === "string" && isHex(value), "must be hex"),
});

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
  const parsed = signedReceiptSchema.safeParse(json);
  if (!parsed.success) throw new InvalidReceiptError(z.prettifyError(parsed.error));
  const { receipt, signature } = parsed.data;
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({
      domain: usageReceiptDomain(options.chainId),
      types: usageReceiptTypes,
      primaryType: "UsageReceipt",
      message: receipt,
      signature,
    });
  } catch (error) {
    throw new InvalidReceiptError("the signature does not recover", error);
  }
  if (!isAddressEqual(signer, options.gateway)) {
    throw new InvalidReceiptError(`signed by ${signer}, not by the gateway ${options.gateway}`);
  }
  return receipt;
}
