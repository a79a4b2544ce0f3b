import { type Address, type LocalAccount, parseEther } from "viem";
import { z } from "zod";
import { deployDevnetStablecoin, type StablecoinDeployment } from "./deployDevnetStablecoin.ts";
import { deployLayerZero, type LayerZeroDeployment } from "./deployLayerZero.ts";
import { deployWormhole, type WormholeDeployment, wormholeChainName } from "./deployWormhole.ts";
import { createDevnetClients, type DevnetClients } from "./devnetClients.ts";
import { devnetGuardianAddress } from "./devnetGuardian.ts";
import { EvmDevnetError } from "./EvmDevnetError.ts";
import { LayerZeroDevnetRelayer } from "./LayerZeroDevnetRelayer.ts";
import { type AnvilInstance, startAnvil } from "./startAnvil.ts";
import { submitTransaction } from "./submitTransaction.ts";
import { wireDevnetStablecoins } from "./wireDevnetStablecoins.ts";

/** One chain of the devnet. */
export interface EvmDevnetChainConfig {
  /** EVM chain id of the anvil (distinct per chain). */
  chainId: number;
  /** LayerZero endpoint id. */
  eid: number;
  /** Wormhole chain id (must be known to sdk-base). */
  wormholeChainId: number;
  name?: string;
  /** Starts this chain's anvil clock this many seconds behind the wall clock (tests of clock skew). Default 0. */
  clockLagSeconds?: number;
}

/** Options for {@link startEvmDevnet}. */
export interface StartEvmDevnetOptions {
  chains: readonly EvmDevnetChainConfig[];
  /** Seconds per block; omitted = automine. */
  blockTime?: number;
  /** Block confirmations in the LayerZero ULN configs (default 1). */
  confirmations?: number;
  /** Demo accounts to fund with stablecoin on every chain (default 4). */
  demoAccounts?: number;
  /** Deploy the Wormhole Token Bridge too (default false). */
  tokenBridge?: boolean;
  /**
   * LayerZero's DVN and executor keys held outside the node (the devnet's KMS keys): the ULN requires this DVN and
   * the devnet relayer signs with both. Default: anvil dev accounts 1 and 2, unlocked on the node.
   */
  layerZeroKeys?: { dvn: LocalAccount; executor: LocalAccount };
  /**
   * Keys held outside the node (the devnet's KMS keys) funded on every chain by the rich dev account 0: native gas
   * for their transactions and, with `stablecoin`, the demo accounts' stablecoin.
   */
  fund?: readonly { address: Address; stablecoin: boolean }[];
  onProgress?: (step: string) => void;
}

/**
 * Where a key lives, never the key: anvil dev accounts are unlocked on the node (send with `eth_sendTransaction`
 * from `address`); the guardian key is read from sdk-base at run time.
 */
export type KeyReference =
  | { kind: "anvil-dev-account"; index: number; address: Address }
  | { kind: "wormhole-sdk-devnet-guardian"; address: Address };

/** JSON-safe description of one devnet chain. */
export interface EvmDevnetChain {
  name: string;
  chainId: number;
  rpcUrl: string;
  layerZero: Omit<LayerZeroDeployment, "confirmations"> & { confirmations: number };
  wormhole: WormholeDeployment;
  stablecoin: StablecoinDeployment;
}

/** JSON-safe description of the whole EVM devnet, suitable for the devnet manifest. */
export interface EvmDevnetManifest {
  chains: EvmDevnetChain[];
  keys: {
    deployer: KeyReference;
    layerZeroDvn: KeyReference;
    layerZeroExecutor: KeyReference;
    wormholeGuardian: KeyReference;
    demo: KeyReference[];
  };
  /** Wall time from the call to ready, in ms. */
  startupMs: number;
}

/** A running EVM devnet. */
export interface EvmDevnet {
  manifest: EvmDevnetManifest;
  /** Process ids of the anvils, in chain order (for supervision; not part of the manifest). */
  pids: number[];
  /** viem clients for a chain (by EVM chain id). */
  clients(chainId: number): DevnetClients;
  /**
   * The deployer (dev account 0, same address on every chain) as a local account: slabridge's own deployment signs
   * with it, as it signs with a KMS key on a real network, instead of having anvil sign.
   */
  deployerAccount: LocalAccount;
  /** A relayer for the LayerZero pathway from one chain to another (by EVM chain id), using the devnet keys. */
  layerZeroRelayer(fromChainId: number, toChainId: number): LayerZeroDevnetRelayer;
  /** Stops every anvil; resolves when all have exited. */
  stop(): Promise<void>;
}

