import { type Hex, MAX_UINT32, MAX_UINT64, MAX_UINT256 } from "@slabridge/core";
import { z } from "zod";
import { base58 } from "../base58.ts";
import { MalformedMemoError, type MalformedMemoReason } from "../errors/MalformedMemoError.ts";

/**
 * A payment into the vault: a buyer's `slabridge:v1:pay:model=<uint256>:ref=<16..64 hex>`, or the vault multisig's
 * pull of a buyer's per-call vouchers `slabridge:v1:pay:model=<id>:epoch=<uint64>:ref=<hex>`, which names the epoch
 * the vouchers were spent in (the pull lands after that epoch ended). The vault watcher books a pull to that epoch
 * only when the multisig signed it; anyone else's payment is booked by its block time whatever it says.
 */
export interface PaymentMemo {
  kind: "pay";
  modelId: bigint;
  /** The epoch the paid calls belong to, on a voucher pull (absent on a buyer's own payment). */
  epoch?: bigint;
  /** The buyer's payment reference, lowercased (unique per buyer). */
  ref: string;
}

/** A refund out of the vault: `slabridge:v1:refund:model=<id>:epoch=<n>:payment=<paymentId>`. */
export interface RefundMemo {
  kind: "refund";
  modelId: bigint;
  epoch: bigint;
  /** The refunded payment's id (see `solanaPaymentId`), 0x + 64 lowercase hex. */
  paymentId: Hex;
}

/** A payee payout out of the vault: `slabridge:v1:payout:model=<id>:epoch=<n>:index=<i>`. */
export interface PayoutMemo {
  kind: "payout";
  modelId: bigint;
  epoch: bigint;
  /** The payee's index in the model's payout split. */
  index: number;
}

/**
 * A netted share paid out of the vault to a Solana payee (what EVM revenue owes it after a netting round):
 * `slabridge:v1:net:model=<id>:epoch=<n>:account=<base58 owner>`, one per (round, payee).
 */
export interface NetMemo {
  kind: "net";
  modelId: bigint;
  epoch: bigint;
  /** The payee's Solana public key (the owner of the token account paid), canonical base58 of 32 bytes. */
  account: string;
}

/**
 * A refund that could not be delivered (the buyer's token accounts closed or frozen), parked in the vault as the
 * buyer's claimable credit: `slabridge:v1:credit:model=<id>:epoch=<n>:payment=<paymentId>`, written on a transfer from
 * the vault to itself (moves nothing, and only the multisig can sign it), so the vault's own history records the credit.
 */
export interface CreditMemo {
  kind: "credit";
  modelId: bigint;
  epoch: bigint;
  /** The payment whose refund is parked, 0x + 64 lowercase hex. */
  paymentId: Hex;
}

/**
 * No verdict, no lock-in: the (model, epoch)'s verdict grace passed with no verdict, so the epoch is void and every
 * buyer gets the whole payment back: `slabridge:v1:void:model=<id>:epoch=<n>`, written on a transfer of 0 from the
 * vault to itself (only the multisig can sign it) before the first refund. A verdict arriving afterwards is ignored.
 */
export interface VoidMemo {
  kind: "void";
  modelId: bigint;
  epoch: bigint;
}

/** A memo of a transfer out of the vault (the vault's outflows), or of one from the vault to itself (credit, void). */
export type OutflowMemo = RefundMemo | PayoutMemo | NetMemo | CreditMemo | VoidMemo;

/**
 * A deposit the vault could not match to a payment (no memo, a memo in no form we read, an unknown model or epoch,
 * two models in one transaction) sent back to its sender: `slabridge:v1:return:deposit=<depositId>`, the deposit's id
 * being `solanaPaymentId` of its transfer. One per deposit: the idempotency key of the return.
 */
export interface ReturnMemo {
  kind: "return";
  /** `solanaPaymentId(signature, location)` of the deposit's transfer, 0x + 64 lowercase hex. */
  depositId: Hex;
}

/** Any memo slabridge writes or reads on Solana. */
export type SlabridgeMemo = PaymentMemo | OutflowMemo | ReturnMemo;

/**
 * Memos longer than this are refused before parsing (the memo program allows ~566 bytes; ours are < 200).
 *
 * @example if (text.length > MAX_MEMO_LENGTH) reject(text);
 */
export const MAX_MEMO_LENGTH = 256;
const PREFIX = "slabridge";
const VERSION = "v1";

// Canonical decimals only (no sign, no leading zeros) so each value has exactly one memo text: outflow lookups
// compare memos byte for byte.
const decimal = (max: bigint, reason: MalformedMemoReason) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]*)$/, reason)
    .transform((s) => BigInt(s))
    .refine((n) => n <= max, reason);

const fieldSchemas = {
  pay: z.object({
    model: decimal(MAX_UINT256, "invalid-model-id"),
    epoch: decimal(MAX_UINT64, "invalid-epoch").optional(),
    ref: z
      .string()
      .regex(/^[0-9a-fA-F]{16,64}$/, "invalid-ref")
      .transform((s) => s.toLowerCase()),
  }),
  refund: z.object({
    model: decimal(MAX_UINT256, "invalid-model-id"),
    epoch: decimal(MAX_UINT64, "invalid-epoch"),
    payment: z.string().regex(/^0x[0-9a-f]{64}$/, "invalid-payment-id"),
  }),
  credit: z.object({
    model: decimal(MAX_UINT256, "invalid-model-id"),
    epoch: decimal(MAX_UINT64, "invalid-epoch"),
    payment: z.string().regex(/^0x[0-9a-f]{64}$/, "invalid-payment-id"),
  }),
  payout: z.object({
    model: decimal(MAX_UINT256, "invalid-model-id"),
    epoch: decimal(MAX_UINT64, "invalid-epoch"),
    index: decimal(BigInt(MAX_UINT32), "invalid-index"),
  }),
  void: z.object({
    model: decimal(MAX_UINT256, "invalid-model-id"),
    epoch: decimal(MAX_UINT64, "invalid-epoch"),
  }),
  return: z.object({
    deposit: z.string().regex(/^0x[0-9a-f]{64}$/, "invalid-payment-id"),
  }),
  net: z.object({
    model: decimal(MAX_UINT256, "invalid-model-id"),
    epoch: decimal(MAX_UINT64, "invalid-epoch"),
    account: z.string().refine(isCanonicalPublicKey, "invalid-account"),
  }),
} as const;

