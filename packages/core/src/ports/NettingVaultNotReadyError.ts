import { SlabridgeError } from "../errors/SlabridgeError.ts";

/**
 * A netting vault cannot do a step now: it has unmined transactions (an earlier run's send is still pending), or it
 * holds less than it must pay (a bridge transfer not delivered yet, inventory to top up). Retryable: nothing was
 * sent by the call that threw. Thrown by every chain family's netting vault.
 *
 * @example
 * ```ts
 * try { await runNettingRound(input); } catch (e) { if (e instanceof NettingVaultNotReadyError) retryLater(); }
 * ```
 */
export class NettingVaultNotReadyError extends SlabridgeError {
  override readonly name = "NettingVaultNotReadyError" as const;
  readonly chainId: number;
  constructor(chainId: number, reason: string) {
    super(`Netting vault on chain ${chainId} is not ready: ${reason}.`, { retryable: true });
    this.chainId = chainId;
  }
}
