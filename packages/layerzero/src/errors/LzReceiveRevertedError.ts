import { SlabridgeError } from "@slabridge/core";
import { shortHex } from "../shortHex.ts";

/**
 * A simulated destination step (lzReceive, commitVerification, verify) reverted for a reason that may clear later:
 * an earlier nonce not verified yet (`LZ_InvalidNonce`), a receiver waiting on another message (`NoVerdict`), ...
 * Retryable; `reason` is the decoded contract error name ("ExecutionReverted" when the revert carried no data).
 *
 * @example
 * ```ts
 * try { await transport.deliver(ref, 31337); } catch (e) {
 *   if (e instanceof LzReceiveRevertedError && e.reason === "LZ_InvalidNonce") deliverEarlierFirst();
 * }
 * ```
 */
export class LzReceiveRevertedError extends SlabridgeError {
  override readonly name = "LzReceiveRevertedError" as const;
  readonly guid: string;
  /** The step that reverted. */
  readonly step: "verify" | "commitVerification" | "lzReceive";
  /** The decoded revert reason (contract error name). */
  readonly reason: string;
  /** The decoded error's arguments, when it has any. */
  readonly args: readonly unknown[];

  constructor(params: {
    step: "verify" | "commitVerification" | "lzReceive";
    guid: string;
    destinationChainId: number;
    reason: string;
    args?: readonly unknown[];
    cause?: unknown;
  }) {
    const args = params.args ?? [];
    super(
      `LayerZero ${params.step} of ${shortHex(params.guid)} reverts on chain ${params.destinationChainId}: ${params.reason}(${args.map(String).join(", ")}).`,
      { retryable: true, ...(params.cause === undefined ? {} : { cause: params.cause }) },
    );
    this.guid = params.guid;
    this.step = params.step;
    this.reason = params.reason;
    this.args = args;
  }
}
