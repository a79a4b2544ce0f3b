import { type Hex, hexToBytes } from "@slabridge/core";
import type { DevnetGuardian } from "./startDevnetGuardian.ts";

/** What the Solana receipt source asks of a publisher (`SolanaReceiptPublisher` of `@slabridge/solana`). */
export interface GuardianReceiptPublisher {
  publish(payload: Hex): Promise<{ emitterChain: number; emitter: Hex; sequence: bigint }>;
}

/**
 * The devnet's Solana receipt publisher: the devnet guardian signs the payload as a message of `emitter` on
 * Wormhole chain 1 (standing in for the Wormhole Solana program, which the devnet does not run). Devnet only: the
 * Lambda bundle never imports it.
 *
 * @example const publisher = guardianReceiptPublisher(devnet.guardian, solana.wormholeEmitter);
 */
export function guardianReceiptPublisher(
  guardian: Pick<DevnetGuardian, "submitExternalMessage">,
  emitter: Hex,
): GuardianReceiptPublisher {
  return {
    async publish(payload) {
      const { id } = await guardian.submitExternalMessage({ emitter, payload: hexToBytes(payload) });
      return { emitterChain: id.chain, emitter: `0x${id.emitter.toLowerCase()}`, sequence: id.sequence };
    },
  };
}
