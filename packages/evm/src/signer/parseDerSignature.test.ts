import { describe, expect, it } from "vitest";
import { KmsResponseError, parseDerSignature, secp256k1PointOfSpki } from "./parseDerSignature.ts";

const der = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s/g, ""), "hex"));

describe("parseDerSignature", () => {
  it("reads r and s with a leading zero byte (high bit set) and without", () => {
    // SEQUENCE(0x45) { INTEGER(0x21) 00 ff…, INTEGER(0x20) 7f… }
    const r = `ff${"11".repeat(31)}`;
    const s = `7f${"22".repeat(31)}`;
    expect(parseDerSignature(der(`3045 0221 00${r} 0220 ${s}`))).toEqual({ r: BigInt(`0x${r}`), s: BigInt(`0x${s}`) });
  });

  it("reads short INTEGERs (a value whose top bytes are zero is encoded minimal)", () => {
    // r = 0x01, s = 0x00ff needs a zero byte: 02 02 00 ff.
    expect(parseDerSignature(der("3007 020101 020200ff"))).toEqual({ r: 1n, s: 0xffn });
  });

  it("reads both parts with leading zeros at AWS's longest (72 bytes)", () => {
    const r = `80${"00".repeat(31)}`;
    const s = `80${"00".repeat(30)}01`;
    const sig = der(`3046 0221 00${r} 0221 00${s}`);
    expect(sig).toHaveLength(72);
    expect(parseDerSignature(sig)).toEqual({ r: BigInt(`0x${r}`), s: BigInt(`0x${s}`) });
  });

  it("refuses what is not a SEQUENCE of two INTEGERs", () => {
    for (const bad of ["3106 020101 020101", "3006 020101 030101", "3007 020101 020101", "3008 020101 020101 00", ""]) {
      expect(() => parseDerSignature(der(bad))).toThrow(KmsResponseError);
    }
  });
});

describe("secp256k1PointOfSpki", () => {
  it("takes the point of a secp256k1 SPKI and refuses another curve's", () => {
    const point = `04${"ab".repeat(64)}`;
    expect(
      Buffer.from(secp256k1PointOfSpki(der(`3056301006072a8648ce3d020106052b8104000a034200${point}`))).toString("hex"),
    ).toBe(point);
    // P-256 (prime256v1) has another curve OID.
    expect(() => secp256k1PointOfSpki(der(`3059301306072a8648ce3d020106082a8648ce3d030107034200${point}`))).toThrow(
      KmsResponseError,
    );
  });
});
