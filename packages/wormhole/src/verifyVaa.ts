import { decodeMessage, type SlabridgeMessage } from "@slabridge/core";
import { toChainId } from "@wormhole-foundation/sdk-base";
import { deserialize, type VAA } from "@wormhole-foundation/sdk-definitions";
import {
  type Address,
  bytesToHex,
  type Hex,
  isAddressEqual,
  keccak256,
  recoverAddress,
  serializeSignature,
} from "viem";
import { ForgedVaaError } from "./errors/ForgedVaaError.ts";
import { MalformedPayloadError } from "./errors/MalformedPayloadError.ts";
import { UntrustedEmitterError } from "./errors/UntrustedEmitterError.ts";
import { WrongDestinationError } from "./errors/WrongDestinationError.ts";
import { splitVaa } from "./splitVaa.ts";

/** A guardian set as the core stores it: its index and the guardians' addresses in order. */
export interface GuardianSet {
  readonly index: number;
  readonly keys: readonly Address[];
}

/** Options of {@link verifyVaa}. */
export interface VerifyVaaOptions {
  /** The set the VAA must be signed by (read from the destination chain's core). */
  readonly guardianSet: GuardianSet;
  /** Wormhole chain id -> the one trusted emitter there (bytes32, EVM addresses left-padded). */
  readonly allowedEmitters: ReadonlyMap<number, Hex>;
  /** slabridge chain id the payload must name; unchecked when absent. */
  readonly expectedDestination?: number;
}

/** A VAA that passed every off-chain check, with what the destination messenger will see. */
export interface VerifiedVaa {
  readonly vaa: VAA<"Uint8Array">;
  readonly bytes: Uint8Array;
  readonly emitterChain: number;
  /** bytes32, lowercase. */
  readonly emitter: Hex;
  readonly sequence: bigint;
  /** keccak256(keccak256(body)): the digest guardians sign and the messenger's replay key (`delivered(hash)`). */
  readonly hash: Hex;
  /** slabridge chain id named by the payload's first 4 bytes. */
  readonly destination: number;
  /** The slabridge message bytes after the destination. */
  readonly messageBytes: Hex;
  readonly message: SlabridgeMessage;
}

const DESTINATION_LENGTH = 4;

/** Quorum of the core (`Messages.sol`): more than two thirds of the set. */
export const quorum = (guardians: number): number => Math.floor((guardians * 2) / 3) + 1;

/**
 * Checks a serialized VAA off-chain exactly as slabridge's WormholeMessenger will on-chain, so a relayer never spends
 * gas on one that must revert: version 1, the expected guardian set, at least floor(2n/3)+1 signatures from distinct
 * guardians of that set (recovered over keccak256(keccak256(body))), an allowlisted emitter, a payload
 * `uint32 dstChain || message` naming `expectedDestination`, and a message core's codec accepts.
 *
 * @throws {ForgedVaaError} unparsable, wrong version or guardian set, bad or too few signatures
 * @throws {UntrustedEmitterError} emitter not in `allowedEmitters`
 * @throws {WrongDestinationError} payload names another chain
 * @throws {MalformedPayloadError} payload shorter than 4 bytes or the message fails the codec (wrapped as `cause`)
 * @example
 * ```ts
 * const verified = await verifyVaa(bytes, {
 *   guardianSet: { index: 0, keys: [guardianAddress] },
 *   allowedEmitters: new Map([[10002, pad(messengerA)]]),
 *   expectedDestination: 31338,
 * });
 * verified.message.kind; // "ReceiptBatch"
 * ```
 */
export async function verifyVaa(bytes: Uint8Array | Hex, options: VerifyVaaOptions): Promise<VerifiedVaa> {
  const raw = typeof bytes === "string" ? hexBytes(bytes) : bytes;
  const parts = splitVaa(raw);
  if (parts === undefined) throw new ForgedVaaError("unparsable", `${raw.length} bytes is too short for a VAA`);
  if (parts.version !== 1) throw new ForgedVaaError("version", `version ${parts.version}`);
  let vaa: VAA<"Uint8Array">;
  try {
    vaa = deserialize("Uint8Array", raw);
  } catch (error) {
    throw new ForgedVaaError("unparsable", "the Wormhole SDK cannot parse it", { cause: error });
  }
  const { guardianSet } = options;
  if (vaa.guardianSet !== guardianSet.index) {
    throw new ForgedVaaError("guardian-set", `signed by set ${vaa.guardianSet}, expected ${guardianSet.index}`);
  }

  // The SDK's hash is keccak256(body); guardians sign (and the core keys replays by) its keccak256.
  const hash = keccak256(vaa.hash);
  const signers = new Set<number>();
  for (const { guardianIndex, signature } of vaa.signatures) {
    const expected = guardianSet.keys[guardianIndex];
    if (expected === undefined) throw new ForgedVaaError("signature", `guardian index ${guardianIndex} out of the set`);
    if (signers.has(guardianIndex)) throw new ForgedVaaError("signature", `guardian ${guardianIndex} signed twice`);
    let recovered: Address;
    try {
      recovered = await recoverAddress({
        hash,
        signature: serializeSignature({ r: word(signature.r), s: word(signature.s), yParity: signature.v & 1 }),
      });
    } catch (error) {
      throw new ForgedVaaError("signature", `signature of guardian ${guardianIndex} does not recover`, {
        cause: error,
      });
    }
    if (signature.v > 1 || !isAddressEqual(recovered, expected)) {
      throw new ForgedVaaError("signature", `signature of guardian ${guardianIndex} is not by that guardian`);
    }
    signers.add(guardianIndex);
  }
  const needed = quorum(guardianSet.keys.length);
  if (signers.size < needed) throw new ForgedVaaError("quorum", `${signers.size} of ${needed} signatures`);

  const emitterChain = toChainId(vaa.emitterChain);
  const emitter = bytesToHex(vaa.emitterAddress.toUint8Array());
  const trusted = options.allowedEmitters.get(emitterChain);
  if (trusted === undefined || trusted.toLowerCase() !== emitter)
    throw new UntrustedEmitterError(emitterChain, emitter);

  const payload = vaa.payload;
  if (payload.length < DESTINATION_LENGTH) throw new MalformedPayloadError(payload.length);
  const destination = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
  if (options.expectedDestination !== undefined && destination !== options.expectedDestination) {
    throw new WrongDestinationError(destination, options.expectedDestination);
  }
  const messageBytes = bytesToHex(payload.subarray(DESTINATION_LENGTH));
  let message: SlabridgeMessage;
  try {
    message = decodeMessage(messageBytes);
  } catch (error) {
    throw new MalformedPayloadError(payload.length, { cause: error });
  }
  return { vaa, bytes: raw, emitterChain, emitter, sequence: vaa.sequence, hash, destination, messageBytes, message };
}

function word(value: bigint): Hex {
  return `0x${value.toString(16).padStart(64, "0")}`;
}

function hexBytes(hex: Hex): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(hex)) throw new ForgedVaaError("unparsable", "not 0x hex of whole bytes");
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}
