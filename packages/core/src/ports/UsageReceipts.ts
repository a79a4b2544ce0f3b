import { z } from "zod";
import type { Hex } from "../hex/hex.ts";
import { keccak256 } from "../hex/keccak256.ts";
import { InvalidSlaInputError } from "../sla/errors.ts";
import type { UsageRecord } from "../sla/usageRecords.ts";

/**
 * The usage receipts port: what the gateway attests of every paid call that reached the host, served or not. The
 * buyer gets each receipt in a response header; the store keeps them per (model, epoch) as the SLA evidence of paid
 * traffic the evaluator reads.
 */

/**
 * One paid call as the gateway attests it: which request, model, epoch, channel and payer (32 bytes: an EVM address
 * left-padded, a Solana key as is), the tokens the host reported, whether the host served it, the charge (0 when not
 * served) and the channel's charged cumulative after it, the time to first byte and total latency of the host call
 * (ms), and when the call started and finished (unix ms).
 */
export interface UsageReceipt {
  readonly requestHash: Hex;
  readonly model: string;
  readonly modelId: bigint;
  readonly epoch: bigint;
  readonly channelId: Hex;
  readonly payer: Hex;
  readonly inputTokens: bigint;
  readonly outputTokens: bigint;
  readonly served: boolean;
  readonly charge: bigint;
  readonly cumulative: bigint;
  readonly ttfbMs: number;
  readonly latencyMs: number;
  readonly startedAt: bigint;
  readonly finishedAt: bigint;
}

/** A receipt with the chain it was paid on (its signature's domain) and the gateway's signature. */
export interface SignedUsageReceipt {
  readonly chainId: number;
  readonly receipt: UsageReceipt;
  readonly signature: Hex;
}

/**
 * Usage receipts per (model, epoch). Recording is idempotent: the same signed receipt twice is stored once.
 *
 * @example
 * await receipts.record(signed);
 * const evidence = await receipts.listEpoch(2n, 7n);
 */
export interface UsageReceiptStore {
  record(signed: SignedUsageReceipt): Promise<void>;
  /** Every receipt of (model, epoch), in a stable order. */
  listEpoch(modelId: bigint, epoch: bigint): Promise<SignedUsageReceipt[]>;
}

/**
 * The SLA evidence a signed receipt carries (core `UsageRecord`), lowercase.
 *
 * @example const paidCalls = (await receipts.listEpoch(2n, 7n)).map(usageRecordOf);
 */
export function usageRecordOf(signed: SignedUsageReceipt): UsageRecord {
  const { receipt } = signed;
  return {
    chainId: signed.chainId,
    payer: receipt.payer.toLowerCase() as Hex,
    requestHash: receipt.requestHash.toLowerCase() as Hex,
    startedAt: Number(receipt.startedAt),
    ttfbMs: receipt.ttfbMs,
    latencyMs: receipt.latencyMs,
    served: receipt.served,
    charge: receipt.charge,
  };
}

/**
 * In-memory {@link UsageReceiptStore} with the DynamoDB store's semantics: keyed by (model, epoch) and the signature,
 * listed in signature order; receipts are copied in and out.
 *
 * @example const receipts = new MemoryUsageReceiptStore();
 */
export class MemoryUsageReceiptStore implements UsageReceiptStore {
  readonly #epochs = new Map<string, Map<string, SignedUsageReceipt>>();

  async record(signed: SignedUsageReceipt): Promise<void> {
    const key = `${signed.receipt.modelId}#${signed.receipt.epoch}`;
    let rows = this.#epochs.get(key);
    if (rows === undefined) {
      rows = new Map();
      this.#epochs.set(key, rows);
    }
    rows.set(signed.signature.toLowerCase(), structuredClone(signed));
  }

  async listEpoch(modelId: bigint, epoch: bigint): Promise<SignedUsageReceipt[]> {
    const rows = this.#epochs.get(`${modelId}#${epoch}`);
    if (rows === undefined) return [];
    return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => structuredClone(r));
  }
}

const utf8 = new TextEncoder();
/** The EIP-712 type of a usage receipt (the gateway signs it with viem's `signTypedData`; the fields in this order). */
export const USAGE_RECEIPT_TYPE =
  "UsageReceipt(bytes32 requestHash,string model,uint256 modelId,uint64 epoch,bytes32 channelId,bytes32 payer," +
  "uint64 inputTokens,uint64 outputTokens,bool served,uint128 charge,uint128 cumulative,uint32 ttfbMs,uint32 latencyMs," +
  "uint64 startedAt,uint64 finishedAt)";
/** The EIP-712 domain's name and version (bound to the paying chain's id, no verifying contract). */
export const USAGE_RECEIPT_DOMAIN = { name: "slabridge usage receipt", version: "1" } as const;

const DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId)";
const word = (value: bigint) => value.toString(16).padStart(64, "0");
const hashText = (text: string) => keccak256(utf8.encode(text)).slice(2);
const bytes32 = (value: Hex, field: string) => {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InvalidSlaInputError(field, "not a bytes32");
  return value.slice(2).toLowerCase();
};
const uint = (value: bigint | number, bits: number, field: string) => {
  const big = BigInt(value);
  if (big < 0n || big >= 1n << BigInt(bits)) throw new InvalidSlaInputError(field, `not a uint${bits}`);
  return word(big);
};

/**
 * The EIP-712 digest the gateway signs for a receipt paid on `chainId`: `keccak256("\x19\x01" || domainSeparator ||
 * hashStruct(receipt))` over {@link USAGE_RECEIPT_TYPE} and {@link USAGE_RECEIPT_DOMAIN}. Anyone holding a receipt
 * recovers its signer from this digest without a chain SDK (the evaluator, the probers, a buyer's `verify`).
 *
 * @throws {InvalidSlaInputError} on a field out of its Solidity type.
 * @example const signer = recoverSigner(usageReceiptDigest(signed.chainId, signed.receipt), signed.signature);
 */
