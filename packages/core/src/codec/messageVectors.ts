import type { Hex } from "../hex/hex.ts";
import { paymentsRoot } from "../merkle/paymentsMerkle.ts";
import {
  MAX_UINT16,
  MAX_UINT32,
  MAX_UINT64,
  MAX_UINT96,
  MAX_UINT256,
  type MessageKindName,
  SOLANA_CHAIN_ID,
} from "./constants.ts";
import { encodeMessage } from "./encodeMessage.ts";
import { MESSAGE_LAYOUTS } from "./messageLayouts.ts";
import type { SlabridgeMessage, SlabridgeMessageInput } from "./messageSchemas.ts";

/** A field value as stored in the vectors file: integers as decimal strings (forge parses them), bool, bytes32 hex. */
export type VectorValue = string | boolean;

/** A valid vector: its name, its encoding and its fields (kind implied by the array it sits in). */
export type ValidVector = { name: string; hex: Hex } & Record<string, VectorValue>;

/** An invalid vector: bytes and the Solidity custom error (with its uint arguments) decoding must fail with. */
export interface InvalidVector {
  name: string;
  hex: Hex;
  error: "UnsupportedVersion" | "UnknownKind" | "MalformedMessage" | "ValueOutOfRange";
  args: string[];
}

/** The shape of `contracts/test/vectors/messages.json`. */
export interface MessageVectorsFile {
  description: string;
  version: number;
  modelListings: ValidVector[];
  receiptBatches: ValidVector[];
  verdicts: ValidVector[];
  payouts: ValidVector[];
  invalid: InvalidVector[];
}

/** Array of the vectors file holding each kind's valid vectors. */
export const VECTOR_ARRAYS = {
  ModelListing: "modelListings",
  ReceiptBatch: "receiptBatches",
  Verdict: "verdicts",
  Payout: "payouts",
} as const satisfies Record<MessageKindName, keyof MessageVectorsFile>;

const b32 = (byte: string): Hex => `0x${byte.repeat(32)}`;
const word = (value: bigint): string => value.toString(16).padStart(64, "0");

/** Replaces field word `index` of an encoded message. */
function withWord(hex: Hex, index: number, value: bigint): Hex {
  const start = 2 + 4 + 64 * index;
  return `${hex.slice(0, start)}${word(value)}${hex.slice(start + 64)}` as Hex;
}

const payments = [1, 2, 3].map((i) => ({
  paymentId: `0x${i.toString(16).padStart(64, "0")}` as Hex,
  buyer: `0x${"00".repeat(12)}${"b0".repeat(19)}${i.toString(16).padStart(2, "0")}` as Hex,
  amount: 1_000n * BigInt(i),
}));

