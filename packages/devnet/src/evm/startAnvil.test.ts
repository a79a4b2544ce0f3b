import { describe, expect, it } from "vitest";
import { createDevnetClients } from "./devnetClients.ts";
import { startAnvil } from "./startAnvil.ts";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startAnvil", () => {
  it("starts on a loopback port with the requested chain id and stops without leaving a process", async () => {
    const anvil = await startAnvil({ chainId: 31_337 });
    expect(anvil.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(isAlive(anvil.pid)).toBe(true);
    const clients = createDevnetClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId });
    expect(await clients.publicClient.getChainId()).toBe(31_337);
    expect(await clients.accounts()).toHaveLength(10);

    await anvil.stop();
    expect(isAlive(anvil.pid)).toBe(false);
    await anvil.stop(); // idempotent
  });

  it("runs two instances at once on different ports", async () => {
    const [a, b] = await Promise.all([startAnvil({ chainId: 31_337 }), startAnvil({ chainId: 31_338 })]);
    try {
      expect(a.port).not.toBe(b.port);
      const chainA = createDevnetClients({ rpcUrl: a.rpcUrl, chainId: a.chainId }).publicClient;
      const chainB = createDevnetClients({ rpcUrl: b.rpcUrl, chainId: b.chainId }).publicClient;
      expect([await chainA.getChainId(), await chainB.getChainId()]).toEqual([31_337, 31_338]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(isAlive(a.pid) || isAlive(b.pid)).toBe(false);
  });

  it("rejects a non-loopback RPC URL for clients", () => {
    expect(() => createDevnetClients({ rpcUrl: "https://rpc.example.org", chainId: 1 })).toThrow(/loopback/);
  });
});
