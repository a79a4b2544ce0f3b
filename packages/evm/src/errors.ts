import { SlabridgeError } from "@slabridge/core";

/**
 * Where an EVM error happened: kept as structured fields (hashes and addresses would be scrubbed from messages,
 * which treat every 32-byte hex string as a possible key).
 */
export interface EvmErrorContext {
  /** What was being done, e.g. "eth_getLogs", "Escrow.relayReceipts". */
  operation?: string;
  chainId?: number;
}

function metaOf(context: EvmErrorContext): string[] {
  const lines: string[] = [];
  if (context.chainId !== undefined) lines.push(`Chain: ${context.chainId}`);
  if (context.operation !== undefined) lines.push(`Operation: ${context.operation}`);
  return lines;
}

/** Options shared by the EVM error constructors. */
export interface EvmErrorOptions {
  context?: EvmErrorContext;
  /** Scrubbed one-line detail (never the raw viem message: it carries the RPC URL and request body). */
  details?: string;
}

function baseOptions(options: EvmErrorOptions, retryable: boolean) {
  return {
    metaMessages: metaOf(options.context ?? {}),
    retryable,
    ...(options.details === undefined ? {} : { details: options.details }),
  };
}

/**
 * The adapter was configured in a way it refuses (non-loopback RPC without `allowNonLoopback`, a gas bump factor
 * below 1.1, ...). Not retryable: the configuration must change.
 *
 * @example
 * ```ts
 * createEvmChainClient({ chainId: 1, rpcUrl: "https://rpc.example" }); // throws EvmConfigError
 * ```
 */
