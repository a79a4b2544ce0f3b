/**
 * The status read model's port: what `@slabridge/status` reads from one chain. Every method only reads. The EVM
 * implementation scans escrow, registry and oracle logs; the Solana one reads the payment store and the vault's
 * outflows. The read model itself never sees a chain SDK.
 */
import type { Hex } from "../hex/hex.ts";
import type { TransportName } from "../jobs/jobTypes.ts";
import type { SlaTerms } from "../sla/types.ts";

/** The recorded verdict of an epoch and the evidence behind it. */
export interface VerdictView {
  readonly refundBps: number;
  /** EIP-712 digest of the report the probers signed. */
  readonly reportHash: Hex;
  readonly samplesRoot: Hex;
  /** Unix seconds of the recording block. */
  readonly recordedAt: bigint;
  /** The report's figures, from the `VerdictRecorded` event. */
  readonly report: {
    readonly p50Ms: number;
    readonly p95Ms: number;
    readonly p99Ms: number;
    readonly uptimeBps: number;
    readonly sampleCount: number;
    /** Paid calls' usage records the verdict took as evidence, and their Merkle root. */
    readonly receiptCount: number;
    readonly receiptsRoot: Hex;
  } | null;
  /** The home chain transaction that recorded it (null if its log was not found). */
  readonly transaction: { readonly chainId: number; readonly hash: Hex; readonly blockNumber: bigint } | null;
  /**
   * The prober signatures of that transaction's `submitReport` calldata, with the signer each recovers to from
   * `reportHash`; null when the transaction is not a direct `submitReport` call (e.g. through a multicall).
   */
  readonly signatures: readonly { readonly signature: Hex; readonly signer: Hex }[] | null;
}

/** One cross-chain message the home chain sent for an epoch (a verdict or a payout), as its transport names it. */
export interface SentMessageView {
  readonly message: "Verdict" | "Payout";
  readonly destinationChainId: number;
  readonly transport: TransportName;
  /** LayerZero GUID, or the Wormhole VAA id `chain/emitterHex64/sequence`. */
  readonly messageId: string;
  readonly sourceChainId: number;
  readonly sourceTransaction: Hex;
  readonly payout?: { readonly payoutIndex: number; readonly payee: Hex; readonly shareBps: number };
  /** The id of the relay job that delivers it (the job store says how far it got). */
  readonly jobId: string;
}

/** A transfer an escrow made for the epoch. */
export interface EvmTransferView {
  readonly amount: bigint;
  readonly transaction: Hex;
  readonly blockNumber: bigint;
}

/** An EVM payment chain's escrow record of the epoch and the transfers it made. */
export interface EvmSettlementView {
  readonly family: "evm";
  readonly chainId: number;
  readonly name: string;
  readonly escrow: Hex;
  /** False when the model was never listed on this escrow (then nothing else is reported). */
  readonly listed: boolean;
  readonly status?: "open" | "settled" | "released";
  readonly paid?: bigint;
  readonly payments?: number;
  readonly receiptsRelayed?: number;
  readonly receiptBatches?: number;
  readonly refundCursor?: number;
  readonly refundBps?: number;
  readonly refunded?: bigint;
  readonly paidOut?: bigint;
  readonly paidOutBps?: number;
  readonly verdictApplied?: { readonly transaction: Hex; readonly blockNumber: bigint } | null;
  readonly refunds?: readonly (EvmTransferView & { readonly paymentIndex: bigint; readonly buyer: Hex })[];
  readonly release?: EvmTransferView | null;
  readonly payouts?: readonly (EvmTransferView & {
    readonly payoutIndex: number;
    readonly payee: Hex;
    readonly shareBps: number;
  })[];
}

/** One Solana transfer out of the vault for a (model, epoch): a refund to a buyer or a payout to a payee. */
export interface SolanaSettlementTransfer {
  /** The refunded payment's id (refunds) or the payout index (payouts), as the memo names it. */
  readonly reference: string;
  /** Recipient token account owner (base58). */
  readonly recipient: string;
  /** Stablecoin base units. */
  readonly amount: bigint;
  /** Transaction signature. */
  readonly signature: string;
  readonly slot: bigint;
}

/** Solana's payments of the epoch (payment store) and the vault's refund and payout transfers. */
export interface SolanaSettlementView {
  readonly family: "solana";
  readonly chainId: number;
  readonly payments: readonly {
    readonly paymentId: string;
    readonly buyer: string;
    readonly amount: bigint;
    readonly transaction: string;
  }[];
  readonly paid: bigint;
  /** "none" until a Solana settlement reader is wired; then refunds and payouts are its findings. */
  readonly reader: "none" | "wired";
  readonly refunds: readonly SolanaSettlementTransfer[] | null;
  readonly payouts: readonly SolanaSettlementTransfer[] | null;
}

/** A payment chain's settlement of one epoch, in its family's terms (tagged by `family`). */
export type EpochSettlementView = EvmSettlementView | SolanaSettlementView;

