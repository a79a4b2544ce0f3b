import { describe, expect, it } from "vitest";
import { formatAmount, formatBps, formatMs, formatUnixSeconds, shortId } from "./format.ts";

describe("dashboard formatting", () => {
  it("puts a unit on every figure and a dash where there is none", () => {
    expect(formatMs(1_234)).toBe("1,234 ms");
    expect(formatMs(null)).toBe("—");
    expect(formatBps(2_500)).toBe("25.00 %");
    expect(formatBps(9_987)).toBe("99.87 %");
    expect(formatBps(undefined)).toBe("—");
  });

  it("writes base units as whole tokens exactly, beyond float precision", () => {
    expect(formatAmount("1234500", 6)).toBe("1.234500");
    expect(formatAmount("7", 6)).toBe("0.000007");
    expect(formatAmount("0", 6)).toBe("0.000000");
    expect(formatAmount("123456789012345678901", 6)).toBe("123,456,789,012,345.678901");
    expect(formatAmount("-2500000", 6)).toBe("-2.500000");
    expect(formatAmount("42", 0)).toBe("42");
    expect(formatAmount(undefined, 6)).toBe("—");
  });

  it("shortens long ids and writes unix seconds as UTC", () => {
    expect(shortId(`0x${"ab".repeat(32)}`)).toBe("0xababab…ababab");
    expect(shortId("2/abc/7")).toBe("2/abc/7");
    expect(formatUnixSeconds("1700000000")).toBe("2023-11-14T22:13:20Z");
  });
});