export function usageReceiptDigest(chainId: number, receipt: UsageReceipt): Hex {
  const domain = `${hashText(DOMAIN_TYPE)}${hashText(USAGE_RECEIPT_DOMAIN.name)}${hashText(
    USAGE_RECEIPT_DOMAIN.version,
  )}${uint(chainId, 256, "chainId")}`;
  const struct = [
    hashText(USAGE_RECEIPT_TYPE),
    bytes32(receipt.requestHash, "requestHash"),
    hashText(receipt.model),
    uint(receipt.modelId, 256, "modelId"),
    uint(receipt.epoch, 64, "epoch"),
    bytes32(receipt.channelId, "channelId"),
    bytes32(receipt.payer, "payer"),
    uint(receipt.inputTokens, 64, "inputTokens"),
    uint(receipt.outputTokens, 64, "outputTokens"),
    word(receipt.served ? 1n : 0n),
    uint(receipt.charge, 128, "charge"),
    uint(receipt.cumulative, 128, "cumulative"),
    uint(receipt.ttfbMs, 32, "ttfbMs"),
    uint(receipt.latencyMs, 32, "latencyMs"),
    uint(receipt.startedAt, 64, "startedAt"),
    uint(receipt.finishedAt, 64, "finishedAt"),
  ].join("");
  const domainSeparator = keccak256(`0x${domain}` as Hex).slice(2);
  const structHash = keccak256(`0x${struct}` as Hex).slice(2);
  return keccak256(`0x1901${domainSeparator}${structHash}` as Hex);
}

const lowerHex = (bytes: number) =>
  z.custom<Hex>(
    (value) => typeof value === "string" && new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`).test(value),
    `0x + ${bytes} bytes, lowercase`,
  );
const decimal = z
  .string()
  .regex(/^(?:0|[1-9][0-9]{0,77})$/, "a decimal string")
  .transform(BigInt);
const ms = z.number().int().nonnegative();

/**
 * A signed usage receipt as JSON (the `SLABRIDGE-RECEIPT` header's body and an evidence bundle's entry): bigints as
 * decimal strings, hex lowercase. Parses into a {@link SignedUsageReceipt}; {@link usageReceiptJson} writes it.
 *
 * @example const signed = signedUsageReceiptJsonSchema.parse(JSON.parse(text));
 */
export const signedUsageReceiptJsonSchema = z.strictObject({
  chainId: z.number().int().nonnegative(),
  receipt: z.strictObject({
    requestHash: lowerHex(32),
    model: z.string(),
    modelId: decimal,
    epoch: decimal,
    channelId: lowerHex(32),
    payer: lowerHex(32),
    inputTokens: decimal,
    outputTokens: decimal,
    served: z.boolean(),
    charge: decimal,
    cumulative: decimal,
    ttfbMs: ms,
    latencyMs: ms,
    startedAt: decimal,
    finishedAt: decimal,
  }),
  signature: lowerHex(65),
});

/**
 * The JSON form of a signed receipt ({@link signedUsageReceiptJsonSchema}'s input), hex lowercased.
 *
 * @example JSON.stringify(usageReceiptJson(signed))
 */
export function usageReceiptJson(signed: SignedUsageReceipt): z.input<typeof signedUsageReceiptJsonSchema> {
  const r = signed.receipt;
  const lower = (hex: Hex) => hex.toLowerCase() as Hex;
  return {
    chainId: signed.chainId,
    receipt: {
      requestHash: lower(r.requestHash),
      model: r.model,
      modelId: r.modelId.toString(),
      epoch: r.epoch.toString(),
      channelId: lower(r.channelId),
      payer: lower(r.payer),
      inputTokens: r.inputTokens.toString(),
      outputTokens: r.outputTokens.toString(),
      served: r.served,
      charge: r.charge.toString(),
      cumulative: r.cumulative.toString(),
      ttfbMs: r.ttfbMs,
      latencyMs: r.latencyMs,
      startedAt: r.startedAt.toString(),
      finishedAt: r.finishedAt.toString(),
    },
    signature: lower(signed.signature),
  };
}

/** The response header a slabridge gateway returns each call's signed usage receipt in: base64 of {@link usageReceiptJson}. */
export const USAGE_RECEIPT_HEADER = "slabridge-receipt";

/**
 * The name of a streamed call's last event before `[DONE]`: its data carries `payment_response` (base64 of the
 * settlement, what the `PAYMENT-RESPONSE` header carries on an unstreamed call) and `usage_receipt` (the signed
 * receipt, as {@link USAGE_RECEIPT_HEADER} carries it). The gateway writes it; buyers read it.
 */
export const STREAM_PAYMENT_EVENT = "x402-payment-response";

/**
 * The signed receipt a {@link USAGE_RECEIPT_HEADER} value carries, as the gateway wrote it; undefined for a missing
 * or unreadable one (its signature is not checked here: who trusts it checks the signer).
 *
 * @example const latencyMs = usageReceiptOfHeader(response.headers.get(USAGE_RECEIPT_HEADER))?.receipt.latencyMs;
 */
export function usageReceiptOfHeader(header: string | null): SignedUsageReceipt | undefined {
  if (header === null) return undefined;
  try {
    const parsed = signedUsageReceiptJsonSchema.safeParse(JSON.parse(Buffer.from(header, "base64").toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not base64 JSON: no receipt to read
  }
}
