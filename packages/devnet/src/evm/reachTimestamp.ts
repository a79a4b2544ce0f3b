import type { DevnetClients } from "./devnetClients.ts";

/**
 * Makes an anvil chain's latest block at least `timestamp` (unix seconds): when its clock is behind, the next block
 * gets exactly `timestamp` and anvil's clock runs on from there; a chain already there is left alone. Each anvil
 * keeps its own clock, so a time taken from one chain (a model's genesis on the home chain) may not have come yet on
 * another.
 *
 * @example await reachTimestamp(devnet.evm.clients(31337), BigInt(model.genesis));
 */
export async function reachTimestamp(clients: DevnetClients, timestamp: bigint): Promise<void> {
  const latest = await clients.publicClient.getBlock({ blockTag: "latest" });
  if (latest.timestamp >= timestamp) return;
  const test = clients.anvil();
  await test.setNextBlockTimestamp({ timestamp });
  await test.mine({ blocks: 1 });
}
