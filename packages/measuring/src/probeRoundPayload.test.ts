import { describe, expect, it } from "vitest";
import { InvalidProbePayloadError } from "./errors.ts";
import { parseProbeRoundPayload, roundStartOf } from "./probeRoundPayload.ts";

const valid = {
  roundId: "1767225600000",
  scheduledAt: 1_767_225_600_000,
  targets: [{ modelId: "2", epoch: "41", endpoint: "http://127.0.0.1:8080", model: "demo-model-2", timeoutMs: 2_000 }],
};

describe("probe round payload", () => {
  it("accepts a round and its targets", () => {
    expect(parseProbeRoundPayload(structuredClone(valid))).toEqual(valid);
    expect(parseProbeRoundPayload({ ...valid, targets: [] }).targets).toEqual([]);
  });

  it.each([
    ["no targets field", { roundId: valid.roundId, scheduledAt: valid.scheduledAt }],
    ["an unknown field", { ...valid, extra: 1 }],
    ["a round id that is not the scheduled time", { ...valid, roundId: "1767225601000" }],
    ["a round id with a '#'", { ...valid, roundId: "1#2" }],
    ["a non-decimal model id", { ...valid, targets: [{ ...valid.targets[0], modelId: "0x2" }] }],
    ["a negative epoch", { ...valid, targets: [{ ...valid.targets[0], epoch: "-1" }] }],
    ["an endpoint over 2048 characters", { ...valid, targets: [{ ...valid.targets[0], endpoint: "h".repeat(2_049) }] }],
    ["a zero timeout", { ...valid, targets: [{ ...valid.targets[0], timeoutMs: 0 }] }],
    ["a fractional timeout", { ...valid, targets: [{ ...valid.targets[0], timeoutMs: 1.5 }] }],
    ["not an object", "probe everything"],
  ])("refuses %s with InvalidProbePayloadError", (_, input) => {
    const error = (() => {
      try {
        parseProbeRoundPayload(input);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidProbePayloadError);
    expect((error as InvalidProbePayloadError).retryable).toBe(false);
  });

  it("maps every time inside a period to the period's start", () => {
    const start = Date.parse("2026-01-01T00:00:00Z");
    expect(roundStartOf(start, 60)).toBe(start);
    expect(roundStartOf(start + 59_999, 60)).toBe(start);
    expect(roundStartOf(start + 60_000, 60)).toBe(start + 60_000);
    expect(roundStartOf(start + 1_500, 1)).toBe(start + 1_000);
  });
});
