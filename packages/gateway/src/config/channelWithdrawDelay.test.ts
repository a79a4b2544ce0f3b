import { describe, expect, it } from "vitest";
import { InvalidGatewayConfigError } from "../errors/InvalidGatewayConfigError.ts";
import { channelWithdrawDelay } from "./channelWithdrawDelay.ts";

describe("channelWithdrawDelay", () => {
  it("outlasts the epoch and its claim deadline, and never goes under the binding's minimum", () => {
    expect(channelWithdrawDelay("m", 3_600n)).toBe(4_200);
    expect(channelWithdrawDelay("m", 12n)).toBe(900);
    expect(channelWithdrawDelay("m", 3_600n, 7_200)).toBe(7_200);
  });

  it("refuses a configured delay a payer could withdraw under before the epoch's claim, or an epoch no delay covers", () => {
    expect(() => channelWithdrawDelay("llama", 3_600n, 900)).toThrow(InvalidGatewayConfigError);
    expect(() => channelWithdrawDelay("llama", 3_600n, 900)).toThrow(/model llama: withdrawDelay 900 s .* use 4200/);
    expect(() => channelWithdrawDelay("m", 3_600n, 3_000_000)).toThrow(InvalidGatewayConfigError);
    expect(() => channelWithdrawDelay("m", 2_592_000n)).toThrow(/too long/);
  });
});
