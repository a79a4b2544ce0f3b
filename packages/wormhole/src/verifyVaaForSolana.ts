import { SOLANA_CHAIN_ID } from "@slabridge/core";
import type { Hex } from "viem";
import { type GuardianSet, type VerifiedVaa, verifyVaa } from "./verifyVaa.ts";

/** Options of {@link verifyVaaForSolana}. */
export interface VerifyVaaForSolanaOptions {
  /** The current guardian set (the same on every chain; read it from any EVM core, e.g. `GuardianSetCache.current()`). */
  readonly guardianSet: GuardianSet;
  /** The EVM messengers (bytes32) trusted to send to Solana, by Wormhole chain id. */
  readonly allowedEmitters: ReadonlyMap<number, Hex>;
}

/**
 * EVM -> Solana: no slabridge Solana program can run here (no Wormhole program or SBF toolchain), so a VAA addressed
 * to Solana is checked off-chain by the operators with the same {@link verifyVaa} (guardian quorum, emitter
 * allowlist, destination `SOLANA_CHAIN_ID`, codec), and its decoded message is what the vault multisig acts on
 * (refunds, payouts). Replay protection is the caller's: key the action by `hash`, as the EVM messenger does.
 *
 * @throws {ForgedVaaError | UntrustedEmitterError | WrongDestinationError | MalformedPayloadError}
 * @example
 * ```ts
 * const { message, hash } = await verifyVaaForSolana(vaaBytes, { guardianSet: await sets.current(), allowedEmitters });
 * if (message.kind === "Verdict" && !(await store.seen(hash))) await refundFromVault(message);
 * ```
 */
export function verifyVaaForSolana(bytes: Uint8Array | Hex, options: VerifyVaaForSolanaOptions): Promise<VerifiedVaa> {
  return verifyVaa(bytes, { ...options, expectedDestination: SOLANA_CHAIN_ID });
}
