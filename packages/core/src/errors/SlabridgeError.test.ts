import { describe, expect, expectTypeOf, it } from "vitest";
import { SlabridgeError } from "./SlabridgeError.ts";

class RpcUnavailableError extends SlabridgeError {
  override readonly name = "RpcUnavailableError" as const;
  constructor(url: string, cause?: unknown) {
    super(`RPC ${url} is unavailable.`, { cause, retryable: true, metaMessages: [`URL: ${url}`] });
  }
}

const URL_WITH_KEY = "https://eth-mainnet.g.alchemy.com/v2/Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K";
const PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

describe("SlabridgeError", () => {
  it("builds message from shortMessage, metaMessages and details", () => {
    const error = new SlabridgeError("Settlement failed.", { metaMessages: ["Chain: 8453"], details: "nonce too low" });
    expect(error.message).toBe("Settlement failed.\n\nChain: 8453\n\nDetails: nonce too low");
    expect(error.shortMessage).toBe("Settlement failed.");
    expect(error.details).toBe("nonce too low");
    expect(error.metaMessages).toEqual(["Chain: 8453"]);
    expect(error.name).toBe("SlabridgeError");
    expect(error.retryable).toBe(false);
    expect(error).toBeInstanceOf(Error);
  });

  it("subclasses carry a literal name and retryable", () => {
    const error = new RpcUnavailableError("http://localhost:8545");
    expect(error.name).toBe("RpcUnavailableError");
    expectTypeOf(error.name).toEqualTypeOf<"RpcUnavailableError">();
    expect(error.retryable).toBe(true);
    expect(error).toBeInstanceOf(SlabridgeError);
    expect(String(error)).toMatch(/^RpcUnavailableError: RPC http:\/\/localhost:8545 is unavailable\./);
  });

  it("takes details from the cause and keeps the cause", () => {
    const cause = new Error(`fetch ${URL_WITH_KEY} failed: ECONNRESET`);
    const error = new RpcUnavailableError(URL_WITH_KEY, cause);
    expect(error.cause).toBe(cause);
    expect(error.details).toBe("fetch https://eth-mainnet.g.alchemy.com/v2/*** failed: ECONNRESET");
  });

  it("scrubs secrets from every text it builds", () => {
    const error = new RpcUnavailableError(URL_WITH_KEY, new Error(`signer ${PRIVATE_KEY}`));
    for (const text of [error.message, error.shortMessage, error.details ?? "", ...(error.metaMessages ?? [])]) {
      expect(text).not.toContain("Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K");
      expect(text).not.toContain(PRIVATE_KEY.slice(2));
    }
    expect(error.shortMessage).toBe("RPC https://eth-mainnet.g.alchemy.com/v2/*** is unavailable.");
    expect(error.message).toContain("URL: https://eth-mainnet.g.alchemy.com/v2/***");
    expect(error.message).toContain("Details: signer 0x***");
  });

  it("uses a SlabridgeError cause's details and a string cause as is", () => {
    const inner = new SlabridgeError("inner", { details: "root cause" });
    expect(new SlabridgeError("outer", { cause: inner }).details).toBe("root cause");
    expect(new SlabridgeError("outer", { cause: "boom" }).details).toBe("boom");
    expect(new SlabridgeError("outer", { cause: 42 }).details).toBeUndefined();
  });

  it("walk finds a cause by predicate or returns the deepest", () => {
    const root = new TypeError("root");
    const middle = new SlabridgeError("middle", { cause: root });
    const top = new RpcUnavailableError("http://x", middle);
    expect(top.walk()).toBe(root);
    expect(top.walk((e) => e instanceof TypeError)).toBe(root);
    expect(top.walk((e) => e instanceof RangeError)).toBeUndefined();
    expect(new SlabridgeError("alone").walk()).toBeInstanceOf(SlabridgeError);
  });
});
