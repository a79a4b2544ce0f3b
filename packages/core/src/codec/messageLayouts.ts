import {
  BPS,
  MAX_UINT32,
  MAX_UINT64,
  MAX_UINT96,
  MAX_UINT256,
  MESSAGE_KINDS,
  type MessageKindName,
} from "./constants.ts";

/** ABI type of one static field, as it travels in a 32-byte word. */
export type FieldType = "uint256" | "uint64" | "uint32" | "uint16" | "bool" | "bytes32";

/** One field of a message layout: its name, ABI type and the largest word value the decoder accepts. */
export interface FieldLayout {
  readonly name: string;
  readonly type: FieldType;
  readonly max: bigint;
}

const field = (name: string, type: FieldType, max?: bigint): FieldLayout => ({
  name,
  type,
  max:
    max ??
    {
      uint256: MAX_UINT256,
      uint64: MAX_UINT64,
      uint32: BigInt(MAX_UINT32),
      uint16: 0xffffn,
      bool: 1n,
      bytes32: MAX_UINT256,
    }[type],
});

/**
 * Field order and types of each kind, exactly as in `MessageCodec.sol` (field numbers are array indexes, as in its
 * `ValueOutOfRange(kind, field)` error).
 *
 * @example
 * ```ts
 * MESSAGE_LAYOUTS.Verdict.fields[2]; // { name: "refundBps", type: "uint16", max: 10000n }
 * ```
 */
export const MESSAGE_LAYOUTS: Readonly<
  Record<MessageKindName, { readonly kind: number; readonly fields: readonly FieldLayout[] }>
> = {
  ModelListing: {
    kind: MESSAGE_KINDS.ModelListing,
    fields: [
      field("modelId", "uint256"),
      field("genesis", "uint64"),
      field("epochSeconds", "uint64"),
      field("fromEpoch", "uint64"),
      field("pricePerRequest", "uint256"),
      field("active", "bool"),
      field("version", "uint32"),
      field("verdictGraceEpochs", "uint16"),
    ],
  },
  ReceiptBatch: {
    kind: MESSAGE_KINDS.ReceiptBatch,
    fields: [
      field("modelId", "uint256"),
      field("epoch", "uint64"),
      field("paymentChain", "uint32"),
      field("batchIndex", "uint32"),
      field("count", "uint32"),
      field("total", "uint256"),
      field("paymentsRoot", "bytes32"),
      field("finalBatch", "bool"),
    ],
  },
  Verdict: {
    kind: MESSAGE_KINDS.Verdict,
    fields: [
      field("modelId", "uint256"),
      field("epoch", "uint64"),
      field("refundBps", "uint16", BigInt(BPS)),
      field("reportHash", "bytes32"),
      field("topUp", "uint256", MAX_UINT96),
    ],
  },
  Payout: {
    kind: MESSAGE_KINDS.Payout,
    fields: [
      field("modelId", "uint256"),
      field("epoch", "uint64"),
      field("payoutIndex", "uint32"),
      field("payee", "bytes32"),
      field("shareBps", "uint16", BigInt(BPS)),
    ],
  },
};

/**
 * Name of the kind with kind byte `kind`, or undefined.
 *
 * @example
 * ```ts
 * kindName(3); // "Verdict"
 * ```
 */
export function kindName(kind: number): MessageKindName | undefined {
  for (const [name, value] of Object.entries(MESSAGE_KINDS)) if (value === kind) return name as MessageKindName;
  return undefined;
}
