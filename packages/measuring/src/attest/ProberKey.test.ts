import { keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount, sign } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { SignatureError } from "../errors.ts";
import { isSignedBy, recoverSigner } from "./ProberKey.ts";

describe("recoverSigner", () => {
  it("gives each signature its own signer, checked again and again over the same digests", async () => {
    const keys = [generatePrivateKey(), generatePrivateKey()];
    const digests = [keccak256(toHex("sample a")), keccak256(toHex("sample b"))];
    const cases = [];
    for (const key of keys) {
      for (const hash of digests) {
        cases.push({ hash, key, signature: await sign({ hash, privateKey: key, to: "hex" }) });
      }
    }
    // Twice over, interleaved: a remembered recovery must never answer for another key's or another digest's.
    for (let pass = 0; pass < 2; pass++) {
      for (const { hash, key, signature } of cases) {
        expect(recoverSigner(hash, signature)).toBe(privateKeyToAccount(key).address.toLowerCase());
      }
    }
    const first = cases[0];
    if (!first) throw new Error("no case");
    // The same signature over another digest is another (wrong) signer, not the remembered one.
    expect(recoverSigner(digests[1] as `0x${string}`, first.signature)).not.toBe(
      privateKeyToAccount(first.key).address.toLowerCase(),
    );
    expect(() => recoverSigner(first.hash, "0x1234")).toThrow(SignatureError);
  });
});

describe("isSignedBy", () => {
  it("agrees with recovery for the signer, another key, another digest and the other recovery bit", async () => {
    const key = generatePrivateKey();
    const other = generatePrivateKey();
    const signer = privateKeyToAccount(key).address.toLowerCase() as `0x${string}`;
    const stranger = privateKeyToAccount(other).address.toLowerCase() as `0x${string}`;
    // Many digests: the first is checked by recovery, the rest by verification against the kept key.
    for (let i = 0; i < 12; i++) {
      const hash = keccak256(toHex(`sample ${i}`));
      const signature = await sign({ hash, privateKey: key, to: "hex" });
      expect(isSignedBy(hash, signature, signer)).toBe(true);
      expect(isSignedBy(hash, signature, stranger)).toBe(false);
      expect(isSignedBy(keccak256(toHex(`another ${i}`)), signature, signer)).toBe(false);
      // The other v recovers another key: the verification must see that too.
      const v = Number.parseInt(signature.slice(130), 16);
      const flipped = `${signature.slice(0, 130)}${(v === 27 ? 28 : 27).toString(16)}` as `0x${string}`;
      expect(isSignedBy(hash, flipped, signer)).toBe(false);
      expect(recoverSigner(hash, flipped)).not.toBe(signer);
      // A stranger's signature over the same digest.
      expect(isSignedBy(hash, await sign({ hash, privateKey: other, to: "hex" }), signer)).toBe(false);
    }
    const hash = keccak256(toHex("malformed"));
    expect(() => isSignedBy(hash, "0x1234", signer)).toThrow(SignatureError);
    expect(() => isSignedBy(hash, `0x${"11".repeat(64)}1d`, signer)).toThrow(SignatureError);
  });
});
