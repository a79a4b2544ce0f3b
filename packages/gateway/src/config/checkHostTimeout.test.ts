import { describe, expect, it } from "vitest";
import { InvalidGatewayConfigError } from "../errors/InvalidGatewayConfigError.ts";
import { checkHostTimeout } from "./checkHostTimeout.ts";

describe("checkHostTimeout", () => {
  it("accepts a host call that ends within the voucher reservation", () => {
    expect(() => checkHostTimeout("llama", 30_000, 300)).not.toThrow();
    expect(() => checkHostTimeout("llama", 300_000, 300)).not.toThrow();
  });

  it("refuses one that outlasts maxTimeoutSeconds, or the SDK's 10-minute cap on a reservation", () => {
    expect(() => checkHostTimeout("llama", 300_001, 300)).toThrow(InvalidGatewayConfigError);
    expect(() => checkHostTimeout("llama", 700_000, 3_600)).toThrow(/600000 ms/);
  });
});