const VALID: readonly (SlabridgeMessageInput & { name: string })[] = [
  {
    name: "typical listing",
    kind: "ModelListing",
    modelId: 1n,
    genesis: 1_700_000_000n,
    epochSeconds: 3_600n,
    fromEpoch: 0n,
    pricePerRequest: 10n ** 15n,
    active: true,
    version: 1,
    verdictGraceEpochs: 2,
  },
  {
    name: "all zero, inactive",
    kind: "ModelListing",
    modelId: 0n,
    genesis: 0n,
    epochSeconds: 0n,
    fromEpoch: 0n,
    pricePerRequest: 0n,
    active: false,
    version: 0,
    verdictGraceEpochs: 0,
  },
  {
    name: "max values",
    kind: "ModelListing",
    modelId: MAX_UINT256,
    genesis: MAX_UINT64,
    epochSeconds: MAX_UINT64,
    fromEpoch: MAX_UINT64,
    pricePerRequest: MAX_UINT256,
    active: true,
    version: MAX_UINT32,
    verdictGraceEpochs: MAX_UINT16,
  },
  {
    name: "Solana final batch with a real payments root",
    kind: "ReceiptBatch",
    modelId: 42n,
    epoch: 472_222n,
    paymentChain: SOLANA_CHAIN_ID,
    batchIndex: 0,
    count: payments.length,
    total: payments.reduce((sum, p) => sum + p.amount, 0n),
    paymentsRoot: paymentsRoot(payments),
    finalBatch: true,
  },
  {
    name: "EVM chain, not final",
    kind: "ReceiptBatch",
    modelId: 42n,
    epoch: 472_222n,
    paymentChain: 8_453,
    batchIndex: 1,
    count: 1,
    total: 999n,
    paymentsRoot: b32("5a"),
    finalBatch: false,
  },
  {
    name: "max values",
    kind: "ReceiptBatch",
    modelId: MAX_UINT256,
    epoch: MAX_UINT64,
    paymentChain: MAX_UINT32,
    batchIndex: MAX_UINT32,
    count: MAX_UINT32,
    total: MAX_UINT256,
    paymentsRoot: b32("ff"),
    finalBatch: true,
  },
  {
    name: "all zero (empty batch)",
    kind: "ReceiptBatch",
    modelId: 0n,
    epoch: 0n,
    paymentChain: 0,
    batchIndex: 0,
    count: 0,
    total: 0n,
    paymentsRoot: b32("00"),
    finalBatch: false,
  },
  { name: "no refund", kind: "Verdict", modelId: 1n, epoch: 0n, refundBps: 0, reportHash: b32("00"), topUp: 0n },
  {
    name: "partial refund with a bond top-up",
    kind: "Verdict",
    modelId: 7n,
    epoch: 12n,
    refundBps: 2_500,
    reportHash: b32("ab"),
    topUp: 1_500_000n,
  },
  {
    name: "full refund, max ids",
    kind: "Verdict",
    modelId: MAX_UINT256,
    epoch: MAX_UINT64,
    refundBps: 10_000,
    reportHash: b32("ff"),
    topUp: MAX_UINT96,
  },
  {
    name: "EVM payee takes everything",
    kind: "Payout",
    modelId: 7n,
    epoch: 12n,
    payoutIndex: 0,
    payee: `0x${"00".repeat(12)}${"c0ffee".repeat(6)}c0ff`,
    shareBps: 10_000,
  },
  {
    name: "Solana payee, one bps, max index",
    kind: "Payout",
    modelId: MAX_UINT256,
    epoch: MAX_UINT64,
    payoutIndex: MAX_UINT32,
    payee: "0x0c1b2a39485766758493a2b1c0dfeefd0c1b2a39485766758493a2b1c0dfeefd",
    shareBps: 1,
  },
  { name: "all zero", kind: "Payout", modelId: 0n, epoch: 0n, payoutIndex: 0, payee: b32("00"), shareBps: 0 },
];

function toVector({ name, ...message }: SlabridgeMessageInput & { name: string }): ValidVector {
  const vector: ValidVector = { name, hex: encodeMessage(message) };
  const values = message as unknown as Record<string, unknown>;
  for (const field of MESSAGE_LAYOUTS[message.kind].fields) {
    const value = values[field.name];
    vector[field.name] =
      typeof value === "boolean" ? value : typeof value === "string" ? value.toLowerCase() : String(value);
  }
  return vector;
}

/**
 * Turns a valid vector of kind `kind` back into the message it encodes.
 *
 * @example
 * ```ts
 * vectorToMessage("Verdict", file.verdicts[0]); // { kind: "Verdict", modelId: 1n, … }
 * ```
 */
export function vectorToMessage(kind: MessageKindName, vector: ValidVector): SlabridgeMessage {
  const message: Record<string, unknown> = { kind };
  for (const field of MESSAGE_LAYOUTS[kind].fields) {
    const value = vector[field.name];
    if (value === undefined) throw new Error(`vector "${vector.name}" lacks ${field.name}`);
    message[field.name] =
      field.type === "uint256" || field.type === "uint64"
        ? BigInt(value)
        : field.type === "uint32" || field.type === "uint16"
          ? Number(value)
          : value;
  }
  return message as SlabridgeMessage;
}

/**
 * Builds the shared codec test vectors: valid messages of every kind (extreme values included) with their encoding,
 * and invalid encodings with the Solidity error each must revert with.
 *
 * @example
 * ```ts
 * writeFileSync("contracts/test/vectors/messages.json", serializeMessageVectors(buildMessageVectors()));
 * ```
 */
