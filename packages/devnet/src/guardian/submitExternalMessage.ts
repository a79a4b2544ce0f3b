import { bytesToHex, hexToBytes, isHex } from "viem";
import { devnetVaaSigner } from "./devnetVaaSigner.ts";
import { GuardianError } from "./GuardianError.ts";
import type { VaaSigner } from "./VaaBody.ts";
import type { VaaId, VaaStore } from "./VaaStore.ts";

/** A message published off-chain by the operator, standing in for one from the Wormhole Solana program. */
export interface ExternalMessage {
  /** 32-byte emitter: bytes, or 64 hex characters with or without 0x. */
  readonly emitter: Uint8Array | string;
  readonly payload: Uint8Array;
  /** Wormhole chain id; default 1 (Solana). */
  readonly chain?: number;
  /** Default: one past the emitter's highest stored sequence, as the Solana program assigns per emitter from 0. */
  readonly sequence?: bigint;
  readonly nonce?: number;
  /** Default 1 (Solana "finalized"). */
  readonly consistencyLevel?: number;
  /** Unix seconds; default now. */
  readonly timestamp?: number;
}

function emitterBytes(emitter: Uint8Array | string): Uint8Array {
  const bytes =
    typeof emitter === "string"
      ? (() => {
          const hex = emitter.startsWith("0x") ? emitter : `0x${emitter}`;
          if (!isHex(hex, { strict: true })) throw new GuardianError("invalid-message", "emitter is not hex");
          return hexToBytes(hex);
        })()
      : emitter;
  if (bytes.length !== 32) throw new GuardianError("invalid-message", `emitter must be 32 bytes, got ${bytes.length}`);
  return bytes;
}

/**
 * Signs an off-chain-published message as the guardian would sign a Solana message and files it in the store.
 *
 * @example
 * const { id, vaaBytes } = await submitExternalMessage({ store }, { emitter: programEmitter, payload });
 */
export async function submitExternalMessage(
  target: { readonly store: VaaStore; readonly signVaa?: VaaSigner },
  message: ExternalMessage,
): Promise<{ id: VaaId; vaaBytes: Uint8Array }> {
  const emitterAddress = emitterBytes(message.emitter);
  const emitterChain = message.chain ?? 1;
  if (!Number.isInteger(emitterChain) || emitterChain < 0 || emitterChain > 0xffff) {
    throw new GuardianError("invalid-message", `chain must be a uint16, got ${emitterChain}`);
  }
  const sequence = message.sequence ?? target.store.reserveSequence(emitterChain, bytesToHex(emitterAddress).slice(2));
  const signVaa = target.signVaa ?? devnetVaaSigner;
  const vaaBytes = await signVaa({
    emitterChain,
    emitterAddress,
    sequence,
    nonce: message.nonce ?? 0,
    consistencyLevel: message.consistencyLevel ?? 1,
    timestamp: message.timestamp ?? Math.floor(Date.now() / 1000),
    payload: message.payload,
  });
  const { id } = target.store.put(vaaBytes);
  return { id, vaaBytes };
}
