import {
  bytesToHex,
  type CursorStore,
  type DeploymentManifest,
  encodeMessage,
  type Hex,
  NotReadyError,
  type PaymentStore,
  paymentsRoot,
  type ReceiptProgress,
  type ReceiptSource,
  SlabridgeError,
  type TransportName,
} from "@slabridge/core";
import { PublicKey } from "@solana/web3.js";
import { uint32Hex } from "./hexParts.ts";

type ModelManifest = DeploymentManifest["models"][number];

/**
 * Posts a Wormhole message from slabridge's Solana emitter. On the devnet the operators sign it through the devnet
 * guardian (`guardianReceiptPublisher` of `@slabridge/devnet`); in AWS a Solana program would post it, and none is
 * wired yet.
 *
 * @example const { sequence } = await publisher.publish("0x00007a6a0102…");
 */
export interface SolanaReceiptPublisher {
  publish(payload: Hex): Promise<{ emitterChain: number; emitter: Hex; sequence: bigint }>;
}

/** No {@link SolanaReceiptPublisher} is configured (AWS has no Solana program posting messages yet). */
export class SolanaPublisherMissingError extends SlabridgeError {
  override readonly name = "SolanaPublisherMissingError" as const;
  constructor() {
    super(
      "no Solana receipt publisher configured: receipt batches of Solana payments need the Wormhole Solana program " +
        "(not wired in this deployment) or the devnet guardian's publisher",
      { retryable: false },
    );
  }
}

/** A Solana receipt job that can never work as asked (other transport, unknown model). */
export class SolanaReceiptConfigError extends SlabridgeError {
  override readonly name = "SolanaReceiptConfigError" as const;
  constructor(reason: string) {
    super(reason, { retryable: false });
  }
}

/** Options of {@link SolanaReceiptSource}. */
export interface SolanaReceiptSourceOptions {
  /** slabridge chain id of Solana (SOLANA_CHAIN_ID). */
  chainId: number;
  homeChainId: number;
  models: readonly ModelManifest[];
  payments: PaymentStore;
  cursors: CursorStore;
  publisher?: SolanaReceiptPublisher | undefined;
  /** Cursor the vault watch writes its last pass start (unix ms) to: see `vaultScanCursorId`. */
  vaultScanCursorId: string;
  /** How long after its blockTime a payment is surely finalized and seen by a vault pass (0 on the devnet). */
  finalityLagMs?: number;
  /**
   * Pulls a (model, epoch)'s per-call vouchers into the vault (`SolanaVoucherClaimer`), once, before its first batch.
   * Absent: no model is sold per call on this cluster, epochs hold only the buyers' own payments.
   */
  claimer?: { claim(modelId: bigint, epoch: bigint): Promise<VoucherClaimOutcome> } | undefined;
  /**
   * Ms after an epoch's end before its vouchers are claimed (default 3,000): a call served just before the end is
   * checkpointed a moment later, and its voucher belongs to that epoch.
   */
  claimDelayMs?: number;
  now?: () => number;
}

/** What the receipt source needs of a claim's result: whether any pull of the epoch is in the vault. */
export interface VoucherClaimOutcome {
  pulled: readonly unknown[];
  alreadyPulled: readonly unknown[];
}

/** Ms after an epoch's end before its vouchers are claimed: see `SolanaReceiptSourceOptions.claimDelayMs`. */
export const DEFAULT_CLAIM_DELAY_MS = 3_000;

/**
 * The progress record's `blockHash`: whether the final batch is out, the batch size the epoch was cut with, and the
 * last paymentId of the batches sent (the next batch is the page after it; absent in records from before paging).
 */
type ProgressMark = { final: boolean; size: number; last?: string | undefined };

/** Solana payment ids are 0x + 64 lowercase hex (`solanaPaymentId`, memos): the store's order is then the sorted one. */
const CANONICAL_PAYMENT_ID = /^0x[0-9a-f]{64}$/;

