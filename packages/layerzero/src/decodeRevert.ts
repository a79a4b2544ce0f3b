import { BaseError, decodeErrorResult, ExecutionRevertedError, type Hex, isHex } from "viem";
import { slabridgeErrorsAbi } from "./abis/slabridgeErrorsAbi.ts";

/** A contract revert, decoded: the error's name and arguments (and the raw data). */
export interface DecodedRevert {
  /** Error name, e.g. "OnlyPeer"; "Error"/"Panic" for require strings and panics; "ExecutionReverted" if no data. */
  name: string;
  args: readonly unknown[];
  data: Hex | undefined;
}

function revertDataOf(error: unknown): Hex | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  // viem keeps revert bytes as `raw` (ContractFunctionRevertedError) or `data` / `data.data` (RPC errors).
  const record = error as { raw?: unknown; data?: unknown };
  if (isHex(record.raw) && record.raw.length >= 10) return record.raw;
  if (isHex(record.data) && record.data.length >= 10) return record.data;
  if (typeof record.data === "object" && record.data !== null) {
    const inner = (record.data as { data?: unknown }).data;
    if (isHex(inner) && inner.length >= 10) return inner;
  }
  return undefined;
}

/**
 * Decodes the revert inside a viem error with every error a slabridge LayerZero delivery can hit (endpoint, ULN,
 * OApp/messenger, escrow, ledger, MessageCodec). Returns undefined when the error is not a revert (an RPC failure).
 *
 * @example
 * ```ts
 * try { await client.call({ to, data, account }); } catch (e) {
 *   decodeRevert(e)?.name; // "OnlyPeer"
 * }
 * ```
 */
export function decodeRevert(error: unknown): DecodedRevert | undefined {
  if (!(error instanceof BaseError)) return undefined;
  let data: Hex | undefined;
  error.walk((e) => {
    data ??= revertDataOf(e);
    return false;
  });
  if (data !== undefined) {
    try {
      const decoded = decodeErrorResult({ abi: slabridgeErrorsAbi, data });
      return { name: decoded.errorName, args: decoded.args ?? [], data };
    } catch {
      return { name: `UnknownError(${data.slice(0, 10)})`, args: [], data };
    }
  }
  if (error.walk((e) => e instanceof ExecutionRevertedError)) return { name: "ExecutionReverted", args: [], data };
  return undefined;
}
