/**
 * Everything a guardian signs over for one message (guardian set and signatures are the signer's business).
 *
 * @example
 * const body: VaaBody = { emitterChain: 1, emitterAddress, sequence: 0n, nonce: 0, consistencyLevel: 1, timestamp, payload };
 */
export interface VaaBody {
  /** Wormhole chain id (1 = Solana, 10002 = Sepolia, ...). */
  readonly emitterChain: number;
  /** 32 bytes; EVM senders are left-padded with zeros. */
  readonly emitterAddress: Uint8Array;
  readonly sequence: bigint;
  readonly nonce: number;
  readonly consistencyLevel: number;
  /** Unix seconds (for EVM, the publishing block's timestamp). */
  readonly timestamp: number;
  readonly payload: Uint8Array;
}

/** Builds and signs the VAA for a body, returning its serialized bytes. */
export type VaaSigner = (body: VaaBody) => Promise<Uint8Array>;
