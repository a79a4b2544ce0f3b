import { ContractRevertedError } from "../errors.ts";
import type { EvmSender } from "../sender/EvmSender.ts";
import type { EvmSubmitter } from "./EvmSubmitter.ts";

/**
 * Adapts one nonce-safe {@link EvmSender} per chain (one key) to the {@link EvmSubmitter} port.
 *
 * @example const executor = createSenderSubmitter(new Map([[31337, senderA], [31338, senderB]]));
 */
export function createSenderSubmitter(senders: ReadonlyMap<number, EvmSender>): EvmSubmitter {
  return {
    async send(chainId, call) {
      const sender = senders.get(chainId);
      if (!sender) throw new Error(`no sender configured for chain ${chainId}`);
      try {
        const { receipt } = await sender.send({
          to: call.to,
          data: call.data,
          ...(call.value ? { value: call.value } : {}),
          ...(call.gas === undefined ? {} : { gas: call.gas }),
        });
        return { transactionHash: receipt.transactionHash, status: receipt.status };
      } catch (error) {
        // A mined revert is an outcome the caller judges (e.g. another relayer delivered first), not a crash.
        if (error instanceof ContractRevertedError && error.transactionHash) {
          return { transactionHash: error.transactionHash, status: "reverted" };
        }
        throw error;
      }
    },
  };
}
