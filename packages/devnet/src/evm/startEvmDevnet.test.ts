import { guardians } from "@wormhole-foundation/sdk-base";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { devnetStablecoinAbi } from "./abis.ts";
import { EvmDevnetError } from "./EvmDevnetError.ts";
import { isRunning } from "./fixtures/processState.ts";
import { defaultEvmDevnetChains, type EvmDevnetChainConfig, startEvmDevnet } from "./startEvmDevnet.ts";

describe("startEvmDevnet", () => {
  const hosts = new Set<string>();
  const realFetch = globalThis.fetch;

  beforeEach(() => {
    hosts.clear();
    // viem's http transport goes through fetch: record every host the devnet talks to.
    vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      hosts.add(new URL(url).hostname);
      return realFetch(input, init);
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("starts two chains with progress, a JSON manifest without secrets, funded demo accounts, and stops cleanly", async () => {
    const steps: string[] = [];
    const devnet = await startEvmDevnet({ chains: defaultEvmDevnetChains, onProgress: (step) => steps.push(step) });
    try {
      const { manifest } = devnet;
      expect(manifest.chains.map((c) => [c.chainId, c.layerZero.eid, c.wormhole.wormholeChainId])).toEqual([
        [31_337, 40_161, 10_002],
        [31_338, 40_245, 10_004],
      ]);
      expect(new Set(manifest.chains.map((c) => c.rpcUrl)).size).toBe(2);
      expect(manifest.chains[0]?.layerZero.remoteEids).toEqual([40_245]);
      expect(manifest.chains[0]?.layerZero.requiredDvn).toBe(manifest.keys.layerZeroDvn.address);
      expect(steps[0]).toMatch(/starting 2 anvil/);
      expect(steps.at(-1)).toMatch(/^ready in \d+ ms$/);
      expect(steps.some((step) => step.startsWith("evm-b: wormhole"))).toBe(true);

      const json = JSON.stringify(manifest);
      expect(JSON.parse(json)).toEqual(manifest);
      expect(json.toLowerCase()).not.toContain(guardians.devnetGuardianPrivateKey.toLowerCase());
      expect(json).not.toMatch(/privateKey|mnemonic/i);

      for (const chain of manifest.chains) {
        const { publicClient } = devnet.clients(chain.chainId);
        for (const demo of manifest.keys.demo) {
          const balance = await publicClient.readContract({
            address: chain.stablecoin.address,
            abi: devnetStablecoinAbi,
            functionName: "balanceOf",
            args: [demo.address],
          });
          expect(balance).toBe(1_000_000_000_000n);
        }
        expect(
          await publicClient.readContract({
            address: chain.stablecoin.address,
            abi: devnetStablecoinAbi,
            functionName: "decimals",
          }),
        ).toBe(6);
      }
      console.log(`evm devnet cold start: ${manifest.startupMs} ms`);
    } finally {
      await devnet.stop();
    }
    expect(devnet.pids.some(isRunning)).toBe(false);
    expect([...hosts]).toEqual(["127.0.0.1"]);
  });

  it("runs two devnets at once on different ports", async () => {
    const other: EvmDevnetChainConfig[] = [
      { chainId: 41_001, eid: 40_161, wormholeChainId: 10_002 },
      { chainId: 41_002, eid: 40_245, wormholeChainId: 10_004 },
    ];
    const [first, second] = await Promise.all([
      startEvmDevnet({ chains: defaultEvmDevnetChains }),
      startEvmDevnet({ chains: other }),
    ]);
    try {
      const urls = [...first.manifest.chains, ...second.manifest.chains].map((chain) => chain.rpcUrl);
      expect(new Set(urls).size).toBe(4);
      expect(await second.clients(41_002).publicClient.getChainId()).toBe(41_002);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    expect([...first.pids, ...second.pids].some(isRunning)).toBe(false);
  });

  it("refuses bad configs before spawning anything", async () => {
    const duplicate = [defaultEvmDevnetChains[0], defaultEvmDevnetChains[0]] as EvmDevnetChainConfig[];
    await expect(startEvmDevnet({ chains: duplicate })).rejects.toThrow(/distinct chainId/);
    await expect(startEvmDevnet({ chains: [{ chainId: 5, eid: 1, wormholeChainId: 12_345 }] })).rejects.toBeInstanceOf(
      EvmDevnetError,
    );
    expect(hosts.size).toBe(0);
  });
});
