import type { ChainFamilyName } from "../config/deploymentManifest.ts";
import type { Hex } from "../hex/hex.ts";
import type { Job, JobSource, TransportName } from "../jobs/jobTypes.ts";
import type { ChainNetting } from "./NettingVault.ts";
import type { PayoutPublisher } from "./PayoutPublisher.ts";
import type { ReceiptSource } from "./ReceiptSource.ts";
import type { SettlementTarget } from "./SettlementTarget.ts";
import type { VerdictSource } from "./VerdictSource.ts";

export type { ChainFamilyName } from "../config/deploymentManifest.ts";

/** What one watch pass over a chain did. JSON-safe (a Lambda result): counts, and strings for anything bigger. */
export interface ChainWatchResult {
  readonly chain: string;
  readonly chainId: number;
  readonly family: ChainFamilyName;
  /** Deliver-message jobs created: slabridge messages that left this chain for a chain a messenger delivers to. */
  readonly messages: number;
  /** Relay-receipts jobs created: one per model per epoch that ended on this payment chain. */
  readonly receiptJobs: number;
  /** Refund jobs created from verdicts this chain applied. */
  readonly refundJobs: number;
  /** Settle jobs (release, then payouts) created from the same verdicts. */
  readonly settleJobs: number;
  /**
   * Jobs created on other chains from messages this chain sent them, where the destination takes the message itself
   * instead of a messenger delivering it (the home chain's verdicts to Solana become Solana refund and settle jobs).
   */
  readonly forwardedJobs: number;
  /** Payments the pass recorded itself (a chain whose payments no escrow counts: the Solana vault). */
  readonly payments: number;
  /** Blocks rewound after a reorg behind the cursor, if the pass found one (decimal string). */
  readonly reorg?: string;
  /** Family-specific figures of the pass (the Solana vault's outflows, the emitter's next sequence, ...). */
  readonly details?: Readonly<Record<string, number | string>>;
}

/** A (model, epoch) on a chain whose verdict is applied (or due), and where its jobs were found. */
export interface SettlementJobRef {
  modelId: bigint;
  epoch: bigint;
  /** The log or mark the jobs record as their source (the watcher's log, or the settlement sweep's marker). */
  source: JobSource;
}

/**
 * A slabridge message another chain sent to this one over `transport`, handed to this chain's adapter because no
 * messenger delivers it here (see {@link ChainAdapter.receive}).
 */
export interface InboundMessage {
  transport: TransportName;
  /** The slabridge message (codec bytes), not yet verified: adapters use it only to route. */
  message: Hex;
  /** The transport's id of the message (a Wormhole VAA id `chain/emitter/sequence`). */
  messageId: string;
  /** The log it left its source chain in. */
  source: JobSource;
}

/**
 * The chain-family port: everything the relay, the settlement sweeps and the workflows need from one chain of the
 * deployment, implemented once per family (`createEvmChain` in `@slabridge/evm`, `createSolanaChain` in
 * `@slabridge/solana`) and picked per manifest chain by one switch in the wiring. What a chain cannot do is absent
 * (a chain without an escrow has no settlement target; only the home chain publishes payouts).
 *
 * @example
 * for (const chain of chains) {
 *   const result = await chain.watch(); // { chain: "evm-a", messages: 1, receiptJobs: 2, ... }
 *   if (chain.settlement) await chain.settlement.state(2n, 41n);
 * }
 */
export interface ChainAdapter {
  readonly family: ChainFamilyName;
  /** slabridge chain id (the EVM chain id; SOLANA_CHAIN_ID on the devnet's Solana). */
  readonly chainId: number;
  /** The manifest's name of the chain (logs, results). */
  readonly name: string;
  /**
   * One watch pass: reads past its cursors, records what the chain alone knows (Solana payments), creates the jobs
   * it finds (deliver-message, relay-receipts, refund, settle) and enqueues them through the engine. Job ids are
   * deterministic, so a rescan or a duplicate pass creates nothing twice.
   */
  watch(): Promise<ChainWatchResult>;
  /**
   * The refund and settle jobs of (model, epoch) on this chain, with the ids and shape the watcher gives them; the
   * settlement sweeps create them when a watcher missed them.
   */
  settlementJobs(ref: SettlementJobRef): { refund: Job; settle: Job };
  /**
   * Takes a message sent to this chain that no messenger delivers (Solana runs no Wormhole program: a verdict VAA
   * becomes its refund and settle jobs). Absent where messengers deliver. Resolves with the jobs created.
   */
  receive?(message: InboundMessage): Promise<number>;
  /** Receipts of this payment chain's payments (absent on a chain without payments). */
  readonly receipts?: ReceiptSource;
  /** Refunds and releases on this payment chain (absent without an escrow, or keys to move the vault). */
  readonly settlement?: SettlementTarget;
  /** The verdicts this chain acts on, where its adapter verifies them itself (Solana). */
  readonly verdicts?: VerdictSource;
  /** Payouts published by the home chain (the home EVM chain only). */
  readonly payouts?: PayoutPublisher;
  /** Its part in netting rounds (absent on a chain that takes no part). */
  readonly netting?: ChainNetting;
  /**
   * What each key that pays this chain's fees holds of the native token, so operators are told before a key runs dry
   * (absent on a chain whose adapter sends nothing).
   */
  signerBalances?(): Promise<readonly SignerBalance[]>;
}

/** One fee-paying key's native balance on a chain. */
export interface SignerBalance {
  /** The key's role: `relayer` (relays, refunds, releases, deliveries) or `dvn`. */
  readonly role: string;
  readonly address: string;
  /** In whole units of the native token (ETH, or the chain's gas token): what an alarm floor is written in. */
  readonly balance: number;
}
