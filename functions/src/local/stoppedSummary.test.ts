import { describe, expect, it } from "vitest";
import type { SettlementCheck } from "./settlementChecks.ts";
import { stoppedSummary } from "./stoppedSummary.ts";

const check = (modelId: bigint, epoch: bigint, what: string, done: boolean): SettlementCheck => ({
  modelId,
  epoch,
  what: `model ${modelId} epoch ${epoch}: ${what}`,
  done,
});

describe("stoppedSummary", () => {
  it("counts the epochs settled everywhere and names what each open one waits for, in one line", () => {
    const planned = [
      { modelId: 1n, epoch: 2n },
      { modelId: 2n, epoch: 2n },
      { modelId: 1n, epoch: 3n },
    ];
    const line = stoppedSummary(
      planned,
      [
        check(1n, 2n, "verdict recorded", true),
        check(2n, 2n, "verdict recorded", true),
        check(2n, 2n, "refunds done on evm-a", false),
        check(1n, 3n, "verdict recorded", false),
        check(1n, 3n, "released and paid out on evm-b", false),
      ],
      73_349,
    );
    expect(line).toBe(
      "stopped after 73.3 s: 1 of 3 epochs settled on every chain; left open: " +
        "model 2 epoch 2 (waits for: refunds done on evm-a); " +
        "model 1 epoch 3 (waits for: verdict recorded, released and paid out on evm-b)",
    );
    expect(line).not.toContain("\n");
  });

  it("says nothing is open when every check is done", () => {
    expect(stoppedSummary([{ modelId: 1n, epoch: 0n }], [check(1n, 0n, "verdict recorded", true)], 5_000)).toBe(
      "stopped after 5.0 s: 1 of 1 epochs settled on every chain; nothing left open",
    );
  });
});
