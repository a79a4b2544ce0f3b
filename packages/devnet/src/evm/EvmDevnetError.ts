/** What went wrong, so callers can branch without parsing messages. */
export type EvmDevnetErrorCode =
  | "anvil-start-failed"
  | "anvil-stop-failed"
  | "artifact-missing"
  | "artifact-invalid"
  | "deploy-failed"
  | "transaction-reverted"
  | "unknown-wormhole-chain"
  | "relay-failed"
  | "invalid-config";

// RPC URLs carry ports and (in other environments) API keys; they don't belong in messages that end up in logs.
const URL_PATTERN = /\b(?:https?|wss?):\/\/[^\s"'<>)]+/gi;
// Key material the devnet holds in memory (the guardian key); matched case-insensitively, with or without 0x.
const registeredSecrets = new Set<string>();

/** Registers a secret (hex key) so it is scrubbed from every EvmDevnetError message. */
export function registerSecret(secret: string): void {
  const bare = secret.toLowerCase().replace(/^0x/, "");
  if (bare.length >= 16) registeredSecrets.add(bare);
}

/**
 * Removes URLs and registered secrets from a message (tx hashes stay: they help debugging and are public).
 *
 * @example scrubSecrets("fetch http://127.0.0.1:8545 failed") // "fetch <url> failed"
 */
export function scrubSecrets(message: string): string {
  let out = message.replace(URL_PATTERN, "<url>");
  for (const secret of registeredSecrets) out = out.replace(new RegExp(`(?:0x)?${secret}`, "gi"), "<secret>");
  return out;
}

/**
 * The one error type thrown by the EVM devnet layer. Messages are scrubbed of URLs and 32-byte hex strings.
 *
 * @example throw new EvmDevnetError("deploy-failed", "EndpointV2 deployment reverted")
 */
export class EvmDevnetError extends Error {
  override readonly name = "EvmDevnetError";

  constructor(
    readonly code: EvmDevnetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(scrubSecrets(message), options?.cause === undefined ? undefined : { cause: options.cause });
  }

  /** Wraps an unknown thrown value, keeping its (scrubbed) short message. */
  static wrap(code: EvmDevnetErrorCode, context: string, cause: unknown): EvmDevnetError {
    if (cause instanceof EvmDevnetError) return cause;
    const detail = describeError(cause);
    return new EvmDevnetError(code, `${context}: ${detail}`, { cause });
  }
}

function describeError(cause: unknown): string {
  if (cause instanceof Error) {
    // viem errors carry a one-line shortMessage; the full message dumps request bodies and URLs.
    const short = (cause as { shortMessage?: unknown }).shortMessage;
    return typeof short === "string" ? short : (cause.message.split("\n")[0] ?? cause.name);
  }
  return String(cause);
}
