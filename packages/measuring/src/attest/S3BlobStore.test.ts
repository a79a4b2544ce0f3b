import { S3Client } from "@aws-sdk/client-s3";
import { keccak256 } from "@slabridge/core";
import { type LocalS3, startLocalS3 } from "@slabridge/devnet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MeasureConfigError } from "../errors.ts";
import { getVerified } from "./BlobStore.ts";
import { EvidenceStoreError, S3BlobStore } from "./S3BlobStore.ts";

let s3: LocalS3;
let client: S3Client;
const credentials = { accessKeyId: "local", secretAccessKey: "local" };

beforeAll(async () => {
  s3 = await startLocalS3({ buckets: ["slabridge-test-evidence"] });
  client = new S3Client({ region: "us-east-1", endpoint: s3.endpoint, forcePathStyle: true, credentials });
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

const bundle = (text: string) => new TextEncoder().encode(JSON.stringify({ text }));

describe("S3BlobStore (against the local S3, through the stock client)", () => {
  const blobs = () => new S3BlobStore({ client, bucket: "slabridge-test-evidence" });

  it("stores bytes at their keccak256 and reads them back; a second put of the same bytes is the same object", async () => {
    const bytes = bundle("report of model 2 epoch 0");
    const address = await blobs().put(bytes);
    expect(address).toBe(keccak256(bytes));
    expect(await blobs().put(bytes)).toBe(address);
    expect(await blobs().get(address)).toEqual(bytes);
    // Addresses are case-insensitive hex.
    expect(await getVerified(blobs(), address.toUpperCase().replace("0X", "0x") as `0x${string}`)).toEqual(bytes);
  });

  it("points a name at an address, and answers undefined for what was never written", async () => {
    const address = await blobs().put(bundle("epoch 1"));
    await blobs().link("verdict/2/1", address);
    expect(await blobs().resolve("verdict/2/1")).toBe(address);
    expect(await blobs().resolve("verdict/2/99")).toBeUndefined();
    expect(await blobs().get(keccak256(bundle("never published")))).toBeUndefined();
  });

  it("refuses names and addresses that are not plain, without a request", async () => {
    await expect(blobs().link("../escape", keccak256(bundle("x")))).rejects.toBeInstanceOf(MeasureConfigError);
    expect(await blobs().resolve("Not/Plain")).toBeUndefined();
    expect(await blobs().get("0x1234")).toBeUndefined();
  });

  it("a blob overwritten in the bucket does not verify (readers check the hash, not the store)", async () => {
    const bytes = bundle("honest");
    const address = await blobs().put(bytes);
    await fetch(`${s3.endpoint}/slabridge-test-evidence/blobs/${address}`, { method: "PUT", body: "tampered" });
    expect(await getVerified(blobs(), address)).toBeUndefined();
  });

  it("a missing bucket is a typed, non-retryable error; an unreachable S3 a retryable one", async () => {
    const missing = await new S3BlobStore({ client, bucket: "no-such-bucket" }).put(bundle("x")).catch((e) => e);
    expect(missing).toBeInstanceOf(EvidenceStoreError);
    expect(missing).toMatchObject({ operation: "put", retryable: false });
    expect((missing as Error).message).toContain("NoSuchBucket");

    const down = await startLocalS3({ buckets: ["b"] });
    const endpoint = down.endpoint;
    await down.stop();
    const unreachable = new S3Client({
      region: "us-east-1",
      endpoint,
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
    });
    const error = await new S3BlobStore({ client: unreachable, bucket: "b" }).resolve("verdict/1/0").catch((e) => e);
    unreachable.destroy();
    expect(error).toBeInstanceOf(EvidenceStoreError);
    expect(error).toMatchObject({ operation: "get", retryable: true });
  });
});
