import { createPublicClient, custom, recoverTypedDataAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { describe, expect, it } from "vitest";
import { typedDataSignerOf } from "./typedDataSignerOf.ts";

const typedData = {
  domain: { name: "slabridge SlaReceiver", version: "1", chainId: 31_337, verifyingContract: `0x${"ab".repeat(20)}` },
  types: {
    RefundAuthorization: [
      { name: "channelId", type: "bytes32" },
      { name: "nonce", type: "uint256" },
      { name: "amount", type: "uint128" },
    ],
  },
  primaryType: "RefundAuthorization",
  message: { channelId: `0x${"cd".repeat(32)}`, nonce: 1n, amount: 5n },
} as const;

describe("typedDataSignerOf", () => {
  const key = privateKeyToAccount(generatePrivateKey());

  it("signs with a local account itself, asking the node nothing", async () => {
    const requests: string[] = [];
    const client = createPublicClient({
      chain: foundry,
      transport: custom({
        request: async ({ method }: { method: string }) => {
          requests.push(method);
          throw new Error("no node here");
        },
      }),
    });
    const signer = typedDataSignerOf(key, client);
    expect(signer.address).toBe(key.address);
    const signature = await signer.signTypedData(typedData);
    expect(await recoverTypedDataAddress({ ...typedData, signature })).toBe(key.address);
    expect(requests).toEqual([]);
  });

  it("signs for an unlocked node account through eth_signTypedData_v4 with the account and the typed data", async () => {
    const asked: unknown[][] = [];
    const client = createPublicClient({
      chain: foundry,
      transport: custom({
        request: async ({ method, params }: { method: string; params: unknown[] }) => {
          if (method !== "eth_signTypedData_v4") throw new Error(`unexpected ${method}`);
          asked.push(params);
          // The node holds the key: here, the test does.
          return key.signTypedData(typedData);
        },
      }),
    });
    const signature = await typedDataSignerOf(key.address, client).signTypedData(typedData);
    expect(await recoverTypedDataAddress({ ...typedData, signature })).toBe(key.address);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.[0]).toBe(key.address);
    expect(JSON.parse(String(asked[0]?.[1]))).toMatchObject({ primaryType: "RefundAuthorization" });
  });
});
