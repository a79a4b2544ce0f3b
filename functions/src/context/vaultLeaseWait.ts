import { type Clock, LeaseHeldError, type SettlementTarget } from "@slabridge/core";
import { VaultSendInFlightError } from "@slabridge/solana";

/**
 * A settlement target whose vault-lease waits are {@link LeaseHeldError}s: the Solana vault's send lease answers a
 * worker that finds another send in flight (a slow refund, a payout) with `VaultSendInFlightError`, which the relay
 * engine would count as a failed attempt, so a settle job behind a refund holding the lease for its 90 s guard ran out
 * of attempts within seconds and was dead-lettered. As a lease wait the job is parked for `pollMs` and asks again,
 * spending nothing. Other targets (EVM escrows) pass through unchanged.
 *
 * @example settlementTargets.set(chain.chainId, waitOnVaultLease(chain.settlement, clock, config.retry.tiersMs[0]));
 */
export function waitOnVaultLease(target: SettlementTarget, clock: Clock, pollMs = 1_000): SettlementTarget {
  const waiting = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof VaultSendInFlightError) {
        throw new LeaseHeldError(error.shortMessage, clock.now() + pollMs, { cause: error });
      }
      throw error;
    }
  };
  return {
    chainId: target.chainId,
    state: (modelId, epoch) => target.state(modelId, epoch),
    refundNext: (modelId, epoch, maxPayments) => waiting(() => target.refundNext(modelId, epoch, maxPayments)),
    release: (modelId, epoch) => waiting(() => target.release(modelId, epoch)),
  };
}
