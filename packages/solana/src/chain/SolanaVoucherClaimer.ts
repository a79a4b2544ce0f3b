import type { SvmVoucherCheckpoint, SvmVoucherCheckpointStore } from "@slabridge/core";
import { PublicKey } from "@solana/web3.js";
import {
  type ClaimSolanaVouchersResult,
  claimSolanaVouchers,
  type SkippedVoucher,
  type SolanaVoucherClaim,
} from "../vouchers/claimSolanaVouchers.ts";
import type { VaultAccess } from "./VaultAccess.ts";

/** Options of {@link SolanaVoucherClaimer}. */
export interface SolanaVoucherClaimerOptions {
  access: VaultAccess;
  /** Where the gateways record each channel's latest voucher per epoch. */
  checkpoints: SvmVoucherCheckpointStore;
  now(): number;
  /** Bounds the vault history scanned for earlier pulls (see `readVoucherPulls`). */
  pullsUntil?: string;
}

/**
 * Claims one (model, epoch)'s Solana vouchers into the vault: every checkpoint the gateways recorded for the epoch,
 * at its charged cumulative, pulled by the vault multisig as the buyers' delegate (`claimSolanaVouchers`, exactly once
 * per channel and epoch by the vault's own history, so a repeated claim pulls nothing). A checkpoint whose keys do not
 * parse is reported as skipped (`malformed`), never fails the others.
 *
 * @example
 * const claimer = new SolanaVoucherClaimer({ access, checkpoints, now: Date.now });
 * const { pulled, alreadyPulled, skipped } = await claimer.claim(2n, 41n);
 */
export class SolanaVoucherClaimer {
  readonly #o: SolanaVoucherClaimerOptions;

  constructor(options: SolanaVoucherClaimerOptions) {
    this.#o = options;
  }

  async claim(modelId: bigint, epoch: bigint): Promise<ClaimSolanaVouchersResult> {
    const { access } = this.#o;
    const checkpoints = await this.#o.checkpoints.list(access.chainId, modelId, epoch);
    const malformed: SkippedVoucher[] = [];
    const vouchers: SolanaVoucherClaim[] = [];
    for (const checkpoint of checkpoints) {
      const claim = claimOf(checkpoint);
      if (claim === undefined) {
        malformed.push({
          channelId: checkpoint.channelId,
          payer: checkpoint.payer,
          reason: "malformed",
          detail: "the checkpoint's keys or bytes do not parse",
        });
      } else vouchers.push(claim);
    }
    // Nothing to pull: skip the lease and the scan of the vault's history.
    if (vouchers.length === 0) return { pulled: [], alreadyPulled: [], skipped: malformed };
    const result = await claimSolanaVouchers({
      connection: access.connection,
      sender: access.sender,
      operators: access.operators,
      leases: access.leases,
      now: this.#o.now,
      vault: access.vault,
      multisigAuthority: access.multisig,
      mint: access.mint,
      decimals: access.decimals,
      feePayer: access.feePayer,
      modelId,
      epoch,
      vouchers,
      ...(this.#o.pullsUntil === undefined ? {} : { pullsUntil: this.#o.pullsUntil }),
    });
    return { ...result, skipped: [...malformed, ...result.skipped] };
  }
}

function claimOf(checkpoint: SvmVoucherCheckpoint): SolanaVoucherClaim | undefined {
  const channelId = hexBytes(checkpoint.channelId, 32);
  const salt = hexBytes(checkpoint.salt, 32);
  const signature = hexBytes(checkpoint.signature, 64);
  if (channelId === undefined || salt === undefined || signature === undefined) return undefined;
  try {
    return {
      channelId,
      payer: new PublicKey(checkpoint.payer),
      tokenAccount: new PublicKey(checkpoint.tokenAccount),
      salt,
      cumulative: checkpoint.signedCumulative,
      claimable: checkpoint.totalClaimed,
      signature,
    };
  } catch {
    return undefined; // not a public key
  }
}

function hexBytes(hex: string, length: number): Uint8Array | undefined {
  if (!new RegExp(`^[0-9a-fA-F]{${length * 2}}$`).test(hex)) return undefined;
  return new Uint8Array(Buffer.from(hex, "hex"));
}
