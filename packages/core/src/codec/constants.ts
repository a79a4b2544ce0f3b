/**
 * The only wire-format version this codec reads and writes (`MessageCodec.VERSION`).
 *
 * @example
 * ```ts
 * hexToBytes(encodeMessage(msg))[0] === MESSAGE_VERSION; // true
 * ```
 */
export const MESSAGE_VERSION = 1;

/**
 * slabridge chain id of Solana: ASCII "Sola" (`MessageCodec.SOLANA_CHAIN_ID`); EVM chains use their EVM chain id.
 *
 * @example
 * ```ts
 * const batch = { kind: "ReceiptBatch", paymentChain: SOLANA_CHAIN_ID, ... };
 * ```
 */
export const SOLANA_CHAIN_ID = 0x536f6c61;

/**
 * Basis points in one whole; `refundBps` and `shareBps` never exceed it.
 *
 * @example
 * ```ts
 * const refund = (amount * BigInt(verdict.refundBps)) / BigInt(BPS);
 * ```
 */
export const BPS = 10_000;

/** Largest uint16 / uint32 / uint64 / uint256. @example `MAX_UINT64 === 2n ** 64n - 1n` */
export const MAX_UINT16 = 0xffff;
/** Largest uint32. @example `MAX_UINT32 === 4_294_967_295` */
export const MAX_UINT32 = 0xffff_ffff;
/** Largest uint64. @example `MAX_UINT64 === 2n ** 64n - 1n` */
export const MAX_UINT64 = (1n << 64n) - 1n;
/** Largest uint96 (token amounts the escrow keeps in 96 bits). @example `MAX_UINT96 === 2n ** 96n - 1n` */
export const MAX_UINT96 = (1n << 96n) - 1n;
/** Largest uint256. @example `MAX_UINT256 === 2n ** 256n - 1n` */
export const MAX_UINT256 = (1n << 256n) - 1n;

/**
 * Kind byte of each message (`MessageCodec.KIND_*`).
 *
 * @example
 * ```ts
 * MESSAGE_KINDS.ReceiptBatch; // 2
 * ```
 */
export const MESSAGE_KINDS = {
  ModelListing: 1,
  ReceiptBatch: 2,
  Verdict: 3,
  Payout: 4,
} as const;

/** Name of a message kind. @example `const k: MessageKindName = "Verdict";` */
export type MessageKindName = keyof typeof MESSAGE_KINDS;
