/**
 * One check of a verdict: `pass`, `fail` with what the chain (or the math) expected and what the evidence gave, or
 * `skip` when this deployment gives nothing to check it against (said in `detail`).
 */
export interface VerifyCheck {
  readonly check: string;
  readonly status: "pass" | "fail" | "skip";
  readonly expected?: string;
  readonly actual?: string;
  readonly detail?: string;
}

/** Every check of one (model, epoch), and whether all of them passed (skips do not fail a verdict). */
export interface VerifyResult {
  readonly modelId: bigint;
  readonly epoch: bigint;
  /** The evidence bundle's address, as the status API named it. */
  readonly bundle: string;
  readonly checks: readonly VerifyCheck[];
  readonly ok: boolean;
}

/** A passing check. */
export const pass = (check: string, detail?: string): VerifyCheck =>
  detail === undefined ? { check, status: "pass" } : { check, status: "pass", detail };

/** A failing check: what was expected, what was found. */
export const fail = (check: string, expected: string, actual: string): VerifyCheck => ({
  check,
  status: "fail",
  expected,
  actual,
});

/** A check this deployment gives nothing to compare with. */
export const skip = (check: string, detail: string): VerifyCheck => ({ check, status: "skip", detail });

/** `pass` when `expected === actual` (compared as strings, case-insensitive for hex), else `fail`. */
export function same(check: string, expected: string | number | bigint, actual: string | number | bigint): VerifyCheck {
  const [e, a] = [String(expected), String(actual)];
  return e.toLowerCase() === a.toLowerCase() ? pass(check, e) : fail(check, e, a);
}
