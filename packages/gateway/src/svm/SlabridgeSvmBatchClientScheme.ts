import { randomBytes } from "node:crypto";
import { base58, deriveSvmChannelId, signSvmVoucher } from "@slabridge/solana";
import { createApproveCheckedInstruction, unpackAccount } from "@solana/spl-token";
import { type Connection, type Keypair, PublicKey, Transaction } from "@solana/web3.js";
import type { PaymentResponseContext } from "@x402/core/client";
import type {
  PaymentPayloadResult,
  PaymentRequirements,
  SchemeClientHooks,
  SchemeNetworkClient,
} from "@x402/core/types";
import { SvmClientError } from "./SvmClientError.ts";
import {
  SVM_BATCH_SCHEME,
  SvmBatchError,
  type SvmVoucherPayload,
  svmChannelExtraSchema,
  svmChannelStateSchema,
} from "./svmPayload.ts";

/** Options of {@link SlabridgeSvmBatchClientScheme}. */
export interface SlabridgeSvmBatchClientSchemeOptions {
  /** The buyer: owner of `tokenAccount`, signer of the approval and the vouchers. */
  signer: Keypair;
  /** Where the client sends its own delegate approval (the cluster's RPC). */
  connection: Connection;
  /** The buyer's token account of the stablecoin. */
  tokenAccount: PublicKey;
  /** The cap: what the approval lets the vault pull (raw units). */
  approveAmount: bigint;
  /** 32 bytes naming this channel among the buyer's channels for a model (default: random per scheme instance). */
  salt?: Uint8Array;
}

interface ChannelView {
  /** What the server says it charged so far. */
  charged: bigint;
  approved: boolean;
}

/**
 * The buyer's side of slabridge's x402 `batch-settlement` binding for `solana:*` networks. On the first payment to a
 * (vault, model) it sends the SPL `approve` of the vault authority (`payTo`) as delegate of its token account, up to
 * `approveAmount`, itself, to its own RPC (no facilitator holds the buyer's transaction), and waits for it; then every
 * call is one ed25519 voucher in the x402 SVM binding's 50-byte layout for `charged so far + amount`. The charged
 * amount comes from each `PAYMENT-RESPONSE` (`extra.channelState`); a corrective 402 resets it and retries once.
 * Revoking the approval is the buyer's withdrawal.
 *
 * @example
 * ```ts
 * const client = new x402Client().register("solana:*", new SlabridgeSvmBatchClientScheme({ signer: buyer,
 *   connection, tokenAccount, approveAmount: 10_000_000n }));
 * const paidFetch = wrapFetchWithPayment(fetch, client);
 * ```
 */
export class SlabridgeSvmBatchClientScheme implements SchemeNetworkClient {
  readonly scheme = SVM_BATCH_SCHEME;
  readonly schemeHooks: SchemeClientHooks;
  private readonly salt: Uint8Array;
  private readonly channels = new Map<string, ChannelView>();

  constructor(private readonly options: SlabridgeSvmBatchClientSchemeOptions) {
    this.salt = options.salt ?? new Uint8Array(randomBytes(32));
    if (this.salt.length !== 32) throw new SvmClientError("bad-requirements", "the salt must be 32 bytes");
    this.schemeHooks = { onPaymentResponse: (ctx) => this.onPaymentResponse(ctx) };
  }

  /** @example await scheme.createPaymentPayload(2, requirements) */
  async createPaymentPayload(x402Version: number, requirements: PaymentRequirements): Promise<PaymentPayloadResult> {
    const { modelId, decimals, mint, vaultAuthority } = this.termsOf(requirements);
    const payer = this.options.signer.publicKey;
    const channelIdBytes = deriveSvmChannelId({
      payer,
      tokenAccount: this.options.tokenAccount,
      mint,
      vaultAuthority,
      modelId,
      salt: this.salt,
    });
    const channelId = `0x${Buffer.from(channelIdBytes).toString("hex")}`;
    const view = this.channels.get(channelId) ?? { charged: 0n, approved: false };
    this.channels.set(channelId, view);
    if (!view.approved) {
      await this.ensureApproval(mint, vaultAuthority, decimals, BigInt(requirements.amount));
      view.approved = true;
    }
    const cumulative = view.charged + BigInt(requirements.amount);
    const signature = signSvmVoucher({ channelId: channelIdBytes, cumulative }, this.options.signer);
    const payload: SvmVoucherPayload = {
      type: "voucher",
      channelConfig: {
        payer: payer.toBase58(),
        tokenAccount: this.options.tokenAccount.toBase58(),
        mint: mint.toBase58(),
        vaultAuthority: vaultAuthority.toBase58(),
        modelId: modelId.toString(),
        salt: `0x${Buffer.from(this.salt).toString("hex")}`,
      },
      voucher: {
        channelId,
        maxClaimableAmount: cumulative.toString(),
        expiresAt: "0",
        signature: base58.encode(signature),
      },
    };
    return { x402Version, payload };
  }

