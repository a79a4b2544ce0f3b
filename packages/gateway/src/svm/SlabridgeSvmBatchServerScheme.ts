import { randomUUID } from "node:crypto";
import { base58, deriveSvmChannelId, readVoucherPulls, verifySvmVoucher } from "@slabridge/solana";
import { unpackAccount } from "@solana/spl-token";
import { type Connection, PublicKey } from "@solana/web3.js";
import type {
  AssetAmount,
  Network,
  PaymentFlowConfig,
  PaymentRequirements,
  Price,
  SchemeNetworkServer,
  SchemePaymentRequiredContext,
  SchemeServerHooks,
  SettleContext,
  SupportedKind,
  VerifiedPaymentCanceledContext,
  VerifyContext,
} from "@x402/core/types";
import { InvalidGatewayConfigError } from "../errors/InvalidGatewayConfigError.ts";
import { type SvmChannelRecord, type SvmChannelStore, updateSvmChannel } from "./SvmChannelStore.ts";
import { SVM_BATCH_SCHEME, SvmBatchError, type SvmVoucherPayload, svmVoucherPayloadSchema } from "./svmPayload.ts";

/** How much of a channel the vault already pulled (claims at epoch end), to size the cap. */
export type SvmPulledAmount = (channelId: string, tokenAccount: string) => Promise<bigint>;

/** Options of {@link SlabridgeSvmBatchServerScheme}. */
export interface SlabridgeSvmBatchServerSchemeOptions {
  connection: Connection;
  store: SvmChannelStore;
  /** The model this resource server sells (the channel id binds it). */
  modelId: bigint;
  /** The stablecoin's decimals (sent to clients; the vault's pulls are `TransferChecked`). */
  decimals: number;
  /**
   * What the vault already pulled of a channel; the cap is `cumulative - pulled <= allowance`. Use
   * {@link chainPulledAmounts}. Without it, 0: exact until the channel's first claim, too strict after (never too lax).
   */
  pulled?: SvmPulledAmount;
  /** How long a read of a token account's allowance is trusted (default 2 s). */
  allowanceTtlMs?: number;
  now?: () => number;
}

interface AccountView {
  owner: string;
  mint: string;
  delegate: string | undefined;
  delegatedAmount: bigint;
  balance: bigint;
  frozen: boolean;
  readAt: number;
}

type Abort = { abort: true; reason: string; message: string };

const abort = (reason: string, message: string): Abort => ({ abort: true, reason, message });

/**
 * The resource server's side of slabridge's x402 `batch-settlement` binding for `solana:*` networks: the channel is
 * the buyer's SPL delegate approval of the vault authority (`payTo`), and each call carries a cumulative ed25519
 * voucher in the x402 SVM binding's 50-byte layout. Verification is local (scheme hooks, no facilitator round trip):
 * channel terms (mint = `asset`, vault authority = `payTo`, the model, the channel id derived from them), the
 * payer's signature, the cumulative rule (`maxClaimableAmount == charged so far + amount`, else a corrective 402
 * `invalid_batch_settlement_svm_cumulative_amount_mismatch` with `extra.channelState`), one call at a time per
 * channel (a reservation in the {@link SvmChannelStore}), and the cap: `maxClaimableAmount - pulled` within the
 * delegate allowance and balance read from chain (cached `allowanceTtlMs`). Settlement charges the settlement
 * override (the actual charge, at most `amount`) and answers `extra.chargedAmount` and `extra.channelState`.
 * Money reaches the vault later, by `claimSolanaVouchers` at epoch end.
 *
 * @example
 * ```ts
 * const scheme = new SlabridgeSvmBatchServerScheme({ connection, store: new MemorySvmChannelStore(), modelId: 2n,
 *   decimals: 6, pulled: chainPulledAmounts({ connection, vault, multisigAuthority }) });
 * const server = new x402ResourceServer(facilitator).register("solana:devnet", scheme);
 * ```
 */
