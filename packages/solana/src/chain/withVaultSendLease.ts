import type { SendLease, SendLeaseStore } from "@slabridge/core";
import type { Connection } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";
import { VaultSendInFlightError } from "../errors/VaultSendInFlightError.ts";
import type { SolanaSender, SolanaTransactionSigner } from "../sender/SolanaSender.ts";

/** What {@link withVaultSendLease} needs: the vault's sender and signers, the lease store and the clock. */
export interface VaultSendLeaseOptions {
  connection: Connection;
  sender: Pick<SolanaSender, "send">;
  operators: readonly SolanaTransactionSigner[];
  leases: SendLeaseStore;
  now(): number;
  /**
   * How long a "sending" lease (nothing broadcast yet) holds before a worker may take over (default 90 s); also
   * the guard of a "sent" lease recorded without its last valid block height.
   */
  inFlightGuardMs?: number | undefined;
}

/** Sends one transaction of vault instructions under the lease; resolves with its signature. */
export type VaultSend = (instructions: Parameters<SolanaSender["send"]>[0]) => Promise<string>;

/**
 * Runs `work` holding the (model, epoch) vault send lease, shared by every sender of vault transfers for that epoch
 * (refunds and payouts of the settlement target, netted payouts of the netting payer), so two of them never send at
 * once. The lease (a typed `SendLease`) records "sending" and then each submitted signature with the last block
 * height at which its transaction can land ("sent"). A worker takes the lease over only when that cannot pay twice:
 * - "sending" (nothing broadcast yet): once the guard (`inFlightGuardMs`) has passed since it was taken;
 * - "sent": once the transaction landed or failed, or once the finalized block height is past its
 *   `lastValidBlockHeight` and a full-history status check still does not know the signature. However old the
 *   lease, a transaction that can still land is waited for (`VaultSendInFlightError`, retryable), never sent again.
 *   A lease written without the height (older records) falls back to the guard.
 * `work` reads the vault's outflows only after taking the lease.
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
  return withVaultSendLeaseId(options, `solana:vault-send:${modelId}:${epoch}`, work);
}

/**
 * {@link withVaultSendLease} under any lease id, for vault transfers that belong to no (model, epoch) (the return of
 * an unmatched deposit: `solana:vault-send:return:<depositId>`).
 *
 * @example
 * await withVaultSendLeaseId(options, `solana:vault-send:return:${depositId}`, async (send) => send(instructions));
 */
export async function withVaultSendLeaseId<T>(
  options: VaultSendLeaseOptions,
  id: string,
  work: (send: VaultSend) => Promise<T>,
): Promise<T> {
  const { leases, now } = options;
  const lease = await leases.get(id);
  if (lease && !(await mayTakeOver(options, lease))) {
    throw new VaultSendInFlightError(`a send under ${id} is in flight`);
  }
  let version = (lease?.version ?? 0) + 1;
  const taken = await leases.advance({ id, state: "sending", takenAt: now(), version }, lease?.version);
  if (!taken) throw new VaultSendInFlightError(`another worker took the send lease ${id}`);
  let submitted = false;
  const mark = async (next: { state: "idle" } | { state: "sent"; signature: string; lastValidBlockHeight: number }) => {
    const moved = await leases.advance({ id, ...next, takenAt: now(), version: version + 1 }, version);
    if (!moved) throw new VaultSendInFlightError(`lost the send lease ${id}`);
    version++;
  };
  const send: VaultSend = async (instructions) => {
    const { signature } = await options.sender.send(instructions, options.operators, {
      onSubmitted: async (sig, _attempt, { lastValidBlockHeight }) => {
        await mark({ state: "sent", signature: sig, lastValidBlockHeight });
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

/** Whether a worker finding `lease` may take it over without risking a second payment (see withVaultSendLease). */
async function mayTakeOver(options: VaultSendLeaseOptions, lease: SendLease): Promise<boolean> {
  const withinGuard = options.now() - lease.takenAt < (options.inFlightGuardMs ?? 90_000);
  if (lease.state !== "sent") return lease.state === "idle" || !withinGuard;
  const status = await signatureStatus(options.connection, lease.signature);
  if (status === "landed" || status === "failed") return true;
  if (lease.lastValidBlockHeight === undefined) return !withinGuard;
  // Past its last valid height at finalized commitment, the transaction can land on no fork; check once more after
  // reading the height, so a transaction that landed just before it is seen (a merely processed one is waited for).
  if ((await finalizedHeight(options.connection)) <= lease.lastValidBlockHeight) return false;
  return (await signatureStatus(options.connection, lease.signature)) !== "processed";
}

async function finalizedHeight(connection: Connection): Promise<number> {
  try {
    return await connection.getBlockHeight("finalized");
  } catch (error) {
    throw new SolanaRpcError("getBlockHeight", error);
  }
}

/** "unknown": no node has it (full history); "processed": seen, not yet confirmed. */
async function signatureStatus(
  connection: Connection,
  signature: string,
): Promise<"landed" | "failed" | "processed" | "unknown"> {
  let statuses: Awaited<ReturnType<Connection["getSignatureStatuses"]>>;
  try {
    statuses = await connection.getSignatureStatuses([signature], { searchTransactionHistory: true });
  } catch (error) {
    throw new SolanaRpcError("getSignatureStatuses", error);
  }
  const status = statuses.value[0] ?? null;
  if (status === null) return "unknown";
  if (status.err !== null) return "failed";
  return status.confirmationStatus === "processed" ? "processed" : "landed";
}