  private termsOf(requirements: PaymentRequirements) {
    const extra = svmChannelExtraSchema.safeParse(requirements.extra.svmChannel);
    if (!extra.success) throw new SvmClientError("bad-requirements", "no SVM channel terms in extra.svmChannel");
    try {
      return {
        modelId: BigInt(extra.data.modelId),
        decimals: extra.data.decimals,
        mint: new PublicKey(requirements.asset),
        vaultAuthority: new PublicKey(requirements.payTo),
      };
    } catch (error) {
      throw new SvmClientError("bad-requirements", "asset and payTo must be base58 public keys", error);
    }
  }

  /** Approves the vault authority unless it already is the delegate with at least one call's worth left. */
  private async ensureApproval(mint: PublicKey, delegate: PublicKey, decimals: number, oneCall: bigint): Promise<void> {
    const { connection, signer, tokenAccount, approveAmount } = this.options;
    try {
      if (await this.delegatedEnough(delegate, oneCall)) return;
      const latest = await connection.getLatestBlockhash("confirmed");
      const tx = new Transaction({ feePayer: signer.publicKey, ...latest }).add(
        createApproveCheckedInstruction(tokenAccount, mint, delegate, signer.publicKey, approveAmount, decimals),
      );
      tx.sign(signer);
      const signature = await connection.sendRawTransaction(tx.serialize());
      const confirmed = await connection.confirmTransaction({ signature, ...latest }, "confirmed");
      if (confirmed.value.err !== null) throw new Error(`approve failed: ${JSON.stringify(confirmed.value.err)}`);
    } catch (error) {
      // Another client of the same wallet (another model's channel) may have sent the very same approval at the same
      // time: identical bytes, so the cluster refuses the second as already processed. What counts is the account.
      if (await this.delegatedEnough(delegate, oneCall).catch(() => false)) return;
      throw new SvmClientError("approve-failed", "the delegate approval did not land", error);
    }
  }

  /** Whether `delegate` may still pull at least `oneCall` from the buyer's token account. */
  private async delegatedEnough(delegate: PublicKey, oneCall: bigint): Promise<boolean> {
    const { connection, tokenAccount } = this.options;
    const info = await connection.getAccountInfo(tokenAccount, "confirmed");
    if (info === null) return false;
    const account = unpackAccount(tokenAccount, info, info.owner);
    return account.delegate?.equals(delegate) === true && account.delegatedAmount >= oneCall;
  }

  /** Keeps the charged amount in step: from a settlement, or from a corrective 402 (then retry once). */
  private async onPaymentResponse(ctx: PaymentResponseContext): Promise<{ recovered: true } | undefined> {
    const settled = svmChannelStateSchema.safeParse(ctx.settleResponse?.extra?.channelState);
    if (settled.success) {
      this.setCharged(settled.data.channelId, settled.data.chargedCumulativeAmount);
      return undefined;
    }
    if (ctx.paymentRequired?.error !== SvmBatchError.cumulativeMismatch) return undefined;
    for (const accept of ctx.paymentRequired.accepts) {
      const state = svmChannelStateSchema.safeParse(accept.extra.channelState);
      if (state.success && this.channels.has(state.data.channelId)) {
        this.setCharged(state.data.channelId, state.data.chargedCumulativeAmount);
        return { recovered: true };
      }
    }
    return undefined;
  }

  private setCharged(channelId: string, charged: string): void {
    const view = this.channels.get(channelId);
    if (view !== undefined) view.charged = BigInt(charged);
  }
}
