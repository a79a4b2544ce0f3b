import type { Hex } from "viem";

/** A transaction the transport wants sent: a contract call, optionally with native value. */
export interface EvmTransactionRequest {
  to: Hex;
  data: Hex;
  value?: bigint;
}

/** What became of a submitted transaction once mined. */
export interface EvmTransactionOutcome {
  transactionHash: Hex;
  status: "success" | "reverted";
}

/**
 * Sends transactions from one key (nonce management, fees, signing, waiting for the receipt) on a chain. The
 * transport holds one per role (DVN, executor) and never sees the key. `send` resolves once the transaction is
 * mined, with its status; it throws when the transaction could not be sent (e.g. gas estimation reverted).
 *
 * @example
 * ```ts
 * // A devnet submitter over a viem wallet client for an unlocked anvil account:
 * const submitter: EvmSubmitter = {
 *   async send(_chainId, { to, data, value }) {
 *     const hash = await wallet.sendTransaction({ account: address, to, data, value: value ?? 0n, chain: null });
 *     const { status } = await publicClient.waitForTransactionReceipt({ hash });
 *     return { transactionHash: hash, status };
 *   },
 * };
 * ```
 */
export interface EvmSubmitter {
  send(chainId: number, request: EvmTransactionRequest): Promise<EvmTransactionOutcome>;
}
