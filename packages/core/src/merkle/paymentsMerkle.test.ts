import { existsSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, type Hex, hexToBytes } from "../hex/hex.ts";
import { keccak256 } from "../hex/keccak256.ts";
import {
  hashPair,
  type Payment,
  paymentLeaf,
  paymentsProof,
  paymentsProofs,
  paymentsRoot,
  verifyPaymentProof,
  ZERO_BYTES32,
} from "./paymentsMerkle.ts";

const pid = (i: number): Hex => `0x${i.toString(16).padStart(64, "0")}`;
const buyer = (i: number): Hex => `0x${"00".repeat(12)}${"b0".repeat(19)}${i.toString(16).padStart(2, "0")}`;
const kat = (n: number): Payment[] =>
  Array.from({ length: n }, (_, k) => ({ paymentId: pid(k + 1), buyer: buyer(k + 1), amount: 1_000n * BigInt(k + 1) }));

// Known answers computed independently with Foundry's `cast abi-encode` / `cast keccak` / `cast concat-hex`.
const LEAF_1 = "0x097a670a0a5759f2dfcf606fc53140801d7667ec9bb8f80cf8b7244197fb737a";
const LEAF_5 = "0x2d64e1348800ee45bebf1800ff61a00f992db8b890db6736875f8440b5fddddc";
const ROOT_3 = "0xfd470587b2b65cca131d625c3a58f4b42092b8261e93cc9ea68d809c6ab4da32";
const ROOT_5 = "0x9d007cc95fff5e2b68640dbef62c564e4b3cf06ce48cb0d3c06fb24f60b0d87f";

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b): Hex => `0x${Buffer.from(b).toString("hex")}`);
const payment = fc.record({
  paymentId: bytes32,
  buyer: bytes32,
  amount: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
});

describe("paymentsMerkle known answers (cast)", () => {
  it("leaf is the double keccak of abi.encode(paymentId, buyer, amount)", () => {
    expect(paymentLeaf(kat(1)[0] as Payment)).toBe(LEAF_1);
    expect(paymentLeaf(kat(5)[4] as Payment)).toBe(LEAF_5);
  });
  it("zero payments -> bytes32(0); one -> its leaf", () => {
    expect(paymentsRoot([])).toBe(ZERO_BYTES32);
    expect(paymentsRoot(kat(1))).toBe(LEAF_1);
    expect(paymentsProof(kat(1), 0)).toEqual([]);
  });
  it("sizes 3 and 5: odd node promoted unchanged", () => {
    expect(paymentsRoot(kat(3))).toBe(ROOT_3);
    expect(paymentsRoot(kat(5))).toBe(ROOT_5);
    // The fifth leaf is promoted twice, so its proof is a single node: the root of the first four.
    expect(paymentsProof(kat(5), 4)).toHaveLength(1);
  });
  it("accepts mixed-case hex and ignores it", () => {
    const [p] = kat(1) as [Payment];
    expect(paymentLeaf({ ...p, buyer: p.buyer.toUpperCase().replace("0X", "0x") as Hex })).toBe(LEAF_1);
  });
  it("rejects malformed payments and out-of-range indexes", () => {
    expect(() => paymentLeaf({ paymentId: "0x12", buyer: buyer(1), amount: 1n })).toThrow();
    expect(() => paymentLeaf({ paymentId: pid(1), buyer: buyer(1), amount: -1n })).toThrow();
    expect(() => paymentLeaf({ paymentId: pid(1), buyer: buyer(1), amount: 1n << 256n })).toThrow();
    expect(() => paymentsProof(kat(3), 3)).toThrow(RangeError);
    expect(() => paymentsProof(kat(3), -1)).toThrow(RangeError);
    expect(() => paymentsProof([], 0)).toThrow(RangeError);
  });
  it("hashPair is commutative", () => {
    fc.assert(fc.property(bytes32, bytes32, (a, b) => hashPair(a, b) === hashPair(b, a)));
  });
  it("hashPair orders the pair by value whatever the hex case (keccak of the smaller, then the larger)", () => {
    fc.assert(
      fc.property(bytes32, bytes32, (a, b) => {
        const [low, high] = BigInt(a) <= BigInt(b) ? [a, b] : [b, a];
        const expected = keccak256(concat([hexToBytes(low), hexToBytes(high)]));
        const upper = (h: Hex): Hex => `0x${h.slice(2).toUpperCase()}`;
        return hashPair(upper(a), b) === expected && hashPair(a, upper(b)) === expected;
      }),
    );
  });
  it("hex conversions round-trip every byte, in either case", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(hexToBytes(bytesToHex(all))).toEqual(all);
    expect(hexToBytes(`0x${Buffer.from(all).toString("hex").toUpperCase()}`)).toEqual(all);
    expect(bytesToHex(all)).toBe(`0x${Buffer.from(all).toString("hex")}`);
  });
});

