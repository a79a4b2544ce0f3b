import { MAX_UINT256 } from "@slabridge/core";
import { describe, expect, it } from "vitest";
import { base58 } from "../base58.ts";
import { MalformedMemoError, type MalformedMemoReason } from "../errors/MalformedMemoError.ts";
import { formatSlabridgeMemo } from "./formatSlabridgeMemo.ts";
import { MAX_MEMO_LENGTH, parsePaymentMemo, parseSlabridgeMemo } from "./slabridgeMemo.ts";
import { solanaPaymentId } from "./solanaPaymentId.ts";

const REF = "00112233445566778899aabbccddeeff";
const PID = `0x${"ab".repeat(32)}`;

describe("parseSlabridgeMemo", () => {
  it("parses the three kinds and round-trips through formatSlabridgeMemo", () => {
    const texts = [
      `slabridge:v1:pay:model=1:ref=${REF}`,
      `slabridge:v1:pay:model=${MAX_UINT256}:ref=${"f".repeat(64)}`,
      `slabridge:v1:refund:model=7:epoch=12:payment=${PID}`,
      "slabridge:v1:payout:model=7:epoch=0:index=3",
      `slabridge:v1:credit:model=7:epoch=12:payment=${PID}`,
    ];
    for (const text of texts) expect(formatSlabridgeMemo(parseSlabridgeMemo(text))).toBe(text);
    expect(parsePaymentMemo(`slabridge:v1:pay:model=42:ref=${REF}`)).toEqual({ kind: "pay", modelId: 42n, ref: REF });
    expect(parseSlabridgeMemo("slabridge:v1:payout:model=7:epoch=3:index=0")).toEqual({
      kind: "payout",
      modelId: 7n,
      epoch: 3n,
      index: 0,
    });
  });

  it("reads a credit memo (a refund parked in the vault) apart from a refund memo", () => {
    expect(parseSlabridgeMemo(`slabridge:v1:credit:model=7:epoch=12:payment=${PID}`)).toEqual({
      kind: "credit",
      modelId: 7n,
      epoch: 12n,
      paymentId: PID,
    });
  });

  it("reads a void memo (an epoch voided: no verdict within its grace), strictly", () => {
    const text = "slabridge:v1:void:model=7:epoch=12";
    expect(parseSlabridgeMemo(text)).toEqual({ kind: "void", modelId: 7n, epoch: 12n });
    expect(formatSlabridgeMemo({ kind: "void", modelId: 7n, epoch: 12n })).toBe(text);
    expect(() => parseSlabridgeMemo("slabridge:v1:void:model=7:epoch=012")).toThrow(MalformedMemoError);
    expect(() => parseSlabridgeMemo("slabridge:v1:void:epoch=1:model=7")).toThrow(MalformedMemoError);
    expect(() => parseSlabridgeMemo("slabridge:v1:void:model=7:epoch=1:index=0")).toThrow(MalformedMemoError);
  });

  it("reads a pay memo with the epoch of its vouchers, and one without it as before", () => {
    const text = `slabridge:v1:pay:model=4:epoch=41:ref=${"ab".repeat(32)}`;
    expect(parsePaymentMemo(text)).toEqual({ kind: "pay", modelId: 4n, epoch: 41n, ref: "ab".repeat(32) });
    expect(formatSlabridgeMemo(parseSlabridgeMemo(text))).toBe(text);
    expect(parsePaymentMemo(`slabridge:v1:pay:model=4:ref=${REF}`)).toEqual({ kind: "pay", modelId: 4n, ref: REF });
    expect(() => parseSlabridgeMemo(`slabridge:v1:pay:model=4:ref=${REF}:epoch=41`)).toThrow(MalformedMemoError);
    expect(() => parseSlabridgeMemo(`slabridge:v1:pay:model=4:epoch=041:ref=${REF}`)).toThrow(MalformedMemoError);
    expect(() => parseSlabridgeMemo(`slabridge:v1:pay:model=4:epoch=${2n ** 64n}:ref=${REF}`)).toThrow(
      MalformedMemoError,
    );
  });

  it("lowercases the buyer's ref", () => {
    expect(parsePaymentMemo(`slabridge:v1:pay:model=1:ref=${REF.toUpperCase()}`).ref).toBe(REF);
  });

  const bad: Array<[string, MalformedMemoReason]> = [
    ["", "not-slabridge"],
    ["hello world", "not-slabridge"],
    [`SLABRIDGE:v1:pay:model=1:ref=${REF}`, "not-slabridge"],
    [`slabridge:v2:pay:model=1:ref=${REF}`, "unsupported-version"],
    ["slabridge:v1", "unknown-kind"],
    [`slabridge:v1:buy:model=1:ref=${REF}`, "unknown-kind"],
    [`slabridge:v1:pay:ref=${REF}:model=1`, "bad-field-order"],
    [`slabridge:v1:pay:model=1`, "bad-field-order"],
    [`slabridge:v1:pay:model=1:ref=${REF}:extra=1`, "bad-field-order"],
    [`slabridge:v1:pay:model=1:ref=${REF}:`, "bad-field-order"],
    [`slabridge:v1:pay:model:ref=${REF}`, "invalid-model-id"],
    [`slabridge:v1:pay:model=:ref=${REF}`, "invalid-model-id"],
    [`slabridge:v1:pay:model=01:ref=${REF}`, "invalid-model-id"],
    [`slabridge:v1:pay:model=-1:ref=${REF}`, "invalid-model-id"],
    [`slabridge:v1:pay:model=1.5:ref=${REF}`, "invalid-model-id"],
    [`slabridge:v1:pay:model=0x10:ref=${REF}`, "invalid-model-id"],
    [`slabridge:v1:pay:model= 1:ref=${REF}`, "invalid-model-id"],
    [`slabridge:v1:pay:model=${MAX_UINT256 + 1n}:ref=${REF}`, "invalid-model-id"],
    ["slabridge:v1:pay:model=1:ref=0011223344556677aa".slice(0, -3), "invalid-ref"],
    [`slabridge:v1:pay:model=1:ref=${"a".repeat(65)}`, "invalid-ref"],
    ["slabridge:v1:pay:model=1:ref=zz112233445566778899", "invalid-ref"],
    [`slabridge:v1:pay:model=1:ref=0x${REF}`, "invalid-ref"],
    [`slabridge:v1:refund:model=1:epoch=x:payment=${PID}`, "invalid-epoch"],
    [`slabridge:v1:refund:model=1:epoch=${2n ** 64n}:payment=${PID}`, "invalid-epoch"],
    ["slabridge:v1:refund:model=1:epoch=1:payment=0x1234", "invalid-payment-id"],
    [`slabridge:v1:refund:model=1:epoch=1:payment=${PID.toUpperCase().replace("0X", "0x")}`, "invalid-payment-id"],
    ["slabridge:v1:payout:model=1:epoch=1:index=4294967296", "invalid-index"],
    ["slabridge:v1:payout:model=1:epoch=1:index=-1", "invalid-index"],
    [`slabridge:v1:pay:model=1:ref=${REF}${"0".repeat(300)}`, "too-long"],
  ];
  it.each(bad)("refuses %j (%s)", (text, reason) => {
    let error: unknown;
    try {
      parseSlabridgeMemo(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MalformedMemoError);
    expect((error as MalformedMemoError).reason).toBe(reason);
    expect((error as MalformedMemoError).retryable).toBe(false);
  });

  it("parsePaymentMemo refuses a valid refund memo as wrong-kind", () => {
    expect(() => parsePaymentMemo(`slabridge:v1:refund:model=1:epoch=1:payment=${PID}`)).toThrow(
      expect.objectContaining({ name: "MalformedMemoError", reason: "wrong-kind" }),
    );
  });
});

describe("solanaPaymentId", () => {
  it("is deterministic, 32 bytes, and distinct per instruction", () => {
    const sig = "5".repeat(88);
    const a = solanaPaymentId(sig, { instructionIndex: 0 });
    expect(a).toMatch(/^0x[0-9a-f]{64}$/);
    expect(solanaPaymentId(sig, { instructionIndex: 0 })).toBe(a);
    expect(solanaPaymentId(sig, { instructionIndex: 1 })).not.toBe(a);
    expect(solanaPaymentId(sig, { instructionIndex: 0, innerIndex: 0 })).not.toBe(a);
  });
});

describe("net memos (netted shares paid to Solana payees)", () => {
  const key = base58.encode(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
  const zeroKey = base58.encode(new Uint8Array(32));

  it("round-trips format and parse, for any 32-byte key", () => {
    for (const account of [key, zeroKey, base58.encode(new Uint8Array(32).fill(255))]) {
      const memo = { kind: "net", modelId: 3n, epoch: 41n, account } as const;
      const text = formatSlabridgeMemo(memo);
      expect(text).toBe(`slabridge:v1:net:model=3:epoch=41:account=${account}`);
      expect(parseSlabridgeMemo(text)).toEqual(memo);
      expect(text.length).toBeLessThan(MAX_MEMO_LENGTH);
    }
    const widest = { kind: "net", modelId: MAX_UINT256, epoch: 2n ** 64n - 1n, account: key } as const;
    expect(parseSlabridgeMemo(formatSlabridgeMemo(widest))).toEqual(widest);
    expect(zeroKey).toBe("1".repeat(32));
  });

  const bad: Array<[string, MalformedMemoReason]> = [
    [`slabridge:v1:net:model=1:epoch=1:account=${base58.encode(new Uint8Array(31).fill(7))}`, "invalid-account"],
    [`slabridge:v1:net:model=1:epoch=1:account=${base58.encode(new Uint8Array(33).fill(7))}`, "invalid-account"],
    [`slabridge:v1:net:model=1:epoch=1:account=1${key}`, "invalid-account"],
    [`slabridge:v1:net:model=1:epoch=1:account=${key.slice(0, -1)}0`, "invalid-account"],
    [`slabridge:v1:net:model=1:epoch=1:account=0x${"ab".repeat(32)}`, "invalid-account"],
    ["slabridge:v1:net:model=1:epoch=1:account=", "invalid-account"],
    [`slabridge:v1:net:model=1:account=${key}:epoch=1`, "bad-field-order"],
    [`slabridge:v1:net:model=1:epoch=1:account=${key}:index=0`, "bad-field-order"],
    [`slabridge:v1:net:model=01:epoch=1:account=${key}`, "invalid-model-id"],
    [`slabridge:v1:net:model=1:epoch=-1:account=${key}`, "invalid-epoch"],
  ];
  it.each(bad)("refuses %s (%s)", (text, reason) => {
    expect(() => parseSlabridgeMemo(text)).toThrow(MalformedMemoError);
    try {
      parseSlabridgeMemo(text);
    } catch (error) {
      expect((error as MalformedMemoError).reason).toBe(reason);
    }
  });

  it("is not a payment memo", () => {
    expect(() => parsePaymentMemo(`slabridge:v1:net:model=1:epoch=1:account=${key}`)).toThrow(MalformedMemoError);
  });
});
