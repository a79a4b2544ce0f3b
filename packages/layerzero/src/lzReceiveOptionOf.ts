import { Options } from "@layerzerolabs/lz-v2-utilities";
import type { Hex } from "viem";

/**
 * The executor's lzReceive gas and value from a packet's type-3 options (summed over repeated options, as
 * LayerZero's executors do); `{ gas: 0n, value: 0n }` when the options ask for none or are not type 3.
 *
 * @example
 * ```ts
 * lzReceiveOptionOf(lzReceiveOptions(300_000n, 5n)); // { gas: 300000n, value: 5n }
 * ```
 */
export function lzReceiveOptionOf(options: Hex): { gas: bigint; value: bigint } {
  // "0x0003" alone is valid type-3 options with no entries.
  if (options.length <= 6) return { gas: 0n, value: 0n };
  try {
    const decoded = Options.fromOptions(options).decodeExecutorLzReceiveOption();
    return { gas: BigInt(decoded?.gas ?? 0n), value: BigInt(decoded?.value ?? 0n) };
  } catch {
    // Legacy (type 1/2) or malformed options: the send ULN accepted them, so execute without value rather than stall.
    return { gas: 0n, value: 0n };
  }
}
