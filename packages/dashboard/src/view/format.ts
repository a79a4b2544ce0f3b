/**
 * Number formatting for the dashboard: every figure carries its unit. Pure (no DOM), so the page and the tests share
 * it.
 */

const grouped = new Intl.NumberFormat("en-US");

/** Milliseconds: `formatMs(1234)` is "1,234 ms"; no figure is "—". */
export function formatMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? "—" : `${grouped.format(ms)} ms`;
}

/** Basis points as a percentage: `formatBps(2_500)` is "25.00 %". */
export function formatBps(bps: number | null | undefined): string {
  return bps === null || bps === undefined ? "—" : `${(bps / 100).toFixed(2)} %`;
}

/**
 * Stablecoin base units (a decimal string, as the status API writes bigints) in whole tokens with every decimal:
 * `formatAmount("1234500", 6)` is "1.234500". Exact (string arithmetic, no float).
 */
export function formatAmount(baseUnits: string | null | undefined, decimals: number): string {
  if (baseUnits === null || baseUnits === undefined) return "—";
  const negative = baseUnits.startsWith("-");
  const digits = (negative ? baseUnits.slice(1) : baseUnits).padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  const text = `${grouped.format(BigInt(whole))}${decimals > 0 ? `.${fraction}` : ""}`;
  return negative ? `-${text}` : text;
}

/** A hash or id cut for a table cell, the full value kept for a title: "0x1234…cdef". */
export function shortId(id: string): string {
  return id.length <= 18 ? id : `${id.slice(0, 8)}…${id.slice(-6)}`;
}

/** Unix seconds (decimal string) as an ISO time without milliseconds: "2026-12-06T21:04:11Z". */
export function formatUnixSeconds(seconds: string): string {
  return new Date(Number(seconds) * 1_000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
