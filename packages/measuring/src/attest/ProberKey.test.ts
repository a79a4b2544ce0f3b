import { keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount, sign } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { SignatureError } from "../errors.ts";
import { recoverSigner } from "./ProberKey.ts";

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
