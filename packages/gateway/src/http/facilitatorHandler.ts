import { scrubSecrets } from "@slabridge/core";
import type { x402Facilitator } from "@x402/core/facilitator";
import type { Network, PaymentPayload, PaymentRequirements, ResourceInfo } from "@x402/core/types";
import { SettleError, VerifyError } from "@x402/core/types";
import { z } from "zod";
import {
  InvalidFacilitatorRequestError,
  MethodNotAllowedError,
  RequestTooLargeError,
  UnknownFacilitatorRouteError,
} from "../errors/errors.ts";
import { GatewayError } from "../errors/GatewayError.ts";

/** Longest verify/settle body accepted; a batch-settlement deposit request is a few KB. */
const DEFAULT_MAX_BODY_BYTES = 64 * 1_024;

/** Options of {@link createFacilitatorHandler}. */
export interface FacilitatorHandlerOptions {
  /** Where the endpoints live: `<basePath>/verify`, `/settle`, `/supported`. Default `/facilitator`. */
  readonly basePath?: string;
  readonly maxBodyBytes?: number;
  /** Told about every unexpected failure answered with a 500. */
  readonly onError?: (error: unknown) => void;
}

const network = z.custom<Network>((value) => typeof value === "string" && /^[^:]+:.+$/.test(value), {
  message: "must be a CAIP-2 network (namespace:reference)",
});
const requirementsSchema = z.looseObject({
  scheme: z.string().min(1),
  network,
  asset: z.string().min(1),
  amount: z.string().regex(/^\d+$/, "must be a decimal string"),
  payTo: z.string().min(1),
  maxTimeoutSeconds: z.number().int().nonnegative(),
  extra: z.record(z.string(), z.unknown()),
});
const resourceSchema = z.custom<ResourceInfo>(
  (value) => typeof value === "object" && value !== null && "url" in value && typeof value.url === "string",
  { message: "must be a resource with a url" },
);
const payloadSchema = z
  .looseObject({
    x402Version: z.literal(2),
    resource: resourceSchema.optional(),
    accepted: requirementsSchema,
    payload: z.record(z.string(), z.unknown()),
    extensions: z.record(z.string(), z.unknown()).optional(),
  })
  // exactOptionalPropertyTypes: an absent optional field is left out, not set to undefined.
  .transform(
    ({ resource, extensions, ...rest }): PaymentPayload => ({
      ...rest,
      ...(resource === undefined ? {} : { resource }),
      ...(extensions === undefined ? {} : { extensions }),
    }),
  );
/** What `HTTPFacilitatorClient` posts to `/verify` and `/settle`. */
const requestSchema = z.object({
  x402Version: z.literal(2),
  paymentPayload: payloadSchema,
  paymentRequirements: requirementsSchema.transform((value): PaymentRequirements => value),
});

/**
 * The x402 HTTP facilitator protocol over an in-process `x402Facilitator`, as a Fetch API handler, so slabridge runs
 * the facilitator role itself behind its own URL (a Lambda function URL, or a loopback server): a stock
 * `HTTPFacilitatorClient` pointed at `<origin>/facilitator` verifies and settles through it.
 *
 * - `POST /facilitator/verify`, `POST /facilitator/settle`: body `{ x402Version, paymentPayload, paymentRequirements }`
 *   (x402 v2), answered 200 with the facilitator's `VerifyResponse` / `SettleResponse` (an invalid payment is
 *   `isValid: false` / `success: false`, still 200). A `VerifyError` / `SettleError` the facilitator throws is a 400
 *   with its response fields (the client rethrows it as the same error); a settle aborted by a hook is a 200 with
 *   `success: false`, as the reference facilitator answers; anything else a 500 `facilitator_failed`.
 * - `GET /facilitator/supported`: 200 with the facilitator's kinds, extensions and signers.
 * - A body that is not JSON (400 `invalid_json`), not a v2 request (400 `invalid_request`), or over the limit (413
 *   `request_too_large`); an unknown path 404 `not_found`; another method 405. Bodies are `{ error, message }`.
 *
 * @example
 * const handle = createFacilitatorHandler(new x402Facilitator().register(network, new BatchSettlementEvmScheme(signer)));
 * const client = new HTTPFacilitatorClient({ url: "https://gw.example/facilitator" });
 */
export function createFacilitatorHandler(
  facilitator: x402Facilitator,
  options: FacilitatorHandlerOptions = {},
): (request: Request) => Promise<Response> {
  const basePath = (options.basePath ?? "/facilitator").replace(/\/+$/, "");
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const onError = options.onError ?? ((error: unknown) => console.error("facilitator: unexpected failure", error));

  const serve = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    const endpoint = path.startsWith(`${basePath}/`) ? path.slice(basePath.length + 1) : undefined;
    if (endpoint === "supported") {
      if (request.method !== "GET") throw new MethodNotAllowedError(request.method, "/supported is GET");
      return json(200, facilitator.getSupported());
    }
    if (endpoint !== "verify" && endpoint !== "settle") throw new UnknownFacilitatorRouteError(path);
    if (request.method !== "POST") throw new MethodNotAllowedError(request.method, `/${endpoint} is POST`);
    const { paymentPayload, paymentRequirements } = await readRequest(request, maxBody);
    if (endpoint === "verify") {
      try {
        return json(200, await facilitator.verify(paymentPayload, paymentRequirements));
      } catch (error) {
        if (error instanceof VerifyError) {
          return json(400, {
            isValid: false,
            invalidReason: error.invalidReason,
            invalidMessage: error.invalidMessage,
            payer: error.payer,
          });
        }
        throw error;
      }
    }
    try {
      return json(200, await facilitator.settle(paymentPayload, paymentRequirements));
    } catch (error) {
      if (error instanceof SettleError) {
        return json(400, {
          success: false,
          errorReason: error.errorReason,
          errorMessage: error.errorMessage,
          payer: error.payer,
          transaction: error.transaction,
          network: error.network,
        });
      }
      // x402Facilitator turns a beforeSettle hook's abort into this error; the reference facilitator answers it as a
      // failed settlement, not a server error.
      const aborted = error instanceof Error ? /^Settlement aborted: (.*)$/s.exec(error.message) : null;
      if (aborted) {
        return json(200, {
          success: false,
          errorReason: aborted[1],
          transaction: "",
          network: paymentRequirements.network,
        });
      }
      throw error;
    }
  };

  return async (request) => {
    try {
      return await serve(request);
    } catch (error) {
      if (error instanceof GatewayError) return json(error.status, { error: error.code, message: error.shortMessage });
      onError(error);
      // Raw RPC errors can carry the provider URL (and its key).
      const message = scrubSecrets(error instanceof Error ? error.message : String(error));
      return json(500, { error: "facilitator_failed", message });
    }
  };
}

async function readRequest(request: Request, maxBytes: number): Promise<z.output<typeof requestSchema>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new RequestTooLargeError(maxBytes);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length > maxBytes) throw new RequestTooLargeError(maxBytes);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new InvalidFacilitatorRequestError("invalid_json", error instanceof Error ? error.message : "not JSON");
  }
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) throw new InvalidFacilitatorRequestError("invalid_request", z.prettifyError(parsed.error));
  return parsed.data;
}

function json(status: number, body: unknown): Response {
  return new Response(
    JSON.stringify(body, (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value)),
    { status, headers: { "content-type": "application/json" } },
  );
}