export function buildMessageVectors(): MessageVectorsFile {
  const file: MessageVectorsFile = {
    description:
      "slabridge MessageCodec v1 shared test vectors. Generated by packages/core/scripts/write-vectors.ts; do not edit. " +
      "Integers are decimal strings. TypeScript (packages/core) and Solidity (MessageCodecVectors.t.sol) both check them.",
    version: 1,
    modelListings: [],
    receiptBatches: [],
    verdicts: [],
    payouts: [],
    invalid: [],
  };
  for (const message of VALID) file[VECTOR_ARRAYS[message.kind]].push(toVector(message));

  const hexOf = (array: ValidVector[], index: number): Hex => {
    const vector = array[index];
    if (!vector) throw new Error("missing vector");
    return vector.hex;
  };
  const listing = hexOf(file.modelListings, 0);
  const batch = hexOf(file.receiptBatches, 0);
  const verdict = hexOf(file.verdicts, 1);
  const payout = hexOf(file.payouts, 0);
  const bytesOf = (hex: Hex) => (hex.length - 2) / 2;
  const invalid = (name: string, hex: Hex, error: InvalidVector["error"], ...args: number[]) =>
    file.invalid.push({ name, hex, error, args: args.map(String) });

  invalid("empty", "0x", "UnsupportedVersion", 0);
  invalid("one byte", "0x01", "UnsupportedVersion", 1);
  invalid("version 0", `0x00${verdict.slice(4)}`, "UnsupportedVersion", 0);
  invalid("version 2", `0x02${verdict.slice(4)}`, "UnsupportedVersion", 2);
  invalid("version 255", `0xff${verdict.slice(4)}`, "UnsupportedVersion", 255);
  invalid("kind 0, header only", "0x0100", "UnknownKind", 0);
  invalid("kind 0 with a body", `0x0100${verdict.slice(6)}`, "UnknownKind", 0);
  invalid("kind 9", `0x0109${verdict.slice(6)}`, "UnknownKind", 9);
  invalid("kind 5", `0x0105${payout.slice(6)}`, "UnknownKind", 5);
  invalid("header only", "0x0101", "MalformedMessage", 1, 2);
  for (const [kind, hex] of [
    [1, listing],
    [2, batch],
    [3, verdict],
    [4, payout],
  ] as const) {
    invalid(`kind ${kind} truncated by one byte`, hex.slice(0, -2) as Hex, "MalformedMessage", kind, bytesOf(hex) - 1);
    invalid(`kind ${kind} with one extra byte`, `${hex}00`, "MalformedMessage", kind, bytesOf(hex) + 1);
  }
  invalid("listing body under verdict kind", `0x0103${listing.slice(6)}`, "MalformedMessage", 3, bytesOf(listing));
  invalid("listing genesis = 2^64", withWord(listing, 1, 1n << 64n), "ValueOutOfRange", 1, 1);
  invalid("listing fromEpoch = 2^256-1", withWord(listing, 3, MAX_UINT256), "ValueOutOfRange", 1, 3);
  invalid("listing active = 2", withWord(listing, 5, 2n), "ValueOutOfRange", 1, 5);
  invalid("listing version = 2^32", withWord(listing, 6, 1n << 32n), "ValueOutOfRange", 1, 6);
  invalid("listing verdictGraceEpochs = 2^16", withWord(listing, 7, 1n << 16n), "ValueOutOfRange", 1, 7);
  invalid("batch epoch = 2^64", withWord(batch, 1, 1n << 64n), "ValueOutOfRange", 2, 1);
  invalid("batch paymentChain = 2^32", withWord(batch, 2, 1n << 32n), "ValueOutOfRange", 2, 2);
  invalid("batch count = 2^32", withWord(batch, 4, 1n << 32n), "ValueOutOfRange", 2, 4);
  invalid("batch finalBatch = 2", withWord(batch, 7, 2n), "ValueOutOfRange", 2, 7);
  invalid("verdict refundBps = 10001", withWord(verdict, 2, 10_001n), "ValueOutOfRange", 3, 2);
  invalid(
    "verdict epoch = 2^64 and refundBps = 10001 (first field wins)",
    withWord(withWord(verdict, 2, 10_001n), 1, 1n << 64n),
    "ValueOutOfRange",
    3,
    1,
  );
  invalid("verdict topUp = 2^96", withWord(verdict, 4, 1n << 96n), "ValueOutOfRange", 3, 4);
  invalid("payout payoutIndex = 2^32", withWord(payout, 2, 1n << 32n), "ValueOutOfRange", 4, 2);
  invalid("payout shareBps = 10001", withWord(payout, 4, 10_001n), "ValueOutOfRange", 4, 4);
  invalid("payout shareBps = 2^16", withWord(payout, 4, 1n << 16n), "ValueOutOfRange", 4, 4);
  return file;
}

/**
 * The exact text of the vectors file (2-space JSON, trailing newline), so a committed file can be compared byte for
 * byte.
 *
 * @example
 * ```ts
 * serializeMessageVectors(buildMessageVectors()) === readFileSync(path, "utf8"); // no drift
 * ```
 */
export function serializeMessageVectors(file: MessageVectorsFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