export class SlabridgeSvmBatchServerScheme implements SchemeNetworkServer {
  readonly scheme = SVM_BATCH_SCHEME;
  readonly defaultAssetTransferMethod = "default";
  readonly paymentFlows: Readonly<Record<string, PaymentFlowConfig>> = {
    default: { supported: ["authorization"], default: "authorization" },
  };
  readonly schemeHooks: SchemeServerHooks;
  readonly enrichPaymentRequiredResponse: (
    ctx: SchemePaymentRequiredContext,
  ) => Promise<PaymentRequirements[] | undefined>;
  private readonly accounts = new Map<string, AccountView>();
  // The reservation a verified call holds, keyed by its payload object (the SDK passes the same one to settle).
  private readonly reservations = new WeakMap<object, string>();
  private readonly now: () => number;

  constructor(private readonly options: SlabridgeSvmBatchServerSchemeOptions) {
    this.now = options.now ?? Date.now;
    this.schemeHooks = {
      onBeforeVerify: (ctx) => this.beforeVerify(ctx),
      onBeforeSettle: (ctx) => this.beforeSettle(ctx),
      onVerifiedPaymentCanceled: (ctx) => this.release(ctx),
    };
    this.enrichPaymentRequiredResponse = (ctx) => this.corrective(ctx);
  }

  /** Only an asset amount (the mint and raw units): there is no default Solana asset here. @example await scheme.parsePrice({ amount: "5000", asset: mint }, network) */
  async parsePrice(price: Price, _network: Network): Promise<AssetAmount> {
    if (typeof price === "object") return price;
    throw new InvalidGatewayConfigError("the SVM batch scheme prices in { amount, asset } (raw units of the mint)");
  }

  /** @example scheme.getAssetDecimals(mint, network) // the configured decimals */
  getAssetDecimals(_asset: string, _network: Network): number {
    return this.options.decimals;
  }

  /** Adds the channel terms a client needs (`extra.svmChannel`). @example await scheme.enhancePaymentRequirements(r, kind, []) */
  async enhancePaymentRequirements(
    requirements: PaymentRequirements,
    _kind: SupportedKind,
    _extensions: string[],
  ): Promise<PaymentRequirements> {
    return {
      ...requirements,
      extra: {
        ...requirements.extra,
        svmChannel: {
          modelId: this.options.modelId.toString(),
          decimals: this.options.decimals,
          voucher: "x402-svm-batch-v1",
        },
      },
    };
  }

  private async beforeVerify(ctx: VerifyContext) {
    const parsed = svmVoucherPayloadSchema.safeParse(ctx.paymentPayload.payload);
    if (!parsed.success) return abort(SvmBatchError.payload, "not an SVM batch-settlement voucher");
    const payload = parsed.data;
    const { requirements } = ctx;
    const termsError = this.termsError(payload, requirements);
    if (termsError !== undefined) return abort(SvmBatchError.channelTerms, termsError);
    const cumulative = BigInt(payload.voucher.maxClaimableAmount);
    const channelId = payload.voucher.channelId;
    const signed = verifySvmVoucher(
      { channelId: hexBytes(channelId), cumulative },
      base58.decode(payload.voucher.signature),
      new PublicKey(payload.channelConfig.payer),
    );
    if (!signed) return abort(SvmBatchError.signature, "the voucher is not signed by the payer");

    let capError: string | undefined;
    try {
      capError = await this.capError(payload, requirements, cumulative);
    } catch {
      return abort(SvmBatchError.stateUnavailable, "could not read the channel's allowance");
    }
    if (capError !== undefined) return abort(SvmBatchError.allowance, capError);

    const now = this.now();
    const pendingId = randomUUID();
    const ttlMs = Math.min(600_000, Math.max(5_000, requirements.maxTimeoutSeconds * 1000));
    const reserved = await updateSvmChannel(this.options.store, channelId, (current) => {
      const charged = BigInt(current?.chargedCumulativeAmount ?? "0");
      if (cumulative !== charged + BigInt(requirements.amount)) return { keep: true, result: "mismatch" as const };
      if (current?.pending !== undefined && current.pending.expiresAt > now)
        return { keep: true, result: "busy" as const };
      const base: SvmChannelRecord = current ?? {
        channelId,
        payer: payload.channelConfig.payer,
        tokenAccount: payload.channelConfig.tokenAccount,
        chargedCumulativeAmount: "0",
        signedCumulativeAmount: "0",
        signature: "",
      };
      return { write: { ...base, pending: { id: pendingId, expiresAt: now + ttlMs } }, result: "reserved" as const };
    });
    if (reserved === undefined || reserved.result === "busy") {
      return abort(SvmBatchError.channelBusy, "another call on this channel is in progress");
    }
    if (reserved.result === "mismatch") {
      return abort(SvmBatchError.cumulativeMismatch, "the voucher's base does not match the channel's charged amount");
    }
    this.reservations.set(ctx.paymentPayload, pendingId);
    return { skip: true as const, result: { isValid: true, payer: payload.channelConfig.payer } };
  }

