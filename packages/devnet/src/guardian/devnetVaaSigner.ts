import { bytesToHex, zeroHash } from "viem";
import { signDevnetVaa } from "../evm/signDevnetVaa.ts";
import { GuardianError } from "./GuardianError.ts";
import type { VaaBody } from "./VaaBody.ts";

/**
 * Signs as the devnet guardian (guardian set 0, key read at run time from sdk-base) through the EVM devnet's signer,
 * so VAAs from the guardian API verify on the devnet's real Wormhole cores.
 *
 * @example
 * const vaaBytes = await devnetVaaSigner(body);
 */
export async function devnetVaaSigner(body: VaaBody): Promise<Uint8Array> {
  if (body.emitterAddress.length !== 32) {
    throw new GuardianError("invalid-message", `emitter address must be 32 bytes, got ${body.emitterAddress.length}`);
  }
  try {
    return signDevnetVaa({
      emitterChainId: body.emitterChain,
      // 32 bytes already; the signer pads to 32, which leaves it as is.
      emitterAddress: bytesToHex(body.emitterAddress),
      sequence: body.sequence,
      nonce: body.nonce,
      consistencyLevel: body.consistencyLevel,
      payload: bytesToHex(body.payload),
      timestamp: body.timestamp,
      // Not part of a VAA; the signer's input type carries them for EVM bookkeeping only.
      transactionHash: zeroHash,
      blockNumber: 0n,
    });
  } catch (error) {
    throw GuardianError.wrap("signing-failed", "signing a devnet VAA", error);
  }
}
