/** The RPC's `uiTokenAmount` / `tokenAmount` object. */
export interface UiTokenAmount {
  amount: string;
  decimals: number;
  uiAmount: number | null;
  uiAmountString: string;
}

/**
 * Formats a raw token amount the way the validator does (trailing zeros trimmed).
 *
 * @example uiTokenAmount(1_500_000n, 6) // { amount: "1500000", decimals: 6, uiAmount: 1.5, uiAmountString: "1.5" }
 */
export function uiTokenAmount(amount: bigint, decimals: number): UiTokenAmount {
  const raw = amount.toString();
  let text = raw;
  if (decimals > 0) {
    const padded = raw.padStart(decimals + 1, "0");
    const whole = padded.slice(0, padded.length - decimals);
    const frac = padded.slice(padded.length - decimals).replace(/0+$/, "");
    text = frac === "" ? whole : `${whole}.${frac}`;
  }
  return { amount: raw, decimals, uiAmount: Number(text), uiAmountString: text };
}
