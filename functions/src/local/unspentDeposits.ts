import { x402BatchSettlementAbi } from "@slabridge/contracts";
import { type Devnet, devnetChainsOf } from "@slabridge/devnet";
import type { Hex, PublicClient } from "viem";

/**
 * What each x402 buyer (a demo buyer or a prober's payer) still holds in its channels now (deposited, not claimed: `balance - totalClaimed` on the
 * channel contract), by chain and buyer: the buyer's money outside its wallet, which its account proof counts.
 *
 * @example const unspent = await unspentDeposits(devnet, clients, buyers.calls); unspent.get(31337)?.get(buyer);
 */
export async function unspentDeposits(
  devnet: Devnet,
  clients: ReadonlyMap<number, PublicClient>,
  calls: ReadonlyArray<{ chainId: number; buyer: string; channelId?: Hex | undefined }>,
): Promise<Map<number, Map<string, bigint>>> {
  const channels = new Map<string, { chainId: number; buyer: string; channelId: `0x${string}` }>();
  for (const call of calls) {
    if (call.channelId)
      channels.set(`${call.chainId}:${call.channelId}`, {
        chainId: call.chainId,
        buyer: call.buyer,
        channelId: call.channelId,
      });
  }
  const unspent = new Map<number, Map<string, bigint>>();
  for (const { chainId, buyer, channelId } of channels.values()) {
    const chain = devnetChainsOf(devnet.manifest).evm.find((c) => c.chainId === chainId);
    const client = clients.get(chainId);
    const contract = chain?.contracts.x402Channels;
    if (!client || !contract) continue;
    const [balance, totalClaimed] = await client.readContract({
      address: contract,
      abi: x402BatchSettlementAbi,
      functionName: "channels",
      args: [channelId],
    });
    const byBuyer = unspent.get(chainId) ?? new Map<string, bigint>();
    byBuyer.set(buyer, (byBuyer.get(buyer) ?? 0n) + balance - totalClaimed);
    unspent.set(chainId, byBuyer);
  }
  return unspent;
}
