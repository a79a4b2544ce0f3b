import { SlabridgeError } from "@slabridge/core";
import {
  type Abi,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  ExecutionRevertedError,
  HttpRequestError,
  isHex,
  RpcError,
  RpcRequestError,
  SocketClosedError,
  TimeoutError,
  InsufficientFundsError as ViemInsufficientFundsError,
  NonceTooLowError as ViemNonceTooLowError,
  WebSocketRequestError,
} from "viem";
import {
  ContractRevertedError,
  type EvmErrorContext,
  EvmRpcError,
  InsufficientFundsError,
  NonceTooLowError,
  ReplacementUnderpricedError,
  RpcTimeoutError,
  RpcUnavailableError,
  TransactionKnownError,
} from "./errors.ts";

/** What {@link translateEvmError} may use besides the error itself. */
export interface TranslateEvmErrorContext extends EvmErrorContext {
  /** ABI whose custom errors decode revert data (the standard Error(string) and Panic(uint256) always decode). */
  abi?: Abi | readonly unknown[];
  /** The RPC URL in use: removed verbatim from every text, whatever shape its secret has. */
  rpcUrl?: string;
  /** Set when the failing request was a mined transaction's replay (kept on ContractRevertedError). */
  transactionHash?: `0x${string}`;
}

// JSON-RPC codes meaning "try again later": limit exceeded, resource unavailable, internal error.
const TRANSIENT_RPC_CODES = new Set([-32005, -32002, -32603]);

/**
 * Turns a raw viem / JSON-RPC / fetch error into a typed {@link SlabridgeError}: the one place EVM errors are
 * translated, so callers branch on classes and `retryable`, never on message text.
 *
 * - reverts -> {@link ContractRevertedError} with the decoded error name and args (not retryable);
 * - "nonce too low" -> {@link NonceTooLowError}; "already known" -> {@link TransactionKnownError};
 *   "replacement underpriced" -> {@link ReplacementUnderpricedError};
 *   "insufficient funds" -> {@link InsufficientFundsError};
 * - unreachable endpoint, HTTP 429/5xx -> {@link RpcUnavailableError} (retryable); timeouts -> {@link RpcTimeoutError}
 *   (retryable); anything else -> {@link EvmRpcError}.
 *
 * The raw error is not kept as `cause`: viem's messages embed the RPC URL (API keys live there) and the request
 * body. Its short message and details are kept, scrubbed, in `details`.
 *
 * @example
 * ```ts
 * try { await client.getBlockNumber(); }
 * catch (e) { throw translateEvmError(e, { chainId: 31337, operation: "eth_blockNumber", rpcUrl }); }
 * ```
 */
export function translateEvmError(error: unknown, context: TranslateEvmErrorContext = {}): SlabridgeError {
  if (error instanceof SlabridgeError) return error;
  const errorContext: EvmErrorContext = {
    ...(context.operation === undefined ? {} : { operation: context.operation }),
    ...(context.chainId === undefined ? {} : { chainId: context.chainId }),
  };
  const details = removeUrl(describe(error), context.rpcUrl);
  const options = { context: errorContext, details };
  const chain = causes(error);
  const text = chain.map(messageOf).join("\n");

  const revert = revertOf(chain, text, context.abi);
  if (revert) {
    return new ContractRevertedError({
      ...options,
      ...revert,
      ...(context.transactionHash === undefined ? {} : { transactionHash: context.transactionHash }),
    });
  }
  if (
    chain.some((e) => e instanceof ViemNonceTooLowError) ||
    /nonce too low|nonce.*(lower|already.*used)/i.test(text)
  ) {
    return new NonceTooLowError(options);
  }
  if (/already known|already imported|known transaction/i.test(text)) return new TransactionKnownError(options);
  if (/replacement.*underpriced|underpriced.*replacement/i.test(text)) return new ReplacementUnderpricedError(options);
  if (chain.some((e) => e instanceof ViemInsufficientFundsError) || /insufficient funds/i.test(text)) {
    return new InsufficientFundsError(options);
  }
  if (chain.some((e) => e instanceof TimeoutError) || /timed? ?out|ETIMEDOUT/i.test(text)) {
    return new RpcTimeoutError(options);
  }
  const http = chain.find((e): e is HttpRequestError => e instanceof HttpRequestError);
  if (http) {
    const status = http.status;
    // No status: the request never got an answer (refused, reset, DNS).
    if (status === undefined || status === 429 || status >= 500) return new RpcUnavailableError(options);
    return new EvmRpcError({ ...options, code: status, retryable: false });
  }
  if (
    chain.some((e) => e instanceof SocketClosedError || e instanceof WebSocketRequestError) ||
    /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|fetch failed|socket hang up/i.test(text)
  ) {
    return new RpcUnavailableError(options);
  }
  const rpc = chain.find((e): e is RpcError | RpcRequestError => e instanceof RpcError || e instanceof RpcRequestError);
  if (rpc) return new EvmRpcError({ ...options, code: rpc.code, retryable: TRANSIENT_RPC_CODES.has(rpc.code) });
  return new EvmRpcError(options);
}

