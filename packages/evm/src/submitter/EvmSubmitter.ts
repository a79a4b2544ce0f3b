import type { Hex } from "viem";

/** A transaction a transport or receipt source wants sent: a contract call, optionally with native value. */
export interface EvmCall {
  readonly to: Hex;
  readonly data: Hex;
  readonly value?: bigint;
  /** Gas limit the call must run with (e.g. the lzReceive gas a LayerZero packet paid for); estimated when absent. */
  readonly gas?: bigint;
}

/** What became of a submitted transaction once mined. */
export interface EvmSubmission {
  readonly transactionHash: Hex;
  readonly status: "success" | "reverted";
}

/**
 * Sends transactions from one key on any configured chain (nonces, fees, signing and waiting live behind it). The
 * transports hold one per role (relayer/executor, DVN) and never see a key. `send` resolves once the transaction is
 * mined, with its status; it throws when it could not be sent.
 *
 * @example const { transactionHash, status } = await submitter.send(31337, { to, data });
 */
export interface EvmSubmitter {
  send(chainId: number, call: EvmCall): Promise<EvmSubmission>;
}
