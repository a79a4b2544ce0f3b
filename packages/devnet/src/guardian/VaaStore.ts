import { toChainId } from "@wormhole-foundation/sdk-base";
import { deserialize } from "@wormhole-foundation/sdk-definitions";
import { GuardianError } from "./GuardianError.ts";

/** Where a VAA is filed, as the guardian API addresses it. */
export interface VaaId {
  readonly chain: number;
  /** 64 lowercase hex characters, no 0x. */
  readonly emitter: string;
  readonly sequence: bigint;
}

function keyOf(id: VaaId): string {
  return `${id.chain}/${id.emitter.toLowerCase()}/${id.sequence}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * The devnet guardian's signed VAAs, in memory, filed by (chain, emitter, sequence) read from the VAA itself.
 *
 * @example
 * const store = new VaaStore(); store.put(vaaBytes); store.get({ chain: 1, emitter, sequence: 0n });
 */
export class VaaStore {
  readonly #vaas = new Map<string, Uint8Array>();
  // Next free sequence per emitter: past every stored VAA and every sequence handed out by reserveSequence.
  readonly #nextSequence = new Map<string, bigint>();

  /**
   * Files a serialized VAA. Storing the same bytes twice is a no-op (`stored: false`); different bytes under an
   * existing id throw, since a guardian never signs two messages with one sequence.
   */
  put(vaaBytes: Uint8Array): { id: VaaId; stored: boolean } {
    let id: VaaId;
    try {
      const vaa = deserialize("Uint8Array", vaaBytes);
      id = {
        chain: toChainId(vaa.emitterChain),
        emitter: vaa.emitterAddress.toString().replace(/^0x/, "").toLowerCase(),
        sequence: vaa.sequence,
      };
    } catch (error) {
      throw GuardianError.wrap("invalid-vaa", "cannot parse VAA", error);
    }
    const key = keyOf(id);
    const existing = this.#vaas.get(key);
    if (existing !== undefined) {
      if (!sameBytes(existing, vaaBytes)) throw new GuardianError("conflicting-vaa", `another VAA is stored as ${key}`);
      return { id, stored: false };
    }
    this.#vaas.set(key, vaaBytes.slice());
    const emitterKey = `${id.chain}/${id.emitter}`;
    if (id.sequence >= (this.#nextSequence.get(emitterKey) ?? 0n)) this.#nextSequence.set(emitterKey, id.sequence + 1n);
    return { id, stored: true };
  }

  /** The serialized VAA filed under `id`, or undefined. */
  get(id: VaaId): Uint8Array | undefined {
    return this.#vaas.get(keyOf(id))?.slice();
  }

  /** The sequence a core would assign the emitter's next message: 0, or one past the highest stored or reserved. */
  nextSequence(chain: number, emitter: string): bigint {
    return this.#nextSequence.get(`${chain}/${emitter.toLowerCase()}`) ?? 0n;
  }

  /** Hands out nextSequence and moves past it at once, so concurrent submitters never share a sequence. */
  reserveSequence(chain: number, emitter: string): bigint {
    const key = `${chain}/${emitter.toLowerCase()}`;
    const sequence = this.#nextSequence.get(key) ?? 0n;
    this.#nextSequence.set(key, sequence + 1n);
    return sequence;
  }

  get size(): number {
    return this.#vaas.size;
  }
}
