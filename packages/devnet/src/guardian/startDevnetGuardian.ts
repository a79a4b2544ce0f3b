import type { Address } from "viem";
import { createViemLogSource } from "./createViemLogSource.ts";
import type { GuardianError } from "./GuardianError.ts";
import { GuardianObserver } from "./GuardianObserver.ts";
import { startGuardianApi } from "./startGuardianApi.ts";
import { type ExternalMessage, submitExternalMessage } from "./submitExternalMessage.ts";
import type { VaaSigner } from "./VaaBody.ts";
import { type VaaId, VaaStore } from "./VaaStore.ts";

/** An EVM devnet chain whose Wormhole core the guardian watches. */
export interface DevnetGuardianChain {
  readonly wormholeChainId: number;
  /** Loopback JSON-RPC URL of the anvil. */
  readonly rpcUrl: string;
  readonly evmChainId: number;
  /** The Wormhole core (proxy) address. */
  readonly core: Address;
  readonly fromBlock?: bigint;
}

/** Options for {@link startDevnetGuardian}. */
export interface DevnetGuardianOptions {
  readonly chains: readonly DevnetGuardianChain[];
  /** Default: the devnet guardian (set 0). */
  readonly signVaa?: VaaSigner;
  readonly pollIntervalMs?: number;
  readonly onError?: (error: GuardianError) => void;
}

/** A running devnet guardian. */
export interface DevnetGuardian {
  /** Guardian REST base URL (`http://127.0.0.1:<port>`). */
  readonly url: string;
  readonly store: VaaStore;
  readonly observer: GuardianObserver;
  /** Signs and files a message published off-chain (default chain 1, Solana). */
  submitExternalMessage(message: ExternalMessage): Promise<{ id: VaaId; vaaBytes: Uint8Array }>;
  close(): Promise<void>;
}

/**
 * The whole devnet guardian: observer polling every chain's core, VAA store, and the REST API on loopback.
 *
 * @example
 * const guardian = await startDevnetGuardian({ chains: [{ wormholeChainId: 10002, rpcUrl, evmChainId: 31337, core }] });
 */
export async function startDevnetGuardian(options: DevnetGuardianOptions): Promise<DevnetGuardian> {
  const store = new VaaStore();
  const signVaa = options.signVaa;
  const observer = new GuardianObserver({
    store,
    chains: options.chains.map((chain) => ({
      wormholeChainId: chain.wormholeChainId,
      source: createViemLogSource({ rpcUrl: chain.rpcUrl, evmChainId: chain.evmChainId, core: chain.core }),
      ...(chain.fromBlock === undefined ? {} : { fromBlock: chain.fromBlock }),
    })),
    ...(signVaa === undefined ? {} : { signVaa }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  const api = await startGuardianApi({ store });
  observer.start();
  return {
    url: api.url,
    store,
    observer,
    submitExternalMessage: (message) =>
      submitExternalMessage(signVaa === undefined ? { store } : { store, signVaa }, message),
    close: async () => {
      await observer.stop();
      await api.close();
    },
  };
}
