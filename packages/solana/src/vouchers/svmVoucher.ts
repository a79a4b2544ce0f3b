import { createHash, createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { MAX_UINT64 } from "@slabridge/core";
import { PublicKey } from "@solana/web3.js";
import { InvalidSvmVoucherError } from "../errors/InvalidSvmVoucherError.ts";

/**
 * Length of the voucher message of the x402 SVM batch-settlement binding: `0x56 0x01 || channelId (32) || u64
 * cumulative LE || i64 expiresAt LE`.
 *
 * @example if (bytes.length !== SVM_VOUCHER_MESSAGE_LENGTH) reject();
 */
export const SVM_VOUCHER_MESSAGE_LENGTH = 50;

/**
 * Domain separator of {@link deriveSvmChannelId}; a new layout gets a new version, never a changed meaning.
 *
 * @example createHash("sha256").update(SVM_CHANNEL_DOMAIN)
 */
export const SVM_CHANNEL_DOMAIN = "slabridge-svm-channel-v1";

// The binding's message tag: "V" (voucher) and layout version 1.
const TAG = 0x56;
const VERSION = 0x01;
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);
// DER wrappers that turn a raw 32-byte ed25519 seed / public key into keys node:crypto accepts (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** One cumulative voucher: everything the payer promises for the channel so far. */
export interface SvmVoucher {
  /** 32 bytes ({@link deriveSvmChannelId}). */
  channelId: Uint8Array;
  /** Raw token units, cumulative over the channel's life (u64). */
  cumulative: bigint;
  /** Unix seconds after which the voucher is void; slabridge always writes 0 (no expiry). */
  expiresAt?: bigint;
}

/** What binds a slabridge Solana channel: the buyer's delegate approval to the vault, for one model. */
export interface SvmChannelTerms {
  /** The buyer (owner of `tokenAccount`, signer of the vouchers). */
  payer: PublicKey;
  /** The buyer's token account the vault authority is the delegate of. */
  tokenAccount: PublicKey;
  mint: PublicKey;
  /** The vault's SPL multisig authority (the delegate). */
  vaultAuthority: PublicKey;
  /** The model the channel pays for (u64). */
  modelId: bigint;
  /** 32 bytes chosen by the buyer, so one buyer may hold several channels for a model. */
  salt: Uint8Array;
}

/**
 * The channel id: `sha256("slabridge-svm-channel-v1" || payer || tokenAccount || mint || vaultAuthority || modelId
 * u64 LE || salt)`, 32 bytes. It binds the model and the vault, so a voucher signed for one model or vault is
 * worthless for another (the binding's PDA plays that role on chain; slabridge has no channel program).
 *
 * @example
 * ```ts
 * const channelId = deriveSvmChannelId({ payer, tokenAccount, mint, vaultAuthority, modelId: 2n, salt });
 * ```
 */
export function deriveSvmChannelId(terms: SvmChannelTerms): Uint8Array {
  if (terms.salt.length !== 32) throw new InvalidSvmVoucherError("bad-salt", `salt has ${terms.salt.length} bytes`);
  if (terms.modelId < 0n || terms.modelId > MAX_UINT64) {
    throw new InvalidSvmVoucherError("model-id-out-of-range", `model ${terms.modelId} is not a u64`);
  }
  const model = Buffer.alloc(8);
  model.writeBigUInt64LE(terms.modelId);
  return new Uint8Array(
    createHash("sha256")
      .update(SVM_CHANNEL_DOMAIN, "utf8")
      .update(terms.payer.toBytes())
      .update(terms.tokenAccount.toBytes())
      .update(terms.mint.toBytes())
      .update(terms.vaultAuthority.toBytes())
      .update(model)
      .update(terms.salt)
      .digest(),
  );
}

/**
 * The 50 bytes the payer signs: `0x56 0x01 || channelId || u64 cumulative LE || i64 expiresAt LE`.
 *
 * @example const message = encodeSvmVoucherMessage({ channelId, cumulative: 1_500n });
 */
