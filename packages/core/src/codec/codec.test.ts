import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, type Hex, hexToBytes } from "../hex/hex.ts";
import { keccak256 } from "../hex/keccak256.ts";
import {
  BPS,
  MAX_UINT16,
  MAX_UINT32,
  MAX_UINT64,
  MAX_UINT96,
  MAX_UINT256,
  MESSAGE_KINDS,
  MESSAGE_VERSION,
  SOLANA_CHAIN_ID,
} from "./constants.ts";
import { decodeMessage, messageKindOf } from "./decodeMessage.ts";
import { decodeMessageOfKind } from "./decodeMessageOfKind.ts";
import { encodeMessage } from "./encodeMessage.ts";
import {
  InvalidHexError,
  InvalidMessageError,
  MalformedMessageError,
  UnknownKindError,
  UnsupportedVersionError,
  ValueOutOfRangeError,
  WrongKindError,
} from "./errors.ts";
import type { SlabridgeMessage, SlabridgeMessageInput, Verdict } from "./messageSchemas.ts";

const uint256 = fc.bigInt({ min: 0n, max: MAX_UINT256 });
const uint64 = fc.bigInt({ min: 0n, max: MAX_UINT64 });
const uint32 = fc.integer({ min: 0, max: MAX_UINT32 });
const bps = fc.integer({ min: 0, max: BPS });
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex);

const modelListing = fc.record({
  kind: fc.constant("ModelListing" as const),
  modelId: uint256,
  genesis: uint64,
  epochSeconds: uint64,
  fromEpoch: uint64,
  pricePerRequest: uint256,
  active: fc.boolean(),
  version: uint32,
  verdictGraceEpochs: fc.integer({ min: 0, max: 0xffff }),
});
const receiptBatch = fc.record({
  kind: fc.constant("ReceiptBatch" as const),
  modelId: uint256,
  epoch: uint64,
  paymentChain: fc.oneof(uint32, fc.constant(SOLANA_CHAIN_ID)),
  batchIndex: uint32,
  count: uint32,
  total: uint256,
  paymentsRoot: bytes32,
  finalBatch: fc.boolean(),
});
const verdict = fc.record({
  kind: fc.constant("Verdict" as const),
  modelId: uint256,
  epoch: uint64,
  refundBps: bps,
  reportHash: bytes32,
  topUp: fc.bigInt({ min: 0n, max: MAX_UINT96 }),
});
const payout = fc.record({
  kind: fc.constant("Payout" as const),
  modelId: uint256,
  epoch: uint64,
  payoutIndex: uint32,
  payee: bytes32,
  shareBps: bps,
});
const anyMessage: fc.Arbitrary<SlabridgeMessage> = fc.oneof(modelListing, receiptBatch, verdict, payout);

const FIELD_COUNT = { ModelListing: 8, ReceiptBatch: 8, Verdict: 5, Payout: 5 } as const;

const sampleVerdict: Verdict = {
  kind: "Verdict",
  modelId: 7n,
  epoch: 12n,
  refundBps: 2_500,
  reportHash: `0x${"ab".repeat(32)}`,
  topUp: 0n,
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("constants", () => {
  it("match MessageCodec.sol", () => {
    expect(MESSAGE_VERSION).toBe(1);
    expect(Buffer.from(SOLANA_CHAIN_ID.toString(16), "hex").toString("ascii")).toBe("Sola");
    expect(MESSAGE_KINDS).toEqual({ ModelListing: 1, ReceiptBatch: 2, Verdict: 3, Payout: 4 });
    expect(MAX_UINT16).toBe(65_535);
  });
  it("keccak256 known answers", () => {
    expect(keccak256("0x")).toBe("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect(keccak256(new TextEncoder().encode("abc"))).toBe(
      "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
    );
  });
});

describe("encodeMessage / decodeMessage round trip (property)", () => {
  it("decode(encode(m)) == m, with the exact length and header", () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const hex = encodeMessage(message);
        const bytes = hexToBytes(hex);
        expect(bytes.length).toBe(2 + 32 * FIELD_COUNT[message.kind]);
        expect(bytes[0]).toBe(1);
        expect(bytes[1]).toBe(MESSAGE_KINDS[message.kind]);
        expect(decodeMessage(hex)).toEqual(message);
        expect(decodeMessage(bytes)).toEqual(message);
        expect(messageKindOf(hex)).toBe(MESSAGE_KINDS[message.kind]);
        expect(decodeMessageOfKind(hex, message.kind)).toEqual(message);
      }),
      { numRuns: 500 },
    );
  });

  it("encode(decode(b)) == b for every decodable b", () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const hex = encodeMessage(message);
        expect(encodeMessage(decodeMessage(hex))).toBe(hex);
      }),
    );
  });

  it("uppercase bytes32 input encodes the same and decodes to lowercase", () => {
    const upper = { ...sampleVerdict, reportHash: `0x${"AB".repeat(32)}` as Hex };
    expect(encodeMessage(upper)).toBe(encodeMessage(sampleVerdict));
    expect(decodeMessage(encodeMessage(upper))).toEqual(sampleVerdict);
  });

  it("encodes fields as big-endian 32-byte words in layout order", () => {
    const hex = encodeMessage({ ...sampleVerdict, topUp: 0x16e360n });
    expect(hex).toBe(
      `0x0103${"7".padStart(64, "0")}${"c".padStart(64, "0")}${"9c4".padStart(64, "0")}${"ab".repeat(32)}${"16e360".padStart(64, "0")}`,
    );
  });
});

