import { escrowAbi, revenueLedgerAbi, wormholeMessengerAbi } from "@slabridge/contracts";
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hex, isHex } from "viem";
import { MessengerRevertedError } from "./errors/MessengerRevertedError.ts";

/** `receiveVaa` plus every error it can bubble up: the messenger's, and the receivers' (escrow, ledger). */
export const receiveVaaAbi = [
  ...wormholeMessengerAbi,
  ...escrowAbi.filter((item) => item.type === "error"),
  ...revenueLedgerAbi.filter((item) => item.type === "error"),
] as const;

/**
 * Finds the revert in an error thrown by a viem call or an {@link EvmSubmitter} and decodes it with the messenger,
 * escrow and ledger ABIs. Returns undefined when the error carries no revert (RPC down, timeout), so the caller can
 * tell "the chain said no" from "we could not ask".
 *
 * @example
 * ```ts
 * try { await client.simulateContract({ abi: receiveVaaAbi, functionName: "receiveVaa", ... }); }
 * catch (e) { const revert = decodeMessengerRevert(e, 31338); if (revert?.errorName === "AlreadyDelivered") ...; }
 * ```
 */
export function decodeMessengerRevert(
  error: unknown,
  chainId: number,
  options: { functionName?: "receiveVaa" | "quote"; transactionHash?: string } = {},
): MessengerRevertedError | undefined {
  const base = { chainId, ...options };
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const decoded = reverted.data ?? (reverted.raw === undefined ? undefined : decode(reverted.raw));
      return new MessengerRevertedError({
        ...base,
        errorName: decoded?.errorName ?? (reverted.reason === undefined ? undefined : "Error"),
        args: decoded?.args ?? (reverted.reason === undefined ? [] : [reverted.reason]),
        ...(reverted.reason === undefined ? {} : { details: reverted.reason }),
      });
    }
  }
  // Other senders: look for revert data anywhere in the cause chain (`error.data` as JSON-RPC puts it).
  const data = findRevertData(error);
  if (data === undefined) return undefined;
  const decoded = decode(data);
  return new MessengerRevertedError({ ...base, errorName: decoded?.errorName, args: decoded?.args ?? [] });
}

function decode(data: Hex): { errorName: string; args: readonly unknown[] } | undefined {
  try {
    const decoded = decodeErrorResult({ abi: receiveVaaAbi, data });
    return { errorName: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

function findRevertData(error: unknown): Hex | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 16 && typeof current === "object" && current !== null; depth++) {
    const data: unknown = (current as { data?: unknown }).data;
    if (typeof data === "string" && isHex(data) && data.length >= 10) return data;
    if (typeof data === "object" && data !== null) {
      const nested: unknown = (data as { data?: unknown }).data;
      if (typeof nested === "string" && isHex(nested) && nested.length >= 10) return nested;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
