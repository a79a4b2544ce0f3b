import { scrubSecrets } from "./scrubSecrets.ts";

/** Options every {@link SlabridgeError} accepts. */
export interface SlabridgeErrorOptions {
  /** The underlying error; its message becomes `details` when no `details` are given. */
  cause?: unknown;
  /** One line of technical detail, shown after the meta messages. */
  details?: string;
  /** Extra lines (context such as the chain, the message kind, the field) shown below the short message. */
  metaMessages?: readonly string[];
  /** Whether retrying the same operation later may succeed (network hiccup, rate limit, not yet finalized). */
  retryable?: boolean;
}

function detailsOf(options: SlabridgeErrorOptions): string | undefined {
  if (options.details !== undefined) return options.details;
  const { cause } = options;
  if (cause instanceof SlabridgeError) return cause.details;
  if (cause instanceof Error) return cause.message;
  if (typeof cause === "string") return cause;
  return undefined;
}

/**
 * Base class of every slabridge error, in the style of viem's `BaseError`: a one-line `shortMessage`, optional
 * `metaMessages` and `details`, the `cause`, and a `message` built from them. Every text is passed through
 * {@link scrubSecrets}, so RPC URLs with API keys or private keys never reach a log through an error.
 *
 * Subclasses declare a literal `name` (`override readonly name = "XError" as const`) so callers can narrow on it,
 * and say whether the failure is `retryable`.
 *
 * @example
 * ```ts
 * class RpcUnavailableError extends SlabridgeError {
 *   override readonly name = "RpcUnavailableError" as const;
 *   constructor(url: string, cause: unknown) {
 *     super(`RPC ${url} is unavailable.`, { cause, retryable: true });
 *   }
 * }
 * try { ... } catch (e) {
 *   if (e instanceof SlabridgeError && e.retryable) scheduleRetry();
 * }
 * ```
 */
export class SlabridgeError extends Error {
  override name = "SlabridgeError";
  /** The first line of `message`, without meta messages and details. */
  readonly shortMessage: string;
  /** Technical detail (often the cause's message), scrubbed of secrets. */
  readonly details: string | undefined;
  /** Context lines shown between the short message and the details. */
  readonly metaMessages: readonly string[] | undefined;
  /** Whether retrying the same operation later may succeed. */
  readonly retryable: boolean;

  constructor(shortMessage: string, options: SlabridgeErrorOptions = {}) {
    const short = scrubSecrets(shortMessage);
    const rawDetails = detailsOf(options);
    const details = rawDetails === undefined ? undefined : scrubSecrets(rawDetails);
    const metaMessages = options.metaMessages?.map(scrubSecrets);
    const message = [
      short,
      ...(metaMessages && metaMessages.length > 0 ? ["", ...metaMessages] : []),
      ...(details !== undefined && details !== short ? ["", `Details: ${details}`] : []),
    ].join("\n");
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = short;
    this.details = details;
    this.metaMessages = metaMessages;
    this.retryable = options.retryable ?? false;
  }

  /**
   * Walks the `cause` chain from this error and returns the first error `predicate` accepts (or the deepest cause
   * when no predicate is given).
   *
   * @example
   * ```ts
   * const timeout = err.walk((e) => e instanceof Error && e.name === "TimeoutError");
   * ```
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this;
    for (let depth = 0; depth < 64; depth++) {
      if (predicate?.(current)) return current;
      const next = current instanceof Error ? current.cause : undefined;
      if (next === undefined) return predicate ? undefined : current;
      current = next;
    }
    return predicate ? undefined : current;
  }
}
