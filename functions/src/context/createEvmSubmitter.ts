import { ContractRevertedError, type EvmSender } from "@slabridge/evm";
import type { Hex } from "viem";

/** The one write the transports need; structurally the `EvmSubmitter` of both transport packages. */
export interface ChainSubmitter {
  send(
    chainId: number,
    call: { to: Hex; data: Hex; value?: bigint },
  ): Promise<{ transactionHash: Hex; status: "success" | "reverted" }>;
}

/**
 * Adapts one nonce-safe `EvmSender` per chain (one signing key) to the transports' submitter port.
 *
 * @example const executor = createEvmSubmitter(new Map([[31337, senderA], [31338, senderB]]));
 */
export function createEvmSubmitter(senders: ReadonlyMap<number, EvmSender>): ChainSubmitter {
  return {
    async send(chainId, call) {
      const sender = senders.get(chainId);
      if (!sender) throw new Error(`no sender configured for chain ${chainId}`);
      try {
        const { receipt } = await sender.send({
          to: call.to,
          data: call.data,
          ...(call.value ? { value: call.value } : {}),
        });
        return { transactionHash: receipt.transactionHash, status: receipt.status };
      } catch (error) {
        // A mined revert is an outcome the transports judge (e.g. another relayer delivered first), not a crash.
        if (error instanceof ContractRevertedError && error.transactionHash) {
          return { transactionHash: error.transactionHash, status: "reverted" };
        }
        throw error;
      }
    },
  };
}
