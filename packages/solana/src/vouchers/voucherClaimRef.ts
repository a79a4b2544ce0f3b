import { MAX_UINT64 } from "@slabridge/core";
import { InvalidSvmVoucherError } from "../errors/InvalidSvmVoucherError.ts";

/** Hex digits of the channel id a claim ref keeps (24 bytes: collisions are out of reach at 2^-96). */
const CHANNEL_HEX = 48;

/**
 * The `ref` of the pay memo on the vault's delegated pull of a channel's epoch delta: the first 24 bytes of the
 * channel id then the epoch as u64 big-endian, 64 lowercase hex. Deterministic in (channelId, epoch), so a retried
 * claim finds its own pull on chain and never pulls twice; and readable back, so the vault's history says how much
 * each channel was already pulled (`readVoucherPulls`).
 *
 * @example const memo = formatSlabridgeMemo({ kind: "pay", modelId, ref: voucherClaimRef(channelId, epoch) });
 */
export function voucherClaimRef(channelId: Uint8Array, epoch: bigint): string {
  if (channelId.length !== 32) throw new InvalidSvmVoucherError("bad-channel-id", `${channelId.length} bytes`);
  if (epoch < 0n || epoch > MAX_UINT64) throw new RangeError(`epoch ${epoch} is not a u64`);
  return Buffer.from(channelId).toString("hex").slice(0, CHANNEL_HEX) + epoch.toString(16).padStart(16, "0");
}

/**
 * Splits a claim ref back into the channel-id prefix (48 hex) and the epoch; `undefined` for any other ref (a
 * buyer's own payment reference need not be 64 hex).
 *
 * @example const parsed = parseVoucherClaimRef(memo.ref); // { channelPrefix, epoch } | undefined
 */
export function parseVoucherClaimRef(ref: string): { channelPrefix: string; epoch: bigint } | undefined {
  if (!/^[0-9a-f]{64}$/.test(ref)) return undefined;
  return { channelPrefix: ref.slice(0, CHANNEL_HEX), epoch: BigInt(`0x${ref.slice(CHANNEL_HEX)}`) };
}

/**
 * The channel-id prefix a claim ref carries, to look a channel's pulls up.
 *
 * @example pulls.get(channelPrefixOf(channelId))
 */
export function channelPrefixOf(channelId: Uint8Array): string {
  return Buffer.from(channelId).toString("hex").slice(0, CHANNEL_HEX);
}
