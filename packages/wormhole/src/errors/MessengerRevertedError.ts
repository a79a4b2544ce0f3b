import { SlabridgeError } from "@slabridge/core";

/** Receiver errors that can clear with time (the epoch ends, the verdict or listing arrives): retry later. */
const RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  "EpochNotOver",
  "NoVerdict",
  "RefundsPending",
  "NotReleased",
  "ModelNotListed",
  "NoReceiver",
]);

/**
 * A messenger call reverts (`receiveVaa` on the destination, simulated or mined; `quote` on the source):
 * `errorName` / `args` decoded with the messenger, escrow and ledger ABIs (e.g. `UntrustedPeer`, `InvalidVaa`,
 * `DuplicateBatch`, `EpochNotOver`, `UnknownChain`). Retryable only for errors that time can clear, or when the
 * revert data matched no known error (`errorName` undefined).
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof MessengerRevertedError && e.errorName === "DuplicateBatch") markDone(); }
 * ```
 */
export class MessengerRevertedError extends SlabridgeError {
  override readonly name = "MessengerRevertedError" as const;
  readonly errorName: string | undefined;
  readonly args: readonly unknown[];
  readonly functionName: "receiveVaa" | "quote";
  readonly chainId: number;
  /** The mined transaction that reverted; undefined when the revert came from a simulation. */
  readonly transactionHash: string | undefined;
  constructor(options: {
    functionName?: "receiveVaa" | "quote";
    chainId: number;
    errorName: string | undefined;
    args?: readonly unknown[];
    transactionHash?: string;
    details?: string;
  }) {
    const what = options.errorName ?? "an unknown error";
    const functionName = options.functionName ?? "receiveVaa";
    super(`${functionName} reverts on chain ${options.chainId} with ${what}.`, {
      retryable: options.errorName === undefined || RETRYABLE_ERRORS.has(options.errorName),
      ...(options.details === undefined ? {} : { details: options.details }),
    });
    this.errorName = options.errorName;
    this.args = options.args ?? [];
    this.functionName = functionName;
    this.chainId = options.chainId;
    this.transactionHash = options.transactionHash;
  }
}
