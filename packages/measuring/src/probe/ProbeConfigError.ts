import { SlabridgeError } from "@slabridge/core";

/**
 * A probe was asked for with invalid settings (bad URL, non-positive timeout, concurrency < 1, ...). This is a
 * programming or configuration error, never a host failure: host failures are recorded as samples instead.
 *
 * @example
 * try { await probeHost({ url: "ftp://x", model: "m", timeoutMs: 0, prober: "p" }); }
 * catch (e) { if (e instanceof ProbeConfigError) console.error(e.shortMessage); }
 */
export class ProbeConfigError extends SlabridgeError {
  override readonly name = "ProbeConfigError" as const;
  constructor(what: string, details: string) {
    super(`Invalid probe configuration: ${what}.`, { details, retryable: false });
  }
}
