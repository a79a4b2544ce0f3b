import { InvalidGatewayConfigError } from "../errors/InvalidGatewayConfigError.ts";

// The EVM binding's bounds on a channel's `withdrawDelay` (seconds).
const MIN_WITHDRAW_DELAY_SECONDS = 900;
const MAX_WITHDRAW_DELAY_SECONDS = 2_592_000;
/**
 * Time after an epoch's end by which its vouchers must be claimed: the relay's claim delay, its receipt job's retries
 * and a chain's congestion, with room to spare. A withdrawal requested during an epoch cannot finalize before then.
 */
const CLAIM_DEADLINE_AFTER_EPOCH_SECONDS = 600;

/**
 * The `withdrawDelay` a model's channels are opened with: long enough that a payer who requests a withdrawal right
 * after a call cannot finalize it before that call's epoch is over and claimed (epoch length plus
 * {@link CLAIM_DEADLINE_AFTER_EPOCH_SECONDS}), and never under the binding's minimum. The SDK checks a channel's
 * delay against the one the 402 advertised, so a buyer cannot pick a shorter one.
 *
 * @throws {InvalidGatewayConfigError} when a configured delay is shorter than that, or no delay within the binding's
 * bounds can cover the epoch.
 * @example channelWithdrawDelay("llama", 3_600n) // 4_200
 */
export function channelWithdrawDelay(model: string, epochSeconds: bigint, configured?: number): number {
  const needed = Math.max(MIN_WITHDRAW_DELAY_SECONDS, Number(epochSeconds) + CLAIM_DEADLINE_AFTER_EPOCH_SECONDS);
  if (needed > MAX_WITHDRAW_DELAY_SECONDS) {
    throw new InvalidGatewayConfigError(
      `model ${model}: epochs of ${epochSeconds} s are too long for a channel's withdrawDelay (at most ${MAX_WITHDRAW_DELAY_SECONDS} s) to outlast them`,
    );
  }
  if (configured === undefined) return needed;
  if (configured < needed || configured > MAX_WITHDRAW_DELAY_SECONDS) {
    throw new InvalidGatewayConfigError(
      `model ${model}: withdrawDelay ${configured} s would let a payer withdraw before its epoch's vouchers are claimed; use ${needed} to ${MAX_WITHDRAW_DELAY_SECONDS} s`,
    );
  }
  return configured;
}