describe("encodeMessage validation", () => {
  const invalid: [string, unknown][] = [
    ["refundBps 10001", { ...sampleVerdict, refundBps: 10_001 }],
    ["topUp 2^96", { ...sampleVerdict, topUp: 1n << 96n }],
    ["negative refundBps", { ...sampleVerdict, refundBps: -1 }],
    ["fractional refundBps", { ...sampleVerdict, refundBps: 1.5 }],
    ["epoch 2^64", { ...sampleVerdict, epoch: 1n << 64n }],
    ["negative modelId", { ...sampleVerdict, modelId: -1n }],
    ["modelId 2^256", { ...sampleVerdict, modelId: 1n << 256n }],
    ["number instead of bigint", { ...sampleVerdict, modelId: 7 }],
    ["short bytes32", { ...sampleVerdict, reportHash: "0x1234" }],
    ["bytes32 without 0x", { ...sampleVerdict, reportHash: "ab".repeat(32) }],
    ["non-hex bytes32", { ...sampleVerdict, reportHash: `0x${"zz".repeat(32)}` }],
    ["unknown kind", { ...sampleVerdict, kind: "Refund" }],
    ["missing field", { kind: "Verdict", modelId: 1n, epoch: 1n, refundBps: 1 }],
    [
      "uint32 overflow",
      {
        kind: "Payout",
        modelId: 1n,
        epoch: 1n,
        payoutIndex: MAX_UINT32 + 1,
        payee: sampleVerdict.reportHash,
        shareBps: 1,
      },
    ],
    [
      "shareBps 10001",
      { kind: "Payout", modelId: 1n, epoch: 1n, payoutIndex: 0, payee: sampleVerdict.reportHash, shareBps: 10_001 },
    ],
    ["null", null],
  ];
  it.each(invalid)("rejects %s with InvalidMessageError", (_name, input) => {
    const error = thrown(() => encodeMessage(input as SlabridgeMessageInput));
    expect(error).toBeInstanceOf(InvalidMessageError);
    const e = error as InvalidMessageError;
    expect(e.name).toBe("InvalidMessageError");
    expect(e.issues.length).toBeGreaterThan(0);
    expect(e.retryable).toBe(false);
  });

  it("names the offending field", () => {
    const e = thrown(() => encodeMessage({ ...sampleVerdict, refundBps: 10_001 })) as InvalidMessageError;
    expect(e.issues[0]?.path).toEqual(["refundBps"]);
    expect(e.message).toContain("refundBps");
  });
});