const FIELD_ORDER = {
  pay: ["model", "ref"],
  refund: ["model", "epoch", "payment"],
  credit: ["model", "epoch", "payment"],
  payout: ["model", "epoch", "index"],
  net: ["model", "epoch", "account"],
  void: ["model", "epoch"],
  return: ["deposit"],
};
type Kind = keyof typeof FIELD_ORDER;
const PAY_WITH_EPOCH = ["model", "epoch", "ref"];

function isKind(value: string): value is Kind {
  return Object.hasOwn(FIELD_ORDER, value);
}

/**
 * Parses any slabridge memo (payment, refund, payout or net). Strict: fixed field order, canonical decimals, nothing
 * extra; throws {@link MalformedMemoError} with the reason otherwise.
 *
 * @example
 * ```ts
 * parseSlabridgeMemo("slabridge:v1:payout:model=7:epoch=3:index=0");
 * // { kind: "payout", modelId: 7n, epoch: 3n, index: 0 }
 * ```
 */
export function parseSlabridgeMemo(memo: string): SlabridgeMemo {
  if (memo.length > MAX_MEMO_LENGTH) throw new MalformedMemoError("too-long", memo);
  const parts = memo.split(":");
  const [prefix, version, kind, ...fields] = parts;
  if (prefix !== PREFIX) throw new MalformedMemoError("not-slabridge", memo);
  if (version !== VERSION) throw new MalformedMemoError("unsupported-version", memo, `version ${String(version)}`);
  if (kind === undefined || !isKind(kind)) throw new MalformedMemoError("unknown-kind", memo, `kind ${String(kind)}`);

  // A pay memo may name its epoch (a voucher pull); memos written before that still read, without one.
  const order = kind === "pay" && fields.length === PAY_WITH_EPOCH.length ? PAY_WITH_EPOCH : FIELD_ORDER[kind];
  if (fields.length !== order.length) throw new MalformedMemoError("bad-field-order", memo, `expected ${order}`);
  const raw: Record<string, string> = {};
  for (const [i, field] of fields.entries()) {
    const eq = field.indexOf("=");
    const key = eq < 0 ? field : field.slice(0, eq);
    if (key !== order[i]) throw new MalformedMemoError("bad-field-order", memo, `expected ${order[i]}, got ${key}`);
    raw[key] = field.slice(eq + 1);
  }

  const result = fieldSchemas[kind].safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MalformedMemoError(toReason(issue?.message), memo, `field ${String(issue?.path[0])}`);
  }
  const v = result.data;
  if ("deposit" in v) return { kind: "return", depositId: v.deposit as Hex };
  if ("ref" in v) {
    return { kind: "pay", modelId: v.model, ...(v.epoch === undefined ? {} : { epoch: v.epoch }), ref: v.ref };
  }
  if (kind === "void") return { kind: "void", modelId: v.model, epoch: v.epoch };
  if ("payment" in v) {
    const paid = { modelId: v.model, epoch: v.epoch, paymentId: v.payment as Hex };
    return kind === "credit" ? { kind: "credit", ...paid } : { kind: "refund", ...paid };
  }
  if ("index" in v) return { kind: "payout", modelId: v.model, epoch: v.epoch, index: Number(v.index) };
  if ("account" in v && typeof v.account === "string") {
    return { kind: "net", modelId: v.model, epoch: v.epoch, account: v.account };
  }
  throw new MalformedMemoError("unknown-kind", memo, `kind ${kind}`); // unreachable: every kind is handled above
}

/**
 * Parses a buyer's payment memo; any other memo (including a valid refund/payout) is a
 * {@link MalformedMemoError}.
 *
 * @example
 * ```ts
 * parsePaymentMemo("slabridge:v1:pay:model=1:ref=00112233445566778899aabb");
 * // { kind: "pay", modelId: 1n, ref: "00112233445566778899aabb" }
 * ```
 */
export function parsePaymentMemo(memo: string): PaymentMemo {
  const parsed = parseSlabridgeMemo(memo);
  if (parsed.kind !== "pay") throw new MalformedMemoError("wrong-kind", memo, `expected pay, got ${parsed.kind}`);
  return parsed;
}

const REASONS = new Set<string>([
  "invalid-model-id",
  "invalid-ref",
  "invalid-epoch",
  "invalid-payment-id",
  "invalid-index",
  "invalid-account",
]);

/** Base58 of exactly 32 bytes, spelled canonically (so each key has one memo text). */
function isCanonicalPublicKey(text: string): boolean {
  if (!/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(text)) return false;
  try {
    const bytes = base58.decode(text);
    return bytes.length === 32 && base58.encode(bytes) === text;
  } catch {
    return false;
  }
}

function toReason(message: string | undefined): MalformedMemoReason {
  // Zod's own messages (e.g. a missing key) cannot occur after the order check; keep a safe default anyway.
  return message !== undefined && REASONS.has(message) ? (message as MalformedMemoReason) : "bad-field-order";
}
