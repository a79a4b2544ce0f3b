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
  let receipt: TransactionReceipt;
  try {
    receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: 60_000 });
  } catch (error) {
    throw EvmDevnetError.wrap("transaction-reverted", `${label}: no receipt`, error);
  }
  if (receipt.status !== "success") throw new EvmDevnetError("transaction-reverted", `${label}: reverted in ${hash}`);
  return receipt;
}