/**
 * Receipts of Solana payments. There is no escrow to compute batches on chain, so they are built off-chain from the
 * payments the vault watcher recorded (paymentId order, like the escrow) and published through slabridge's Wormhole
 * emitter. Progress lives in the CursorStore under `solana:receipts:<model>:<epoch>` (block = batches sent),
 * advanced by conditional write after each publish.
 *
 * Exactly-once is held by the home ledger: a crash between publish and record re-publishes batch k under a new
 * sequence, and the ledger refuses it with `DuplicateBatch`, so that duplicate delivery job dead-letters
 * (non-retryable `MessengerRevertedError`) while the original batch k stays counted once.
 *
 * @example const source = new SolanaReceiptSource({ chainId: SOLANA_CHAIN_ID, homeChainId, models, payments, cursors, publisher, vaultScanCursorId });
 */
export class SolanaReceiptSource implements ReceiptSource {
  readonly chainId: number;
  readonly #o: SolanaReceiptSourceOptions;
  readonly #now: () => number;

  constructor(options: SolanaReceiptSourceOptions) {
    this.chainId = options.chainId;
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async progress(modelId: bigint, epoch: bigint): Promise<ReceiptProgress> {
    const model = this.#model(modelId);
    const endsAt = (model.genesis + Number(epoch + 1n) * model.epochSeconds) * 1000;
    const claimDelay = this.#o.claimer === undefined ? 0 : (this.#o.claimDelayMs ?? DEFAULT_CLAIM_DELAY_MS);
    const readyAt = endsAt + Math.max(this.#o.finalityLagMs ?? 0, claimDelay);
    const [scan, record] = await Promise.all([
      this.#o.cursors.get(this.#o.vaultScanCursorId),
      this.#o.cursors.get(progressId(modelId, epoch)),
    ]);
    // The ledger's blockTime follows wall time; the epoch is closed for us only once a vault pass that started after
    // its end (plus finality) has recorded every payment in it.
    const epochOver = this.#now() >= readyAt && scan !== undefined && Number(scan.block) >= readyAt;
    return { epochOver, epochEndsAt: readyAt, relayedAll: record !== undefined && parseMark(record.blockHash).final };
  }

  async relayNextBatch(modelId: bigint, epoch: bigint, transport: TransportName, maxPayments: number) {
    if (transport !== "wormhole") {
      throw new SolanaReceiptConfigError(`Solana receipts go over wormhole only, the route says ${transport}`);
    }
    const publisher = this.#o.publisher;
    if (!publisher) throw new SolanaPublisherMissingError();
    const id = progressId(modelId, epoch);
    const record = await this.#o.cursors.get(id);
    // Until the first batch is cut the epoch is open to its voucher pulls (the vault watcher books them to it).
    if (record === undefined && this.#o.claimer !== undefined) await this.#claimFirst(this.#o.claimer, modelId, epoch);
    const sent = record?.block ?? 0n;
    const mark = record ? parseMark(record.blockHash) : undefined;
    // Keep the batch size the epoch started with, so a config change mid-epoch cannot shift batch boundaries.
    const size = mark?.size ?? maxPayments;
    const index = Number(sent);
    const { slice, finalBatch } = await this.#batch(modelId, epoch, index, size, mark?.last);
    const leaves = slice.map((p) => ({
      paymentId: p.paymentId as Hex,
      buyer: buyerBytes32(p.buyer),
      amount: p.amount,
    }));
    const message = encodeMessage({
      kind: "ReceiptBatch",
      modelId,
      epoch,
      paymentChain: this.chainId,
      batchIndex: index,
      count: slice.length,
      total: slice.reduce((sum, p) => sum + p.amount, 0n),
      paymentsRoot: paymentsRoot(leaves),
      finalBatch,
    });
    const payload: Hex = `${uint32Hex(this.#o.homeChainId)}${message.slice(2)}`;
    const published = await publisher.publish(payload);
    // Losing this write to a racing worker is fine: its twin batch is refused on the ledger as DuplicateBatch.
    await this.#o.cursors.advance(
      {
        id,
        block: sent + 1n,
        blockHash: formatMark({ final: finalBatch, size, last: slice.at(-1)?.paymentId ?? mark?.last }),
        version: (record?.version ?? 0) + 1,
      },
      record?.version,
    );
    return {
      transaction: `${published.emitterChain}/${published.emitter.slice(2).toLowerCase()}/${published.sequence}`,
    };
  }

  /**
   * Batch `index` of the epoch (paymentId order; the epoch's payments are fixed once its first batch is cut): the page
   * after the last payment already sent, plus one to see whether more follow. Each batch reads its own payments only,
   * not the whole epoch again. A record from before paging (no last id, later batches) is cut from the whole listing.
   */
  async #batch(modelId: bigint, epoch: bigint, index: number, size: number, last: string | undefined) {
    const page =
      index > 0 && last === undefined
        ? (await this.#o.payments.listEpoch(this.chainId, modelId, epoch)).slice(index * size, (index + 1) * size + 1)
        : await this.#o.payments.listEpochPage(this.chainId, modelId, epoch, { after: last, limit: size + 1 });
    const odd = page.find((p) => !CANONICAL_PAYMENT_ID.test(p.paymentId));
    if (odd) {
      // Another form would sort differently here and in the settlement's proofs: refuse rather than mis-batch.
      throw new SolanaReceiptConfigError(
        `payment ${odd.paymentId} of model ${modelId} epoch ${epoch} is not 0x + 64 lowercase hex`,
      );
    }
    return { slice: page.slice(0, size), finalBatch: page.length <= size };
  }

  /**
   * Claims the epoch's vouchers once (the claim record `solana:voucher-claim:<model>:<epoch>` holds when it finished;
   * the claim itself is idempotent by the vault's history, so a crash before that write only repeats a claim that
   * pulls nothing), then waits for a vault pass that started after the pulls were final, so they are recorded in the
   * epoch before its receipts are cut.
   */
  async #claimFirst(claimer: NonNullable<SolanaReceiptSourceOptions["claimer"]>, modelId: bigint, epoch: bigint) {
    const id = voucherClaimId(modelId, epoch);
    let claimed = await this.#o.cursors.get(id);
    if (claimed === undefined) {
      const outcome = await claimer.claim(modelId, epoch);
      // No pull of the epoch in the vault (no checkpoint, nothing owed): no vault pass to wait for.
      const none = outcome.pulled.length === 0 && outcome.alreadyPulled.length === 0;
      const at = none ? 0n : BigInt(this.#now());
      // Losing this write means another worker claimed too and recorded its (as good) finish time: read that one.
      await this.#o.cursors.advance({ id, block: at, blockHash: "claimed", version: 1 }, undefined);
      claimed = await this.#o.cursors.get(id);
    }
    const pullsFinalAt = Number(claimed?.block ?? 0n) + (this.#o.finalityLagMs ?? 0);
    const scan = await this.#o.cursors.get(this.#o.vaultScanCursorId);
    if (scan === undefined || Number(scan.block) < pullsFinalAt) {
      throw new NotReadyError(
        `model ${modelId} epoch ${epoch}: vouchers claimed, waiting for a vault pass to book the pulls`,
        Math.max(pullsFinalAt, this.#now() + 1_000),
      );
    }
  }

  #model(modelId: bigint): ModelManifest {
    const model = this.#o.models.find((m) => BigInt(m.modelId) === modelId);
    if (!model) throw new SolanaReceiptConfigError(`model ${modelId} is not in the manifest`);
    return model;
  }
}

/** Solana buyer as a Merkle leaf's bytes32: the public key's 32 bytes. */
function buyerBytes32(base58: string): Hex {
  return bytesToHex(new PublicKey(base58).toBytes());
}

/**
 * The cursor of (model, epoch)'s receipt progress on Solana: present once its first batch went home, after which no
 * payment may be booked to that epoch.
 *
 * @example await cursors.get(solanaReceiptProgressId(2n, 41n)) // undefined: no batch of epoch 41 went out yet
 */
export function solanaReceiptProgressId(modelId: bigint, epoch: bigint): string {
  return `solana:receipts:${modelId}:${epoch}`;
}

const progressId = solanaReceiptProgressId;

function voucherClaimId(modelId: bigint, epoch: bigint): string {
  return `solana:voucher-claim:${modelId}:${epoch}`;
}

function formatMark(mark: ProgressMark): string {
  return `${mark.final ? "final" : "open"}:${mark.size}${mark.last === undefined ? "" : `:${mark.last}`}`;
}

function parseMark(blockHash: string): ProgressMark {
  const [state, size, last] = blockHash.split(":");
  return { final: state === "final", size: Number(size) || 1, ...(last ? { last } : {}) };
}
