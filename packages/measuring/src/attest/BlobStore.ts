import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Hex, keccak256 } from "@slabridge/core";
import { MeasureConfigError } from "../errors.ts";

/**
 * Content-addressed evidence (the signed sample-set bundles behind each `samplesRoot`): a blob's address is the
 * keccak256 of its bytes, so whoever fetches it checks it is what was published. Names point at addresses
 * (`verdict/<modelId>/<epoch>` -> the bundle of that report), so the evidence of a verdict is found from the verdict.
 * Memory and file-backed here (devnet, tests); S3 in AWS is not wired yet.
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

const NAME = /^[a-z0-9][a-z0-9/_-]{0,200}$/;

/**
 * A {@link BlobStore} in a directory (`<dir>/blobs/<address>`, `<dir>/names/<name>`), written atomically (temp file +
 * rename), so local evidence can be read with any tool.
 *
 * @example const blobs = new FileBlobStore("/tmp/slabridge-evidence");
 */
export class FileBlobStore implements BlobStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = path.resolve(dir);
  }

  async put(bytes: Uint8Array): Promise<Hex> {
    const address = keccak256(bytes);
    await this.#write(path.join(this.#dir, "blobs", address), bytes);
    return address;
  }

  async get(address: Hex): Promise<Uint8Array | undefined> {
    if (!/^0x[0-9a-fA-F]{64}$/.test(address)) return undefined;
    return this.#read(path.join(this.#dir, "blobs", address.toLowerCase()));
  }

  async link(name: string, address: Hex): Promise<void> {
    if (!NAME.test(name)) throw new MeasureConfigError(`blob name ${name} is not a plain path`);
    await this.#write(path.join(this.#dir, "names", name), new TextEncoder().encode(address.toLowerCase()));
  }

  async resolve(name: string): Promise<Hex | undefined> {
    if (!NAME.test(name)) return undefined;
    const bytes = await this.#read(path.join(this.#dir, "names", name));
    return bytes === undefined ? undefined : (new TextDecoder().decode(bytes) as Hex);
  }

  async #write(file: string, bytes: Uint8Array): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, file);
  }

  async #read(file: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }
}
