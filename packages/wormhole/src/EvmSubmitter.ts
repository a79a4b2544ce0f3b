import type { Hex } from "viem";

/** A transaction to send: a call on a contract, with optional native value. */
export interface EvmCall {
  readonly to: Hex;
  readonly data: Hex;
  readonly value?: bigint;
}

/** The mined outcome of an {@link EvmCall}. */
export interface EvmSubmission {
  readonly transactionHash: Hex;
  readonly status: "success" | "reverted";
}

/**
 * The one thing the transport needs to write to a chain: sign, send and wait for the receipt of a call. The real
 * sender (`@slabridge/evm`: KMS key, persisted nonces, fee bumps) is wired in by the runtime; tests wrap a devnet
 * wallet. It may throw when the node refuses the transaction (e.g. gas estimation reverts); the transport decodes
 * the revert.
 *
 * @example
 * ```ts
 * const submitter: EvmSubmitter = {
 *   async send(chainId, call) {
 *     const hash = await wallets[chainId].sendTransaction(call);
 *     const receipt = await clients[chainId].waitForTransactionReceipt({ hash });
 *     return { transactionHash: hash, status: receipt.status };
 *   },
 * };
 * ```
 */
export interface EvmSubmitter {
  send(chainId: number, call: EvmCall): Promise<EvmSubmission>;
}
