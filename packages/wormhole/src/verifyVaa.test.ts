import {
  encodeMessage,
  MalformedMessageError,
  SOLANA_CHAIN_ID,
  UnknownKindError,
  UnsupportedVersionError,
} from "@slabridge/core";
import { concat, type Hex, hexToBytes, keccak256, numberToHex, pad } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { ForgedVaaError } from "./errors/ForgedVaaError.ts";
import { MalformedPayloadError } from "./errors/MalformedPayloadError.ts";
import { UntrustedEmitterError } from "./errors/UntrustedEmitterError.ts";
import { WrongDestinationError } from "./errors/WrongDestinationError.ts";
import { splitVaa } from "./splitVaa.ts";
import { signTestVaa, type TestVaaFields } from "./testing/signTestVaa.ts";
import { quorum, verifyVaa } from "./verifyVaa.ts";
import { verifyVaaForSolana } from "./verifyVaaForSolana.ts";

const keys = Array.from({ length: 4 }, () => generatePrivateKey());
const guardianSet = { index: 3, keys: keys.map((key) => privateKeyToAddress(key)) };
const EMITTER = pad("0x00000000000000000000000000000000000000a1");
const allowedEmitters = new Map<number, Hex>([[10002, EMITTER]]);
const MESSAGE = encodeMessage({
  kind: "Verdict",
  modelId: 1n,
  epoch: 2n,
  refundBps: 2_500,
  reportHash: `0x${"11".repeat(32)}`,
  topUp: 0n,
});
const payloadTo = (destination: number, message: Hex = MESSAGE) =>
  hexToBytes(concat([numberToHex(destination, { size: 4 }), message]));
const fields: TestVaaFields = {
  guardianSet: 3,
  emitterChain: 10002,
  emitter: EMITTER,
  sequence: 5n,
  payload: payloadTo(31338),
};
const options = { guardianSet, allowedEmitters, expectedDestination: 31338 };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("verifyVaa", () => {
  it("accepts a VAA signed by a quorum of the set and returns what the messenger will see", async () => {
    const bytes = await signTestVaa(fields, keys.slice(1), [1, 2, 3]);
    const verified = await verifyVaa(bytes, options);
    expect(verified).toMatchObject({ emitterChain: 10002, emitter: EMITTER, sequence: 5n, destination: 31338 });
    expect(verified.message).toMatchObject({ kind: "Verdict", refundBps: 2_500 });
    expect(verified.messageBytes).toBe(MESSAGE);
    expect(verified.hash).toBe(keccak256(keccak256(splitVaa(bytes)?.body ?? new Uint8Array())));
    expect(quorum(4)).toBe(3);
    expect(quorum(1)).toBe(1);
    expect(quorum(19)).toBe(13);
  });

  it("refuses too few signatures, a signature by a key outside the set, and a wrong index", async () => {
    const twoOfFour = await signTestVaa(fields, keys.slice(0, 2));
    expect(await rejection(verifyVaa(twoOfFour, options))).toMatchObject({ name: "ForgedVaaError", reason: "quorum" });

    const stranger = await signTestVaa(fields, [keys[0] ?? "0x", generatePrivateKey(), keys[2] ?? "0x"]);
    expect(await rejection(verifyVaa(stranger, options))).toMatchObject({ reason: "signature" });

    const swapped = await signTestVaa(fields, keys.slice(0, 3), [1, 2, 3]);
    expect(await rejection(verifyVaa(swapped, options))).toMatchObject({ reason: "signature" });

    const outside = await signTestVaa(fields, keys.slice(0, 3), [0, 1, 7]);
    expect(await rejection(verifyVaa(outside, options))).toMatchObject({ reason: "signature" });
  });

  it("refuses a VAA of another guardian set, another version, or bytes that are no VAA", async () => {
    const otherSet = await signTestVaa({ ...fields, guardianSet: 2 }, keys);
    expect(await rejection(verifyVaa(otherSet, options))).toMatchObject({ reason: "guardian-set" });

    const good = await signTestVaa(fields, keys);
    const v2 = good.slice();
    v2[0] = 2;
    expect(await rejection(verifyVaa(v2, options))).toMatchObject({ reason: "version" });
    expect(await rejection(verifyVaa(good.subarray(0, 40), options))).toMatchObject({ reason: "unparsable" });
    expect(await rejection(verifyVaa("0x1", options))).toBeInstanceOf(ForgedVaaError);
  });

  it("refuses a payload changed after signing", async () => {
    const good = await signTestVaa(fields, keys);
    const tampered = good.slice();
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;
    expect(await rejection(verifyVaa(tampered, options))).toMatchObject({
      name: "ForgedVaaError",
      reason: "signature",
    });
  });

  it("refuses an emitter that is not allowlisted on its chain", async () => {
    const foreign = await signTestVaa({ ...fields, emitter: pad("0x00000000000000000000000000000000000000b2") }, keys);
    const error = await rejection(verifyVaa(foreign, options));
    expect(error).toBeInstanceOf(UntrustedEmitterError);
    const otherChain = await signTestVaa({ ...fields, emitterChain: 10004 }, keys);
    expect(await rejection(verifyVaa(otherChain, options))).toBeInstanceOf(UntrustedEmitterError);
  });

  it("refuses a payload naming another destination", async () => {
    const toA = await signTestVaa({ ...fields, payload: payloadTo(31337) }, keys);
    const error = await rejection(verifyVaa(toA, options));
    expect(error).toBeInstanceOf(WrongDestinationError);
    expect(error).toMatchObject({ destination: 31337, expected: 31338 });
    // without an expected destination it passes and reports it
    expect((await verifyVaa(toA, { guardianSet, allowedEmitters })).destination).toBe(31337);
  });

  it("refuses truncated payloads and messages core's codec rejects, wrapping the codec error", async () => {
    const cases: Array<[Uint8Array, (new (...args: never[]) => Error) | undefined]> = [
      [new Uint8Array([0, 0, 0x7a]), undefined],
      [payloadTo(31338, MESSAGE.slice(0, -10) as Hex), MalformedMessageError],
      [payloadTo(31338, `0x02${MESSAGE.slice(4)}`), UnsupportedVersionError],
      [payloadTo(31338, `0x0109${MESSAGE.slice(6)}`), UnknownKindError],
      [payloadTo(31338, "0x"), UnsupportedVersionError],
    ];
    for (const [payload, codecError] of cases) {
      const bytes = await signTestVaa({ ...fields, payload }, keys);
      const error = await rejection(verifyVaa(bytes, options));
      expect(error).toBeInstanceOf(MalformedPayloadError);
      if (codecError) expect(error).toHaveProperty("cause", expect.any(codecError));
    }
  });

  it("verifies a VAA for Solana with the same checks (destination SOLANA_CHAIN_ID)", async () => {
    const toSolana = await signTestVaa({ ...fields, payload: payloadTo(SOLANA_CHAIN_ID) }, keys);
    const verified = await verifyVaaForSolana(toSolana, { guardianSet, allowedEmitters });
    expect(verified.destination).toBe(SOLANA_CHAIN_ID);
    expect(verified.message.kind).toBe("Verdict");
    const toEvm = await signTestVaa(fields, keys);
    expect(await rejection(verifyVaaForSolana(toEvm, { guardianSet, allowedEmitters }))).toBeInstanceOf(
      WrongDestinationError,
    );
  });
});
