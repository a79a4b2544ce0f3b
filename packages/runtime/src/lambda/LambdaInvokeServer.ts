import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { localArn } from "../aws.ts";
import { RuntimeStateError } from "../errors.ts";
import { type FunctionOptions, type LambdaHandler, LocalFunctions } from "./LocalFunctions.ts";

/** Lambda's payload limits: 6 MB for a synchronous request, 1 MB for an asynchronous one. */
const MAX_SYNC_PAYLOAD = 6 * 1024 * 1024;
const MAX_ASYNC_PAYLOAD = 1024 * 1024;
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
/** `name`, `name:qualifier`, `account:function:name[:qualifier]` or the full ARN, as the Invoke API accepts. */
const FUNCTION_NAME =
  /^(?:(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:)?\d{12}:function:)?([A-Za-z0-9_-]{1,64})(?::([A-Za-z0-9$_-]+))?$/;
const invocationTypeSchema = z.enum(["RequestResponse", "Event", "DryRun"]).default("RequestResponse");

/**
 * Options of {@link LambdaInvokeServer}.
 *
 * @example
 * ```ts
 * new LambdaInvokeServer({ functions: sharedFunctions });
 * ```
 */
export interface LambdaInvokeServerOptions {
  /** Share a registry with queue consumers and schedules; by default the server has its own. */
  functions?: LocalFunctions;
  /** 0 (default) picks a free port. */
  port?: number;
}

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) on 127.0.0.1, so fan-out code calls local
 * handlers through an unmodified `LambdaClient` + `InvokeCommand` pointed at {@link url}. `RequestResponse` answers
 * 200 with the JSON result (or `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage, trace }`), `Event`
 * answers 202 and runs in the background with Lambda's async retries and DLQ, `DryRun` answers 204; an unknown
 * function is a 404 `ResourceNotFoundException` in AWS's wire format. Requests are not authenticated (loopback only).
 *
 * @example
 * ```ts
 * const server = new LambdaInvokeServer(); server.register("echo", async (e) => e); await server.start();
 * await new LambdaClient({ endpoint: server.url, region: "us-east-1", credentials }).send(new InvokeCommand({ FunctionName: "echo" }));
 * ```
 */
export class LambdaInvokeServer {
  readonly functions: LocalFunctions;
  readonly #ownsFunctions: boolean;
  readonly #port: number;
  #server: Server | undefined;
  #url: string | undefined;
  #state: "new" | "started" | "stopped" = "new";

  constructor(options: LambdaInvokeServerOptions = {}) {
    this.functions = options.functions ?? new LocalFunctions();
    this.#ownsFunctions = options.functions === undefined;
    this.#port = options.port ?? 0;
  }

  /**
   * Registers a function (see {@link LocalFunctions.register}).
   *
   * @example
   * ```ts
   * server.register("relay", handler, { timeoutSeconds: 30 });
   * ```
   */
  register<TEvent, TResult>(
    name: string,
    handler: LambdaHandler<TEvent, TResult>,
    options: FunctionOptions = {},
  ): void {
    this.functions.register(name, handler, options);
  }

  /**
   * The base URL (`http://127.0.0.1:<port>`) to give `LambdaClient` as `endpoint`.
   *
   * @example
   * ```ts
   * new LambdaClient({ endpoint: server.url });
   * ```
   */
  get url(): string {
    if (this.#url === undefined) throw new RuntimeStateError("The invoke server is not started.");
    return this.#url;
  }

  /**
   * Listens on 127.0.0.1 and resolves with the URL.
   *
   * @example
   * ```ts
   * const url = await server.start();
   * ```
   */
  async start(): Promise<string> {
    if (this.#state !== "new") throw new RuntimeStateError(`The invoke server cannot start: it is ${this.#state}.`);
    this.#state = "started";
    const server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendError(response, 500, "ServiceException", errorText(error), "Service");
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
   * Closes the port (dropping keep-alive connections) and, when the server owns its registry, stops it too.
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
    if (this.#ownsFunctions) await this.functions.stop();
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const match = INVOKE_PATH.exec(url.pathname);
    if (request.method !== "POST" || !match?.[1]) {
      request.resume();
      sendError(response, 404, "UnknownOperationException", "Unknown operation.");
      return;
    }
    const invocationType = invocationTypeSchema.safeParse(request.headers["x-amz-invocation-type"] ?? undefined);
    if (!invocationType.success) {
      request.resume();
      sendError(response, 400, "InvalidParameterValueException", "Invalid X-Amz-Invocation-Type.");
      return;
    }
    const limit = invocationType.data === "Event" ? MAX_ASYNC_PAYLOAD : MAX_SYNC_PAYLOAD;
    const body = await readBody(request, limit);
    if (body === "too-large") {
      sendError(
        response,
        413,
        "RequestTooLargeException",
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
      );
      return;
    }
    const requested = safeDecode(match[1]);
    const name = FUNCTION_NAME.exec(requested)?.[1];
    if (name === undefined || !this.functions.has(name)) {
      const shown = name ?? requested;
      sendError(
        response,
        404,
        "ResourceNotFoundException",
        `Function not found: ${localArn("lambda", this.functions.region, `function:${shown}`)}`,
      );
      return;
    }
    let event: unknown = {};
    if (body.length > 0) {
      try {
        event = JSON.parse(body.toString("utf8")) as unknown;
      } catch (error) {
        sendError(
          response,
          400,
          "InvalidRequestContentException",
          `Could not parse request body into json: ${errorText(error)}`,
        );
        return;
      }
    }

    switch (invocationType.data) {
      case "DryRun":
        response.writeHead(204, { "x-amzn-RequestId": randomUUID() }).end();
        return;
      case "Event": {
        const requestId = this.functions.invokeAsync(name, event);
        response.writeHead(202, { "x-amzn-RequestId": requestId, "Content-Length": "0" }).end();
        return;
      }
      case "RequestResponse": {
        const started = Date.now();
        const outcome = await this.functions.invoke(name, event);
        const payload = JSON.stringify(outcome.ok ? outcome.payload : outcome.error);
        const headers: Record<string, string> = {
          "Content-Type": "application/json",
          "Content-Length": String(Buffer.byteLength(payload)),
          "x-amzn-RequestId": outcome.requestId,
          "X-Amz-Executed-Version": "$LATEST",
        };
        if (!outcome.ok) headers["X-Amz-Function-Error"] = "Unhandled";
        if (request.headers["x-amz-log-type"] === "Tail") {
          const id = outcome.requestId;
          const report = `START RequestId: ${id} Version: $LATEST\nEND RequestId: ${id}\nREPORT RequestId: ${id}\tDuration: ${Date.now() - started} ms\n`;
          headers["X-Amz-Log-Result"] = Buffer.from(report).toString("base64");
        }
        response.writeHead(200, headers).end(payload);
        return;
      }
    }
  }
}

/** Reads the whole body, or reports that it exceeds `limit` (then the rest is discarded). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) tooLarge = true;
    else chunks.push(buffer);
  }
  return tooLarge ? "too-large" : Buffer.concat(chunks);
}

/** An error as the Lambda API sends it: the type in `x-amzn-ErrorType`, `{ Type, Message }` in the body. */
function sendError(
  response: ServerResponse,
  status: number,
  type: string,
  message: string,
  kind: "User" | "Service" = "User",
): void {
  const body = JSON.stringify({ Type: kind, Message: message });
  response
    .writeHead(status, {
      "Content-Type": "application/json",
      "Content-Length": String(Buffer.byteLength(body)),
      "x-amzn-ErrorType": type,
      "x-amzn-RequestId": randomUUID(),
    })
    .end(body);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
