import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { RuntimeStateError } from "../errors.ts";
import { type LambdaHandler, LocalFunctions } from "../lambda/LocalFunctions.ts";

/** Lambda's limit on a synchronous request payload; a function URL refuses larger bodies with 413. */
const MAX_REQUEST_BODY = 6 * 1024 * 1024;
/** Content types a function URL passes as text; any other body arrives base64-encoded (`isBase64Encoded`). */
const TEXT_CONTENT = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|[^;]*\+(json|xml))/i;

/**
 * Options of {@link LocalFunctionUrlServer}.
 *
 * @example
 * ```ts
 * new LocalFunctionUrlServer({ name: "status", handler, timeoutSeconds: 30, port: 8787 });
 * ```
 */
export interface LocalFunctionUrlServerOptions {
  /** The function's name (in its context and in `requestContext.apiId`'s place of a URL id). */
  name: string;
  handler: LambdaHandler<APIGatewayProxyEventV2, unknown>;
  /** Lambda's timeout (default 30 s); a timed-out invocation answers 502 as a function URL does. */
  timeoutSeconds?: number;
  /** 0 (default) picks a free port. */
  port?: number;
}

/**
 * A Lambda function URL on 127.0.0.1: each HTTP request becomes the payload format 2.0 event AWS sends (lower-case
 * `headers`, `rawPath`, `rawQueryString`, `queryStringParameters` with repeated keys joined by commas, `cookies`,
 * `requestContext.http`, non-text bodies base64-encoded) and the handler's result goes back as AWS maps it: a result
 * with `statusCode` is used as is (`headers`, `body`, `isBase64Encoded`, `cookies` as `Set-Cookie`); any other JSON
 * result is a 200 `application/json` response of that JSON; a function error or timeout is a 502
 * `{"Message":"Internal Server Error"}`. The same handler code therefore serves locally and behind a real URL.
 *
 * @example
 * ```ts
 * const server = new LocalFunctionUrlServer({ name: "status", handler: statusHandler });
 * const url = await server.start(); // "http://127.0.0.1:40123"
 * await fetch(`${url}/health`);
 * await server.stop();
 * ```
 */
export class LocalFunctionUrlServer {
  readonly #functions = new LocalFunctions();
  readonly #name: string;
  readonly #port: number;
  #server: Server | undefined;
  #url: string | undefined;
  #state: "new" | "started" | "stopped" = "new";

  constructor(options: LocalFunctionUrlServerOptions) {
    this.#name = options.name;
    this.#port = options.port ?? 0;
    this.#functions.register(options.name, options.handler, { timeoutSeconds: options.timeoutSeconds ?? 30 });
  }

  /**
   * The base URL, `http://127.0.0.1:<port>` (no trailing slash).
   *
   * @example
   * ```ts
   * await fetch(`${server.url}/models`);
   * ```
   */
  get url(): string {
    if (this.#url === undefined) throw new RuntimeStateError("The function URL server is not started.");
    return this.#url;
  }

  /**
   * Listens on 127.0.0.1 and resolves with the base URL.
   *
   * @example
   * ```ts
   * const url = await server.start();
   * ```
   */
  async start(): Promise<string> {
    if (this.#state !== "new")
      throw new RuntimeStateError(`The function URL server cannot start: it is ${this.#state}.`);
    this.#state = "started";
    const server = createServer((request, response) => {
      this.#handle(request, response).catch(() => {
        if (!response.headersSent) sendInternalError(response);
        else response.destroy();
      });
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    this.#url = `http://127.0.0.1:${port}`;
    return this.#url;
  }

  /**
   * Closes the port (dropping keep-alive connections) and waits for running invocations.
   *
   * @example
   * ```ts
   * await server.stop();
   * ```
   */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    const server = this.#server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    this.#url = undefined;
    await this.#functions.stop();
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    if (body === "too-large") {
      sendJson(response, 413, {
        Message: "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
      });
      return;
    }
    const event = toFunctionUrlEvent(request, body, this.#name, this.#port);
    const outcome = await this.#functions.invoke(this.#name, event);
    if (!outcome.ok) {
      sendInternalError(response);
      return;
    }
    writeResult(response, outcome.payload);
  }
}

/** Turns a node request into the function URL event (payload format version 2.0). */
function toFunctionUrlEvent(
  request: IncomingMessage,
  body: Buffer,
  name: string,
  port: number,
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    const key = (request.rawHeaders[index] ?? "").toLowerCase();
    const value = request.rawHeaders[index + 1] ?? "";
    if (key === "cookie") {
      cookies.push(...value.split(";").map((cookie) => cookie.trim()));
      continue;
    }
    headers[key] = headers[key] === undefined ? value : `${headers[key]},${value}`;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
  const now = new Date();
  const method = request.method ?? "GET";
  const contentType = headers["content-type"] ?? "";
  const text = body.length === 0 || TEXT_CONTENT.test(contentType);
  const requestId = randomUUID();
  const domainName = `127.0.0.1:${port}`;
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: "anonymous",
      apiId: name,
      domainName,
      domainPrefix: "127",
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId,
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: text ? body.toString("utf8") : body.toString("base64") } : {}),
    isBase64Encoded: !text,
  };
}

/** Writes a handler result as a function URL does (structured result, or any JSON as a 200 JSON body). */
function writeResult(response: ServerResponse, payload: unknown): void {
  if (!isStructuredResult(payload)) {
    sendJson(response, 200, payload ?? null);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(payload.headers ?? {})) headers[key.toLowerCase()] = String(value);
  if (payload.cookies && payload.cookies.length > 0) headers["set-cookie"] = payload.cookies;
  const body =
    payload.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(payload.body, payload.isBase64Encoded === true ? "base64" : "utf8");
  headers["content-length"] = String(body.length);
  headers["content-type"] ??= "application/json";
  response.writeHead(payload.statusCode, headers).end(body);
}

function isStructuredResult(
  payload: unknown,
): payload is APIGatewayProxyStructuredResultV2 & { statusCode: number; body?: string } {
  return (
    typeof payload === "object" &&
    payload !== null &&
    "statusCode" in payload &&
    Number.isInteger((payload as { statusCode: unknown }).statusCode)
  );
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response
    .writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) })
    .end(body);
}

function sendInternalError(response: ServerResponse): void {
  sendJson(response, 502, { Message: "Internal Server Error" });
}

/** Reads the whole body, or reports that it exceeds Lambda's request limit (the rest is discarded). */
async function readBody(request: IncomingMessage): Promise<Buffer | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= MAX_REQUEST_BODY) chunks.push(buffer);
  }
  return size > MAX_REQUEST_BODY ? "too-large" : Buffer.concat(chunks);
}
