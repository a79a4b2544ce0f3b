import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";

/**
 * Checks a chain's pending nonce before it is used in a reservation: a non-negative safe integer.
 *
 * @example checkNonce("evm:31337:0xabc", 0);
 */
export function checkNonce(senderId: string, chainPendingNonce: number): void {
  if (!Number.isSafeInteger(chainPendingNonce) || chainPendingNonce < 0) {
    throw new InvalidStoreInputError(`sender ${senderId}: pending nonce ${chainPendingNonce} is not a valid nonce`);
  }
}