// Written by the escrow team (PaymentsMerkle.t.sol asserts the same roots); present once h/escrow is merged.
const ESCROW_VECTORS = new URL("../../../../contracts/test/vectors/payments-merkle.json", import.meta.url);
interface EscrowVectors {
  vectors: { size: number; payments: { paymentId: Hex; buyer: Hex; amount: string }[]; root: Hex }[];
}

describe.runIf(existsSync(ESCROW_VECTORS))(
  "contracts/test/vectors/payments-merkle.json (Solidity PaymentsMerkle)",
  () => {
    it("every root and proof matches", () => {
      const { vectors } = JSON.parse(readFileSync(ESCROW_VECTORS, "utf8")) as EscrowVectors;
      expect(vectors.length).toBeGreaterThan(0);
      for (const vector of vectors) {
        const payments = vector.payments.map((p) => ({ ...p, amount: BigInt(p.amount) }));
        expect(payments).toHaveLength(vector.size);
        expect(paymentsRoot(payments)).toBe(vector.root.toLowerCase());
        paymentsProofs(payments).forEach((proof, i) => {
          expect(verifyPaymentProof(proof, vector.root, payments[i] as Payment)).toBe(true);
        });
      }
    });
  },
);

describe("paymentsMerkle proofs (property)", () => {
  it("every proof verifies for sizes 1..40", () => {
    for (let n = 1; n <= 40; n++) {
      const payments = kat(n);
      const root = paymentsRoot(payments);
      const proofs = paymentsProofs(payments);
      payments.forEach((p, i) => {
        expect(verifyPaymentProof(proofs[i] ?? [], root, p)).toBe(true);
      });
      expect(paymentsProofs(payments)[n - 1]).toEqual(paymentsProof(payments, n - 1));
    }
  });

  it("random batches: proofs verify, and any tampering fails", () => {
    fc.assert(
      fc.property(
        fc.array(payment, { minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 3 }),
        (payments, rawIndex, rawOther, tamper) => {
          const index = rawIndex % payments.length;
          const root = paymentsRoot(payments);
          const proof = paymentsProof(payments, index);
          const p = payments[index] as Payment;
          expect(verifyPaymentProof(proof, root, p)).toBe(true);
          switch (tamper) {
            case 0:
              expect(verifyPaymentProof(proof, root, { ...p, amount: p.amount ^ 1n })).toBe(false);
              break;
            case 1:
              expect(verifyPaymentProof(proof, root, { ...p, buyer: flip(p.buyer) })).toBe(false);
              break;
            case 2: {
              if (proof.length === 0) return;
              const at = rawOther % proof.length;
              const bad = proof.map((node, k) => (k === at ? flip(node) : node));
              expect(verifyPaymentProof(bad, root, p)).toBe(false);
              break;
            }
            default:
              expect(verifyPaymentProof(proof, flip(root), p)).toBe(false);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a payment of another batch does not verify", () => {
    const a = kat(6);
    const b = kat(7).slice(1);
    expect(verifyPaymentProof(paymentsProof(b, 0), paymentsRoot(a), b[0] as Payment)).toBe(false);
  });
});

/** Flips the lowest bit of a bytes32. */
function flip(hex: Hex): Hex {
  const last = Number.parseInt(hex.slice(-1), 16) ^ 1;
  return `${hex.slice(0, -1)}${last.toString(16)}` as Hex;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
