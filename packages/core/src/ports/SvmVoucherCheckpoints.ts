/**
 * The Solana voucher checkpoints port: per (chain, model, epoch, channel), the latest SVM batch-settlement voucher a
 * gateway accepted and what it charged against it. Apart from the EVM port because nothing of an EVM channel applies:
 * the channel is a buyer's SPL delegate approval of the vault multisig (one vault for every model, so a checkpoint is
 * keyed by model, not by receiver), keys are base58 and the voucher is ed25519. At an epoch's end the Solana receipt
 * source pulls each channel's charged delta into the vault (`claimSolanaVouchers`).
 */

/** The latest SVM voucher a gateway accepted on one channel within one epoch. */
export interface SvmVoucherCheckpoint {
  chainId: number;
  modelId: bigint;
  epoch: bigint;
  /** 32 bytes as 64 lowercase hex (no 0x): the channel id the voucher signs. */
  channelId: string;
  /** The buyer (base58), who signed the voucher. */
  payer: string;
  /** The buyer's token account the vault multisig is the delegate of (base58). */
  tokenAccount: string;
  /** The channel's salt, 64 lowercase hex. */
  salt: string;
  /** The cumulative amount the voucher signs for (the last call's ceiling included). */
  signedCumulative: bigint;
  /** The voucher's ed25519 signature, 128 lowercase hex. */
  signature: string;
  /** The charged cumulative after the epoch's last charged call (<= signedCumulative): what the claim pulls up to. */
  totalClaimed: bigint;
  updatedAt: number;
}

/**
 * SVM voucher checkpoints, each written only forward: a record whose `totalClaimed` is not above the stored one's is
 * a no-op, so concurrent gateway instances and retries keep the highest charged cumulative.
 *
 * @example
 * await svmCheckpoints.record(checkpoint); // false: a later voucher of this channel and epoch is stored already
 * const claims = await svmCheckpoints.list(SOLANA_CHAIN_ID, 2n, 41n);
 */
export interface SvmVoucherCheckpointStore {
  /** Records the checkpoint unless the stored one for (chainId, modelId, epoch, channelId) has a totalClaimed >= this one's; returns whether it wrote. */
  record(checkpoint: SvmVoucherCheckpoint): Promise<boolean>;
  /** Every checkpoint of (chainId, modelId, epoch), ordered by channelId. */
  list(chainId: number, modelId: bigint, epoch: bigint): Promise<SvmVoucherCheckpoint[]>;
}
