import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { layerZeroMessengerAbi, modelRegistryAbi, slaOracleAbi } from "@slabridge/contracts";
import { SOLANA_CHAIN_ID } from "@slabridge/core";
import { defaultEvmDevnetChains, type EvmDevnet, startEvmDevnet } from "@slabridge/devnet";
import {
  type Address,
  createPublicClient,
  custom,
  type Hex,
  type LocalAccount,
  type PublicClient,
  pad,
  parseEther,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeployError } from "./DeployError.ts";
import { deploySlabridge } from "./deploySlabridge.ts";
import type { ChainProtocols, DeployParameters } from "./planDeployment.ts";

const [A, B] = defaultEvmDevnetChains.map((chain) => chain.chainId) as [number, number];
const HOME = B;

describe("deploySlabridge on fresh anvil chains with the real LayerZero and Wormhole contracts", () => {
  let evm: EvmDevnet;
  let chains: ChainProtocols[];
  let parameters: DeployParameters;
  let dir: string;

  beforeAll(async () => {
    evm = await startEvmDevnet({ chains: defaultEvmDevnetChains, demoAccounts: 4 });
    chains = evm.manifest.chains.map((chain) => ({
      name: chain.name,
      chainId: chain.chainId,
      layerZero: { eid: chain.layerZero.eid, endpointV2: chain.layerZero.endpointV2 },
      wormhole: { chainId: chain.wormhole.wormholeChainId, core: chain.wormhole.core },
      stablecoin: chain.stablecoin.address,
    }));
    const demo = evm.manifest.keys.demo.map((ref) => ref.address);
    parameters = {
      homeChainId: HOME,
      probers: demo.slice(0, 3),
      proberThreshold: 2,
      protocolFee: { minBps: 100, recipient: demo[0] as Address },
      minEpochSeconds: 1,
      hostBond: { slashBps: 1_000, noticeEpochs: 2 },
      nettingVaults: new Map<number, Hex>([
        [A, pad(demo[3] as Address)],
        [B, pad(demo[2] as Address)],
        [SOLANA_CHAIN_ID, pad("0x1234", { size: 32 })],
      ]),
      solanaEmitter: pad("0xabcdef", { size: 32 }),
    };
    dir = mkdtempSync(path.join(tmpdir(), "slabridge-deploy-test-"));
  });

  afterAll(async () => {
    await evm?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const realClients = () => new Map(chains.map((chain) => [chain.chainId, evm.clients(chain.chainId).publicClient]));

  /** A deployer of its own per test (its own nonce stream), funded by the devnet's deployer. */
  async function freshDeployer(): Promise<LocalAccount> {
    const account = privateKeyToAccount(generatePrivateKey());
    for (const chain of chains) {
      const clients = evm.clients(chain.chainId);
      const hash = await clients
        .wallet(evm.manifest.keys.deployer.address)
        .sendTransaction({ to: account.address, value: parseEther("10") });
      await clients.publicClient.waitForTransactionReceipt({ hash });
    }
    return account;
  }

  async function noncesOf(address: Address): Promise<number[]> {
    return Promise.all(chains.map((chain) => evm.clients(chain.chainId).publicClient.getTransactionCount({ address })));
  }

  /**
   * Clients that behave as if the process died at the (k+1)-th send: `afterSend` forwards that transaction first
   * (mined, but the executor never sees the hash come back), else it never leaves. After the crash every call fails.
   */
  function crashingClients(k: number, afterSend: boolean) {
    let sends = 0;
    let dead = false;
    const clients = new Map<number, PublicClient>();
    for (const chain of chains) {
      const base = evm.clients(chain.chainId).publicClient;
      clients.set(
        chain.chainId,
        createPublicClient({
          chain: base.chain,
          pollingInterval: 25,
          transport: custom({
            async request({ method, params }) {
              if (dead) throw new Error("injected crash: the process is gone");
              if (method === "eth_sendRawTransaction" && ++sends > k) {
                dead = true;
                if (afterSend) await base.request({ method, params } as never);
                throw new Error("injected crash");
              }
              return await base.request({ method, params } as never);
            },
          }),
        }),
      );
    }
    return clients;
  }

  it("dry run on fresh chains: every step pending, no transaction sent", async () => {
    const account = await freshDeployer();
    const before = await noncesOf(account.address);
    const lines: string[] = [];
    const result = await deploySlabridge({
      stage: "test",
      chains,
      parameters,
      clients: realClients(),
      account,
      statePath: path.join(dir, "dry.json"),
      dryRun: true,
      onProgress: (line) => lines.push(line),
    });
    expect(result.steps.length).toBeGreaterThan(40);
    expect(result.steps.every((step) => step.status === "pending")).toBe(true);
    expect(result.sent).toBe(0);
    expect(await noncesOf(account.address)).toEqual(before);
    expect(lines[0]).toBe(`[1/${result.steps.length}] evm-a: deploy LayerZeroMessenger ... pending`);
    expect(lines).toContain(
      `[${result.steps.findIndex((s) => s.id === "evm-b:wire:LayerZeroMessenger.setPeer(40161)") + 1}/${result.steps.length}] evm-b: LayerZeroMessenger.setPeer(40161) ... pending`,
    );
    expect(() => readFileSync(path.join(dir, "dry.json"))).toThrow(); // a dry run writes nothing
  });

  it("a full run wires everything; a re-run sends nothing and returns the same addresses", async () => {
    const account = await freshDeployer();
    const statePath = path.join(dir, "full.json");
    const before = await noncesOf(account.address);
    const first = await deploySlabridge({
      stage: "test",
      chains,
      parameters,
      clients: realClients(),
      account,
      statePath,
    });
    const after = await noncesOf(account.address);
    // One transaction per step, no more.
    expect(after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0)).toBe(first.steps.length);
    expect(first.sent).toBe(first.steps.length);
    const home = first.contracts.get(HOME);
    const payment = first.contracts.get(A);
    expect(
      home?.modelRegistry && home.slaOracle && home.revenueLedger && home.hostBond && home.messageRouter,
    ).toBeTruthy();
    expect(payment?.escrow).toBeTruthy();
    expect(payment?.modelRegistry).toBeUndefined();

    // Spot checks straight from the contracts (the executor's own read-backs are what the re-run relies on).
    const homeClient = evm.clients(HOME).publicClient;
    const eidA = chains.find((c) => c.chainId === A)?.layerZero.eid ?? 0;
    expect(
      await homeClient.readContract({
        address: home?.layerZeroMessenger as Address,
        abi: layerZeroMessengerAbi,
        functionName: "peers",
        args: [eidA],
      }),
    ).toBe(pad(payment?.layerZeroMessenger as Address).toLowerCase());
    expect(
      await homeClient.readContract({
        address: home?.modelRegistry as Address,
        abi: modelRegistryAbi,
        functionName: "slaOracle",
      }),
    ).toBe(home?.slaOracle);
    expect(
      await homeClient.readContract({
        address: home?.slaOracle as Address,
        abi: slaOracleAbi,
        functionName: "threshold",
      }),
    ).toBe(2n);
    expect(
      await homeClient.readContract({ address: home?.slaOracle as Address, abi: slaOracleAbi, functionName: "owner" }),
    ).toBe(account.address);

    const lines: string[] = [];
    const second = await deploySlabridge({
      stage: "test",
      chains,
      parameters,
      clients: realClients(),
      account,
      statePath,
      onProgress: (line) => lines.push(line),
    });
    expect(second.sent).toBe(0);
    expect(await noncesOf(account.address)).toEqual(after);
    expect(second.contracts).toEqual(first.contracts);
    expect(lines.every((line) => line.includes("done earlier"))).toBe(true);

    // Another account cannot take the deployment over (its contracts are owned by the first deployer).
    const other = privateKeyToAccount(generatePrivateKey());
    await expect(
      deploySlabridge({ stage: "test", chains, parameters, clients: realClients(), account: other, statePath }),
    ).rejects.toMatchObject({ code: "invalid-state" });
  });

  // k: sends before the crash — inside the first chain's deploys, across the two chains' deploys, in the wiring.
  for (const k of [1, 9, 30]) {
    for (const afterSend of [false, true]) {
      it(`a crash after ${k} sends (${afterSend ? "the last one mined but not recorded" : "before the send"}) resumes: one transaction per step`, async () => {
        const account = await freshDeployer();
        const statePath = path.join(dir, `crash-${k}-${afterSend}.json`);
        const before = await noncesOf(account.address);
        const crash = await deploySlabridge({
          stage: "test",
          chains,
          parameters,
          clients: crashingClients(k, afterSend),
          account,
          statePath,
        }).catch((error: unknown) => error);
        expect(crash).toBeInstanceOf(DeployError);
        expect(String(((crash as DeployError).walk() as Error).message)).toContain("injected crash");
        // Let the other chain's runner, which dies at its next call, settle before resuming.
        await new Promise((resolve) => setTimeout(resolve, 100));
        const resumed = await deploySlabridge({
          stage: "test",
          chains,
          parameters,
          clients: realClients(),
          account,
          statePath,
        });
        const after = await noncesOf(account.address);
        const sentOnChain = after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0);
        // Every step's transaction exactly once over both runs: a second deployment or setting would add nonces.
        expect(sentOnChain).toBe(resumed.steps.length);
        expect(resumed.sent).toBe(resumed.steps.length - (afterSend ? k + 1 : k));
        const check = await deploySlabridge({
          stage: "test",
          chains,
          parameters,
          clients: realClients(),
          account,
          statePath,
          dryRun: true,
        });
        expect(check.steps.filter((step) => step.status !== "done")).toEqual([]);
      });
    }
  }

  it("refuses a bad plan before any transaction", async () => {
    const account = await freshDeployer();
    const before = await noncesOf(account.address);
    for (const bad of [
      { ...parameters, homeChainId: 99 },
      { ...parameters, proberThreshold: 4 },
    ]) {
      await expect(
        deploySlabridge({ stage: "test", chains, parameters: bad, clients: realClients(), account }),
      ).rejects.toMatchObject({ name: "DeployError", code: "invalid-config" });
    }
    const noEndpoint = chains.map((chain) => ({ ...chain, layerZero: { ...chain.layerZero, endpointV2: undefined } }));
    await expect(
      deploySlabridge({ stage: "test", chains: noEndpoint, parameters, clients: realClients(), account }),
    ).rejects.toMatchObject({ code: "unknown-protocol-address" });
    expect(await noncesOf(account.address)).toEqual(before);
  });

  it("refuses a state file whose recorded address has no code, naming the step", async () => {
    const account = await freshDeployer();
    const statePath = path.join(dir, "stale.json");
    const nowhere = privateKeyToAccount(generatePrivateKey()).address;
    writeFileSync(
      statePath,
      JSON.stringify({
        version: 1,
        stage: "test",
        deployer: account.address,
        steps: { "evm-a:deploy:LayerZeroMessenger": { address: nowhere } },
      }),
    );
    const before = await noncesOf(account.address);
    const error = await deploySlabridge({
      stage: "test",
      chains,
      parameters,
      clients: realClients(),
      account,
      statePath,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect(error).toMatchObject({ code: "state-out-of-date" });
    expect((error as DeployError).message).toContain("evm-a:deploy:LayerZeroMessenger");
    expect(await noncesOf(account.address)).toEqual(before);
  });

  it("an unreachable RPC is a typed error whose message carries no URL", async () => {
    const account = await freshDeployer();
    const secretUrl = "https://rpc.example.invalid/v2/sk_live_abcdefghijklmnopqrstuvwxyz0123456789";
    const { publicClientOf } = await import("./stageDeployInputs.ts");
    const clients = new Map([...realClients()].map(([id]) => [id, publicClientOf(secretUrl, id, "x")] as const));
    const error = await deploySlabridge({ stage: "test", chains, parameters, clients, account }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "rpc-unreachable" });
    expect(String((error as Error).message)).not.toContain("sk_live");
    expect(String((error as Error).message)).not.toContain("example.invalid");
    expect(String((error as Error).message)).toMatch(/^evm-[ab]: the RPC does not answer/); // whichever chain's check fails first
  });
});