/**
 * Two Sepolia-flavoured default chains: LayerZero testnet eids and Wormhole testnet chain ids (so sdk-base names
 * them), but local EVM chain ids so nothing signed here is valid on a public network.
 */
export const defaultEvmDevnetChains: readonly EvmDevnetChainConfig[] = [
  { name: "evm-a", chainId: 31_337, eid: 40_161, wormholeChainId: 10_002 }, // Sepolia ids
  { name: "evm-b", chainId: 31_338, eid: 40_245, wormholeChainId: 10_004 }, // BaseSepolia ids
];

// Roles of anvil's unlocked dev accounts.
const DEPLOYER = 0;
const LZ_DVN = 1;
const LZ_EXECUTOR = 2;
const FIRST_DEMO = 3;
/** Native gas each key held outside the node gets per chain (anvil's dev accounts hold 10 000). */
const OUTSIDE_KEY_GAS = parseEther("100");

const positiveInt = z.number().int().positive();
const configSchema = z.object({
  chains: z
    .array(
      z.object({
        chainId: positiveInt,
        eid: positiveInt.max(0xffff_ffff),
        wormholeChainId: positiveInt.max(0xffff),
        name: z.string().min(1).optional(),
        clockLagSeconds: z.number().int().min(0).optional(),
      }),
    )
    .min(1),
  blockTime: z.number().positive().optional(),
  confirmations: z.number().int().min(1).optional(),
  demoAccounts: z.number().int().min(0).max(100).optional(),
});

/**
 * Starts one anvil per chain and deploys, on each: LayerZero V2 (EndpointV2 + ULN302, slabridge's DVN/executor keys),
 * the Wormhole core with the devnet guardian, and a 6-decimals stablecoin minted to demo accounts.
 *
 * @example const devnet = await startEvmDevnet({ chains: defaultEvmDevnetChains }); await devnet.stop();
 */