/** The host bond of a model as an epoch's status shows it (stablecoin base units). */
export interface EpochBondView {
  /** What is left of the host's bond now. */
  readonly amount: bigint;
  /** The epoch from which an unlock takes effect (0: none requested). */
  readonly unlockEpoch: bigint;
  /** Whether the bond settled this epoch (slashed it, or found nothing to slash). */
  readonly settled: boolean;
  /** What this epoch's breach took from the bond. */
  readonly slashed: bigint;
  /** Each payment chain's part of the slash, paid to its buyers on top of their refunds. */
  readonly topUps: readonly { readonly chainId: number; readonly amount: bigint }[];
}

/** One (model, epoch) to read, with the verdict's refund share when there is a verdict. */
export interface EpochSettlementQuery {
  readonly modelId: bigint;
  readonly epoch: bigint;
  readonly refundBps: number | undefined;
  /**
   * The verdict's bond top-up for this chain's buyers (the Verdict message's `topUp`, home `HostBond.topUpOf`), when
   * known; absent or undefined: none is expected (and none is reported apart from the refunds).
   */
  readonly topUp?: bigint | undefined;
}

/** {@link EpochSettlementQuery} with the epoch's split table, which tells a chain which payouts are its own. */
export interface EpochMoneyQuery extends EpochSettlementQuery {
  /** The home registry's `payees(modelId, epoch)` in table order (undefined: not known yet). */
  readonly payees: readonly { readonly chain: number; readonly account: Hex; readonly shareBps: number }[] | undefined;
}

/** The money of one (model, epoch) on one payment chain, the same for every family (stablecoin base units). */
export interface EpochMoneyView {
  readonly chainId: number;
  /** What buyers paid in. */
  readonly paid: bigint;
  /** What went back to buyers so far (their refunds, without the bond top-up). */
  readonly refunded: bigint;
  /**
   * What buyers got so far as their shares of the verdict's bond top-up, on top of `refunded` (reported by a chain
   * that pays the top-up with the refunds once the query gives it; absent otherwise).
   */
  readonly topUpPaid?: bigint;
  /** What this chain paid out to payees so far. */
  readonly paidOut: bigint;
  /** Every payment got its refund share back (false until the verdict reached the chain). */
  readonly refundsDone: boolean;
  /**
   * What the chain released to the split table (paid − refunded), once it made every payout that is its own to
   * make; undefined before. Shares of payees elsewhere are then held for netting.
   */
  readonly released: bigint | undefined;
}

/** A payment chain's part: what was paid for an epoch there, and what was refunded, released and paid out. */
export interface EpochSettlementReader {
  /** The chain's settlement of the epoch in its family's terms, with its evidence. */
  epochSettlement(query: EpochSettlementQuery): Promise<EpochSettlementView>;
  /** The epoch's money on the chain in the terms every family shares (no evidence, cheaper to read). */
  epochMoney(query: EpochMoneyQuery): Promise<EpochMoneyView>;
}

/** The home chain's part: the models' registry (hosts, epochs, terms), the oracle's verdicts, messages sent. */
export interface HomeChainStatusReader {
  /** Unix seconds of the chain's latest block. */
  latestTimestamp(): Promise<bigint>;
  currentEpoch(modelId: bigint): Promise<bigint>;
  /** The host the probers measure (`hostOf`): its endpoint as registered and its signer. */
  host(modelId: bigint): Promise<{ readonly endpoint: string; readonly signer: Hex }>;
  /** Unix seconds at which the epoch starts and ends. */
  epochWindow(modelId: bigint, epoch: bigint): Promise<{ readonly startsAt: bigint; readonly endsAt: bigint }>;
  /** The SLA terms in force in the epoch. */
  slaTerms(modelId: bigint, epoch: bigint): Promise<SlaTerms>;
  /** The recorded verdict with its evidence, or null before one is recorded. */
  verdict(modelId: bigint, epoch: bigint): Promise<VerdictView | null>;
  /**
   * The host bond behind the model and what it paid for the epoch, or null when the deployment has no HostBond.
   * `chainIds`: the payment chains whose top-ups to report.
   */
  bond?(modelId: bigint, epoch: bigint, chainIds: readonly number[]): Promise<EpochBondView | null>;
  /** The verdict and payout messages published for the epoch from `fromBlock` on (the verdict's block). */
  messagesSent(query: {
    readonly modelId: bigint;
    readonly epoch: bigint;
    readonly fromBlock: bigint;
  }): Promise<SentMessageView[]>;
}

/**
 * What the status read model reads from one chain of the deployment: its settlement of an epoch when it takes
 * payments, and, when it is a home chain, the models, their terms and verdicts and the messages it sent. Raw chain
 * errors come out translated (typed `SlabridgeError`s, retryable or not, URLs scrubbed).
 *
 * @example
 * ```ts
 * const reader: ChainStatusReader = {
 *   chainId: 31_337,
 *   name: "evm-a",
 *   settlement: {
 *     epochSettlement: async ({ modelId, epoch }) => readEscrow(modelId, epoch),
 *     epochMoney: async ({ modelId, epoch }) => escrowMoney(modelId, epoch),
 *   },
 * };
 * ```
 */
export interface ChainStatusReader {
  readonly chainId: number;
  readonly name: string;
  /** Present on payment chains (an escrow, a vault). */
  readonly settlement?: EpochSettlementReader;
  /** Present on a home chain (registry and oracle). */
  readonly home?: HomeChainStatusReader;
}
