import { devnetStablecoinAbi } from "@slabridge/contracts";
import { createDevnetClients, deployDevnetStablecoin, startAnvil } from "@slabridge/devnet";
import {
  type Address,
  createPublicClient,
  createTestClient,
  custom,
  type EIP1193RequestFn,
  type Hash,
  http,
} from "viem";
import { createEvmChainClient, type EvmChainClient } from "../createEvmChainClient.ts";

/** Counts JSON-RPC calls by method and lets a test run a hook before one is forwarded. */
export interface RpcTap {
  counts: Map<string, number>;
  count(method: string): number;
  before?: ((method: string, params: unknown) => Promise<void>) | undefined;
}

/**
 * Test fixture: one anvil with the devnet stablecoin deployed and minted to the first dev account, a slabridge
 * client on it, anvil test actions, and a tapped client that counts requests.
 *
 * @example const chain = await startTestChain(); await chain.transfer(1n); await chain.stop();
 */
export async function startTestChain(chainId = 31_337) {
  const anvil = await startAnvil({ chainId });
  const client = createEvmChainClient({ chainId, rpcUrl: anvil.rpcUrl, pollingIntervalMs: 20 });
  const devnet = createDevnetClients({ rpcUrl: anvil.rpcUrl, chainId });
  const [deployer, other] = await devnet.accounts();
  if (deployer === undefined || other === undefined) throw new Error("anvil has no dev accounts");
  const token = await deployDevnetStablecoin({ clients: devnet, deployer, fund: [deployer] });
  const test = createTestClient({ mode: "anvil", chain: client.chain, transport: http(anvil.rpcUrl) });

  const tap: RpcTap = {
    counts: new Map(),
    count: (method) => tap.counts.get(method) ?? 0,
  };
  const request = client.request as EIP1193RequestFn;
  // Same chain object; the transport is a counting pass-through to the real client.
  const tappedClient: EvmChainClient = createPublicClient({
    chain: client.chain,
    pollingInterval: 20,
    transport: custom(
      {
        request: async (args: { method: string; params?: unknown }) => {
          tap.counts.set(args.method, tap.count(args.method) + 1);
          await tap.before?.(args.method, args.params);
          // Retries are the tapped client's own (configured per call), never the inner client's on top.
          return await request(args as never, { retryCount: 0 });
        },
      },
      { retryCount: 0 },
    ),
  });

  /**
   * Sends `amount` of the stablecoin from the deployer to `other` (one transaction, one Transfer log) and waits until
   * it is mined, so a head read right after includes its block (anvil may answer the send before it mines).
   */
  const transfer = async (amount: bigint, from: Address = deployer): Promise<Hash> => {
    const hash = await devnet.wallet(from).writeContract({
      address: token.address,
      abi: devnetStablecoinAbi,
      functionName: "transfer",
      args: [other, amount],
    });
    await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    return hash;
  };

  return {
    anvil,
    client,
    tap,
    tappedClient,
    test,
    devnet,
    deployer,
    other,
    token: token.address,
    transfer,
    transferEvents: devnetStablecoinAbi.filter((item) => item.type === "event" && item.name === "Transfer"),
    head: () => client.getBlockNumber({ cacheTime: 0 }),
    stop: () => anvil.stop(),
  };
}

/** The fixture's type. */
export type TestChain = Awaited<ReturnType<typeof startTestChain>>;
