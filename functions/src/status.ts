import { Logger } from "@aws-lambda-powertools/logger";
import { scrubSecrets } from "@slabridge/core";
import { dashboardAsset, dashboardDistDir } from "@slabridge/dashboard";
import { routeStatusRequest, type StatusWorld } from "@slabridge/status";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import { statusWorldFromEnv } from "./context/status/statusWorldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-status" });

/** The parts of a function URL / API Gateway v2 event the status API reads. */
const functionUrlEventSchema = z.object({
  rawPath: z.string().startsWith("/").describe("request path"),
  queryStringParameters: z.record(z.string(), z.string()).optional().describe("query, repeated keys comma-joined"),
  requestContext: z.object({ http: z.object({ method: z.string().min(1) }) }),
});

/**
 * The status API handler (a Lambda function URL or API Gateway HTTP API, payload 2.0): validates the event, routes
 * it (see `routeStatusRequest`), and answers JSON with bigints as decimal strings. `/` and `/assets/*` are the web
 * dashboard's page and bundled files (`dashboardAsset`, from `dashboardDir`: by default `SLABRIDGE_DASHBOARD_DIR` or
 * the package's dist/). Locally the same handler runs behind `LocalFunctionUrlServer`.
 *
 * @example export const handler = createStatusHandler(async () => world);
 */
export function createStatusHandler(
  getWorld: () => Promise<StatusWorld>,
  options: { readonly dashboardDir?: string } = {},
) {
  const dashboardDir = options.dashboardDir ?? dashboardDistDir();
  return async (event: unknown): Promise<APIGatewayProxyStructuredResultV2> => {
    const parsed = functionUrlEventSchema.safeParse(event);
    if (!parsed.success) {
      return json(400, {
        error: { name: "InvalidStatusRequestError", message: "Not an HTTP request event.", retryable: false },
      });
    }
    const asset = dashboardAsset(
      { method: parsed.data.requestContext.http.method.toUpperCase(), path: parsed.data.rawPath },
      dashboardDir,
    );
    if (asset) return asset;
    const response = await routeStatusRequest(
      getWorld,
      {
        method: parsed.data.requestContext.http.method.toUpperCase(),
        path: parsed.data.rawPath,
        query: parsed.data.queryStringParameters ?? {},
      },
      (error) =>
        logger.error("status request failed", {
          path: parsed.data.rawPath,
          // Raw RPC errors can carry the provider URL (and its key): log the scrubbed text only.
          error: scrubSecrets(error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
        }),
    );
    if (response.bytes) {
      // Evidence bytes go out exactly as stored (base64 on the wire, decoded by the function URL), never re-encoded.
      return {
        statusCode: response.statusCode,
        headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
        body: Buffer.from(response.bytes).toString("base64"),
        isBase64Encoded: true,
      };
    }
    return json(response.statusCode, response.body, response.headers);
  };
}

function json(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
    body: JSON.stringify(body, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value)),
  };
}

/** The deployed handler. */
export const handler = createStatusHandler(() => statusWorldFromEnv());
