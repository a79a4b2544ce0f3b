import { BPS, type Hex, topUpShares } from "@slabridge/core";
import { PublicKey } from "@solana/web3.js";

const BIG_BPS = BigInt(BPS);

/** One entry of a model's split table (ModelRegistry `payees(modelId, epoch)`), in table order. */
export interface SplitEntry {
  /** slabridge chain id the payee is paid on. */
  chain: number;
  /** bytes32: a Solana owner's public key for Solana entries, a left-padded address for EVM ones. */
  account: Hex;
  shareBps: number;
}

/** Inputs of {@link planSolanaSettlement}. */
export interface PlanSolanaSettlementInput {
  /** Every Solana payment of the (model, epoch). */
  payments: readonly { paymentId: Hex; amount: bigint }[];
  /** From the verified verdict. */
  refundBps: number;
  /** The verified verdict's bond top-up for Solana's buyers (default 0): shared over the payments on top of refunds. */
  topUp?: bigint;
  payees: readonly SplitEntry[];
  solanaChainId: number;
}

/** What one (model, epoch) owes on Solana, derived from its payments, verdict and split table alone. */
export interface SolanaSettlementPlan {
  /** Paid into the vault. */
  paid: bigint;
  /** Owed back to buyers out of what they paid: the sum of each payment's floor(amount × refundBps / 10,000). */
  refunded: bigint;
  /** paid − refunded: what the split table divides (the top-up is not revenue). */
  released: bigint;
  /** The bond top-up paid to buyers on top of their refunds (out of the vault's balance, not the epoch's money). */
  topUp: bigint;
  /**
   * One per payment with a non-zero refund or top-up share, in paymentId order: its refund plus its share of `topUp`
   * (`topUpShares` over every payment in that order), sent as one transfer.
   */
  refunds: { paymentId: Hex; amount: bigint }[];
  /** One per Solana entry of the split table with a non-zero share, in table order. */
  payouts: { index: number; owner: string; amount: bigint }[];
  /** Sum of `payouts`: paid out of the vault on Solana. */
  paidLocally: bigint;
  /** released − paidLocally: the shares of payees on other chains, which stay in the vault for netting. */
  heldForOtherChains: bigint;
}

/**
 * The Solana side of settling a (model, epoch), with the EVM escrow's rounding: each payment refunds
 * floor(amount × refundBps / 10,000); the released rest is split by the table, each share
 * floor(released × shareBps / 10,000), except that the last entry, which completes 10,000 bps, takes the rounding
 * dust (released minus every other share). Only Solana entries are paid here; the rest is held for other chains.
 * A verdict's bond top-up is shared over the payments in paymentId order by the escrow's cumulative rule
 * (`topUpShares`: the shares sum to exactly `topUp`) and added to each payment's refund; it changes nothing else.
 *
 * @example
 * ```ts
 * const plan = planSolanaSettlement({ payments, refundBps: 2_500, topUp: 300n, payees, solanaChainId: SOLANA_CHAIN_ID });
 * plan.payouts; // [{ index: 1, owner: "9xQe…", amount: 1_012n }]
 * plan.refunds; // each payment's floor(25 %) plus its share of the 300 top-up
 * ```
 */
export function planSolanaSettlement(input: PlanSolanaSettlementInput): SolanaSettlementPlan {
  if (!Number.isInteger(input.refundBps) || input.refundBps < 0 || input.refundBps > BPS) {
    throw new RangeError(`refundBps ${input.refundBps} is outside 0..10000`);
  }
  const bps = BigInt(input.refundBps);
  const payments = [...input.payments].sort((a, b) => compare(a.paymentId.toLowerCase(), b.paymentId.toLowerCase()));
  const paid = payments.reduce((sum, p) => sum + p.amount, 0n);
  const bases = payments.map((p) => (p.amount * bps) / BIG_BPS);
  const refunded = bases.reduce((sum, r) => sum + r, 0n);
  const shares = topUpShares(
    input.topUp ?? 0n,
    payments.map((p) => p.amount),
  );
  const topUp = shares.reduce((sum, s) => sum + s, 0n);
  const refunds = payments.map((p, i) => ({ paymentId: p.paymentId, amount: (bases[i] ?? 0n) + (shares[i] ?? 0n) }));
  const released = paid - refunded;
  const split = splitShares(released, input.payees);
  const payouts = input.payees.flatMap((entry, index) => {
    const amount = split[index] ?? 0n;
    if (entry.chain !== input.solanaChainId || amount === 0n) return [];
    return [{ index, owner: new PublicKey(hexBytes(entry.account)).toBase58(), amount }];
  });
  const paidLocally = payouts.reduce((sum, p) => sum + p.amount, 0n);
  return {
    paid,
    refunded,
    released,
    topUp,
    refunds: refunds.filter((r) => r.amount > 0n),
    payouts,
    paidLocally,
    heldForOtherChains: released - paidLocally,
  };
}

/** Each entry's share of `released`; the last takes the dust when the table sums to 10,000 bps. */
function splitShares(released: bigint, payees: readonly SplitEntry[]): bigint[] {
  const shares = payees.map((p) => (released * BigInt(p.shareBps)) / BIG_BPS);
  const total = payees.reduce((sum, p) => sum + p.shareBps, 0);
  if (payees.length > 0 && total === BPS) {
    const others = shares.slice(0, -1).reduce((sum, s) => sum + s, 0n);
    shares[shares.length - 1] = released - others;
  }
  return shares;
}

function hexBytes(hex: Hex): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new RangeError(`payee account ${hex} is not 32 bytes`);
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