export function encodeSvmVoucherMessage(voucher: SvmVoucher): Uint8Array {
  if (voucher.channelId.length !== 32) {
    throw new InvalidSvmVoucherError("bad-channel-id", `channel id has ${voucher.channelId.length} bytes`);
  }
  if (voucher.cumulative < 0n || voucher.cumulative > MAX_UINT64) {
    throw new InvalidSvmVoucherError("cumulative-out-of-range", `${voucher.cumulative} is not a u64`);
  }
  const expiresAt = voucher.expiresAt ?? 0n;
  if (expiresAt < MIN_INT64 || expiresAt > MAX_INT64) {
    throw new InvalidSvmVoucherError("expires-at-out-of-range", `${expiresAt} is not an i64`);
  }
  const out = Buffer.alloc(SVM_VOUCHER_MESSAGE_LENGTH);
  out[0] = TAG;
  out[1] = VERSION;
  out.set(voucher.channelId, 2);
  out.writeBigUInt64LE(voucher.cumulative, 34);
  out.writeBigInt64LE(expiresAt, 42);
  return new Uint8Array(out);
}

/**
 * Reads a voucher message back; throws {@link InvalidSvmVoucherError} unless it is exactly the binding's 50 bytes.
 *
 * @example const { channelId, cumulative } = decodeSvmVoucherMessage(message);
 */
export function decodeSvmVoucherMessage(message: Uint8Array): Required<SvmVoucher> {
  if (message.length !== SVM_VOUCHER_MESSAGE_LENGTH) {
    throw new InvalidSvmVoucherError("bad-message-length", `${message.length} bytes`);
  }
  if (message[0] !== TAG || message[1] !== VERSION) throw new InvalidSvmVoucherError("bad-message-prefix");
  const view = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  return {
    channelId: new Uint8Array(message.subarray(2, 34)),
    cumulative: view.readBigUInt64LE(34),
    expiresAt: view.readBigInt64LE(42),
  };
}

/**
 * Signs a voucher with the payer's ed25519 key (a web3.js `Keypair`'s 64-byte secret key, seed first); returns the
 * 64-byte signature.
 *
 * @example const signature = signSvmVoucher({ channelId, cumulative: 1_500n }, buyerKeypair);
 */
export function signSvmVoucher(voucher: SvmVoucher, signer: { readonly secretKey: Uint8Array }): Uint8Array {
  if (signer.secretKey.length !== 64) throw new InvalidSvmVoucherError("bad-secret-key", "expected 64 bytes");
  const key = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, signer.secretKey.subarray(0, 32)]),
    format: "der",
    type: "pkcs8",
  });
  return new Uint8Array(sign(null, encodeSvmVoucherMessage(voucher), key));
}

/**
 * Whether `signature` is the payer's ed25519 signature of the voucher. A signature of the wrong length is malformed
 * input ({@link InvalidSvmVoucherError}); a well-formed signature that does not verify is `false`.
 *
 * @example if (!verifySvmVoucher(voucher, signature, payer)) refuse("bad signature");
 */
export function verifySvmVoucher(voucher: SvmVoucher, signature: Uint8Array, payer: PublicKey): boolean {
  if (signature.length !== 64) {
    throw new InvalidSvmVoucherError("bad-signature-length", `${signature.length} bytes`);
  }
  const message = encodeSvmVoucherMessage(voucher);
  try {
    const key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, payer.toBytes()]),
      format: "der",
      type: "spki",
    });
    return verify(null, message, key, signature);
  } catch {
    // A public key that is not a curve point cannot have signed anything.
    return false;
  }
}

/**
 * A 32-byte key from its base58 text; {@link InvalidSvmVoucherError} (`bad-public-key`) otherwise.
 *
 * @example const payer = parseSvmPublicKey(payload.payer);
 */
export function parseSvmPublicKey(text: string): PublicKey {
  try {
    const key = new PublicKey(text);
    if (key.toBase58() !== text) throw new Error("not canonical");
    return key;
  } catch {
    throw new InvalidSvmVoucherError("bad-public-key", `not a base58 public key: ${text.slice(0, 64)}`);
  }
}
