/** One entry of a model's payee table (`ModelRegistry.payees(modelId, epoch)`), in payout-index order. */
export interface SettlementPayee {
  /** slabridge chain id the payee is paid on. */
  chain: number;
  /**
   * The payee's account on that chain, in one canonical spelling (lower-case 0x address on EVM, base58 on Solana):
   * amounts of equal (chain, account) pairs are added up.
   */
  account: string;
  shareBps: number;
  /** The payee's role (`PayeeRole`), carried through for records only. */
  role?: number;
}

/** What one (model, epoch) released on each payment chain it was sold on. */
export interface EpochRelease {
  modelId: bigint;
  epoch: bigint;
  payees: readonly SettlementPayee[];
  /** Released amount R_c per payment chain c (base units). */
  released: ReadonlyMap<number, bigint>;
  /**
   * Per payment chain, the payout index that took the rounding dust when the escrow's payouts arrived out of index
   * order (see `releaseFromPayouts`); absent: the entry completing 10,000 bps in index order.
   */
  dustIndex?: ReadonlyMap<number, number>;
}

/** One payee's share of one chain's release. */
export interface PayeeShare {
  modelId: bigint;
  epoch: bigint;
  payoutIndex: number;
  /** The payment chain whose escrow released it. */
  sourceChain: number;
  payee: SettlementPayee;
  amount: bigint;
  /** Whether the escrow paid it directly (payee's chain is the source chain) or to the source chain's vault. */
  via: "direct" | "vault";
}

/** What a netting vault owes one payee on the vault's chain, summed over the round. */
export interface VaultPayout {
  chain: number;
  account: string;
  amount: bigint;
}

/** Where a chain's vault stands: what it received (holdings), what it must pay out (obligations), the difference. */
export interface VaultPosition {
  chain: number;
  holdings: bigint;
  obligations: bigint;
  /** holdings − obligations: positive = surplus to send out, negative = deficit to receive. */
  net: bigint;
}

/** Value one vault sends another so both can pay their payees. */
export interface VaultTransfer {
  from: number;
  to: number;
  amount: bigint;
}

/** The netting plan of one settlement round. */
export interface NettingPlan {
  /** Every payee's share on every chain (direct and via vault), for records and audits. */
  shares: PayeeShare[];
  /** What each vault pays each payee on its own chain, one entry per (chain, account), amount > 0. */
  payouts: VaultPayout[];
  /** One position per chain that appears in the round, sorted by chain id. */
  positions: VaultPosition[];
  /** Surplus -> deficit transfers; at most (number of chains − 1); each amount > 0. */
  transfers: VaultTransfer[];
}
