import { createServer, type Server } from "node:http";
import { inspect } from "node:util";
import type { SlabridgeError } from "@slabridge/core";
import { BaseError, HttpRequestError, RpcRequestError } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvmChainClient } from "./createEvmChainClient.ts";
import {
  EvmConfigError,
  EvmRpcError,
  InsufficientFundsError,
  NonceTooLowError,
  ReplacementUnderpricedError,
  RpcTimeoutError,
  RpcUnavailableError,
  TransactionKnownError,
} from "./errors.ts";
import { translateEvmError } from "./translateEvmError.ts";

const KEY = "Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K";

/** A loopback HTTP server answering every request with `status` (or never, for `hang`). */
let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? "";
    if (path.startsWith("/hang")) return; // never answers
    const status = Number(path.split("/")[1]) || 500;
    response.writeHead(status, { "content-type": "text/plain" }).end("nope");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  port = typeof address === "object" && address !== null ? address.port : 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(rpcUrl: string, timeoutMs = 2_000): Promise<SlabridgeError> {
  const client = createEvmChainClient({ chainId: 31337, rpcUrl, retryCount: 0, timeoutMs });
  try {
    await client.getBlockNumber({ cacheTime: 0 });
  } catch (error) {
    return translateEvmError(error, { chainId: 31337, operation: "eth_blockNumber", rpcUrl });
  }
  throw new Error("the request did not fail");
}

function expectNoSecret(error: unknown, secret: string) {
  expect(String((error as Error).message)).not.toContain(secret);
  // Nothing reachable from the error (cause chain, fields) holds it either.
  expect(inspect(error, { depth: 10 })).not.toContain(secret);
  expect(JSON.stringify(error, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(secret);
}

describe("translateEvmError", () => {
  it("turns a dead RPC into a retryable RpcUnavailableError, with the API key gone from everything", async () => {
    for (const rpcUrl of [
      `http://127.0.0.1:1/v2/${KEY}`,
      `http://127.0.0.1:1/rpc?apikey=${KEY}`,
      `http://user:${KEY}@127.0.0.1:1/`,
      "http://127.0.0.1:1/k/short-s3cret",
    ]) {
      const error = await failure(rpcUrl);
      expect(error).toBeInstanceOf(RpcUnavailableError);
      expect(error.retryable).toBe(true);
      expectNoSecret(error, KEY);
      expectNoSecret(error, "short-s3cret");
      expect(error.metaMessages).toEqual(["Chain: 31337", "Operation: eth_blockNumber"]);
    }
  });

  it("maps HTTP 503 and 429 to RpcUnavailableError, 401 to a non-retryable EvmRpcError", async () => {
    expect(await failure(`http://127.0.0.1:${port}/503/${KEY}`)).toBeInstanceOf(RpcUnavailableError);
    expect(await failure(`http://127.0.0.1:${port}/429/${KEY}`)).toBeInstanceOf(RpcUnavailableError);
    const unauthorized = await failure(`http://127.0.0.1:${port}/401/${KEY}`);
    expect(unauthorized).toBeInstanceOf(EvmRpcError);
    expect(unauthorized.retryable).toBe(false);
    expectNoSecret(unauthorized, KEY);
  });

  it("maps a request that never answers to a retryable RpcTimeoutError", async () => {
    const error = await failure(`http://127.0.0.1:${port}/hang/${KEY}`, 150);
    expect(error).toBeInstanceOf(RpcTimeoutError);
    expect(error.retryable).toBe(true);
    expectNoSecret(error, KEY);
  });

  it("recognises node errors by their words when viem did not type them", () => {
    const node = (message: string) =>
      new RpcRequestError({ body: {}, url: `http://127.0.0.1:1/${KEY}`, error: { code: -32000, message } });
    expect(translateEvmError(node("nonce too low"))).toBeInstanceOf(NonceTooLowError);
    expect(translateEvmError(node("replacement transaction underpriced"))).toBeInstanceOf(ReplacementUnderpricedError);
    expect(translateEvmError(node("already known"))).toBeInstanceOf(TransactionKnownError);
    expect(translateEvmError(node("transaction already imported"))).toBeInstanceOf(TransactionKnownError);
    expect(translateEvmError(node("insufficient funds for gas * price + value"))).toBeInstanceOf(
      InsufficientFundsError,
    );
    const limited = translateEvmError(
      new RpcRequestError({ body: {}, url: "http://127.0.0.1:1", error: { code: -32005, message: "slow down" } }),
    );
    expect(limited).toMatchObject({ name: "EvmRpcError", code: -32005, retryable: true });
    expect(translateEvmError(new BaseError("something odd"))).toMatchObject({ name: "EvmRpcError", retryable: false });
  });

  it("decodes revert data with the given ABI, and the standard Error(string) without one", () => {
    const abi = [{ type: "error", name: "AlreadyReleased", inputs: [{ name: "modelId", type: "uint256" }] }] as const;
    // AlreadyReleased(7): selector + uint256
    const selector = "0x9b0e9d5e";
    const data = `${selector}${"0".repeat(63)}7` as const;
    const raw = new RpcRequestError({
      body: {},
      url: "http://127.0.0.1:1",
      error: { code: 3, message: "execution reverted", data },
    });
    const undecoded = translateEvmError(raw);
    expect(undecoded).toMatchObject({ name: "ContractRevertedError", errorName: undefined, data, retryable: false });
    // Error("no") is decodable with no ABI at all.
    const reason =
      "0x08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000026e6f000000000000000000000000000000000000000000000000000000000000";
    const withReason = translateEvmError(
      new RpcRequestError({ body: {}, url: "x", error: { code: 3, message: "execution reverted", data: reason } }),
      { abi },
    );
    expect(withReason).toMatchObject({ errorName: "Error", args: ["no"] });
  });

  it("passes a SlabridgeError through unchanged", () => {
    const original = new RpcUnavailableError();
    expect(translateEvmError(original)).toBe(original);
    expect(translateEvmError(new HttpRequestError({ url: `http://127.0.0.1:1/${KEY}` }))).toBeInstanceOf(
      RpcUnavailableError,
    );
  });
});

describe("createEvmChainClient", () => {
  it("builds a chain object with only the given URL", () => {
    const client = createEvmChainClient({ chainId: 31337, rpcUrl: "http://127.0.0.1:8545", name: "evm-a" });
    expect(client.chain).toMatchObject({ id: 31337, name: "evm-a" });
    expect(client.chain.rpcUrls).toEqual({ default: { http: ["http://127.0.0.1:8545"] } });
  });

  it("refuses non-loopback URLs unless allowed, without echoing the URL's secret", () => {
    const url = `https://eth-mainnet.example.com/v2/${KEY}`;
    const refused = (() => {
      try {
        createEvmChainClient({ chainId: 1, rpcUrl: url });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(EvmConfigError);
    expectNoSecret(refused, KEY);
    expect(createEvmChainClient({ chainId: 1, rpcUrl: url, allowNonLoopback: true }).chain.id).toBe(1);
    expect(() => createEvmChainClient({ chainId: 1, rpcUrl: "ws://127.0.0.1:1" })).toThrow(EvmConfigError);
    expect(() => createEvmChainClient({ chainId: 0, rpcUrl: "http://127.0.0.1:1" })).toThrow(EvmConfigError);
  });
});
