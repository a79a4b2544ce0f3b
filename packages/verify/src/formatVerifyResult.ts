import type { VerifyCheck, VerifyResult } from "./VerifyCheck.ts";

const MARK = { pass: "✓", fail: "✗", skip: "–" } as const;

/** One check as a line: `✓ <check> (<detail>)`, `✗ <check>: expected X, got Y` or `– <check>: <why not checked>`. */
function lineOf(check: VerifyCheck): string {
  if (check.status === "fail") return `${MARK.fail} ${check.check}: expected ${check.expected}, got ${check.actual}`;
  if (check.status === "skip") return `${MARK.skip} ${check.check}: ${check.detail}`;
  return check.detail === undefined ? `${MARK.pass} ${check.check}` : `${MARK.pass} ${check.check} (${check.detail})`;
}

/**
 * The transcript of a verification: one line per check, then a one-line summary.
 *
 * @example for (const line of formatVerifyResult(result)) console.log(line);
 */
export function formatVerifyResult(result: VerifyResult): string[] {
  const count = (status: VerifyCheck["status"]) => result.checks.filter((c) => c.status === status).length;
  const [failed, skipped] = [count("fail"), count("skip")];
  const subject = `model ${result.modelId} epoch ${result.epoch} (bundle ${result.bundle})`;
  const summary = result.ok
    ? `verified: ${subject}: ${count("pass")} checks passed${skipped > 0 ? `, ${skipped} not checkable here` : ""}`
    : `NOT verified: ${subject}: ${failed} of ${result.checks.length} checks failed`;
  return [...result.checks.map(lineOf), summary];
}

/**
 * The result as JSON for scripts (`--json`): bigints as decimal strings.
 *
 * @example process.stdout.write(`${verifyResultJson(result)}\n`);
 */
export function verifyResultJson(result: VerifyResult): string {
  return JSON.stringify({ ...result, modelId: result.modelId.toString(), epoch: result.epoch.toString() }, null, 2);
}
