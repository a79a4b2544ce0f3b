import { SlabridgeError } from "@slabridge/core";

/**
 * A rate-limit bucket changed under every one of a take's attempts (each read was overtaken before its conditional
 * write). The take neither admitted nor refused; retryable.
 *
 * @example throw new RateLimitContentionError("RateLimits", "0xabc|llama", 5);
 */
export class RateLimitContentionError extends SlabridgeError {
  override readonly name = "RateLimitContentionError" as const;
  constructor(
    readonly table: string,
    readonly key: string,
    attempts: number,
  ) {
    super(`${table} bucket ${key} changed under each of ${attempts} attempts to take from it`, { retryable: true });
  }
}
