import { type ChainNetting, hexToBytes, type PaymentStore } from "@slabridge/core";
import { base58 } from "../base58.ts";
import type { SolanaSettlementTarget } from "./SolanaSettlementTarget.ts";

/** Options of {@link solanaChainNetting}. */
export interface SolanaChainNettingOptions {
  chainId: number;
  /** The vault's payments as the watcher recorded them (buyers paid the epoch here when there are any). */
  payments: Pick<PaymentStore, "listEpoch">;
  /** The vault's settlement target (absent without the RPC URL or the operator keys: payouts then stay owed). */
  settlement?: SolanaSettlementTarget | undefined;
}

/**
 * The Solana vault's part in netting: payees are base58 public keys (the registry's 32 bytes), the vault's own
 * records (multisig memos) say what it released and whether its payouts are made, and the vault pays its Solana
 * payees' netted shares itself (the settlement target's payer, same keys and send lease), so the round leaves its
 * legs open and bridges nothing to it.
 *
 * @example
 * const netting = solanaChainNetting({ chainId: SOLANA_CHAIN_ID, payments, settlement });
 * await netting.status(1n, 7n); // { chainId, paid: true, paidOut: false }, or undefined when nobody paid
 */
export function solanaChainNetting(options: SolanaChainNettingOptions): ChainNetting {
  const { chainId, payments, settlement } = options;
  return {
    chainId,
    paysOwnPayees: true,
    account: (registryAccount) => base58.encode(hexToBytes(registryAccount)),
    async status(modelId, epoch) {
      const paid = await payments.listEpoch(chainId, modelId, epoch);
      if (paid.length === 0) return undefined;
      const position = await settlement?.nettingPosition(modelId, epoch);
      return { chainId, paid: true, paidOut: position?.payoutsDone === true };
    },
    async released(modelId, epoch) {
      const position = await settlement?.nettingPosition(modelId, epoch);
      return position?.released ?? 0n;
    },
    ...(settlement ? { payer: settlement.nettingPayer() } : {}),
  };
}
