import { describe, expect, it } from "vitest";
import { lzReceiveOptionOf } from "./lzReceiveOptionOf.ts";
import { lzReceiveOptions } from "./lzReceiveOptions.ts";

describe("lzReceiveOptions / lzReceiveOptionOf", () => {
  it("encodes type-3 executor lzReceive options that decode back to the same gas and value", () => {
    const options = lzReceiveOptions(300_000n);
    expect(options.startsWith("0x0003")).toBe(true);
    expect(lzReceiveOptionOf(options)).toEqual({ gas: 300_000n, value: 0n });
    expect(lzReceiveOptionOf(lzReceiveOptions(200_000, 7))).toEqual({ gas: 200_000n, value: 7n });
  });

  it("rejects non-positive gas and negative value", () => {
    expect(() => lzReceiveOptions(0n)).toThrow(RangeError);
    expect(() => lzReceiveOptions(1n, -1n)).toThrow(RangeError);
  });

  it("reads empty, legacy or malformed options as no lzReceive value", () => {
    expect(lzReceiveOptionOf("0x0003")).toEqual({ gas: 0n, value: 0n });
    expect(lzReceiveOptionOf("0x")).toEqual({ gas: 0n, value: 0n });
    expect(lzReceiveOptionOf("0x00010000")).toEqual({ gas: 0n, value: 0n });
  });
});