interface DecodedRevert {
  errorName?: string;
  args?: readonly unknown[];
  data?: `0x${string}`;
}

function revertOf(
  chain: unknown[],
  text: string,
  abi: Abi | readonly unknown[] | undefined,
): DecodedRevert | undefined {
  const decoded = chain.find((e): e is ContractFunctionRevertedError => e instanceof ContractFunctionRevertedError);
  if (decoded?.data) {
    return { errorName: decoded.data.errorName, args: decoded.data.args ?? [], data: decoded.raw ?? "0x" };
  }
  const data = revertDataOf(chain);
  const reverted =
    decoded !== undefined ||
    chain.some((e) => e instanceof ExecutionRevertedError) ||
    /execution reverted|reverted|revert/i.test(text);
  if (!reverted) return undefined;
  if (data === undefined || data.length < 10) return data === undefined ? {} : { data };
  try {
    const result = decodeErrorResult({ abi: (abi ?? []) as Abi, data });
    return { errorName: result.errorName, args: result.args ?? [], data };
  } catch {
    // An error the ABI does not know: keep the raw data (its selector is shown in the message).
    return { data };
  }
}

/** Revert data somewhere in the cause chain (viem keeps it as `data` on RPC and raw-contract errors). */
function revertDataOf(chain: unknown[]): `0x${string}` | undefined {
  for (const e of chain) {
    if (typeof e !== "object" || e === null || !("data" in e)) continue;
    const data: unknown = e.data;
    if (typeof data === "string" && isHex(data)) return data;
    if (typeof data === "object" && data !== null && "data" in data) {
      const inner: unknown = data.data;
      if (typeof inner === "string" && isHex(inner)) return inner;
    }
  }
  return undefined;
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 16 && current !== undefined && current !== null; depth++) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

function messageOf(error: unknown): string {
  if (error instanceof BaseError) return `${error.shortMessage} ${error.details}`;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${error.message} ${code}` : error.message;
  }
  return typeof error === "string" ? error : "";
}

/** viem's short message plus its details (the node's own words), without the URL/request-body lines. */
function describe(error: unknown): string {
  if (error instanceof BaseError) {
    const short = error.shortMessage.split("\n")[0] ?? error.name;
    return error.details && error.details !== short ? `${short} (${error.details})` : short;
  }
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error);
}

function removeUrl(text: string, rpcUrl: string | undefined): string {
  if (rpcUrl === undefined || rpcUrl === "") return text;
  let out = text.split(rpcUrl).join("<rpc>");
  try {
    out = out.split(new URL(rpcUrl).href).join("<rpc>");
  } catch {
    // not a parseable URL: the verbatim replacement above is all we can do
  }
  return out;
}
