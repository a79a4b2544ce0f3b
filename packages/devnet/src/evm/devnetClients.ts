import { nodeHttpFetch } from "@slabridge/evm";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { EvmDevnetError } from "./EvmDevnetError.ts";

/** Public and wallet clients for one devnet chain, plus the unlocked dev accounts anvil exposes. */
export interface DevnetClients {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** Wallet client for `account` (an unlocked anvil address or a local viem account). */
  wallet(account: Account | Address): WalletClient<Transport, Chain, Account>;
  /** The node's unlocked accounts (`eth_accounts`); on anvil, its dev accounts in order. */
  accounts(): Promise<Address[]>;
  /** anvil's own methods (`anvil_setCode`, `evm_mine`, ...) on the same transport. */
  anvil(): TestClient<"anvil", Transport, Chain>;
}

// Automine answers in a few ms; viem's default 4 s polling would dominate every receipt wait.
const POLLING_MS = 25;

/**
 * Builds viem clients for a loopback devnet chain. The chain object carries only the given loopback URL, never
 * viem's built-in chain definitions (which list public RPC endpoints).
 *
 * @example const { publicClient, wallet } = createDevnetClients({ rpcUrl, chainId: 31337 });
 */
export function createDevnetClients(options: { rpcUrl: string; chainId: number; name?: string }): DevnetClients {
  const url = new URL(options.rpcUrl);
  if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost" && url.hostname !== "[::1]") {
    throw new EvmDevnetError("invalid-config", "devnet clients only talk to loopback RPC URLs");
  }
  const chain = defineChain({
    id: options.chainId,
    name: options.name ?? `slabridge-devnet-${options.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
    testnet: true,
  });
  const transport = http(options.rpcUrl, { retryCount: 0, fetchFn: nodeHttpFetch });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: POLLING_MS });
  return {
    chain,
    publicClient,
    wallet: (account) => createWalletClient({ chain, transport, account, pollingInterval: POLLING_MS }),
    accounts: () => createWalletClient({ chain, transport }).getAddresses(),
    anvil: () => createTestClient({ chain, mode: "anvil", transport }),
  };
}
