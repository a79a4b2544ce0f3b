import type { SettlementCheck } from "./settlementChecks.ts";

/**
 * The one line the main job ends with when it is told to stop waiting before everything settled: how many planned
 * (model, epoch)s settled on every chain, and each open one with what it still waits for.
 *
 * @example stoppedSummary(planned, checks, 73_300) // "stopped after 73.3 s: 7 of 9 epochs settled …; open: …"
 */
export function stoppedSummary(
  planned: ReadonlyArray<{ modelId: bigint; epoch: bigint }>,
  checks: readonly SettlementCheck[],
  elapsedMs: number,
): string {
  const open = new Map<string, string[]>();
  for (const check of checks) {
    if (check.done) continue;
    const key = `model ${check.modelId} epoch ${check.epoch}`;
    // A check says where it is first ("model 1 epoch 3: verdict recorded"): the summary names the epoch once.
    const what = check.what.startsWith(`${key}: `) ? check.what.slice(key.length + 2) : check.what;
    open.set(key, [...(open.get(key) ?? []), what]);
  }
  const settled = planned.filter(({ modelId, epoch }) => !open.has(`model ${modelId} epoch ${epoch}`)).length;
  const head = `stopped after ${(elapsedMs / 1_000).toFixed(1)} s: ${settled} of ${planned.length} epochs settled on every chain`;
  if (open.size === 0) return `${head}; nothing left open`;
  const rest = [...open].map(([key, whats]) => `${key} (waits for: ${whats.join(", ")})`);
  return `${head}; left open: ${rest.join("; ")}`;
}