  private termsError(payload: SvmVoucherPayload, requirements: VerifyContext["requirements"]): string | undefined {
    const config = payload.channelConfig;
    if (config.mint !== requirements.asset) return "the channel's mint is not the asset";
    if (config.vaultAuthority !== requirements.payTo) return "the channel's delegate is not the vault authority";
    if (BigInt(config.modelId) !== this.options.modelId) return "the channel is for another model";
    const derived = deriveSvmChannelId({
      payer: new PublicKey(config.payer),
      tokenAccount: new PublicKey(config.tokenAccount),
      mint: new PublicKey(config.mint),
      vaultAuthority: new PublicKey(config.vaultAuthority),
      modelId: this.options.modelId,
      salt: hexBytes(config.salt),
    });
    if (`0x${Buffer.from(derived).toString("hex")}` !== payload.voucher.channelId) {
      return "the channel id is not derived from its terms";
    }
    return undefined;
  }

  private async capError(
    payload: SvmVoucherPayload,
    requirements: VerifyContext["requirements"],
    cumulative: bigint,
  ): Promise<string | undefined> {
    const config = payload.channelConfig;
    const account = await this.account(config.tokenAccount);
    if (account === undefined) return "the token account does not exist";
    if (account.owner !== config.payer) return "the token account is not the payer's";
    if (account.mint !== requirements.asset) return "the token account holds another mint";
    if (account.frozen) return "the token account is frozen";
    if (account.delegate !== requirements.payTo) return "the vault authority is not the account's delegate";
    const pulled = (await this.options.pulled?.(payload.voucher.channelId, config.tokenAccount)) ?? 0n;
    const outstanding = cumulative - pulled;
    // What a pull can take: the allowance, unless the balance is lower.
    let available = account.delegatedAmount;
    if (account.balance < available) available = account.balance;
    if (outstanding > available) return `the voucher's outstanding ${outstanding} exceeds the allowance ${available}`;
    return undefined;
  }

  private async account(address: string): Promise<AccountView | undefined> {
    const cached = this.accounts.get(address);
    const now = this.now();
    if (cached !== undefined && now - cached.readAt < (this.options.allowanceTtlMs ?? 2_000)) return cached;
    const key = new PublicKey(address);
    const info = await this.options.connection.getAccountInfo(key, "confirmed");
    if (info === null) return undefined;
    const account = unpackAccount(key, info, info.owner);
    const view: AccountView = {
      owner: account.owner.toBase58(),
      mint: account.mint.toBase58(),
      delegate: account.delegate?.toBase58(),
      delegatedAmount: account.delegatedAmount,
      balance: account.amount,
      frozen: account.isFrozen,
      readAt: now,
    };
    this.accounts.set(address, view);
    return view;
  }

  private async beforeSettle(ctx: SettleContext) {
    const parsed = svmVoucherPayloadSchema.safeParse(ctx.paymentPayload.payload);
    if (!parsed.success) return abort(SvmBatchError.payload, "not an SVM batch-settlement voucher");
    const payload = parsed.data;
    const pendingId = this.reservations.get(ctx.paymentPayload);
    this.reservations.delete(ctx.paymentPayload);
    const charge = BigInt(ctx.requirements.amount);
    const signedCumulative = BigInt(payload.voucher.maxClaimableAmount);
    type Charged = { status: "busy" } | { status: "exceeds" } | { status: "charged"; charged: bigint };
    const outcome = await updateSvmChannel<Charged>(this.options.store, payload.voucher.channelId, (current) => {
      if (current === undefined || pendingId === undefined || current.pending?.id !== pendingId) {
        return { keep: true, result: { status: "busy" } };
      }
      const charged = BigInt(current.chargedCumulativeAmount) + charge;
      if (charged > signedCumulative) return { keep: true, result: { status: "exceeds" } };
      const { pending: _released, ...rest } = current;
      const next: SvmChannelRecord = {
        ...rest,
        chargedCumulativeAmount: charged.toString(),
        signedCumulativeAmount: signedCumulative.toString(),
        signature: payload.voucher.signature,
      };
      return { write: next, result: { status: "charged", charged } };
    });
    if (outcome === undefined || outcome.result.status === "busy") {
      return abort(SvmBatchError.channelBusy, "the call's reservation is gone");
    }
    if (outcome.result.status === "exceeds") {
      return abort(SvmBatchError.chargeExceedsSigned, "the charge exceeds the voucher");
    }
    return {
      skip: true as const,
      result: {
        success: true,
        payer: payload.channelConfig.payer,
        transaction: "",
        network: ctx.requirements.network,
        amount: charge.toString(),
        extra: {
          chargedAmount: charge.toString(),
          channelState: {
            channelId: payload.voucher.channelId,
            chargedCumulativeAmount: outcome.result.charged.toString(),
          },
        },
      },
    };
  }

