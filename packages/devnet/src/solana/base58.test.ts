import { PublicKey } from "@solana/web3.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base58 } from "./base58.ts";
import { uiTokenAmount } from "./tokenAmount.ts";

describe("base58", () => {
  it("round-trips arbitrary bytes, leading zeros included", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        expect(base58.decode(base58.encode(bytes))).toEqual(bytes);
      }),
    );
  });

  it("agrees with web3.js on public keys", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        expect(base58.encode(bytes)).toBe(new PublicKey(bytes).toBase58());
      }),
    );
  });

  it("rejects characters outside the alphabet", () => {
    expect(() => base58.decode("0OIl")).toThrow(/invalid base58/);
  });
});

describe("uiTokenAmount", () => {
  it("trims like the validator", () => {
    expect(uiTokenAmount(0n, 6)).toEqual({ amount: "0", decimals: 6, uiAmount: 0, uiAmountString: "0" });
    expect(uiTokenAmount(1_500_000n, 6).uiAmountString).toBe("1.5");
    expect(uiTokenAmount(5n, 6).uiAmountString).toBe("0.000005");
    expect(uiTokenAmount(42n, 0).uiAmountString).toBe("42");
  });
});