describe("decodeMessage errors mirror MessageCodec.sol", () => {
  const valid = encodeMessage(sampleVerdict);
  const setWord = (hex: Hex, index: number, value: bigint): Hex => {
    const start = 6 + 64 * index;
    return `${hex.slice(0, start)}${value.toString(16).padStart(64, "0")}${hex.slice(start + 64)}` as Hex;
  };

  it("UnsupportedVersion for empty, one byte and any version but 1", () => {
    expect(thrown(() => decodeMessage("0x"))).toMatchObject({ name: "UnsupportedVersionError", version: 0 });
    expect(thrown(() => decodeMessage(new Uint8Array()))).toBeInstanceOf(UnsupportedVersionError);
    expect(thrown(() => decodeMessage("0x01"))).toMatchObject({ version: 1 });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }).filter((v) => v !== 1),
        (version) => {
          const bytes = hexToBytes(valid);
          bytes[0] = version;
          expect(thrown(() => decodeMessage(bytes))).toMatchObject({ name: "UnsupportedVersionError", version });
        },
      ),
    );
  });

  it("UnknownKind for every kind byte but 1..4, whatever the length", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }).filter((k) => k < 1 || k > 4),
        fc.uint8Array({ maxLength: 300 }),
        (kind, body) => {
          const bytes = new Uint8Array([1, kind, ...body]);
          const error = thrown(() => decodeMessage(bytes));
          expect(error).toBeInstanceOf(UnknownKindError);
          expect(error).toMatchObject({ kind });
        },
      ),
    );
  });

  it("MalformedMessage for every length but the kind's own", () => {
    // Every body length up to 400 bytes for every kind, not a random sample: a stale field count must fail every run.
    for (const [name, fields] of Object.entries(FIELD_COUNT)) {
      const kind = MESSAGE_KINDS[name as keyof typeof FIELD_COUNT];
      for (let bodyLength = 0; bodyLength <= 400; bodyLength++) {
        if (bodyLength === 32 * fields) continue;
        const bytes = new Uint8Array(2 + bodyLength);
        bytes[0] = 1;
        bytes[1] = kind;
        const error = thrown(() => decodeMessage(bytes));
        expect(error).toBeInstanceOf(MalformedMessageError);
        expect(error).toMatchObject({ kind, length: 2 + bodyLength });
      }
    }
  });

  it("ValueOutOfRange names the first field that does not fit", () => {
    const overEpoch = setWord(valid, 1, 1n << 64n);
    expect(thrown(() => decodeMessage(overEpoch))).toMatchObject({
      name: "ValueOutOfRangeError",
      kind: 3,
      field: 1,
      fieldName: "epoch",
    });
    const both = setWord(overEpoch, 2, 10_001n);
    expect(thrown(() => decodeMessage(both))).toMatchObject({ field: 1 });
    expect(thrown(() => decodeMessage(setWord(valid, 2, 10_001n)))).toMatchObject({ field: 2, fieldName: "refundBps" });
    expect(decodeMessage(setWord(valid, 2, 10_000n))).toMatchObject({ refundBps: 10_000 });
  });

  it("ValueOutOfRange for any over-wide uint64 / uint32 / bool / bps word (property)", () => {
    const listing = encodeMessage({
      kind: "ModelListing",
      modelId: 1n,
      genesis: 1n,
      epochSeconds: 1n,
      fromEpoch: 1n,
      pricePerRequest: 1n,
      active: true,
      version: 1,
      verdictGraceEpochs: 1,
    });
    const batch = encodeMessage({
      kind: "ReceiptBatch",
      modelId: 1n,
      epoch: 1n,
      paymentChain: 1,
      batchIndex: 1,
      count: 1,
      total: 1n,
      paymentsRoot: sampleVerdict.reportHash,
      finalBatch: true,
    });
    const cases: [Hex, number, bigint, string][] = [
      [listing, 1, MAX_UINT64, "genesis"],
      [listing, 2, MAX_UINT64, "epochSeconds"],
      [listing, 3, MAX_UINT64, "fromEpoch"],
      [listing, 5, 1n, "active"],
      [listing, 6, BigInt(MAX_UINT32), "version"],
      [listing, 7, 0xffffn, "verdictGraceEpochs"],
      [batch, 2, BigInt(MAX_UINT32), "paymentChain"],
      [batch, 3, BigInt(MAX_UINT32), "batchIndex"],
      [batch, 4, BigInt(MAX_UINT32), "count"],
      [batch, 7, 1n, "finalBatch"],
      [valid, 2, BigInt(BPS), "refundBps"],
    ];
    fc.assert(
      fc.property(
        fc
          .constantFrom(...cases)
          .chain((c) => fc.tuple(fc.constant(c), fc.bigInt({ min: c[2] + 1n, max: MAX_UINT256 }))),
        ([[hex, field, _max, name], value]) => {
          expect(thrown(() => decodeMessage(setWord(hex, field, value)))).toMatchObject({
            name: "ValueOutOfRangeError",
            field,
            fieldName: name,
          });
        },
      ),
    );
    expect(thrown(() => decodeMessage(setWord(listing, 5, 2n)))).toBeInstanceOf(ValueOutOfRangeError);
  });

  it("InvalidHexError for strings that are not hex bytes", () => {
    expect(thrown(() => decodeMessage("0x123" as Hex))).toBeInstanceOf(InvalidHexError);
    expect(thrown(() => decodeMessage("0xzz" as Hex))).toBeInstanceOf(InvalidHexError);
    expect(thrown(() => decodeMessage("0103" as Hex))).toBeInstanceOf(InvalidHexError);
  });

  it("WrongKind from decodeMessageOfKind", () => {
    const error = thrown(() => decodeMessageOfKind(valid, "Payout"));
    expect(error).toBeInstanceOf(WrongKindError);
    expect(error).toMatchObject({ name: "WrongKindError", expected: 4, actual: 3 });
    // Header errors come first, as in Solidity's _expect -> kindOf.
    expect(thrown(() => decodeMessageOfKind("0x0203", "Verdict"))).toBeInstanceOf(UnsupportedVersionError);
    const verdict: Verdict = decodeMessageOfKind(valid, "Verdict");
    expect(verdict.refundBps).toBe(2_500);
  });

  it("never throws anything but its typed errors on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (body, header) => {
        const bytes = header ? new Uint8Array([1, (body[0] ?? 0) % 6, ...body]) : body;
        try {
          const message = decodeMessage(bytes);
          expect(encodeMessage(message)).toBe(bytesToHex(bytes));
        } catch (error) {
          expect((error as Error).name).toMatch(
            /^(UnsupportedVersionError|UnknownKindError|MalformedMessageError|ValueOutOfRangeError)$/,
          );
        }
      }),
      { numRuns: 500 },
    );
  });
});