  /** A verified call that will not be charged (host failed, rate limit): free its reservation. */
  private async release(ctx: VerifiedPaymentCanceledContext): Promise<void> {
    const parsed = svmVoucherPayloadSchema.safeParse(ctx.paymentPayload.payload);
    const pendingId = this.reservations.get(ctx.paymentPayload);
    this.reservations.delete(ctx.paymentPayload);
    if (!parsed.success || pendingId === undefined) return;
    await updateSvmChannel(this.options.store, parsed.data.voucher.channelId, (current) => {
      if (current?.pending?.id !== pendingId) return { keep: true, result: undefined };
      const { pending: _released, ...rest } = current;
      return { write: rest, result: undefined };
    });
  }

  /** On a cumulative mismatch, tells the client what the channel was charged so far (`extra.channelState`). */
  private async corrective(ctx: SchemePaymentRequiredContext): Promise<PaymentRequirements[] | undefined> {
    if (ctx.error !== SvmBatchError.cumulativeMismatch || ctx.paymentPayload === undefined) return undefined;
    const parsed = svmVoucherPayloadSchema.safeParse(ctx.paymentPayload.payload);
    if (!parsed.success) return undefined;
    const channelId = parsed.data.voucher.channelId;
    const current = await this.options.store.get(channelId);
    return ctx.requirements.map((r) =>
      r.scheme === this.scheme && r.network === ctx.paymentPayload?.accepted.network
        ? {
            ...r,
            extra: {
              ...r.extra,
              channelState: { channelId, chargedCumulativeAmount: current?.record.chargedCumulativeAmount ?? "0" },
            },
          }
        : r,
    );
  }
}

/** Options of {@link chainPulledAmounts}. */
export interface ChainPulledAmountsOptions {
  connection: Connection;
  /** The vault token account the pulls land in. */
  vault: PublicKey;
  /** Its SPL multisig authority (the delegate that signs pulls). */
  multisigAuthority: PublicKey;
  /** How long one scan of the vault's history is reused (default 60 s; pulls happen at epoch end). */
  ttlMs?: number;
  now?: () => number;
}

/**
 * What the vault already pulled per channel, read from its history (`readVoucherPulls`) and reused for `ttlMs`. A
 * stale value only undercounts pulls (a claim just landed), which makes the cap stricter, never laxer.
 *
 * @example const pulled = chainPulledAmounts({ connection, vault, multisigAuthority });
 */
export function chainPulledAmounts(options: ChainPulledAmountsOptions): SvmPulledAmount {
  const now = options.now ?? Date.now;
  let cache: { at: number; pulls: Awaited<ReturnType<typeof readVoucherPulls>> } | undefined;
  return async (channelId, tokenAccount) => {
    if (cache === undefined || now() - cache.at >= (options.ttlMs ?? 60_000)) {
      cache = {
        at: now(),
        pulls: await readVoucherPulls(options.connection, options.vault, options.multisigAuthority),
      };
    }
    const prefix = channelId.slice(2, 50);
    return (cache.pulls.get(prefix) ?? [])
      .filter((p) => p.tokenAccount === tokenAccount)
      .reduce((sum, p) => sum + p.amount, 0n);
  };
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.slice(2), "hex"));
}
