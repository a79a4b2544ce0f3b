import { GatewayError } from "./GatewayError.ts";

/** The path names no listed model. */
export class UnknownModelError extends GatewayError {
  override readonly name = "UnknownModelError" as const;
  constructor(path: string) {
    super(`No model is served at ${path}.`, { status: 404, code: "unknown_model" });
  }
}

/** The method is not one the route answers (inference calls are POST). */
export class MethodNotAllowedError extends GatewayError {
  override readonly name = "MethodNotAllowedError" as const;
  constructor(method: string, expected = "model calls are POST") {
    super(`${method} is not allowed; ${expected}.`, { status: 405, code: "method_not_allowed" });
  }
}

/** The path names no facilitator endpoint (`/facilitator/verify`, `/settle`, `/supported`). */
export class UnknownFacilitatorRouteError extends GatewayError {
  override readonly name = "UnknownFacilitatorRouteError" as const;
  constructor(path: string) {
    super(`No facilitator endpoint is served at ${path}.`, { status: 404, code: "not_found" });
  }
}

/** A facilitator request body that is not JSON (`invalid_json`) or not a verify/settle request (`invalid_request`). */
export class InvalidFacilitatorRequestError extends GatewayError {
  override readonly name = "InvalidFacilitatorRequestError" as const;
  constructor(code: "invalid_json" | "invalid_request", details: string) {
    super(
      code === "invalid_json"
        ? "The request body is not JSON."
        : "The request body is not an x402 v2 verify/settle request ({ x402Version, paymentPayload, paymentRequirements }).",
      { status: 400, code, details },
    );
  }
}

/** The `PAYMENT-SIGNATURE` header is longer than any batch-settlement payload can be. */
export class OversizedPaymentSignatureError extends GatewayError {
  override readonly name = "OversizedPaymentSignatureError" as const;
  constructor(length: number, limit: number) {
    super(`PAYMENT-SIGNATURE is ${length} bytes, over the ${limit}-byte limit.`, {
      status: 431,
      code: "invalid_payload",
    });
  }
}

/** The `PAYMENT-SIGNATURE` header is not base64 JSON of an x402 v2 batch-settlement payment payload. */
export class MalformedPaymentSignatureError extends GatewayError {
  override readonly name = "MalformedPaymentSignatureError" as const;
  constructor(details: string) {
    super("PAYMENT-SIGNATURE is not a valid x402 v2 payment payload.", {
      status: 400,
      code: "invalid_payload",
      details,
    });
  }
}

/** The request body is larger than the gateway forwards. */
export class RequestTooLargeError extends GatewayError {
  override readonly name = "RequestTooLargeError" as const;
  constructor(limit: number) {
    super(`The request body is over the ${limit}-byte limit.`, { status: 413, code: "request_too_large" });
  }
}

/** The buyer has used up its calls on this model for now; `retryAfterSeconds` says when one is free again. */
export class RateLimitedError extends GatewayError {
  override readonly name = "RateLimitedError" as const;
  readonly retryAfterSeconds: number;
  constructor(buyer: string, model: string, retryAfterSeconds: number) {
    super(`${buyer} is over the rate limit on ${model}.`, { status: 429, code: "rate_limited", retryable: true });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The shared rate-limit state could not be read or written (the store is down, throttling or holds a bad item). The
 * gateway fails closed: it cannot tell whether the buyer is over its limit, and a limit that opens whenever its store
 * is degraded protects the hosts least when they are likeliest to be under load. Nothing is charged; retry shortly.
 */
export class RateLimitUnavailableError extends GatewayError {
  override readonly name = "RateLimitUnavailableError" as const;
  readonly retryAfterSeconds = 1;
  constructor(model: string, cause: unknown) {
    super(`The rate limit of ${model} could not be checked; nothing was charged.`, {
      status: 503,
      code: "rate_limit_unavailable",
      cause,
      retryable: true,
    });
  }
}

/** An operator paused sales of the model (the kill switch): nothing is asked for, nothing is charged. */
export class ModelPausedError extends GatewayError {
  override readonly name = "ModelPausedError" as const;
  readonly retryAfterSeconds: number;
  constructor(model: string, reason: string, retryAfterSeconds: number) {
    super(`${model} is paused: ${reason}.`, { status: 503, code: "model_paused", retryable: true });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Why a host call failed; none of these is charged. `interrupted`: a streamed answer broke off after its first byte
 * (the connection dropped, or the body ended before `[DONE]`).
 */
export type HostFailureKind = "timeout" | "unreachable" | "http_error" | "garbage" | "interrupted";

/**
 * The model host did not serve the call (timeout, connection failure, 5xx, an answer without usage, or a stream that
 * broke off).
 */
export class HostFailedError extends GatewayError {
  override readonly name = "HostFailedError" as const;
  readonly kind: HostFailureKind;
  constructor(kind: HostFailureKind, details: string, cause?: unknown) {
    super(`The model host failed the call (${kind}); nothing was charged.`, {
      status: kind === "timeout" ? 504 : 502,
      code: `host_${kind}`,
      details,
      cause,
      retryable: true,
    });
    this.kind = kind;
  }
}
