import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  escrowAbi,
  layerZeroMessengerAbi,
  messageRouterAbi,
  modelRegistryAbi,
  slaOracleAbi,
  slaReceiverAbi,
  slaReceiverFactoryAbi,
  wormholeMessengerAbi,
} from "@slabridge/contracts";
import { encodeMessage, SOLANA_CHAIN_ID } from "@slabridge/core";
import {
  defaultEvmDevnetChains,
  type EvmDevnet,
  mintDemoModel,
  placeX402StandIn,
  startEvmDevnet,
} from "@slabridge/devnet";
import { anvilDevAccount } from "@slabridge/evm";
import {
  type Address,
  createPublicClient,
  createTestClient,
  custom,
  erc20Abi,
  getAddress,
  type Hex,
  http,
  type LocalAccount,
  type PublicClient,
  pad,
  parseEther,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeployError } from "./DeployError.ts";
import { deploySlabridge, type PayPerCallSettings, X402_CHANNELS } from "./deploySlabridge.ts";
import { type ChainProtocols, DEFAULT_TOP_UP_ALLOWANCE, type DeployParameters } from "./planDeployment.ts";

const [A, B] = defaultEvmDevnetChains.map((chain) => chain.chainId) as [number, number];
const HOME = B;

describe("deploySlabridge on fresh anvil chains with the real LayerZero and Wormhole contracts", () => {
  let evm: EvmDevnet;
  let chains: ChainProtocols[];
  let parameters: DeployParameters;
  let dir: string;
  let vaultAccounts: Map<number, LocalAccount>;

  beforeAll(async () => {
    evm = await startEvmDevnet({ chains: defaultEvmDevnetChains, demoAccounts: 7 });
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
    // The vaults' own keys sign their approvals of bond top-ups.
    const anvilKey = (i: number) => {
      const ref = evm.manifest.keys.demo[i];
      if (ref?.kind !== "anvil-dev-account") throw new Error(`demo key ${i} is not an anvil account`);
      return anvilDevAccount(ref.index);
    };
    vaultAccounts = new Map([
      [A, anvilKey(3)],
      [B, anvilKey(2)],
    ]);
    dir = mkdtempSync(path.join(tmpdir(), "slabridge-deploy-test-"));
  });

  afterAll(async () => {
    await evm?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const realClients = () => new Map(chains.map((chain) => [chain.chainId, evm.clients(chain.chainId).publicClient]));

  /** A deployer of its own per test (its own nonce stream), funded by the devnet's deployer. */
  /** Each vault's transaction count on its chain: its approvals. */
  async function vaultNonces(): Promise<number[]> {
    return await Promise.all(
      [...vaultAccounts].map(([chainId, vault]) =>
        evm.clients(chainId).publicClient.getTransactionCount({ address: vault.address }),
      ),
    );
  }

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
      vaultAccounts,
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
      vaultAccounts,
      statePath,
    });
    const after = await noncesOf(account.address);
    // One transaction per step, no more: the deployer's, and each vault's approval of its escrow's top-ups.
    const approvals = first.steps.filter((step) => step.id.includes(":approve:"));
    expect(approvals.map((step) => step.id)).toEqual(["evm-a:approve:Escrow", "evm-b:approve:Escrow"]);
    expect(after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0)).toBe(
      first.steps.length - approvals.length,
    );
    expect(first.sent).toBe(first.steps.length);
    for (const [chainId, vault] of vaultAccounts) {
      const allowance = await evm.clients(chainId).publicClient.readContract({
        address: chains.find((c) => c.chainId === chainId)?.stablecoin as Address,
        abi: erc20Abi,
        functionName: "allowance",
        args: [vault.address, first.contracts.get(chainId)?.escrow as Address],
      });
      expect(allowance).toBe(DEFAULT_TOP_UP_ALLOWANCE);
    }
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
      vaultAccounts,
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
      deploySlabridge({
        stage: "test",
        chains,
        parameters,
        clients: realClients(),
        account: other,
        vaultAccounts,
        statePath,
      }),
    ).rejects.toMatchObject({ code: "invalid-state" });
  });

  // k: sends before the crash — inside the first chain's deploys, across the two chains' deploys, in the wiring.
  for (const k of [1, 9, 30]) {
    for (const afterSend of [false, true]) {
      it(`a crash after ${k} sends (${afterSend ? "the last one mined but not recorded" : "before the send"}) resumes: one transaction per step`, async () => {
        const account = await freshDeployer();
        const statePath = path.join(dir, `crash-${k}-${afterSend}.json`);
        const before = await noncesOf(account.address);
        const vaultsBefore = await vaultNonces();
        const crash = await deploySlabridge({
          stage: "test",
          chains,
          parameters,
          clients: crashingClients(k, afterSend),
          account,
          vaultAccounts,
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
          vaultAccounts,
          statePath,
        });
        const after = await noncesOf(account.address);
        // The deployer's transactions and the vaults' approvals.
        const sentOnChain =
          after.reduce((a, b) => a + b, 0) -
          before.reduce((a, b) => a + b, 0) +
          (await vaultNonces()).reduce((a, b) => a + b, 0) -
          vaultsBefore.reduce((a, b) => a + b, 0);
        // Every step's transaction exactly once over both runs: a second deployment or setting would add nonces.
        expect(sentOnChain).toBe(resumed.steps.length);
        expect(resumed.sent).toBe(resumed.steps.length - (afterSend ? k + 1 : k));
        const check = await deploySlabridge({
          stage: "test",
          chains,
          parameters,
          clients: realClients(),
          account,
          vaultAccounts,
          statePath,
          dryRun: true,
        });
        expect(check.steps.filter((step) => step.status !== "done")).toEqual([]);
      });
    }
  }

  it("refuses a run without a netting vault's key before any transaction: the vault signs its own approvals", async () => {
    const account = await freshDeployer();
    const before = await noncesOf(account.address);
    const error = await deploySlabridge({
      stage: "test",
      chains,
      parameters,
      clients: realClients(),
      account,
      vaultAccounts: new Map([[A, vaultAccounts.get(A) as LocalAccount]]),
      statePath: path.join(dir, "no-vault-key.json"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as DeployError).code).toBe("invalid-config");
    expect((error as DeployError).message).toContain("evm-b:approve:Escrow");
    expect(await noncesOf(account.address)).toEqual(before);
  });

  it("refuses a bad plan before any transaction", async () => {
    const account = await freshDeployer();
    const before = await noncesOf(account.address);
    for (const bad of [
      { ...parameters, homeChainId: 99 },
      { ...parameters, proberThreshold: 4 },
    ]) {
      await expect(
        deploySlabridge({ stage: "test", chains, parameters: bad, clients: realClients(), account, vaultAccounts }),
      ).rejects.toMatchObject({ name: "DeployError", code: "invalid-config" });
    }
    const keys = { operator: parameters.probers[0] as Address, authorizer: parameters.probers[1] as Address };
    for (const payPerCall of [
      { ...keys, authorizer: "0x0000000000000000000000000000000000000000" as Address },
      { ...keys, operator: "0x1234" as Address },
      { ...keys, guardian: "0x0000000000000000000000000000000000000000" as Address },
    ]) {
      await expect(
        deploySlabridge({
          stage: "test",
          chains,
          parameters,
          payPerCall,
          clients: realClients(),
          account,
          vaultAccounts,
        }),
      ).rejects.toMatchObject({ name: "DeployError", code: "invalid-config" });
    }
    const noEndpoint = chains.map((chain) => ({ ...chain, layerZero: { ...chain.layerZero, endpointV2: undefined } }));
    await expect(
      deploySlabridge({
        stage: "test",
        chains: noEndpoint,
        parameters,
        clients: realClients(),
        account,
        vaultAccounts,
      }),
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
      vaultAccounts,
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
    const error = await deploySlabridge({ stage: "test", chains, parameters, clients, account, vaultAccounts }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "rpc-unreachable" });
    expect(String((error as Error).message)).not.toContain("sk_live");
    expect(String((error as Error).message)).not.toContain("example.invalid");
    expect(String((error as Error).message)).toMatch(/^evm-[ab]: the RPC does not answer/); // whichever chain's check fails first
  });

  describe("pay per call: router, factory and an SLA receiver per listed model", () => {
    let payPerCall: PayPerCallSettings;
    let account: LocalAccount;
    const statePath = () => path.join(dir, "pay-per-call.json");
    const run = (options: { dryRun?: boolean; allowRewire?: boolean; lines?: string[] } = {}) =>
      deploySlabridge({
        stage: "test",
        chains,
        parameters,
        payPerCall,
        clients: realClients(),
        account,
        vaultAccounts,
        statePath: statePath(),
        dryRun: options.dryRun ?? false,
        allowRewire: options.allowRewire ?? false,
        onProgress: (line) => options.lines?.push(line),
      });
    const clientOf = (chainId: number) => evm.clients(chainId).publicClient;
    const read = (chainId: number, address: Address, abi: never, functionName: string, args: unknown[] = []) =>
      clientOf(chainId).readContract({ address, abi, functionName, args } as never) as Promise<unknown>;

    beforeAll(async () => {
      const demo = evm.manifest.keys.demo.map((ref) => ref.address);
      payPerCall = { operator: demo[4] as Address, authorizer: demo[5] as Address, guardian: demo[6] as Address };
      account = await freshDeployer();
      await placeX402StandIn(evm.clients(A));
    });

    /** Mints a model on the home registry and lists it on chain A over LayerZero (as a host's creator would). */
    async function mintAndList(registry: Address, homeMessenger: Address): Promise<bigint> {
      const demo = evm.manifest.keys.demo.map((ref) => ref.address);
      const clients = evm.clients(HOME);
      const modelId = await mintDemoModel({
        clients,
        registry,
        creator: demo[0] as Address,
        hostSigner: demo[1] as Address,
        hostEndpoint: "http://127.0.0.1:9/host",
        name: "receiver-test",
        epochSeconds: 60,
        pricePerRequest: 10_000n,
        protocolFeeBps: 100,
        homeChainId: HOME,
        verdictGraceEpochs: 3,
        hostPayout: { chainId: A, account: pad(demo[1] as Address) },
        dataContributorSolana: pad("0x01", { size: 32 }),
      });
      const core = (await read(HOME, registry, modelRegistryAbi as never, "coreOf", [modelId])) as {
        genesis: bigint;
        epochSeconds: bigint;
      };
      const message = encodeMessage({
        kind: "ModelListing",
        modelId,
        genesis: core.genesis,
        epochSeconds: core.epochSeconds,
        fromEpoch: 0n,
        pricePerRequest: 10_000n,
        active: true,
        version: 1,
        verdictGraceEpochs: 3,
      });
      const fee = (await read(HOME, homeMessenger, layerZeroMessengerAbi as never, "quote", [A, message])) as bigint;
      const hash = await clients.wallet(demo[0] as Address).writeContract({
        address: registry,
        abi: modelRegistryAbi,
        functionName: "publishListing",
        args: [modelId, A, homeMessenger],
        value: fee,
      });
      const receipt = await clientOf(HOME).waitForTransactionReceipt({ hash });
      const outcomes = await evm.layerZeroRelayer(HOME, A).relayReceipt(receipt);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(["delivered"]);
      return modelId;
    }

    it("a first run deploys the router and the factory on every chain, before any model exists", async () => {
      const first = await run();
      for (const chainId of [A, B]) {
        const contracts = first.contracts.get(chainId);
        expect(contracts?.messageRouter).toBeDefined();
        expect(contracts?.slaReceiverFactory).toBeDefined();
        expect(contracts?.slaReceivers).toBeUndefined();
      }
      const payment = first.contracts.get(A);
      const router = payment?.messageRouter as Address;
      // The payment chain's messengers deliver to the router; it routes listings, verdicts and payouts to the escrow.
      for (const [messenger, abi] of [
        [payment?.layerZeroMessenger, layerZeroMessengerAbi],
        [payment?.wormholeMessenger, wormholeMessengerAbi],
      ] as const) {
        expect(await read(A, messenger as Address, abi as never, "receiver")).toBe(router);
        expect(await read(A, router, messageRouterAbi as never, "isMessenger", [messenger])).toBe(true);
      }
      for (const kind of [1, 3, 4]) {
        expect(await read(A, router, messageRouterAbi as never, "routeOf", [kind])).toBe(payment?.escrow);
      }
      expect(await read(A, payment?.escrow as Address, escrowAbi as never, "isMessenger", [router])).toBe(true);
    });

    it("a re-run gives each model listed on a chain its receiver, wired (read back from the chain); the next re-run sends 0", async () => {
      const home = (await run()).contracts.get(HOME);
      const modelId = await mintAndList(home?.modelRegistry as Address, home?.layerZeroMessenger as Address);
      const before = await noncesOf(account.address);
      const lines: string[] = [];
      const second = await run({ lines });
      const sentOnChain =
        (await noncesOf(account.address)).reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0);
      // The deployer's: create + 3 receiver messengers + 2 senders + model route + top-up funder + authorizer +
      // guardian (the operator is set by create); and the netting vault's approval of the receiver's top-ups.
      expect(second.sent).toBe(11);
      expect(sentOnChain).toBe(10);
      expect(lines.filter((line) => !line.includes("done earlier"))).toHaveLength(11);

      const payment = second.contracts.get(A);
      const receiver = payment?.slaReceivers?.[modelId.toString()] as Address;
      expect(receiver).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(payment?.x402Channels).toBe(X402_CHANNELS);
      // Listed on A only: the home chain's escrow never got the listing, so the home chain has no receiver.
      expect(second.contracts.get(HOME)?.slaReceivers).toBeUndefined();

      const factory = payment?.slaReceiverFactory as Address;
      expect(await read(A, factory, slaReceiverFactoryAbi as never, "receiverOf", [modelId])).toBe(receiver);
      const listing = (await read(A, payment?.escrow as Address, escrowAbi as never, "listing", [modelId])) as {
        genesis: bigint;
        epochSeconds: bigint;
      };
      const vaultA = getAddress(`0x${parameters.nettingVaults.get(A)?.slice(-40)}`);
      const expected: Record<string, unknown> = {
        owner: account.address,
        operator: payPerCall.operator,
        authorizer: payPerCall.authorizer,
        guardian: payPerCall.guardian,
        topUpFunder: vaultA,
        token: chains.find((chain) => chain.chainId === A)?.stablecoin,
        channels: X402_CHANNELS,
        modelId,
        thisChain: A,
        homeChain: HOME,
        genesis: listing.genesis,
        epochSeconds: listing.epochSeconds,
        verdictGraceEpochs: 3,
      };
      for (const [view, want] of Object.entries(expected)) {
        expect([view, await read(A, receiver, slaReceiverAbi as never, view)]).toEqual([view, want]);
      }
      for (const messenger of [payment?.messageRouter, payment?.layerZeroMessenger, payment?.wormholeMessenger]) {
        expect(await read(A, receiver, slaReceiverAbi as never, "isMessenger", [messenger])).toBe(true);
      }
      expect(
        await read(A, payment?.layerZeroMessenger as Address, layerZeroMessengerAbi as never, "isSender", [receiver]),
      ).toBe(true);
      expect(
        await read(A, payment?.wormholeMessenger as Address, wormholeMessengerAbi as never, "isSender", [receiver]),
      ).toBe(true);
      expect(
        await read(A, payment?.messageRouter as Address, messageRouterAbi as never, "modelRouteOf", [modelId]),
      ).toBe(receiver);
      // The receiver pulls the bond top-ups it advances from the vault: the vault's own approval.
      const stablecoinA = chains.find((chain) => chain.chainId === A)?.stablecoin as Address;
      expect(await read(A, stablecoinA, erc20Abi as never, "allowance", [vaultA, receiver])).toBe(
        DEFAULT_TOP_UP_ALLOWANCE,
      );

      const settled = await noncesOf(account.address);
      const third = await run();
      expect(third.sent).toBe(0);
      expect(await noncesOf(account.address)).toEqual(settled);
      expect(third.contracts).toEqual(second.contracts);
    });

    it("a model minted and listed after a run gets its receiver on the next re-run, and only it", async () => {
      const before = (await run()).contracts;
      const home = before.get(HOME);
      const modelId = await mintAndList(home?.modelRegistry as Address, home?.layerZeroMessenger as Address);
      const lines: string[] = [];
      const after = await run({ lines });
      // Its receiver's 10 settings, and the vault's approval of its top-ups.
      expect(after.sent).toBe(11);
      expect(
        lines.filter((line) => !line.includes("done earlier")).every((line) => line.includes(`(${modelId})`)),
      ).toBe(true);
      const receivers = after.contracts.get(A)?.slaReceivers ?? {};
      expect(Object.keys(receivers)).toEqual([...Object.keys(before.get(A)?.slaReceivers ?? {}), modelId.toString()]);
    });

    it("an authorizer set to another key is a wiring-conflict, not overwritten; --allow-rewire replaces it", async () => {
      const contracts = (await run()).contracts.get(A);
      const [modelId, receiver] = Object.entries(contracts?.slaReceivers ?? {})[0] as [string, Address];
      const other = privateKeyToAccount(generatePrivateKey()).address;
      // The owner (the deployer) sets it by hand: someone else's key, not the stage's facilitator.
      const hash = await evm
        .clients(A)
        .wallet(account)
        .writeContract({
          address: receiver,
          abi: slaReceiverAbi,
          functionName: "setAuthorizer",
          args: [other],
        });
      await clientOf(A).waitForTransactionReceipt({ hash });

      const lines: string[] = [];
      const dry = await run({ dryRun: true, lines });
      const stepId = `evm-a:wire:SlaReceiver(${modelId}).setAuthorizer`;
      expect(dry.steps.find((step) => step.id === stepId)?.status).toBe("conflict");
      expect(lines.find((line) => line.includes(`SlaReceiver(${modelId}).setAuthorizer`))).toContain(
        `conflict: authorizer is ${other} on chain, planned ${payPerCall.authorizer}`,
      );

      const before = await noncesOf(account.address);
      const error = await run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeployError);
      expect(error).toMatchObject({ code: "wiring-conflict" });
      expect((error as DeployError).message).toContain(stepId);
      expect(await noncesOf(account.address)).toEqual(before);
      expect(await read(A, receiver, slaReceiverAbi as never, "authorizer")).toBe(other);

      const fixed = await run({ allowRewire: true });
      expect(fixed.sent).toBe(1);
      expect(await read(A, receiver, slaReceiverAbi as never, "authorizer")).toBe(payPerCall.authorizer);
    });

    it("a receiver the state file lost (created, then a crash before it was recorded) is adopted from the factory", async () => {
      const before = await run();
      const state = JSON.parse(readFileSync(statePath(), "utf8")) as { steps: Record<string, unknown> };
      const lost = Object.keys(state.steps).filter((id) => id.startsWith("evm-a:create:SlaReceiver("));
      expect(lost.length).toBeGreaterThan(0);
      for (const id of lost) delete state.steps[id];
      writeFileSync(statePath(), JSON.stringify(state));
      const nonces = await noncesOf(account.address);
      const again = await run();
      expect(again.sent).toBe(0);
      expect(await noncesOf(account.address)).toEqual(nonces);
      expect(again.contracts).toEqual(before.contracts);
      const adopted = JSON.parse(readFileSync(statePath(), "utf8")) as { steps: Record<string, { address?: string }> };
      for (const id of lost) expect(adopted.steps[id]?.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    });

    it("a verdict the LayerZero messenger delivers reaches the model's receiver through the router", async () => {
      const contracts = (await run()).contracts.get(A);
      const [modelId, receiver] = Object.entries(contracts?.slaReceivers ?? {})[0] as [string, Address];
      const messenger = contracts?.layerZeroMessenger as Address;
      const rpcUrl = evm.manifest.chains.find((c) => c.chainId === A)?.rpcUrl;
      const anvil = createTestClient({ mode: "anvil", chain: clientOf(A).chain, transport: http(rpcUrl) });
      // Epoch 0 over (the receiver refuses a verdict before its end), then the messenger's own call to the router.
      await anvil.increaseTime({ seconds: 120 });
      await anvil.mine({ blocks: 1 });
      await anvil.impersonateAccount({ address: messenger });
      await anvil.setBalance({ address: messenger, value: parseEther("1") });
      const verdict = encodeMessage({
        kind: "Verdict",
        modelId: BigInt(modelId),
        epoch: 0n,
        refundBps: 2_500,
        reportHash: pad("0xabcd", { size: 32 }),
        topUp: 0n,
      });
      try {
        const hash = await evm
          .clients(A)
          .wallet(messenger)
          .writeContract({
            address: contracts?.messageRouter as Address,
            abi: messageRouterAbi,
            functionName: "receiveMessage",
            args: [HOME, verdict],
          });
        expect((await clientOf(A).waitForTransactionReceipt({ hash })).status).toBe("success");
      } finally {
        await anvil.stopImpersonatingAccount({ address: messenger });
      }
      const state = (await read(A, receiver, slaReceiverAbi as never, "epochState", [0n])) as {
        status: number;
        refundBps: number;
      };
      expect([state.status, state.refundBps]).toEqual([1, 2_500]); // Settled, at the verdict's share
    });

    it("a listed model on a chain without the x402 channel contract is refused before any transaction", async () => {
      // As if the x402 contract were not deployed on chain A: its receivers would claim from nothing.
      const testClient = createTestClient({
        mode: "anvil",
        chain: clientOf(A).chain,
        transport: http(evm.manifest.chains.find((c) => c.chainId === A)?.rpcUrl),
      });
      const code = await clientOf(A).getCode({ address: X402_CHANNELS });
      await testClient.setCode({ address: X402_CHANNELS, bytecode: "0x" });
      try {
        const before = await noncesOf(account.address);
        await expect(run()).rejects.toMatchObject({ code: "unknown-protocol-address" });
        expect(await noncesOf(account.address)).toEqual(before);
        const dry = await run({ dryRun: true });
        expect(dry.unknowns).toContain(`evm-a: the x402 batch-settlement contract (no code at ${X402_CHANNELS})`);
      } finally {
        await testClient.setCode({ address: X402_CHANNELS, bytecode: code ?? "0x" });
      }
    });
  });
});
