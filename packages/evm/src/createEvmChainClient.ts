import { type Chain, createPublicClient, defineChain, http, type PublicClient, type Transport } from "viem";
import { EvmConfigError } from "./errors.ts";
import { nodeHttpFetch } from "./transport/nodeHttpFetch.ts";

/** A viem public client bound to one chain object that carries only slabridge's configured RPC URL. */
export type EvmChainClient = PublicClient<Transport, Chain>;

/** Options of {@link createEvmChainClient}. */
export interface CreateEvmChainClientOptions {
  chainId: number;
  rpcUrl: string;
  /** Name used in logs (default `evm-<chainId>`). */
  name?: string;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /**
   * Transport-level retries of one request (default 1; jobs have their own retry policy on top). Reads only:
   * `EvmSender` broadcasts with `retryCount: 0` per call, so a send is never re-sent underneath it.
   */
  retryCount?: number;
  /** Polling interval of receipt waits and watchers (default 1 s; tests on anvil use ~25 ms). */
  pollingIntervalMs?: number;
  /** Allow a non-loopback URL. Production sets it; the devnet and tests never do, so nothing leaves the machine. */
  allowNonLoopback?: boolean;
}

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]", "::1"]);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Creates the public client for one EVM chain. The chain object is built with `defineChain` from the given id and
 * URL only; viem's built-in chain definitions are never used (they list public RPC endpoints a misconfigured call
 * could fall back to). Non-loopback URLs are refused unless `allowNonLoopback` is set.
 *
 * @example
 * ```ts
 * const client = createEvmChainClient({ chainId: 31337, rpcUrl: "http://127.0.0.1:8545" });
 * const head = await client.getBlockNumber();
 * ```
 */
export function createEvmChainClient(options: CreateEvmChainClientOptions): EvmChainClient {
  if (!Number.isSafeInteger(options.chainId) || options.chainId <= 0) {
    throw new EvmConfigError(`chainId must be a positive integer, got ${options.chainId}.`);
  }
  let url: URL;
  try {
    url = new URL(options.rpcUrl);
  } catch {
    throw new EvmConfigError("The RPC URL is not a valid URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new EvmConfigError(`The RPC URL must be http(s), got ${url.protocol}`);
  }
  if (!isLoopback(url.hostname) && options.allowNonLoopback !== true) {
    // The host only: the rest of the URL may hold an API key.
    throw new EvmConfigError(`Refusing non-loopback RPC host ${url.hostname} without allowNonLoopback.`);
  }
  const chain = defineChain({
    id: options.chainId,
    name: options.name ?? `evm-${options.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
  });
  const transport = http(options.rpcUrl, {
    timeout: options.timeoutMs ?? 10_000,
    retryCount: options.retryCount ?? 1,
    fetchFn: nodeHttpFetch,
  });
  return createPublicClient({ chain, transport, pollingInterval: options.pollingIntervalMs ?? 1_000 });
}

/**
 * The RPC URL behind a client (for {@link translateEvmError} to remove it verbatim), if its transport has one.
 *
 * @example const url = rpcUrlOf(client);
 */
export function rpcUrlOf(client: { transport: unknown }): string | undefined {
  const transport = client.transport;
  if (typeof transport !== "object" || transport === null || !("url" in transport)) return undefined;
  return typeof transport.url === "string" ? transport.url : undefined;
}
