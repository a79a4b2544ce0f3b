import { type Hex, keccak256 } from "@slabridge/core";

/**
 * Content-addressed evidence (the signed sample-set bundles behind each `samplesRoot`): a blob's address is the
 * keccak256 of its bytes, so whoever fetches it checks it is what was published. Names point at addresses
 * (`verdict/<modelId>/<epoch>` -> the bundle of that report), so the evidence of a verdict is found from the verdict.
 * In memory here (devnet, tests); an S3 bucket in AWS (`S3BlobStore`).
 */
export interface BlobStore {
  /** Stores `bytes` (idempotent) and returns their address, keccak256(bytes). */
  put(bytes: Uint8Array): Promise<Hex>;
  /** The bytes at `address`, or undefined. Callers check keccak256 themselves (see {@link getVerified}). */
  get(address: Hex): Promise<Uint8Array | undefined>;
  /** Points `name` at `address` (last write wins). */
  link(name: string, address: Hex): Promise<void>;
  resolve(name: string): Promise<Hex | undefined>;
}

/**
 * The blob at `address` if its bytes hash to it; undefined when absent or tampered with.
 *
 * @example const bytes = await getVerified(blobs, bundleHash);
 */
export async function getVerified(blobs: BlobStore, address: Hex): Promise<Uint8Array | undefined> {
  const bytes = await blobs.get(address);
  return bytes !== undefined && keccak256(bytes) === address.toLowerCase() ? bytes : undefined;
}

/**
 * A {@link BlobStore} in memory (one process: tests, the local bot).
 *
 * @example const blobs = new MemoryBlobStore(); const address = await blobs.put(bytes);
 */
export class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<string, Uint8Array>();
  readonly #names = new Map<string, Hex>();

  async put(bytes: Uint8Array): Promise<Hex> {
    const address = keccak256(bytes);
    this.#blobs.set(address, Uint8Array.from(bytes));
    return address;
  }

  async get(address: Hex): Promise<Uint8Array | undefined> {
    const bytes = this.#blobs.get(address.toLowerCase());
    return bytes === undefined ? undefined : Uint8Array.from(bytes);
  }

  /** Overwrites a stored blob without changing its address (tests: a tampering store). */
  tamper(address: Hex, bytes: Uint8Array): void {
    this.#blobs.set(address.toLowerCase(), Uint8Array.from(bytes));
  }

  async link(name: string, address: Hex): Promise<void> {
    this.#names.set(name, address);
  }

  async resolve(name: string): Promise<Hex | undefined> {
    return this.#names.get(name);
  }
}
