import { secp256k1 } from "@noble/curves/secp256k1";
import { describe, expect, it } from "vitest";
import { precomputedPublicKey, recoveryBitOf } from "./secp256k1Verify.ts";

const N = secp256k1.CURVE.n;

describe("recoveryBitOf", () => {
  it("gives the recovery bit noble's signer gives, for both parities, and nothing for another key", () => {
    const secret = secp256k1.utils.randomPrivateKey();
    const key = precomputedPublicKey(secp256k1.getPublicKey(secret, false));
    const other = precomputedPublicKey(secp256k1.getPublicKey(secp256k1.utils.randomPrivateKey(), false));
    const bits = new Set<number>();
    for (let i = 0; i < 24; i++) {
      const digest = new Uint8Array(32).fill(i + 1);
      const signature = secp256k1.sign(digest, secret);
      expect(recoveryBitOf(digest, signature.r, signature.s, key)).toBe(signature.recovery);
      expect(recoveryBitOf(digest, signature.r, signature.s, other)).toBeUndefined();
      // The high-s twin verifies too, with the other parity (what a KMS signature may come as).
      expect(recoveryBitOf(digest, signature.r, N - signature.s, key)).toBe(1 - signature.recovery);
      bits.add(signature.recovery);
    }
    expect([...bits].sort()).toEqual([0, 1]);
  });

  it("refuses out-of-range values and a digest that is not 32 bytes", () => {
    const secret = secp256k1.utils.randomPrivateKey();
    const key = precomputedPublicKey(secp256k1.getPublicKey(secret, false));
    const digest = new Uint8Array(32).fill(7);
    const { r, s } = secp256k1.sign(digest, secret);
    expect(recoveryBitOf(digest, 0n, s, key)).toBeUndefined();
    expect(recoveryBitOf(digest, N, s, key)).toBeUndefined();
    expect(recoveryBitOf(digest, r, 0n, key)).toBeUndefined();
    expect(recoveryBitOf(digest, r, N, key)).toBeUndefined();
    expect(recoveryBitOf(digest.slice(1), r, s, key)).toBeUndefined();
  });
});
