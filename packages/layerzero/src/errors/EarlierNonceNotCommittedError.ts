import { NotReadyError } from "@slabridge/core";
import { shortHex } from "../shortHex.ts";

/**
 * A packet is ready for lzReceive, but an earlier nonce of its pathway is not committed yet: the endpoint executes a
 * pathway's packets only once every earlier one has a payload hash (`LZ_InvalidNonce` otherwise). Not a failure of
 * this delivery: the relay parks the job until `retryAt` without spending an attempt, by then the earlier packet's own
 * job has usually committed it.
 *
 * @example
 * ```ts
 * try { await transport.deliver(ref, 31337); } catch (e) {
 *   if (e instanceof EarlierNonceNotCommittedError) parkUntil(e.retryAt);
 * }
 * ```
 */
// Named NotReadyError (the relay engine parks it by that class): `instanceof` tells the two apart.
export class EarlierNonceNotCommittedError extends NotReadyError {
  readonly guid: string;
  readonly destinationChainId: number;
  readonly nonce: bigint;
  /** The first nonce of the pathway still without a payload hash. */
  readonly missingNonce: bigint;

  constructor(params: {
    guid: string;
    destinationChainId: number;
    nonce: bigint;
    missingNonce: bigint;
    retryAt: number;
  }) {
    super(
      `packet ${shortHex(params.guid)} (nonce ${params.nonce}) waits for nonce ${params.missingNonce} of its pathway to be committed on chain ${params.destinationChainId}`,
      params.retryAt,
    );
    this.guid = params.guid;
    this.destinationChainId = params.destinationChainId;
    this.nonce = params.nonce;
    this.missingNonce = params.missingNonce;
  }
}
