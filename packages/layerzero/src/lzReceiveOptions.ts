import { Options } from "@layerzerolabs/lz-v2-utilities";
import type { Hex } from "viem";

/**
 * Type-3 LayerZero options asking the executor to call `lzReceive` with `gas` (and `value` wei, default 0): what
 * slabridge's messengers enforce per pathway (`setEnforcedOptions([{ eid, msgType: 1, options }])`).
 *
 * @example
 * ```ts
 * const options = lzReceiveOptions(300_000n); // "0x0003010011010000000000000000000000000000493e0"
 * await messenger.write.setEnforcedOptions([[{ eid: 40161, msgType: 1, options }]]);
 * ```
 */
export function lzReceiveOptions(gas: bigint | number, value: bigint | number = 0n): Hex {
  if (BigInt(gas) <= 0n) throw new RangeError("lzReceive gas must be positive.");
  if (BigInt(value) < 0n) throw new RangeError("lzReceive value must not be negative.");
  return Options.newOptions().addExecutorLzReceiveOption(BigInt(gas), BigInt(value)).toHex() as Hex;
}
