import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { crc32 } from "node:zlib";
import { closeServer } from "../hosts/closeServer.ts";
import { listenLoopback } from "../hosts/listenLoopback.ts";

/**
 * A stand-in for Amazon S3 on 127.0.0.1, for the object operations slabridge's evidence store uses: PutObject,
 * GetObject and HeadObject on path-style URLs (`/<bucket>/<key>`), written to S3's REST API reference: XML error
 * bodies with S3's codes (`NoSuchKey`, `NoSuchBucket`, `BadDigest`, `PreconditionFailed`), ETag = MD5 of the bytes,
 * `If-None-Match: *` on put, and the checksums the stock `@aws-sdk/client-s3` sends (a CRC32 header, or aws-chunked
 * bodies with a trailing checksum) checked as S3 checks them. Requests are not SigV4-checked (loopback only).
 */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>`: the S3 client's `endpoint`, with `forcePathStyle: true`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

interface StoredObject {
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: Date;
}

class S3Fault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly resource?: string,
  ) {
    super(message);
  }
}

/**
 * Starts the local S3 with the given buckets (an ephemeral port unless `port` is given). Objects live in this process
 * only.
 *
 * @example
 * const s3 = await startLocalS3({ buckets: ["evidence"] });
 * const client = new S3Client({ region: "us-east-1", endpoint: s3.endpoint, forcePathStyle: true, credentials });
 */
export async function startLocalS3(options: { buckets: readonly string[]; port?: number }): Promise<LocalS3> {
  const buckets = new Map(options.buckets.map((bucket) => [bucket, new Map<string, StoredObject>()]));
  const server = createServer((req, res) => {
    void handle(buckets, req, res).catch((error: unknown) => {
      const fault =
        error instanceof S3Fault ? error : new S3Fault(500, "InternalError", "We encountered an internal error.");
      replyError(res, fault, req.method === "HEAD");
    });
  });
  const port = await listenLoopback(server, options.port);
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => closeServer(server) };
}

async function handle(
  buckets: Map<string, Map<string, StoredObject>>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const [, bucketName = "", ...keyParts] = url.pathname.split("/");
  const key = decodeURIComponent(keyParts.join("/"));
  const bucket = buckets.get(decodeURIComponent(bucketName));
  if (!bucket) throw new S3Fault(404, "NoSuchBucket", "The specified bucket does not exist.", bucketName);
  if (key.length === 0) throw new S3Fault(501, "NotImplemented", "Bucket operations are not implemented here.");
  if ([...url.searchParams.keys()].some((param) => param !== "x-id")) {
    throw new S3Fault(501, "NotImplemented", `Sub-resources (${url.search}) are not implemented here.`);
  }
  switch (req.method) {
    case "PUT": {
      const body = await readBody(req);
      const bytes = isAwsChunked(req) ? decodeAwsChunked(body, req) : body;
      checkDigests(req.headers, bytes);
      if (req.headers["if-none-match"] === "*" && bucket.has(key)) {
        throw new S3Fault(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
      }
      const etag = `"${createHash("md5").update(bytes).digest("hex")}"`;
      const contentType = String(req.headers["content-type"] ?? "binary/octet-stream");
      bucket.set(key, { bytes, contentType, etag, lastModified: new Date() });
      res.writeHead(200, { ETag: etag, "x-amz-request-id": randomUUID() });
      res.end();
      return;
    }
    case "GET":
    case "HEAD": {
      const object = bucket.get(key);
      if (!object) throw new S3Fault(404, "NoSuchKey", "The specified key does not exist.", key);
      res.writeHead(200, {
        "Content-Type": object.contentType,
        "Content-Length": String(object.bytes.length),
        ETag: object.etag,
        "Last-Modified": object.lastModified.toUTCString(),
        "x-amz-request-id": randomUUID(),
      });
      res.end(req.method === "GET" ? object.bytes : undefined);
      return;
    }
    default:
      throw new S3Fault(405, "MethodNotAllowed", `${req.method} is not allowed against this resource.`);
  }
}

function isAwsChunked(req: IncomingMessage): boolean {
  const encoding = String(req.headers["content-encoding"] ?? "");
  return encoding.split(",").some((part) => part.trim() === "aws-chunked");
}

/**
 * The payload of an aws-chunked body (`<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` … `0\r\n<trailers>\r\n\r\n`), with
 * its trailing checksum moved into the headers so it is checked like a header checksum.
 */
function decodeAwsChunked(body: Buffer, req: IncomingMessage): Buffer {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", at);
    if (lineEnd < 0) throw new S3Fault(400, "IncompleteBody", "The aws-chunked body ended inside a chunk header.");
    const size = Number.parseInt(body.subarray(at, lineEnd).toString("latin1").split(";")[0] ?? "", 16);
    if (!Number.isInteger(size) || size < 0) throw new S3Fault(400, "InvalidRequest", "Bad aws-chunked chunk size.");
    at = lineEnd + 2;
    if (size === 0) break;
    if (at + size + 2 > body.length) throw new S3Fault(400, "IncompleteBody", "The aws-chunked body is truncated.");
    chunks.push(body.subarray(at, at + size));
    at += size + 2;
  }
  for (const line of body.subarray(at).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) req.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const bytes = Buffer.concat(chunks);
  const declared = req.headers["x-amz-decoded-content-length"];
  if (declared !== undefined && Number(declared) !== bytes.length) {
    throw new S3Fault(400, "IncompleteBody", "The decoded length does not match x-amz-decoded-content-length.");
  }
  return bytes;
}

/** S3 refuses an object whose bytes do not match a checksum or Content-MD5 the request declares. */
function checkDigests(headers: IncomingMessage["headers"], bytes: Buffer): void {
  const crc = headers["x-amz-checksum-crc32"];
  if (typeof crc === "string") {
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(crc32(bytes) >>> 0);
    if (expected.toString("base64") !== crc) {
      throw new S3Fault(400, "BadDigest", "The CRC32 you specified did not match the calculated checksum.");
    }
  }
  for (const name of Object.keys(headers)) {
    if (name.startsWith("x-amz-checksum-") && name !== "x-amz-checksum-crc32" && name !== "x-amz-checksum-type") {
      throw new S3Fault(501, "NotImplemented", `${name} is not implemented here (CRC32 is).`);
    }
  }
  const md5 = headers["content-md5"];
  if (typeof md5 === "string" && createHash("md5").update(bytes).digest("base64") !== md5) {
    throw new S3Fault(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function replyError(res: ServerResponse, fault: S3Fault, head: boolean): void {
  const requestId = randomUUID();
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>${escapeXml(fault.message)}</Message>` +
    `${fault.resource === undefined ? "" : `<Resource>${escapeXml(fault.resource)}</Resource>`}<RequestId>${requestId}</RequestId></Error>`;
  res.writeHead(fault.status, { "Content-Type": "application/xml", "x-amz-request-id": requestId });
  // A HEAD answer has no body (S3's clients read the code from the status alone).
  res.end(head ? undefined : xml);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
