import { toChain } from "@wormhole-foundation/sdk-base";
import { createVAA, serialize, UniversalAddress } from "@wormhole-foundation/sdk-definitions";
import { mocks } from "@wormhole-foundation/sdk-definitions/testing";
import { hexToBytes, pad } from "viem";
import { devnetGuardianKey } from "./devnetGuardian.ts";
import { EvmDevnetError } from "./EvmDevnetError.ts";
import type { PublishedWormholeMessage } from "./readWormholeMessages.ts";

/**
 * Builds the VAA body for a message published on a devnet core and signs it as the devnet guardian (guardian set 0),
 * returning the serialized VAA that the real core's parseAndVerifyVM accepts.
 *
 * @example const vaa = signDevnetVaa(message); await core.read.parseAndVerifyVM([toHex(vaa)]);
 */
export function signDevnetVaa(message: PublishedWormholeMessage): Uint8Array {
  try {
    devnetGuardianKey(); // registers the key for scrubbing before the mock signer touches it
    const body = createVAA("Uint8Array", {
      guardianSet: 0,
      signatures: [],
      timestamp: message.timestamp,
      nonce: message.nonce,
      emitterChain: toChain(message.emitterChainId),
      // EVM emitters are left-padded to 32 bytes in VAAs.
      emitterAddress: new UniversalAddress(hexToBytes(pad(message.emitterAddress, { size: 32 }))),
      sequence: message.sequence,
      consistencyLevel: message.consistencyLevel,
      payload: hexToBytes(message.payload),
    });
    return serialize(mocks.devnetGuardianSet().addSignatures(body));
  } catch (error) {
    throw EvmDevnetError.wrap("invalid-config", "signing a devnet VAA", error);
  }
}
