import { SlabridgeError } from "@slabridge/core";

/**
 * A transaction was rejected by the runtime (in preflight or on chain). Not retryable: resending the same
 * instructions fails the same way. Carries the program logs and the instruction error as the RPC reported them.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof TransactionFailedError) log(e.instructionError, e.logs); }
 * ```
 */
export class TransactionFailedError extends SlabridgeError {
  override readonly name = "TransactionFailedError" as const;
  constructor(
    /** The signature when the transaction landed (failed on chain), undefined when preflight refused it. */
    readonly signature: string | undefined,
    /** The RPC's `err` value, e.g. `{ InstructionError: [0, { Custom: 1 }] }`. */
    readonly instructionError: unknown,
    readonly logs: readonly string[],
  ) {
    super(signature === undefined ? "Transaction refused in preflight." : `Transaction ${signature} failed.`, {
      metaMessages: [`error: ${safeJson(instructionError)}`, ...logs.slice(-20).map((l) => `log: ${l}`)],
      retryable: false,
    });
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    return String(value);
  }
}
