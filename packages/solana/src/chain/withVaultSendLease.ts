import type { SendLeaseStore } from "@slabridge/core";
import type { Connection, Signer } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { VaultSendInFlightError } from "../errors/VaultSendInFlightError.ts";
import type { SolanaSender } from "../sender/SolanaSender.ts";

/** What {@link withVaultSendLease} needs: the vault's sender and signers, the lease store and the clock. */
export interface VaultSendLeaseOptions {
  connection: Connection;
  sender: Pick<SolanaSender, "send">;
  operators: readonly Signer[];
  leases: SendLeaseStore;
  now(): number;
  /** How long a lease naming an unconfirmed signature holds before a worker may take over (default 90 s). */
  inFlightGuardMs?: number | undefined;
}

/** Sends one transaction of vault instructions under the lease; resolves with its signature. */
export type VaultSend = (instructions: Parameters<SolanaSender["send"]>[0]) => Promise<string>;

/**
 * Runs `work` holding the (model, epoch) vault send lease, shared by every sender of vault transfers for that epoch
 * (refunds and payouts of the settlement target, netted payouts of the netting payer), so two of them never send at
 * once. The lease (a typed `SendLease`) records "sending" and then each submitted signature ("sent"): a worker that
 * finds it busy, or naming an earlier signature that may still land (within the guard), backs off with
 * `VaultSendInFlightError` (retryable); one that finds the earlier transaction landed or failed takes over. `work` reads the vault's
 * outflows only after taking the lease.
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
  const { leases, now } = options;
  const id = `solana:vault-send:${modelId}:${epoch}`;
  const lease = await leases.get(id);
  if (lease && lease.state !== "idle" && now() - lease.takenAt < (options.inFlightGuardMs ?? 90_000)) {
    const signature = lease.state === "sent" ? lease.signature : undefined;
    if (signature === undefined || (await signatureStatus(options.connection, signature)) === "pending") {
      throw new VaultSendInFlightError(`a send for model ${modelId} epoch ${epoch} is in flight`);
    }
  }
  let version = (lease?.version ?? 0) + 1;
  const taken = await leases.advance({ id, state: "sending", takenAt: now(), version }, lease?.version);
  if (!taken) throw new VaultSendInFlightError(`another worker took the send lease of ${modelId}/${epoch}`);
  let submitted = false;
  const mark = async (next: { state: "idle" } | { state: "sent"; signature: string }) => {
    const moved = await leases.advance({ id, ...next, takenAt: now(), version: version + 1 }, version);
    if (!moved) throw new VaultSendInFlightError(`lost the send lease of ${modelId}/${epoch}`);
    version++;
  };
  const send: VaultSend = async (instructions) => {
    const { signature } = await options.sender.send(instructions, options.operators, {
      onSubmitted: async (sig) => {
        await mark({ state: "sent", signature: sig });
        submitted = true;
      },
    });
    return signature;
  };
  const result = await work(send).catch(async (error: unknown) => {
    // Nothing was broadcast: free the lease at once. Otherwise the guard (or the landed check) frees it.
    if (!submitted) await mark({ state: "idle" }).catch(() => {});
    throw error;
  });
  await mark({ state: "idle" });
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
