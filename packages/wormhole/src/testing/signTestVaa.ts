import { toChain } from "@wormhole-foundation/sdk-base";
import { createVAA, Signature, serialize, UniversalAddress } from "@wormhole-foundation/sdk-definitions";
import { type Hex, hexToBytes, keccak256 } from "viem";
import { sign } from "viem/accounts";
import { splitVaa } from "../splitVaa.ts";

/** What a test VAA carries. */
export interface TestVaaFields {
  readonly guardianSet?: number;
  readonly emitterChain: number;
  /** bytes32 hex. */
  readonly emitter: Hex;
  readonly sequence: bigint;
  readonly payload: Uint8Array;
  readonly timestamp?: number;
}

/**
 * Builds a VAA with the Wormhole SDK's `createVAA` and signs it with the given keys (`signers[i]` signs as
 * guardian `indices[i]`, default `i`), as tests need for forged, under-signed or foreign-set VAAs. Test support only.
 *
 * @example
 * ```ts
 * const forged = await signTestVaa({ emitterChain: 10002, emitter, sequence: 0n, payload }, [generatePrivateKey()]);
 * ```
 */
export async function signTestVaa(fields: TestVaaFields, signers: readonly Hex[], indices?: readonly number[]) {
  const base = {
    guardianSet: fields.guardianSet ?? 0,
    timestamp: fields.timestamp ?? 1_700_000_000,
    nonce: 0,
    emitterChain: toChain(fields.emitterChain),
    emitterAddress: new UniversalAddress(hexToBytes(fields.emitter)),
    sequence: fields.sequence,
    consistencyLevel: 1,
    payload: fields.payload,
  };
  const unsigned = serialize(createVAA("Uint8Array", { ...base, signatures: [] }));
  const body = splitVaa(unsigned)?.body ?? new Uint8Array();
  const digest = keccak256(keccak256(body));
  const signatures = await Promise.all(
    signers.map(async (privateKey, i) => {
      const { r, s, yParity } = await sign({ hash: digest, privateKey });
      return { guardianIndex: indices?.[i] ?? i, signature: new Signature(BigInt(r), BigInt(s), yParity ?? 0) };
    }),
  );
  return serialize(createVAA("Uint8Array", { ...base, signatures }));
}
