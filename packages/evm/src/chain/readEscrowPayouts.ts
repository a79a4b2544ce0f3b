import { escrowAbi } from "@slabridge/contracts";
import type { PaidOutEvent } from "@slabridge/core";
import type { Address, PublicClient } from "viem";

/** Where to read one (model, epoch)'s payouts on one payment chain. */
export interface ReadEscrowPayoutsInput {
  chainId: number;
  client: PublicClient;
  escrow: Address;
  modelId: bigint;
  epoch: bigint;
  /** A block at or before the epoch's release (default 0). */
  fromBlock?: bigint;
}

/**
 * The escrow's `PaidOut` events of one (model, epoch) on one payment chain, as core's {@link PaidOutEvent}s for
 * `releaseFromPayouts` (which checks them against the payee table and sums what the chain's vault received).
 *
 * @example
 * ```ts
 * const events = await readEscrowPayouts({ chainId: 31337, client, escrow, modelId: 2n, epoch: 7n });
 * const { release, vaultReceived } = releaseFromPayouts(2n, 7n, payees, events, vaults);
 * ```
 */
export async function readEscrowPayouts(input: ReadEscrowPayoutsInput): Promise<PaidOutEvent[]> {
  const logs = await input.client.getContractEvents({
    address: input.escrow,
    abi: escrowAbi,
    eventName: "PaidOut",
    args: { modelId: input.modelId, epoch: input.epoch },
    fromBlock: input.fromBlock ?? 0n,
    toBlock: "latest",
  });
  const events: PaidOutEvent[] = [];
  for (const log of logs) {
    const { modelId, epoch, payoutIndex, payee, shareBps, amount } = log.args;
    if (
      modelId === undefined ||
      epoch === undefined ||
      payoutIndex === undefined ||
      payee === undefined ||
      shareBps === undefined ||
      amount === undefined
    ) {
      continue;
    }
    events.push({ chain: input.chainId, modelId, epoch: BigInt(epoch), payoutIndex, payee, shareBps, amount });
  }
  return events;
}
