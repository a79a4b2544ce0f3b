import { escrowAbi, layerZeroMessengerAbi } from "@slabridge/contracts";
import { BaseError, encodeErrorResult, HttpRequestError, pad, RawContractError } from "viem";
import { describe, expect, it } from "vitest";
import { endpointV2Abi } from "./abis/endpointV2Abi.ts";
import { decodeRevert } from "./decodeRevert.ts";

const wrap = (cause: Error) => new BaseError("call failed", { cause });

describe("decodeRevert", () => {
  it("names OApp, endpoint, escrow and MessageCodec errors with their arguments", () => {
    const sender = pad("0x1234");
    const onlyPeer = encodeErrorResult({ abi: layerZeroMessengerAbi, errorName: "OnlyPeer", args: [40245, sender] });
    expect(decodeRevert(wrap(new RawContractError({ data: onlyPeer })))).toEqual({
      name: "OnlyPeer",
      args: [40245, sender],
      data: onlyPeer,
    });
    const notFound = encodeErrorResult({
      abi: endpointV2Abi,
      errorName: "LZ_PayloadHashNotFound",
      args: [pad("0x01"), pad("0x00")],
    });
    expect(decodeRevert(wrap(new RawContractError({ data: { data: notFound } })))?.name).toBe("LZ_PayloadHashNotFound");
    const unknownKind = encodeErrorResult({ abi: escrowAbi, errorName: "UnknownKind", args: [9] });
    expect(decodeRevert(wrap(new RawContractError({ data: unknownKind })))).toMatchObject({
      name: "UnknownKind",
      args: [9],
    });
  });

  it("keeps an unknown selector visible and returns undefined for RPC failures", () => {
    expect(decodeRevert(wrap(new RawContractError({ data: "0xdeadbeef" })))?.name).toBe("UnknownError(0xdeadbeef)");
    expect(decodeRevert(new HttpRequestError({ url: "http://127.0.0.1:1", body: {} }))).toBeUndefined();
    expect(decodeRevert(new Error("plain"))).toBeUndefined();
  });
});
