import { SlabridgeError, type SlabridgeErrorOptions } from "@slabridge/core";

/** Options of a {@link GatewayError}: the HTTP status and the machine-readable code the buyer sees. */
export interface GatewayErrorOptions extends SlabridgeErrorOptions {
  /** HTTP status the gateway answers with. */
  status: number;
  /** Machine-readable code in the JSON body (`{ error: code, message }`); x402 codes where x402 names the case. */
  code: string;
}

/**
 * Base of the gateway's errors: each maps to one HTTP answer (`status`, `code`), so the handler turns any of them
 * into a response in one place and a test can assert the code.
 *
 * @example
 * ```ts
 * class HostTimeoutError extends GatewayError {
 *   override readonly name = "HostTimeoutError" as const;
 *   constructor(ms: number) { super(`host did not answer in ${ms} ms`, { status: 504, code: "host_timeout", retryable: true }); }
 * }
 * ```
 */
export class GatewayError extends SlabridgeError {
  override name = "GatewayError";
  readonly status: number;
  readonly code: string;

  constructor(shortMessage: string, options: GatewayErrorOptions) {
    super(shortMessage, options);
    this.status = options.status;
    this.code = options.code;
  }
}
