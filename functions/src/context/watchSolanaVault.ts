import type { Clock, CursorStore, DeploymentManifest, PaymentStore } from "@slabridge/core";
import { SolanaVaultWatcher, solanaChainsOf } from "@slabridge/solana";
import { Connection, PublicKey } from "@solana/web3.js";

/** What one Solana watch pass found. */
export interface WatchSolanaResult {
  payments: number;
  outflows: number;
  skipped: number;
}

/**
 * Cursor where each vault pass records when it started (block = unix ms): every payment finalized before then is
 * in the PaymentStore, which is what the Solana receipt source waits for before it calls an epoch over.
 *
 * @example vaultScanCursorId(solanaChainsOf(manifest)[0].vault) // "solana:vault-scan:<vault>"
 */
export function vaultScanCursorId(vault: string): string {
  return `solana:vault-scan:${vault}`;
}

/**
 * One pass over the Solana payment vault at finalized commitment: every stablecoin transfer into the vault with a
 * slabridge payment memo is recorded as a payment of (model, epoch); malformed or failed ones are skipped with a
 * reason. The payment id is derived from the signature, so a rescan records nothing twice. A completed pass moves
 * {@link vaultScanCursorId} to its start time.
 *
 * @example const result = await watchSolanaVault({ manifest, rpcUrl, payments, cursors, clock });
 */
export async function watchSolanaVault(options: {
  manifest: DeploymentManifest;
  rpcUrl: string;
  payments: PaymentStore;
  cursors: CursorStore;
  clock: Clock;
}): Promise<WatchSolanaResult> {
  const solana = solanaChainsOf(options.manifest)[0];
  if (!solana) return { payments: 0, outflows: 0, skipped: 0 };
  const models = new Map(options.manifest.models.map((m) => [BigInt(m.modelId), m]));
  const watcher = new SolanaVaultWatcher({
    connection: new Connection(options.rpcUrl, { commitment: "finalized", disableRetryOnRateLimit: true }),
    vault: new PublicKey(solana.vault),
    mint: new PublicKey(solana.mint),
    cursorStore: options.cursors,
    cursorId: `solana:vault:${solana.vault}`,
    epochOf: (modelId, blockTime) => {
      const model = models.get(modelId);
      if (!model || blockTime < model.genesis) return undefined;
      return BigInt(Math.floor((blockTime - model.genesis) / model.epochSeconds));
    },
  });
  const startedAt = options.clock.now();
  const result = await watcher.poll(async ({ payments }) => {
    for (const payment of payments) {
      await options.payments.record({
        chainId: solana.chainId,
        modelId: payment.modelId,
        epoch: payment.epoch,
        paymentId: payment.paymentId,
        buyer: payment.buyer,
        amount: payment.amount,
        transaction: payment.signature,
        block: BigInt(payment.slot),
        blockHash: payment.signature,
        observedAt: options.clock.now(),
      });
    }
  });
  await markScanned(options.cursors, vaultScanCursorId(solana.vault), startedAt);
  return { payments: result.payments, outflows: result.outflows, skipped: result.skipped };
}

/** Moves the scan mark forward only; losing a race to a concurrent pass is fine (it marks a time at least as late). */
async function markScanned(cursors: CursorStore, id: string, startedAt: number): Promise<void> {
  const current = await cursors.get(id);
  if (current && current.block >= BigInt(startedAt)) return;
  await cursors.advance(
    { id, block: BigInt(startedAt), blockHash: "scan", version: (current?.version ?? 0) + 1 },
    current?.version,
  );
}
