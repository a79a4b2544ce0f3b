import { Readable } from "node:stream";
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalS3, startLocalS3 } from "./startLocalS3.ts";

let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  s3 = await startLocalS3({ buckets: ["evidence"] });
  client = new S3Client({
    region: "us-east-1",
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

const text = (body: { transformToString(): Promise<string> } | undefined) => body?.transformToString();

describe("the local S3, through the stock @aws-sdk/client-s3", () => {
  it("puts and gets an object with its content type and S3's ETag (MD5 of the bytes)", async () => {
    const put = await client.send(
      new PutObjectCommand({ Bucket: "evidence", Key: "names/verdict/2/0", Body: "0xabc", ContentType: "text/plain" }),
    );
    // md5("0xabc")
    expect(put.ETag).toBe('"2a3aeb7c7bcb4c46bdfbc333c7727b92"');
    const got = await client.send(new GetObjectCommand({ Bucket: "evidence", Key: "names/verdict/2/0" }));
    expect(got.ContentType).toBe("text/plain");
    expect(got.ETag).toBe(put.ETag);
    expect(await text(got.Body)).toBe("0xabc");
    const head = await client.send(new HeadObjectCommand({ Bucket: "evidence", Key: "names/verdict/2/0" }));
    expect(head.ContentLength).toBe(5);
  });

  it("takes a streamed body (aws-chunked with a trailing CRC32) as S3 does", async () => {
    const bytes = Buffer.from("x".repeat(70_000));
    await client.send(
      new PutObjectCommand({
        Bucket: "evidence",
        Key: "blobs/streamed",
        Body: Readable.from([bytes.subarray(0, 30_000), bytes.subarray(30_000)]),
        ContentLength: bytes.length,
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: "evidence", Key: "blobs/streamed" }));
    const received = await got.Body?.transformToByteArray();
    expect(received && Buffer.from(received).equals(bytes)).toBe(true);
  });

  it("answers S3's errors, which the SDK maps to its exception classes", async () => {
    await expect(client.send(new GetObjectCommand({ Bucket: "evidence", Key: "blobs/none" }))).rejects.toBeInstanceOf(
      NoSuchKey,
    );
    await expect(client.send(new HeadObjectCommand({ Bucket: "evidence", Key: "blobs/none" }))).rejects.toBeInstanceOf(
      NotFound,
    );
    await expect(client.send(new GetObjectCommand({ Bucket: "other", Key: "k" }))).rejects.toBeInstanceOf(NoSuchBucket);
    const refused = await client
      .send(new PutObjectCommand({ Bucket: "evidence", Key: "names/verdict/2/0", Body: "x", IfNoneMatch: "*" }))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(S3ServiceException);
    expect((refused as S3ServiceException).name).toBe("PreconditionFailed");
    expect((refused as S3ServiceException).$metadata.httpStatusCode).toBe(412);
  });

  it("refuses bytes that do not match the CRC32 or Content-MD5 the request declares (BadDigest), storing nothing", async () => {
    for (const header of [{ "x-amz-checksum-crc32": "AAAAAA==" }, { "content-md5": "AAAAAAAAAAAAAAAAAAAAAA==" }]) {
      const answer = await fetch(`${s3.endpoint}/evidence/blobs/bad`, {
        method: "PUT",
        body: "bytes",
        headers: header,
      });
      expect(answer.status).toBe(400);
      expect(await answer.text()).toContain("<Code>BadDigest</Code>");
    }
    expect((await fetch(`${s3.endpoint}/evidence/blobs/bad`)).status).toBe(404);
  });
});
