import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { MessageKindName } from "./constants.ts";
import { decodeMessage } from "./decodeMessage.ts";
import { encodeMessage } from "./encodeMessage.ts";
import {
  buildMessageVectors,
  type MessageVectorsFile,
  serializeMessageVectors,
  VECTOR_ARRAYS,
  vectorToMessage,
} from "./messageVectors.ts";

const VECTORS_PATH = new URL("../../../../contracts/test/vectors/messages.json", import.meta.url);
const committedText = readFileSync(VECTORS_PATH, "utf8");
const committed = JSON.parse(committedText) as MessageVectorsFile;

describe("contracts/test/vectors/messages.json", () => {
  it("is exactly what the TypeScript codec produces now (run `npx tsx packages/core/scripts/write-vectors.ts`)", () => {
    expect(committedText).toBe(serializeMessageVectors(buildMessageVectors()));
  });

  for (const kind of Object.keys(VECTOR_ARRAYS) as MessageKindName[]) {
    it(`${kind}: every valid vector encodes to its hex and decodes back to its fields`, () => {
      const vectors = committed[VECTOR_ARRAYS[kind]];
      expect(vectors.length).toBeGreaterThanOrEqual(3);
      for (const vector of vectors) {
        const message = vectorToMessage(kind, vector);
        expect(encodeMessage(message), vector.name).toBe(vector.hex);
        expect(decodeMessage(vector.hex), vector.name).toEqual(message);
      }
    });
  }

  it("covers the extremes the format must carry", () => {
    const all = Object.values(VECTOR_ARRAYS).flatMap((array) => committed[array]);
    const values = new Set(all.flatMap((v) => Object.values(v)));
    expect(values).toContain(String((1n << 64n) - 1n));
    expect(values).toContain(String((1n << 256n) - 1n));
    expect(values).toContain("0");
    expect(values).toContain("10000");
    expect(values).toContain(String(0x536f6c61));
    expect(committed.receiptBatches.map((v) => v.finalBatch)).toEqual(expect.arrayContaining([true, false]));
  });

  it("every invalid vector fails to decode with the named error and arguments", () => {
    expect(committed.invalid.length).toBeGreaterThanOrEqual(20);
    for (const vector of committed.invalid) {
      const error = catchError(() => decodeMessage(vector.hex));
      expect(error?.name, vector.name).toBe(`${vector.error}Error`);
      const args = vector.args.map(Number);
      const actual = {
        UnsupportedVersion: () => [readNumber(error, "version")],
        UnknownKind: () => [readNumber(error, "kind")],
        MalformedMessage: () => [readNumber(error, "kind"), readNumber(error, "length")],
        ValueOutOfRange: () => [readNumber(error, "kind"), readNumber(error, "field")],
      }[vector.error]();
      expect(actual, vector.name).toEqual(args);
    }
  });
});

function catchError(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  return undefined;
}

function readNumber(error: Error | undefined, key: string): unknown {
  return error === undefined ? undefined : (error as unknown as Record<string, unknown>)[key];
}
