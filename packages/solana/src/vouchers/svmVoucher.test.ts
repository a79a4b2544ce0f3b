import { Keypair, PublicKey } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { InvalidSvmVoucherError } from "../errors/InvalidSvmVoucherError.ts";
import {
  decodeSvmVoucherMessage,
  deriveSvmChannelId,
  encodeSvmVoucherMessage,
  parseSvmPublicKey,
  signSvmVoucher,
  verifySvmVoucher,
} from "./svmVoucher.ts";

const seed = new Uint8Array(32).map((_, i) => i + 1);
const payer = Keypair.fromSeed(seed);
const key = (n: number) => new PublicKey(new Uint8Array(32).fill(n));
const terms = {
  payer: payer.publicKey,
  tokenAccount: key(2),
  mint: key(3),
  vaultAuthority: key(4),
  modelId: 7n,
  salt: new Uint8Array(32).fill(9),
};
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    if (e instanceof InvalidSvmVoucherError) return e.reason;
    throw e;
  }
  return undefined;
}

describe("svm vouchers", () => {
  // Cross-checked once against hashlib (channel id) and @noble/curves' ed25519 (signature).
  it("matches the fixed vector", () => {
    expect(payer.publicKey.toBase58()).toBe("9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj");
    const channelId = deriveSvmChannelId(terms);
    expect(hex(channelId)).toBe("1602f6098bb03a29c21b5bfba64f3f4eabcf629227ba35b64148a9d93f1b4a13");
    const message = encodeSvmVoucherMessage({ channelId, cumulative: 1_500_000n });
    expect(hex(message)).toBe(
      "5601" +
        "1602f6098bb03a29c21b5bfba64f3f4eabcf629227ba35b64148a9d93f1b4a13" +
        "60e3160000000000" +
        "0000000000000000",
    );
    expect(message).toHaveLength(50);
    expect(hex(signSvmVoucher({ channelId, cumulative: 1_500_000n }, payer))).toBe(
      "c08d506928b8561be96a87c96b4788db3cae9d6db1b584e9c335e5ead7a290a1" +
        "edc95b55f5a495d5de96783ed0b25d683d1437a7b7910a60f14fe27b76d5b70b",
    );
  });

  it("verifies its own signature and refuses any change", () => {
    const channelId = deriveSvmChannelId(terms);
    const signature = signSvmVoucher({ channelId, cumulative: 42n }, payer);
    expect(verifySvmVoucher({ channelId, cumulative: 42n }, signature, payer.publicKey)).toBe(true);
    expect(verifySvmVoucher({ channelId, cumulative: 43n }, signature, payer.publicKey)).toBe(false);
    expect(verifySvmVoucher({ channelId, cumulative: 42n }, signature, Keypair.generate().publicKey)).toBe(false);
    const other = deriveSvmChannelId({ ...terms, modelId: 8n });
    expect(verifySvmVoucher({ channelId: other, cumulative: 42n }, signature, payer.publicKey)).toBe(false);
    const flipped = signature.slice();
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(verifySvmVoucher({ channelId, cumulative: 42n }, flipped, payer.publicKey)).toBe(false);
  });

  it("binds every channel term", () => {
    const base = hex(deriveSvmChannelId(terms));
    for (const changed of [
      { tokenAccount: key(5) },
      { mint: key(5) },
      { vaultAuthority: key(5) },
      { modelId: 8n },
      { salt: new Uint8Array(32).fill(1) },
      { payer: key(5) },
    ]) {
      expect(hex(deriveSvmChannelId({ ...terms, ...changed }))).not.toBe(base);
    }
  });

  it("round-trips the message", () => {
    const channelId = deriveSvmChannelId(terms);
    const max = (1n << 64n) - 1n;
    expect(decodeSvmVoucherMessage(encodeSvmVoucherMessage({ channelId, cumulative: max, expiresAt: -5n }))).toEqual({
      channelId,
      cumulative: max,
      expiresAt: -5n,
    });
  });

  it("refuses malformed input with a typed reason", () => {
    const channelId = deriveSvmChannelId(terms);
    expect(reasonOf(() => encodeSvmVoucherMessage({ channelId: new Uint8Array(31), cumulative: 1n }))).toBe(
      "bad-channel-id",
    );
    expect(reasonOf(() => encodeSvmVoucherMessage({ channelId, cumulative: -1n }))).toBe("cumulative-out-of-range");
    expect(reasonOf(() => encodeSvmVoucherMessage({ channelId, cumulative: 1n << 64n }))).toBe(
      "cumulative-out-of-range",
    );
    expect(reasonOf(() => encodeSvmVoucherMessage({ channelId, cumulative: 1n, expiresAt: 1n << 63n }))).toBe(
      "expires-at-out-of-range",
    );
    expect(reasonOf(() => decodeSvmVoucherMessage(new Uint8Array(49)))).toBe("bad-message-length");
    expect(reasonOf(() => decodeSvmVoucherMessage(new Uint8Array(50)))).toBe("bad-message-prefix");
    expect(reasonOf(() => deriveSvmChannelId({ ...terms, salt: new Uint8Array(31) }))).toBe("bad-salt");
    expect(reasonOf(() => deriveSvmChannelId({ ...terms, modelId: 1n << 64n }))).toBe("model-id-out-of-range");
    expect(reasonOf(() => verifySvmVoucher({ channelId, cumulative: 1n }, new Uint8Array(63), payer.publicKey))).toBe(
      "bad-signature-length",
    );
    expect(reasonOf(() => signSvmVoucher({ channelId, cumulative: 1n }, { secretKey: new Uint8Array(32) }))).toBe(
      "bad-secret-key",
    );
    expect(reasonOf(() => parseSvmPublicKey("not-a-key"))).toBe("bad-public-key");
    expect(parseSvmPublicKey(payer.publicKey.toBase58()).equals(payer.publicKey)).toBe(true);
  });

  it("keeps key material out of errors", () => {
    const secret = new Uint8Array(63).fill(7);
    try {
      signSvmVoucher({ channelId: new Uint8Array(32), cumulative: 1n }, { secretKey: secret });
    } catch (e) {
      expect(String(e)).not.toContain(Buffer.from(secret).toString("hex"));
    }
  });
});