export class EvmConfigError extends SlabridgeError {
  override readonly name = "EvmConfigError" as const;
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/**
 * The RPC endpoint could not be reached or answered with a server-side failure (connection refused, DNS, HTTP 5xx,
 * 429). Retryable.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof RpcUnavailableError) scheduleRetry(); }
 * ```
 */
export class RpcUnavailableError extends SlabridgeError {
  override readonly name = "RpcUnavailableError" as const;
  readonly context: EvmErrorContext;
  constructor(options: EvmErrorOptions = {}) {
    super("The RPC endpoint is unavailable.", baseOptions(options, true));
    this.context = options.context ?? {};
  }
}

/**
 * The RPC request timed out. Retryable.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof RpcTimeoutError) scheduleRetry(); }
 * ```
 */
export class RpcTimeoutError extends SlabridgeError {
  override readonly name = "RpcTimeoutError" as const;
  readonly context: EvmErrorContext;
  constructor(options: EvmErrorOptions = {}) {
    super("The RPC request timed out.", baseOptions(options, true));
    this.context = options.context ?? {};
  }
}

/**
 * Any other RPC failure (invalid params, method not found, an unrecognised node error). `retryable` says whether the
 * node reported a transient condition (rate limit, internal error).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof EvmRpcError) log(e.code, e.shortMessage); }
 * ```
 */
export class EvmRpcError extends SlabridgeError {
  override readonly name = "EvmRpcError" as const;
  readonly context: EvmErrorContext;
  /** JSON-RPC error code when the node gave one. */
  readonly code: number | undefined;
  constructor(options: EvmErrorOptions & { code?: number; retryable?: boolean } = {}) {
    super("The RPC request failed.", baseOptions(options, options.retryable ?? false));
    this.context = options.context ?? {};
    this.code = options.code;
  }
}

/**
 * A call or transaction reverted. `errorName`/`args` are decoded from the revert data when the ABI (or the
 * standard `Error(string)` / `Panic(uint256)`) knows the error. Not retryable: the same call reverts again until the
 * state changes, so the caller re-reads the state and decides.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof ContractRevertedError && e.errorName === "AlreadyReleased") markDone(); }
 * ```
 */
export class ContractRevertedError extends SlabridgeError {
  override readonly name = "ContractRevertedError" as const;
  readonly context: EvmErrorContext;
  /** Decoded custom error name, `Error` (require message) or `Panic`; undefined when it could not be decoded. */
  readonly errorName: string | undefined;
  readonly args: readonly unknown[];
  /** Raw revert data (0x when the node gave none). */
  readonly data: `0x${string}`;
  /** The mined transaction that reverted, when it was mined. */
  readonly transactionHash: `0x${string}` | undefined;
  constructor(
    options: EvmErrorOptions & {
      errorName?: string | undefined;
      args?: readonly unknown[];
      data?: `0x${string}`;
      transactionHash?: `0x${string}`;
    } = {},
  ) {
    const args = options.args ?? [];
    const shown =
      options.errorName === undefined
        ? `with data ${(options.data ?? "0x").slice(0, 10)}`
        : `with ${options.errorName}(${args.map(formatArg).join(", ")})`;
    super(`Contract reverted ${shown}.`, baseOptions(options, false));
    this.context = options.context ?? {};
    this.errorName = options.errorName;
    this.args = args;
    this.data = options.data ?? "0x";
    this.transactionHash = options.transactionHash;
  }
}

function formatArg(arg: unknown): string {
  if (typeof arg === "bigint") return arg.toString();
  if (typeof arg === "string") return arg.length > 80 ? `${arg.slice(0, 77)}...` : arg;
  return String(arg);
}

/**
 * The node refused a transaction because its nonce was already used. Never retried blindly: the sender checks
 * whether one of its own transactions took the nonce.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof NonceTooLowError) await sender.resume({ nonce, hashes }); }
 * ```
 */
export class NonceTooLowError extends SlabridgeError {
  override readonly name = "NonceTooLowError" as const;
  readonly context: EvmErrorContext;
  constructor(options: EvmErrorOptions = {}) {
    super("Nonce too low: the nonce was already used.", baseOptions(options, false));
    this.context = options.context ?? {};
  }
}

/**
 * The node already holds this exact transaction ("already known", "transaction already imported"): an earlier copy
 * of the same signed bytes got through. Not a failure of the send: the sender waits for that hash.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof TransactionKnownError) await waitFor(hash); }
 * ```
 */
export class TransactionKnownError extends SlabridgeError {
  override readonly name = "TransactionKnownError" as const;
  readonly context: EvmErrorContext;
  constructor(options: EvmErrorOptions = {}) {
    super("The node already has this transaction.", baseOptions(options, false));
    this.context = options.context ?? {};
  }
}

/**
 * The node refused a replacement because its fees were not bumped enough. Retryable with higher fees.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof ReplacementUnderpricedError) bumpAgain(); }
 * ```
 */
export class ReplacementUnderpricedError extends SlabridgeError {
  override readonly name = "ReplacementUnderpricedError" as const;
  readonly context: EvmErrorContext;
  constructor(options: EvmErrorOptions = {}) {
    super("Replacement transaction underpriced.", baseOptions(options, true));
    this.context = options.context ?? {};
  }
}

/**
 * The sending account cannot pay for gas (and value). Retryable once the account is topped up.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof InsufficientFundsError) alertOperator(); }
 * ```
 */
export class InsufficientFundsError extends SlabridgeError {
  override readonly name = "InsufficientFundsError" as const;
  readonly context: EvmErrorContext;
  constructor(options: EvmErrorOptions = {}) {
    super("Insufficient funds for gas and value.", baseOptions(options, true));
    this.context = options.context ?? {};
  }
}

/**
 * The sender's nonce was consumed by a transaction that is none of the hashes it sent for it: another process with
 * the same key (or, pending, another transaction holds it on the node). The sender knows every hash it signs before
 * broadcasting it, so its own transactions (a re-sent broadcast, a replacement) never raise this. Retryable, but never as a blind resend: a retry must
 * re-check the destination state first (the effect may already be there, from the lost send) and send with a fresh
 * nonce only if it is not; the relay engine's jobs always do (every attempt starts with the destination's state).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof NonceTakenError && !(await alreadyDone())) await sender.send(tx); }
 * ```
 */
export class NonceTakenError extends SlabridgeError {
  override readonly name = "NonceTakenError" as const;
  readonly nonce: number;
  readonly hashes: readonly `0x${string}`[];
  constructor(nonce: number, hashes: readonly `0x${string}`[], context: EvmErrorContext = {}) {
    super(`Nonce ${nonce} was used by another transaction than the ${hashes.length} sent for it.`, {
      metaMessages: metaOf(context),
      retryable: true,
    });
    this.nonce = nonce;
    this.hashes = hashes;
  }
}

/**
 * The caller's `onReserved` hook refused the send once its nonce was known (e.g. the chain showed the work done);
 * nothing was signed and the nonce was given back (or filled). Not retryable as such: the caller decided.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof SendCancelledError) return alreadyDone; }
 * ```
 */
export class SendCancelledError extends SlabridgeError {
  override readonly name = "SendCancelledError" as const;
  readonly nonce: number;
  constructor(nonce: number, context: EvmErrorContext = {}) {
    super(`The send was cancelled at nonce ${nonce} before signing.`, {
      metaMessages: metaOf(context),
      retryable: false,
    });
    this.nonce = nonce;
  }
}

/**
 * No transaction sent for the nonce was mined within `receiptTimeoutMs`. Retryable: `nonce` and `hashes` are what
 * `EvmSender.resume` needs to pick the send up again (never send the same work with a new nonce instead).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof ReceiptTimeoutError) await sender.resume({ nonce: e.nonce, hashes: e.hashes }); }
 * ```
 */
export class ReceiptTimeoutError extends SlabridgeError {
  override readonly name = "ReceiptTimeoutError" as const;
  readonly nonce: number;
  readonly hashes: readonly `0x${string}`[];
  constructor(nonce: number, hashes: readonly `0x${string}`[], timeoutMs: number, context: EvmErrorContext = {}) {
    super(`No transaction for nonce ${nonce} was mined within ${timeoutMs} ms.`, {
      metaMessages: metaOf(context),
      retryable: true,
    });
    this.nonce = nonce;
    this.hashes = hashes;
  }
}
