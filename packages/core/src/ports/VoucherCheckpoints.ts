/**
 * The voucher checkpoints port: per (chain, receiver, epoch, channel), the latest x402 batch-settlement voucher a
 * gateway accepted and what it charged against it. The claim job reads an epoch's checkpoints and has the receiver
 * (the model's SlaReceiver) claim them at the epoch's end.
 */

/** The channel config of an x402 batch-settlement channel, as the EVM binding's ChannelConfig struct. */
export interface VoucherChannelConfig {
  payer: `0x${string}`;
  payerAuthorizer: `0x${string}`;
  receiver: `0x${string}`;
  receiverAuthorizer: `0x${string}`;
  token: `0x${string}`;
  withdrawDelay: number;
  salt: `0x${string}`;
}

/** The latest voucher a gateway accepted on one channel within one epoch: what the receiver claims for that epoch. */
export interface VoucherCheckpoint {
  chainId: number;
  /** lowercase */
  receiver: `0x${string}`;
  modelId: bigint;
  epoch: bigint;
  /** lowercase */
  channelId: `0x${string}`;
  channel: VoucherChannelConfig;
  maxClaimableAmount: bigint;
  signature: `0x${string}`;
  /** the charged cumulative after the epoch's last charged call (<= maxClaimableAmount) */
  totalClaimed: bigint;
  updatedAt: number;
}

/**
 * Voucher checkpoints, each written only forward: a record whose `totalClaimed` is not above the stored one's is a
 * no-op, so concurrent gateway instances and retries keep the highest charged cumulative.
 *
 * @example
 * if (!(await checkpoints.record(checkpoint))) return; // a later voucher of this channel and epoch is stored already
 * const claims = await checkpoints.list(31337, receiver, 42n);
 */
export interface VoucherCheckpointStore {
  /** Records the checkpoint unless the stored one for (chainId, receiver, epoch, channelId) has a totalClaimed >= this one's; returns whether it wrote. */
  record(checkpoint: VoucherCheckpoint): Promise<boolean>;
  /** Every checkpoint of (chainId, receiver, epoch), ordered by channelId. */
  list(chainId: number, receiver: string, epoch: bigint): Promise<VoucherCheckpoint[]>;
}
