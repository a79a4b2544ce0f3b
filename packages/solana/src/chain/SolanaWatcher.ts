import {
  type ChainWatchResult,
  type Clock,
  type CursorStore,
  createEpochReceiptJobs,
  type DeploymentManifest,
  type JobIntake,
  type PaymentStore,
  type SolanaChainManifest,
  type StageConfig,
} from "@slabridge/core";
import { Connection, PublicKey } from "@solana/web3.js";
import { SolanaVaultWatcher } from "../vault/SolanaVaultWatcher.ts";
import type { SolanaDepositReturner } from "./SolanaDepositReturner.ts";
import { solanaReceiptProgressId } from "./SolanaReceiptSource.ts";
import { type WatchSolanaEmitterOptions, watchSolanaEmitter } from "./watchSolanaEmitter.ts";

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
 * @example vaultScanCursorId(solana.vault) // "solana:vault-scan:<vault>"
 */
export function vaultScanCursorId(vault: string): string {
  return `solana:vault-scan:${vault}`;
}

/**
 * One pass over the Solana payment vault at finalized commitment: every stablecoin transfer into the vault with a
 * slabridge payment memo is recorded as a payment of (model, epoch), the epoch of its block time, or for a pull of
 * per-call vouchers signed by the vault multisig the epoch its memo names while that epoch's receipts have not gone
 * home; malformed or failed ones are skipped with a
 * reason. The payment id is derived from the signature, so a rescan records nothing twice. A completed pass moves
 * {@link vaultScanCursorId} to its start time.
 *
 * @example const result = await watchSolanaVault({ solana, manifest, rpcUrl, payments, cursors, clock });
 */
export async function watchSolanaVault(options: {
  solana: SolanaChainManifest;
  manifest: Pick<DeploymentManifest, "models">;
  rpcUrl: string;
  payments: PaymentStore;
  cursors: CursorStore;
  clock: Clock;
}): Promise<WatchSolanaResult> {
  const { solana } = options;
  const models = new Map(options.manifest.models.map((m) => [BigInt(m.modelId), m]));
  const watcher = new SolanaVaultWatcher({
    connection: new Connection(options.rpcUrl, { commitment: "finalized", disableRetryOnRateLimit: true }),
    vault: new PublicKey(solana.vault),
    mint: new PublicKey(solana.mint),
    cursorStore: options.cursors,
    cursorId: `solana:vault:${solana.vault}`,
    multisigAuthority: new PublicKey(solana.multisig),
    // A voucher pull goes to its vouchers' epoch until that epoch's first receipt batch is cut, then by block time.
    voucherEpochOpen: async (modelId, epoch) =>
      (await options.cursors.get(solanaReceiptProgressId(modelId, epoch))) === undefined,
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

/** Options of {@link SolanaWatcher}. */
export interface SolanaWatcherOptions extends Omit<WatchSolanaEmitterOptions, "chainId" | "wormholeEmitter"> {
  solana: SolanaChainManifest;
  manifest: Pick<DeploymentManifest, "homeChainId" | "models">;
  config: Pick<StageConfig, "routes">;
  rpcUrl: string;
  /**
   * Ms after an epoch's end before its receipt job is due (the receipt source's claim delay when the chain claims
   * pay-per-call vouchers): the job is created when it can run, not before, so no delivery of it is spent waiting.
   */
  receiptsDueAfterMs?: number;
  payments: PaymentStore;
  intake: JobIntake;
  /** Sends unmatched deposits back (present when the deployment holds the vault's operator keys). */
  returner?: Pick<SolanaDepositReturner, "returnUnmatched"> | undefined;
}

/**
 * One watch pass over a Solana cluster: (1) records the vault's new payments (finalized, {@link watchSolanaVault});
 * (2) creates a relay-receipts job per model per ended epoch (the Solana -> home ReceiptBatch route, over Wormhole);
 * (3) scans slabridge's Solana emitter on the guardian API and creates a deliver-message job per new VAA
 * ({@link watchSolanaEmitter}); (4) with the vault's keys, sends back the deposits that match no payment
 * (`SolanaDepositReturner`). Every step resumes from its cursor and job ids are deterministic, so downtime is
 * backfilled and a duplicate run creates nothing twice.
 *
 * @example
 * const watcher = new SolanaWatcher({ solana, manifest, config, rpcUrl, payments, cursors, clock, intake, guardian, delivers });
 * const result = await watcher.watch(); // { chain: "solana", payments: 3, receiptJobs: 2, messages: 0, ... }
 */
export class SolanaWatcher {
  readonly #o: SolanaWatcherOptions;

  constructor(options: SolanaWatcherOptions) {
    this.#o = options;
  }

  async watch(): Promise<ChainWatchResult> {
    const o = this.#o;
    const vault = await watchSolanaVault(o);
    // Solana has no escrow clock to read: its epochs end by wall time (its blockTime follows wall time).
    const receiptJobs = await createEpochReceiptJobs(o, {
      chainId: o.solana.chainId,
      nowSeconds: BigInt(Math.floor((o.clock.now() - (o.receiptsDueAfterMs ?? 0)) / 1000)),
      block: 0n,
      blockHash: "wall-clock",
    });
    const emitter = await watchSolanaEmitter({
      ...o,
      chainId: o.solana.chainId,
      wormholeEmitter: o.solana.wormholeEmitter,
    });
    // Last: a return waiting on its send lease fails this pass after everything else was done (the next one retries).
    const returns = o.returner ? await o.returner.returnUnmatched() : undefined;
    return {
      chain: o.solana.name,
      chainId: o.solana.chainId,
      family: "solana",
      messages: emitter.messages,
      receiptJobs,
      refundJobs: 0,
      settleJobs: 0,
      forwardedJobs: 0,
      payments: vault.payments,
      details: {
        outflows: vault.outflows,
        skipped: vault.skipped,
        nextSequence: `${emitter.nextSequence}`,
        ...(returns
          ? { returnedDeposits: returns.returned.length, undeliverableDeposits: returns.undeliverable.length }
          : {}),
      },
    };
  }
}
