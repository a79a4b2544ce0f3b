import type { JobSource } from "@slabridge/core";
import {
  BlockNotFoundError,
  type Chain,
  type PublicClient,
  TransactionReceiptNotFoundError,
  type Transport,
} from "viem";
import { rpcUrlOf } from "../createEvmChainClient.ts";
import { translateEvmError } from "../translateEvmError.ts";

/**
 * Whether the log a job was created from is still on the canonical chain: the block at `source.block` still has
 * `source.blockHash`, and the transaction's receipt is in that block with a log at `source.index`. A relay step calls
 * it before acting, so it never acts on a log a reorg orphaned (the rescan creates the job again if the transaction
 * was re-included: same deterministic id, new source).
 *
 * @example
 * ```ts
 * if (!(await isLogCanonical(client, job.source))) return fail(job, "source log orphaned by a reorg");
 * ```
 */
export async function isLogCanonical(
  client: PublicClient<Transport, Chain | undefined>,
  source: JobSource,
): Promise<boolean> {
  const context = (operation: string) => {
    const rpcUrl = rpcUrlOf(client);
    return { operation, chainId: source.chainId, ...(rpcUrl === undefined ? {} : { rpcUrl }) };
  };
  try {
    const block = await client.getBlock({ blockNumber: source.block });
    if (block.hash?.toLowerCase() !== source.blockHash.toLowerCase()) return false;
  } catch (error) {
    if (error instanceof BlockNotFoundError) return false;
    throw translateEvmError(error, context("eth_getBlockByNumber"));
  }
  try {
    const receipt = await client.getTransactionReceipt({ hash: source.transaction as `0x${string}` });
    if (receipt.blockHash.toLowerCase() !== source.blockHash.toLowerCase()) return false;
    return receipt.logs.some((log) => log.logIndex === source.index);
  } catch (error) {
    if (error instanceof TransactionReceiptNotFoundError) return false;
    throw translateEvmError(error, context("eth_getTransactionReceipt"));
  }
}
