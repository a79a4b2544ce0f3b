/**
 * What netting needs of a chain: a vault the round's executor drives step by step (pay a payee, bridge a net
 * transfer to another vault), or a payer that settles a round's netted shares in one idempotent call, plus where the
 * chain stands with a (model, epoch). Chain families implement these (`@slabridge/evm`'s `EvmNettingVault`; the
 * Solana vault's payer); `@slabridge/netting` depends only on them.
 */
import type { Hex } from "../hex/hex.ts";

/** A step a vault did (now or in an earlier run). */
export interface VaultStepResult {
  transactionHash: Hex;
  /** False when the chain already showed the step done and nothing was sent. */
  sent: boolean;
}

/** Hooks for fault injection in tests and for logs. */
export interface VaultHooks {
  /** Called right after a step's transaction was broadcast, before its receipt is awaited. */
  afterBroadcast?: (stepId: Hex, hash: Hex) => void | Promise<void>;
}

/**
 * One chain's netting vault, driven step by step by a netting round. Every step carries a deterministic id
 * (`nettingStepId`) that the chain records with it, and the vault looks for that id before sending, so a step run
 * twice (a retry, a crash after broadcast, two racing workers) is done once. Implementations throw core's
 * `NettingVaultNotReadyError` (retryable, nothing sent) when a step cannot be done now and
 * `NettingTransactionRevertedError` when a step's transaction reverted.
 */
export interface NettingVault {
  readonly chainId: number;
  /** The vault's account on its chain (where other vaults bridge to). */
  readonly address: string;
  /** Whether `account` is spelled as an account of this chain (checked for every payee before anything is sent). */
  isAccount(account: string): boolean;
  /** The vault's stablecoin balance. */
  balance(): Promise<bigint>;
  /** The vault's recorded payout to `to` carrying `stepId`, if any. */
  findPayout(stepId: Hex, to: string): Promise<Hex | undefined>;
  /** Pays `amount` to `to` unless the chain shows step `stepId` done. */
  pay(stepId: Hex, to: string, amount: bigint, hooks?: VaultHooks): Promise<VaultStepResult>;
  /**
   * Sends `amount` to `recipient`, the vault on the chain of bridge endpoint `dstEid` (an OFT send: burnt here, minted
   * there), unless the chain shows step `stepId` done. Returns the bridge message's id (`guid`) for delivery.
   */
  bridge(
    stepId: Hex,
    dstEid: number,
    recipient: string,
    amount: bigint,
    hooks?: VaultHooks,
  ): Promise<VaultStepResult & { guid: Hex }>;
}

/** One payee's netted share as a round's outcome records it (JSON-safe: `amount` in decimal raw units). */
export interface NetPayout {
  chain: number;
  account: string;
  amount: string;
}

/** A netted share paid out of a vault (JSON-safe). */
export interface NetPayment {
  account: string;
  amount: string;
  /** The transaction that paid it. */
  signature: string;
}

/** What one {@link NettingPayer.pay} found and did. */
export interface NettingPayResult {
  /** Paid by this call. */
  paid: NetPayment[];
  /** Found already paid in the vault's history (an earlier call, a crashed run, a duplicate). */
  alreadyPaid: NetPayment[];
}

/**
 * Pays a netted round's payees on a chain whose vault is not driven step by step (the Solana vault's multisig): one
 * call per round, idempotent by the vault's own history, so a second call pays nothing. The payouts are named
 * `solanaPayouts` as in the round's recorded outcome.
 */
export interface NettingPayer {
  pay(round: { modelId: bigint; epoch: bigint; solanaPayouts: readonly NetPayout[] }): Promise<NettingPayResult>;
}

/** Where one chain stands with a (model, epoch): whether buyers paid there and whether its payouts are all made. */
export interface ChainNettingStatus {
  chainId: number;
  /** Buyers paid this chain's escrow (or vault) for the (model, epoch). */
  paid: boolean;
  /** Refunds done, the rest released and every payee's share paid out (EVM: `Released` and 10,000 bps paid out). */
  paidOut: boolean;
}

/** A vault a netting round drives step by step on its chain (see {@link ChainNetting.stepVault}). */
export interface NettingStepVault {
  /** The vault's account (what the registry's `nettingVault[chain]` pays). */
  readonly account: string;
  /** The chain's latest block: recorded as a round's `fromBlock` the first time the round is seen. */
  blockNumber(): Promise<bigint>;
  /** The vault for a round, searching its marked transactions from `fromBlock` (so a retry never pays twice). */
  open(fromBlock: bigint): NettingVault;
}

/**
 * One chain's part in netting, implemented once per family and exposed by its chain adapter
 * (`ChainAdapter.netting`): how the chain spells a payee, where it stands with a (model, epoch), and how its vault
 * takes part: driven step by step by the round (`stepVault`: EVM netting vaults) or paying its own payees in one
 * call per round (`paysOwnPayees`, with its `payer`: the Solana vault's multisig), whose legs the round leaves open.
 *
 * @example
 * for (const netting of chains.flatMap((c) => c.netting ?? [])) {
 *   const status = await netting.status(1n, 7n); // { chainId: 31337, paid: true, paidOut: true } or undefined
 *   netting.account(`0x${"00".repeat(12)}${"ab".repeat(20)}`); // "0xabab…ab" on EVM, base58 on Solana
 * }
 */
export interface ChainNetting {
  readonly chainId: number;
  /** A payee account of the home registry's split table (bytes32) as this chain spells it. */
  account(registryAccount: Hex): string;
  /** The model's latest epoch on this chain; absent where the chain does not count epochs itself (the Solana vault). */
  currentEpoch?(modelId: bigint): Promise<bigint>;
  /** Where the chain stands with the (model, epoch); undefined when it takes no part (no escrow, nothing paid). */
  status(modelId: bigint, epoch: bigint): Promise<ChainNettingStatus | undefined>;
  /** Its vault pays its own payees (legs to and from it stay open in every round; nothing is bridged to it). */
  readonly paysOwnPayees: boolean;
  /**
   * What the chain's vault released for the (model, epoch) by its own records (0n: nothing, or not known yet);
   * absent where the releases are read from the escrows' events.
   */
  released?(modelId: bigint, epoch: bigint): Promise<bigint>;
  /** Pays the round's netted shares of a vault that pays its own payees (absent without its keys). */
  readonly payer?: NettingPayer;
  /**
   * The vault the round drives step by step on this chain, or undefined when the deployment has no netting vault key
   * for it. Throws core's `InvalidNettingRoundError` when the key cannot be used or is not the vault's account.
   */
  stepVault?(): NettingStepVault | undefined;
}
