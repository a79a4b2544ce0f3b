import { SlabridgeError } from "../errors/SlabridgeError.ts";

/**
 * A netting input is malformed: a payee table whose shares do not sum to 10,000 bps, a negative released amount, a
 * bad chain id. Not retryable: the same input fails the same way, and nothing was computed or sent.
 *
 * @example
 * ```ts
 * try { planNetting(input); } catch (e) { if (e instanceof InvalidNettingInputError) console.log(e.field); }
 * ```
 */
export class InvalidNettingInputError extends SlabridgeError {
  override readonly name = "InvalidNettingInputError" as const;
  /** The offending field (e.g. `releases[0].payees`, `releases[1].released[31337]`). */
  readonly field: string;
  constructor(field: string, reason: string) {
    super(`Invalid netting input ${field}: ${reason}.`, { metaMessages: [`field: ${field}`], retryable: false });
    this.field = field;
  }
}

/**
 * A top-up split was asked with a negative top-up or a negative payment amount. Not retryable: the same input fails
 * the same way.
 *
 * @example
 * ```ts
 * try { topUpShares(-1n, [5n]); } catch (e) { if (e instanceof InvalidTopUpInputError) console.log(e.shortMessage); }
 * ```
 */
export class InvalidTopUpInputError extends SlabridgeError {
  override readonly name = "InvalidTopUpInputError" as const;
  constructor(reason: string) {
    super(`Invalid top-up input: ${reason}.`, { retryable: false });
  }
}
