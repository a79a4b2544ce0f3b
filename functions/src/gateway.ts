import { once } from "node:events";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { Logger } from "@aws-lambda-powertools/logger";
import { SlabridgeError, scrubSecrets } from "@slabridge/core";
import type { Gateway } from "@slabridge/gateway";
import { z } from "zod";
import { gatewayServiceFromEnv } from "./context/gateway/gatewayServiceFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-gateway" });

/** The parts of a Lambda function URL event (payload 2.0) a request is rebuilt from. */
const functionUrlEventSchema = z.object({
  rawPath: z.string().startsWith("/").describe("request path"),
  rawQueryString: z.string().default("").describe("query string as sent, without '?'"),
  headers: z.record(z.string(), z.string()).default({}).describe("lowercased names, repeated values comma-joined"),
  cookies: z.array(z.string()).optional().describe("the Cookie header's parts, which headers leave out"),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
  requestContext: z.object({
    domainName: z.string().min(1),
    http: z.object({ method: z.string().min(1) }),
  }),
});

/** The head of a streamed response: what the Lambda runtime's `HttpResponseStream.from` writes before the body. */
export interface ResponseStreamMetadata {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
}

/** The Lambda runtime's `awslambda.HttpResponseStream`: wraps the response stream after writing the head. */
export interface HttpResponseStreamFactory {
  from(stream: Writable, metadata: ResponseStreamMetadata): Writable;
}

/** A function URL event that is not an HTTP request event (another trigger, a hand-made invocation). */
export class InvalidGatewayEventError extends SlabridgeError {
  override readonly name = "InvalidGatewayEventError" as const;
  constructor(details: string) {
    super("Not a function URL request event.", { details, retryable: false });
  }
}

/**
 * The Fetch API request a function URL event stands for (`https://<domain><rawPath>?<rawQueryString>`, headers,
 * cookies, the body decoded from base64 when the event says so).
 *
 * @example const request = requestOfFunctionUrlEvent(event); const response = await service.handle(request);
 */
export function requestOfFunctionUrlEvent(event: unknown): Request {
  const parsed = functionUrlEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidGatewayEventError(z.prettifyError(parsed.error));
  const { rawPath, rawQueryString, headers, cookies, body, isBase64Encoded, requestContext } = parsed.data;
  const method = requestContext.http.method.toUpperCase();
  const requestHeaders = new Headers(headers);
  if (cookies !== undefined && cookies.length > 0) requestHeaders.set("cookie", cookies.join("; "));
  const url = `https://${requestContext.domainName}${rawPath}${rawQueryString === "" ? "" : `?${rawQueryString}`}`;
  const hasBody = body !== undefined && method !== "GET" && method !== "HEAD";
  return new Request(url, {
    method,
    headers: requestHeaders,
    ...(hasBody ? { body: isBase64Encoded ? Buffer.from(body, "base64") : body } : {}),
  });
}

/**
 * The gateway function's handler, for a function URL in response-streaming mode: rebuilds the request from the event,
 * lets the service answer it (`/models/...` the gateway, `/facilitator/...` the facilitator; see
 * `createGatewayService`), and streams the response back: its head through `responseStreams.from`, then the body.
 * An event that is not a request is a 400; a service that failed to build a 500 (logged, scrubbed).
 *
 * @example export const handler = awslambda.streamifyResponse(createGatewayHandler(getService, awslambda.HttpResponseStream));
 */
export function createGatewayHandler(getService: () => Promise<Gateway>, responseStreams: HttpResponseStreamFactory) {
  return async (event: unknown, responseStream: Writable): Promise<void> => {
    let response: Response;
    try {
      const request = requestOfFunctionUrlEvent(event);
      response = await (await getService()).handle(request);
    } catch (error) {
      if (error instanceof InvalidGatewayEventError) {
        response = Response.json({ error: "invalid_event", message: error.shortMessage }, { status: 400 });
      } else {
        logger.error("gateway request failed", { error: describe(error) });
        response = Response.json(
          { error: "internal_error", message: "The gateway failed unexpectedly." },
          { status: 500 },
        );
      }
    }
    await writeResponse(response, responseStream, responseStreams);
  };
}

async function writeResponse(response: Response, stream: Writable, responseStreams: HttpResponseStreamFactory) {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  const out = responseStreams.from(stream, {
    statusCode: response.status,
    headers,
    ...(cookies.length > 0 ? { cookies } : {}),
  });
  if (response.body !== null) {
    const reader = response.body.getReader();
    // The buyer went away (the runtime closes or fails the stream): the body is cancelled, so the gateway stops the
    // host call and settles what was sent, instead of holding the channel until its reservation expires.
    const hungUp = () => void reader.cancel().catch(() => undefined);
    out.once("close", hungUp);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!out.write(value)) await once(out, "drain");
      }
    } catch (error) {
      hungUp();
      throw error;
    } finally {
      out.off("close", hungUp);
    }
  }
  out.end();
  await finished(out);
}

// Raw RPC errors can carry the provider URL (and its key): log the scrubbed text only.
function describe(error: unknown): string {
  return scrubSecrets(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

/** The Lambda Node.js runtime's streaming API (the global `awslambda`), when running in Lambda. */
interface LambdaStreamingRuntime {
  streamifyResponse(handler: (event: unknown, responseStream: Writable) => Promise<void>): unknown;
  HttpResponseStream: HttpResponseStreamFactory;
}

function isStreamingRuntime(value: unknown): value is LambdaStreamingRuntime {
  if (typeof value !== "object" || value === null) return false;
  if (!("streamifyResponse" in value) || typeof value.streamifyResponse !== "function") return false;
  if (!("HttpResponseStream" in value)) return false;
  const streams = value.HttpResponseStream;
  return (typeof streams === "object" || typeof streams === "function") && streams !== null && "from" in streams;
}

/** Outside Lambda there is no runtime to write a streamed response's head: the deployed handler only runs in it. */
class NoLambdaRuntimeError extends SlabridgeError {
  override readonly name = "NoLambdaRuntimeError" as const;
  constructor() {
    super("The gateway handler streams through the Lambda runtime (awslambda), which is not here.", {
      retryable: false,
    });
  }
}

const runtime: unknown = Reflect.get(globalThis, "awslambda");
const onError = (error: unknown) => logger.error("gateway: unexpected failure", { error: describe(error) });
const streamHandler = createGatewayHandler(
  () => gatewayServiceFromEnv(process.env, onError),
  isStreamingRuntime(runtime)
    ? runtime.HttpResponseStream
    : {
        from: () => {
          throw new NoLambdaRuntimeError();
        },
      },
);

/** The deployed handler (response streaming: `streaming: true` on the function). */
export const handler = isStreamingRuntime(runtime) ? runtime.streamifyResponse(streamHandler) : streamHandler;