export async function startEvmDevnet(options: StartEvmDevnetOptions): Promise<EvmDevnet> {
  const started = performance.now();
  const parsed = configSchema.safeParse(options);
  if (!parsed.success) {
    throw new EvmDevnetError("invalid-config", `startEvmDevnet: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  }
  const chains = options.chains;
  for (const field of ["chainId", "eid", "wormholeChainId"] as const) {
    if (new Set(chains.map((chain) => chain[field])).size !== chains.length) {
      throw new EvmDevnetError("invalid-config", `startEvmDevnet: every chain needs a distinct ${field}`);
    }
  }
  for (const chain of chains) wormholeChainName(chain.wormholeChainId); // fail before spawning anything
  const progress = options.onProgress ?? (() => {});
  const demoCount = options.demoAccounts ?? 4;

  const anvils: AnvilInstance[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(anvils.map((anvil) => anvil.stop()));
  };
  try {
    progress(`starting ${chains.length} anvil chains`);
    const results = await Promise.allSettled(
      chains.map((chain) =>
        startAnvil({
          chainId: chain.chainId,
          accounts: FIRST_DEMO + demoCount,
          ...(options.blockTime === undefined ? {} : { blockTime: options.blockTime }),
          ...(chain.clockLagSeconds === undefined ? {} : { clockLagSeconds: chain.clockLagSeconds }),
        }),
      ),
    );
    for (const result of results) if (result.status === "fulfilled") anvils.push(result.value);
    const failed = results.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;

    const clientsByChain = new Map<number, DevnetClients>();
    chains.forEach((chain, i) => {
      const anvil = anvils[i];
      if (!anvil) throw new EvmDevnetError("anvil-start-failed", `no anvil for chain ${chain.chainId}`);
      clientsByChain.set(
        chain.chainId,
        createDevnetClients({
          rpcUrl: anvil.rpcUrl,
          chainId: chain.chainId,
          name: chain.name ?? `evm-${chain.chainId}`,
        }),
      );
    });
    const first = clientsOf(clientsByChain, chains[0]?.chainId ?? 0);
    const accounts = await first.accounts();
    const account = (index: number): KeyReference => {
      const address = accounts[index];
      if (!address) throw new EvmDevnetError("anvil-start-failed", `anvil has no dev account ${index}`);
      return { kind: "anvil-dev-account", index, address };
    };
    const keys: EvmDevnetManifest["keys"] = {
      deployer: account(DEPLOYER),
      layerZeroDvn: account(LZ_DVN),
      layerZeroExecutor: account(LZ_EXECUTOR),
      wormholeGuardian: { kind: "wormhole-sdk-devnet-guardian", address: devnetGuardianAddress() },
      demo: Array.from({ length: demoCount }, (_, i) => account(FIRST_DEMO + i)),
    };

    const described = await Promise.all(
      chains.map(async (chain, i): Promise<EvmDevnetChain> => {
        const clients = clientsOf(clientsByChain, chain.chainId);
        const name = chain.name ?? `evm-${chain.chainId}`;
        const onProgress = (step: string) => progress(`${name}: ${step}`);
        // Sequential per chain: the deployer's nonce is shared (the two chains still deploy in parallel).
        const layerZero = await deployLayerZero({
          clients,
          deployer: keys.deployer.address,
          eid: chain.eid,
          remoteEids: chains.filter((other) => other !== chain).map((other) => other.eid),
          dvnSigner: options.layerZeroKeys?.dvn.address ?? keys.layerZeroDvn.address,
          confirmations: BigInt(options.confirmations ?? 1),
          onProgress,
        });
        const wormhole = await deployWormhole({
          clients,
          deployer: keys.deployer.address,
          wormholeChainId: chain.wormholeChainId,
          tokenBridge: options.tokenBridge ?? false,
          onProgress,
        });
        onProgress("deploy stablecoin and fund demo accounts");
        const stablecoin = await deployDevnetStablecoin({
          clients,
          deployer: keys.deployer.address,
          endpointV2: layerZero.endpointV2,
          fund: [
            ...keys.demo.map((ref) => ref.address),
            ...(options.fund ?? []).filter((key) => key.stablecoin).map((key) => key.address),
          ],
        });
        if (options.fund?.length) {
          onProgress(`native gas for ${options.fund.length} keys held outside the node`);
          for (const key of options.fund) {
            await submitTransaction(clients.publicClient, `${name}: gas for ${key.address}`, () =>
              clients.wallet(keys.deployer.address).sendTransaction({ to: key.address, value: OUTSIDE_KEY_GAS }),
            );
          }
        }
        return {
          name,
          chainId: chain.chainId,
          rpcUrl: anvils[i]?.rpcUrl ?? "",
          layerZero: { ...layerZero, confirmations: Number(layerZero.confirmations) },
          wormhole,
          stablecoin,
        };
      }),
    );
    progress("stablecoin: OFT peers between every pair of chains");
    await wireDevnetStablecoins({
      deployer: keys.deployer.address,
      chains: described.map((chain) => ({
        clients: clientsOf(clientsByChain, chain.chainId),
        eid: chain.layerZero.eid,
        address: chain.stablecoin.address,
      })),
    });
    const manifest: EvmDevnetManifest = { chains: described, keys, startupMs: Math.round(performance.now() - started) };
    progress(`ready in ${manifest.startupMs} ms`);

    const chainOf = (chainId: number): EvmDevnetChain => {
      const chain = described.find((c) => c.chainId === chainId);
      if (!chain) throw new EvmDevnetError("invalid-config", `chain ${chainId} is not part of this devnet`);
      return chain;
    };
    const firstAnvil = anvils[0];
    if (!firstAnvil) throw new EvmDevnetError("anvil-start-failed", "no anvil started");
    return {
      manifest,
      deployerAccount: firstAnvil.devAccount(DEPLOYER),
      pids: anvils.map((anvil) => anvil.pid),
      clients: (chainId) => clientsOf(clientsByChain, chainId),
      layerZeroRelayer: (fromChainId, toChainId) => {
        const endpoint = (chainId: number) => {
          const chain = chainOf(chainId);
          return {
            clients: clientsOf(clientsByChain, chainId),
            eid: chain.layerZero.eid,
            endpointV2: chain.layerZero.endpointV2,
            receiveUln302: chain.layerZero.receiveUln302,
          };
        };
        return new LayerZeroDevnetRelayer({
          source: endpoint(fromChainId),
          destination: endpoint(toChainId),
          dvn: options.layerZeroKeys?.dvn ?? keys.layerZeroDvn.address,
          executor: options.layerZeroKeys?.executor ?? keys.layerZeroExecutor.address,
        });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw EvmDevnetError.wrap("deploy-failed", "startEvmDevnet", error);
  }
}

function clientsOf(map: Map<number, DevnetClients>, chainId: number): DevnetClients {
  const clients = map.get(chainId);
  if (!clients) throw new EvmDevnetError("invalid-config", `chain ${chainId} is not part of this devnet`);
  return clients;
}
