import { createEvmChainClient, readRecordedVerdict } from "@slabridge/evm";
import type { ReadOnChainVerdict } from "@slabridge/verify";

/**
 * `verify`'s home-chain reads over one RPC URL: a read-only client bound to the bundle's chain id (the adapter checks
 * the RPC serves that chain) and `readRecordedVerdict`. Loopback only unless `allowNonLoopback` (the buyer named the
 * URL).
 *
 * @example const readVerdict = readVerdictOverRpc("http://127.0.0.1:8546");
 */
export function readVerdictOverRpc(rpcUrl: string, options: { allowNonLoopback?: boolean } = {}): ReadOnChainVerdict {
  return ({ chainId, oracle, modelId, epoch }) => {
    const client = createEvmChainClient({
      chainId,
      rpcUrl,
      name: `home-${chainId}`,
      ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
    });
    return readRecordedVerdict(client, { oracle, modelId, epoch });
  };
}
