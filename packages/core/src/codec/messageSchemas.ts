import { z } from "zod";
import type { Hex } from "../hex/hex.ts";
import { BPS, MAX_UINT16, MAX_UINT32, MAX_UINT64, MAX_UINT96, MAX_UINT256 } from "./constants.ts";

const uint256 = (description: string) => z.bigint().min(0n).max(MAX_UINT256).describe(`${description} (uint256)`);
const uint64 = (description: string) => z.bigint().min(0n).max(MAX_UINT64).describe(`${description} (uint64)`);
const uint16 = (description: string) => z.number().int().min(0).max(MAX_UINT16).describe(`${description} (uint16)`);
const uint32 = (description: string) => z.number().int().min(0).max(MAX_UINT32).describe(`${description} (uint32)`);
const bps = (description: string) =>
  z.number().int().min(0).max(Math.min(BPS, MAX_UINT16)).describe(`${description} (uint16 basis points, <= 10000)`);
const bytes32 = (description: string) =>
  z
    .templateLiteral(["0x", z.string().regex(/^[0-9a-fA-F]{64}$/)])
    .transform((value): Hex => value.toLowerCase() as Hex)
    .describe(`${description} (bytes32, 0x + 64 hex digits; normalized to lowercase)`);

/**
 * Kind 1, home -> payment chains: a model's listing as escrows see it (epoch clock, price, terms version and
 * verdict grace). A receiver applies a listing only when its `version` is newer than the newest it applied, from
 * `max(fromEpoch, current epoch + 1)`.
 *
 * @example
 * ```ts
 * modelListingSchema.parse({ kind: "ModelListing", modelId: 7n, genesis: 1_700_000_000n, epochSeconds: 3600n,
 *   fromEpoch: 0n, pricePerRequest: 10n ** 15n, active: true, version: 1, verdictGraceEpochs: 2 });
 * ```
 */
export const modelListingSchema = z
  .object({
    kind: z.literal("ModelListing"),
    modelId: uint256("Model NFT token id"),
    genesis: uint64("Unix time the model's epoch 0 starts, fixed at mint"),
    epochSeconds: uint64("Length of one epoch in seconds, fixed at mint"),
    fromEpoch: uint64("First epoch the price and active flag apply to"),
    pricePerRequest: uint256("Price of one request in the payment token's smallest unit"),
    active: z.boolean().describe("Whether the model accepts payments from fromEpoch on (bool)"),
    version: uint32(
      "The model's terms version on the registry (from 1, +1 per change); receivers apply only a newer one",
    ),
    verdictGraceEpochs: uint16(
      "Epochs after an epoch's end a verdict may take; then its payments can be withdrawn in full (> 0 on chain)",
    ),
  })
  .describe("ModelListing (kind 1): home -> payment chains");

/**
 * Kind 2, payment -> home chain: one batch of a (model, epoch)'s payments on one chain.
 *
 * @example
 * ```ts
 * receiptBatchSchema.parse({ kind: "ReceiptBatch", modelId: 7n, epoch: 12n, paymentChain: SOLANA_CHAIN_ID,
 *   batchIndex: 0, count: 3, total: 3_000n, paymentsRoot: paymentsRoot(payments), finalBatch: true });
 * ```
 */
export const receiptBatchSchema = z
  .object({
    kind: z.literal("ReceiptBatch"),
    modelId: uint256("Model NFT token id"),
    epoch: uint64("Epoch the payments belong to"),
    paymentChain: uint32("slabridge chain id the payments were made on (EVM chain id or SOLANA_CHAIN_ID)"),
    batchIndex: uint32("Index of this batch among the (model, epoch, chain) batches, from 0"),
    count: uint32("Number of payments in the batch"),
    total: uint256("Sum of the batch's payment amounts"),
    paymentsRoot: bytes32("Sorted-pair Merkle root over the batch's payments in order (see paymentsRoot)"),
    finalBatch: z.boolean().describe("Whether this is the last batch of the (model, epoch, chain) (bool)"),
  })
  .describe("ReceiptBatch (kind 2): payment -> home chain");

/**
 * Kind 3, home -> payment chains: the SLA verdict of a (model, epoch), the share of every payment to refund.
 *
 * @example
 * ```ts
 * verdictSchema.parse({ kind: "Verdict", modelId: 7n, epoch: 12n, refundBps: 2_500, reportHash: "0x…", topUp: 0n });
 * ```
 */
export const verdictSchema = z
  .object({
    kind: z.literal("Verdict"),
    modelId: uint256("Model NFT token id"),
    epoch: uint64("Epoch judged"),
    refundBps: bps("Share of every payment refunded to its buyer"),
    reportHash: bytes32("Hash of the SLA report the verdict rests on"),
    topUp: z
      .bigint()
      .min(0n)
      .max(MAX_UINT96)
      .describe("Host bond slashed for this chain's buyers of the epoch, shared pro rata on top of refunds (uint96)"),
  })
  .describe("Verdict (kind 3): home -> payment chains");

/**
 * Kind 4, home -> payment chain: pay `shareBps` of a (model, epoch)'s released revenue on that chain to `payee`.
 *
 * @example
 * ```ts
 * payoutSchema.parse({ kind: "Payout", modelId: 7n, epoch: 12n, payoutIndex: 0, payee: "0x…", shareBps: 10_000 });
 * ```
 */
export const payoutSchema = z
  .object({
    kind: z.literal("Payout"),
    modelId: uint256("Model NFT token id"),
    epoch: uint64("Epoch whose released revenue is paid"),
    payoutIndex: uint32("Index of this payout; (modelId, epoch, payoutIndex) is paid at most once"),
    payee: bytes32("Recipient (EVM address left-padded to 32 bytes, or a Solana public key)"),
    shareBps: bps("Share of the released revenue paid to payee"),
  })
  .describe("Payout (kind 4): home -> payment chain");

/**
 * Any slabridge message, discriminated by `kind`.
 *
 * @example
 * ```ts
 * const msg = slabridgeMessageSchema.parse(untrustedJson); // throws a ZodError on bad input
 * if (msg.kind === "Verdict") console.log(msg.refundBps);
 * ```
 */
export const slabridgeMessageSchema = z
  .discriminatedUnion("kind", [modelListingSchema, receiptBatchSchema, verdictSchema, payoutSchema])
  .describe("A slabridge cross-chain message, wire format v1");

/** A ModelListing message. @example `const m: ModelListing = decodeMessageOfKind(bytes, "ModelListing");` */
export type ModelListing = z.output<typeof modelListingSchema>;
/** A ReceiptBatch message. @example `const m: ReceiptBatch = decodeMessageOfKind(bytes, "ReceiptBatch");` */
export type ReceiptBatch = z.output<typeof receiptBatchSchema>;
/** A Verdict message. @example `const m: Verdict = decodeMessageOfKind(bytes, "Verdict");` */
export type Verdict = z.output<typeof verdictSchema>;
/** A Payout message. @example `const m: Payout = decodeMessageOfKind(bytes, "Payout");` */
export type Payout = z.output<typeof payoutSchema>;
/** Any decoded (canonical) message. @example `const m: SlabridgeMessage = decodeMessage(bytes);` */
export type SlabridgeMessage = z.output<typeof slabridgeMessageSchema>;
/** What `encodeMessage` accepts (bytes32 in any hex case). @example `encodeMessage(input satisfies SlabridgeMessageInput)` */
export type SlabridgeMessageInput = z.input<typeof slabridgeMessageSchema>;
