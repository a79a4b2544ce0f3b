/** JSON-RPC error codes used by the Solana validator (and the JSON-RPC 2.0 spec). */
export const RpcErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Preflight simulation failed (`sendTransaction`). */
  sendTransactionPreflightFailure: -32002,
  signatureVerificationFailure: -32003,
  transactionVersionNotSupported: -32015,
} as const;

/**
 * An error that is reported to the caller as a JSON-RPC `error` object instead of crashing the server.
 *
 * @example throw new RpcError(RpcErrorCode.invalidParams, "Invalid param: WrongSize")
 */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "RpcError";
  }
}
