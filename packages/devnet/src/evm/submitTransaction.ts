import type { Chain, Hex, PublicClient, TransactionReceipt, Transport } from "viem";
import { EvmDevnetError } from "./EvmDevnetError.ts";

/**
 * Sends a transaction (via the given thunk) and waits for a successful receipt. A revert at gas estimation (viem
 * decodes the reason from the ABI) or a failed receipt becomes an EvmDevnetError naming `label`.
 *
 * @example await submitTransaction(publicClient, "setPeer", () => wallet.writeContract({ address, abi, functionName: "setPeer", args }));
 */
export async function submitTransaction(
  publicClient: PublicClient<Transport, Chain>,
  label: string,
  send: () => Promise<Hex>,
): Promise<TransactionReceipt> {
  let hash: Hex;
  try {
    hash = await send();
  } catch (error) {
    throw EvmDevnetError.wrap("transaction-reverted", label, error);
  }
  const receipt = await receiptOf(publicClient, hash, label);
  if (receipt.status !== "success") {
    // Gas used against the limit tells an out-of-gas revert (used == limit) from a revert with a reason.
    const sent = await publicClient.getTransaction({ hash }).catch(() => undefined);
    const gas = sent ? ` (gas used ${receipt.gasUsed} of ${sent.gas})` : "";
    throw new EvmDevnetError("transaction-reverted", `${label}: reverted in ${hash}${gas}`);
  }
  return receipt;
}

/**
 * The receipt of a sent transaction. Under automine it exists as soon as the send returns, so ask once before
 * falling back to viem's block-polling wait (needed with `blockTime`).
 *
 * @example const receipt = await receiptOf(publicClient, hash, "deploy EndpointV2");
 */
export async function receiptOf(
  publicClient: PublicClient<Transport, Chain>,
  hash: Hex,
  label: string,
): Promise<TransactionReceipt> {
  try {
    return await publicClient.getTransactionReceipt({ hash });
  } catch {
    // not mined yet
  }
  try {
    return await publicClient.waitForTransactionReceipt({ hash, timeout: 60_000 });
  } catch (error) {
    throw EvmDevnetError.wrap("transaction-reverted", `${label}: no receipt`, error);
  }
}
