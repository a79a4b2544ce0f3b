import type { CursorStore } from "@slabridge/core";
import type { Connection, Signer } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import type { SolanaSender } from "../sender/SolanaSender.ts";

/** What {@link withVaultSendLease} needs: the vault's sender and signers, the lease store and the clock. */
export interface VaultSendLeaseOptions {
  connection: Connection;
  sender: Pick<SolanaSender, "send">;
  operators: readonly Signer[];
  cursors: CursorStore;
  now(): number;
  /** How long a lease naming an unconfirmed signature holds before a worker may take over (default 90 s). */
  inFlightGuardMs?: number | undefined;
  /** The typed, retryable error a caller reports when the lease is busy (each caller names its own). */
  inFlightError(message: string): Error;
}

/** Sends one transaction of vault instructions under the lease; resolves with its signature. */
export type VaultSend = (instructions: Parameters<SolanaSender["send"]>[0]) => Promise<string>;

/**
 * Runs `work` holding the (model, epoch) vault send lease, shared by every sender of vault transfers for that epoch
 * (refunds and payouts of the settlement target, netted payouts of the netting payer), so two of them never send at
 * once. The lease records "sending" and then each submitted signature: a worker that finds it busy, or naming an
 * earlier signature that may still land (within the guard), backs off with `inFlightError`; one that finds the
 * earlier transaction landed or failed takes over. `work` reads the vault's outflows only after taking the lease.
 *
 * @example
 * const signature = await withVaultSendLease(options, 2n, 41n, async (send) => send(instructions));
 */
export async function withVaultSendLease<T>(
  options: VaultSendLeaseOptions,
  modelId: bigint,
  epoch: bigint,
  work: (send: VaultSend) => Promise<T>,
): Promise<T> {
  const { cursors, now, inFlightError } = options;
  const id = `solana:vault-send:${modelId}:${epoch}`;
  const lease = await cursors.get(id);
  if (lease && lease.blockHash !== "idle" && now() - Number(lease.block) < (options.inFlightGuardMs ?? 90_000)) {
    const signature = lease.blockHash.startsWith("sent:") ? lease.blockHash.slice(5) : undefined;
    if (signature === undefined || (await signatureStatus(options.connection, signature)) === "pending") {
      throw inFlightError(`a send for model ${modelId} epoch ${epoch} is in flight`);
    }
  }
  let version = (lease?.version ?? 0) + 1;
  const taken = await cursors.advance({ id, block: BigInt(now()), blockHash: "sending", version }, lease?.version);
  if (!taken) throw inFlightError(`another worker took the send lease of ${modelId}/${epoch}`);
  let submitted = false;
  const mark = async (blockHash: string) => {
    const moved = await cursors.advance({ id, block: BigInt(now()), blockHash, version: version + 1 }, version);
    if (!moved) throw inFlightError(`lost the send lease of ${modelId}/${epoch}`);
    version++;
  };
  const send: VaultSend = async (instructions) => {
    const { signature } = await options.sender.send(instructions, options.operators, {
      onSubmitted: async (sig) => {
        await mark(`sent:${sig}`);
        submitted = true;
      },
    });
    return signature;
  };
  const result = await work(send).catch(async (error: unknown) => {
    // Nothing was broadcast: free the lease at once. Otherwise the guard (or the landed check) frees it.
    if (!submitted) await mark("idle").catch(() => {});
    throw error;
  });
  await mark("idle");
  return result;
}

async function signatureStatus(connection: Connection, signature: string): Promise<"landed" | "failed" | "pending"> {
  let statuses: Awaited<ReturnType<Connection["getSignatureStatuses"]>>;
  try {
    statuses = await connection.getSignatureStatuses([signature], { searchTransactionHistory: true });
  } catch (error) {
    throw new SolanaRpcError("getSignatureStatuses", error);
  }
  const status = statuses.value[0] ?? null;
  if (status === null) return "pending";
  if (status.err !== null) return "failed";
  return status.confirmationStatus === "processed" ? "pending" : "landed";
}
