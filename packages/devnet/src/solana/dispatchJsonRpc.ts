import { RpcError, RpcErrorCode } from "./RpcError.ts";
import type { RpcMethod } from "./rpcMethods.ts";

type Id = string | number | null;

interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: Id;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

const errorResponse = (id: Id, code: number, message: string, data?: unknown): JsonRpcResponse => ({
  jsonrpc: "2.0",
  id,
  error: data === undefined ? { code, message } : { code, message, data },
});

function callOne(methods: Record<string, RpcMethod>, request: unknown): JsonRpcResponse | null {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    return errorResponse(null, RpcErrorCode.invalidRequest, "Invalid request");
  }
  const { jsonrpc, method, params, id } = request as Record<string, unknown>;
  const validId = typeof id === "string" || typeof id === "number" || id === null;
  if (jsonrpc !== "2.0" || typeof method !== "string" || (id !== undefined && !validId)) {
    return errorResponse(validId ? (id as Id) : null, RpcErrorCode.invalidRequest, "Invalid request");
  }
  // Own-property lookup so "toString" or "__proto__" are not mistaken for methods.
  const impl = Object.hasOwn(methods, method) ? methods[method] : undefined;
  let response: JsonRpcResponse;
  if (impl === undefined) {
    response = errorResponse(id ?? null, RpcErrorCode.methodNotFound, "Method not found");
  } else if (params !== undefined && !Array.isArray(params)) {
    response = errorResponse(id ?? null, RpcErrorCode.invalidParams, "Invalid params: expected a positional array");
  } else {
    try {
      response = { jsonrpc: "2.0", result: impl(params), id: id ?? null };
    } catch (e) {
      response =
        e instanceof RpcError
          ? errorResponse(id ?? null, e.code, e.message, e.data)
          : errorResponse(id ?? null, RpcErrorCode.internalError, `Internal error: ${(e as Error).message}`);
    }
  }
  // Notifications (no id) get no answer, per JSON-RPC 2.0.
  return id === undefined ? null : response;
}

/** Serialises results; bigint never reaches JSON.stringify unconverted. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v));
}

/**
 * Handles one HTTP body of JSON-RPC 2.0 (single request or batch) and returns the response text,
 * or `null` when only notifications were sent. Never throws.
 *
 * @example dispatchJsonRpc(methods, '{"jsonrpc":"2.0","id":1,"method":"getSlot"}')
 */
export function dispatchJsonRpc(methods: Record<string, RpcMethod>, body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return toJson(errorResponse(null, RpcErrorCode.parseError, "Parse error"));
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return toJson(errorResponse(null, RpcErrorCode.invalidRequest, "Invalid request"));
    const responses = parsed.map((r) => callOne(methods, r)).filter((r) => r !== null);
    return responses.length === 0 ? null : toJson(responses);
  }
  const response = callOne(methods, parsed);
  return response === null ? null : toJson(response);
}
