import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type Hex, keccak256, SlabridgeError } from "@slabridge/core";
import { MeasureConfigError } from "../errors.ts";
import type { BlobStore } from "./BlobStore.ts";

const ADDRESS = /^0x[0-9a-fA-F]{64}$/;
const NAME = /^[a-z0-9][a-z0-9/_-]{0,200}$/;

/**
 * S3 refused or could not be reached while reading or writing evidence. Retryable when S3 says so (throttling, 5xx,
 * a dropped connection): the evaluator's schedule publishes again, and a put of the same bytes is the same object.
 *
 * @example throw new EvidenceStoreError("put", "blobs/0xab…", cause);
 */
export class EvidenceStoreError extends SlabridgeError {
  override readonly name = "EvidenceStoreError" as const;
  constructor(
    readonly operation: "put" | "get",
    readonly key: string,
    cause: unknown,
  ) {
    super(`Evidence store: ${operation} ${key} failed (${s3ErrorName(cause)}).`, {
      cause,
      retryable: isRetryable(cause),
    });
  }
}

/**
 * The {@link BlobStore} of a deployed stage: one S3 bucket in the app's home region, shared by the evaluator (which
 * publishes) and every prober and the status API (which read), whatever region they run in. Objects are
 * `blobs/<address>` (the bytes; the address is their keccak256, so a reader checks what it got) and `names/<name>`
 * (the address a name points at, as text). A put of the same bytes writes the same object, so retries are harmless.
 *
 * @example const blobs = new S3BlobStore({ client: new S3Client({ region }), bucket: Resource.Evidence.name });
 */
export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(options: { client: S3Client; bucket: string }) {
    this.#client = options.client;
    this.#bucket = options.bucket;
  }

  async put(bytes: Uint8Array): Promise<Hex> {
    const address = keccak256(bytes);
    await this.#put(`blobs/${address}`, bytes, "application/json");
    return address;
  }

  async get(address: Hex): Promise<Uint8Array | undefined> {
    if (!ADDRESS.test(address)) return undefined;
    return this.#get(`blobs/${address.toLowerCase()}`);
  }

  async link(name: string, address: Hex): Promise<void> {
    if (!NAME.test(name)) throw new MeasureConfigError(`blob name ${name} is not a plain path`);
    await this.#put(`names/${name}`, new TextEncoder().encode(address.toLowerCase()), "text/plain");
  }

  async resolve(name: string): Promise<Hex | undefined> {
    if (!NAME.test(name)) return undefined;
    const bytes = await this.#get(`names/${name}`);
    if (bytes === undefined) return undefined;
    const text = new TextDecoder().decode(bytes);
    // A name object that is not an address was not written by link(): treat it as absent rather than trust it.
    return ADDRESS.test(text) ? (text.toLowerCase() as Hex) : undefined;
  }

  async #put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentType: contentType }),
      );
    } catch (error) {
      throw new EvidenceStoreError("put", key, error);
    }
  }

  async #get(key: string): Promise<Uint8Array | undefined> {
    try {
      const answer = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return answer.Body === undefined ? new Uint8Array() : await answer.Body.transformToByteArray();
    } catch (error) {
      if (s3ErrorName(error) === "NoSuchKey") return undefined;
      throw new EvidenceStoreError("get", key, error);
    }
  }
}

function s3ErrorName(error: unknown): string {
  return error instanceof Error ? error.name : "unknown error";
}

function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  const status = meta?.httpStatusCode;
  // No HTTP answer at all (connection refused or reset) or S3's own "try again" statuses.
  return status === undefined || status >= 500 || status === 429 || error.name === "SlowDown";
}
