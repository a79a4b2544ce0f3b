import { WormholeConfigError } from "./errors/WormholeConfigError.ts";

/** Where a VAA is found: the guardian API's `(chain, emitter, sequence)`. */
export interface VaaId {
  /** Wormhole chain id of the emitter. */
  readonly chain: number;
  /** The emitter as 64 lowercase hex characters, no 0x (EVM addresses left-padded). */
  readonly emitter: string;
  readonly sequence: bigint;
}

const MESSAGE_ID = /^(\d{1,5})\/([0-9a-fA-F]{64})\/(\d{1,20})$/;

/**
 * The `MessageRef.messageId` of a VAA: `"{whChain}/{emitterHex64}/{sequence}"` (the guardian API's path).
 *
 * @example
 * ```ts
 * formatVaaId({ chain: 10002, emitter: "00".repeat(12) + messenger.slice(2), sequence: 3n }); // "10002/0000…/3"
 * ```
 */
export function formatVaaId(id: VaaId): string {
  return `${id.chain}/${id.emitter.toLowerCase()}/${id.sequence}`;
}

/**
 * Parses a `MessageRef.messageId` written by {@link formatVaaId}.
 *
 * @throws {WormholeConfigError} when the id is not `chain/emitterHex64/sequence` within uint16 / uint64.
 * @example
 * ```ts
 * const { chain, emitter, sequence } = parseVaaId(ref.messageId);
 * ```
 */
export function parseVaaId(messageId: string): VaaId {
  const match = MESSAGE_ID.exec(messageId);
  const [, chain = "", emitter = "", sequence = ""] = match ?? [];
  if (match === null || Number(chain) > 0xffff || BigInt(sequence) >= 1n << 64n) {
    throw new WormholeConfigError("Not a Wormhole message id (expected chain/emitterHex64/sequence).");
  }
  return { chain: Number(chain), emitter: emitter.toLowerCase(), sequence: BigInt(sequence) };
}
