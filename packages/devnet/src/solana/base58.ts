const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const INDEX = new Map<string, bigint>([...ALPHABET].map((c, i) => [c, BigInt(i)]));

/**
 * Base58 (Bitcoin alphabet), the encoding Solana uses for signatures, keys and instruction data.
 * Own implementation so the package does not lean on an undeclared transitive `bs58`.
 *
 * @example base58.encode(new Uint8Array([0, 1])) // "12"
 */
export const base58 = {
  encode(bytes: Uint8Array): string {
    let zeros = 0;
    while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
    let n = 0n;
    for (const b of bytes) n = (n << 8n) | BigInt(b);
    let out = "";
    while (n > 0n) {
      out = ALPHABET[Number(n % 58n)] + out;
      n /= 58n;
    }
    return "1".repeat(zeros) + out;
  },

  /** Throws on characters outside the alphabet. */
  decode(text: string): Uint8Array {
    let zeros = 0;
    while (zeros < text.length && text[zeros] === "1") zeros++;
    let n = 0n;
    for (const c of text) {
      const v = INDEX.get(c);
      if (v === undefined) throw new Error(`invalid base58 character ${JSON.stringify(c)}`);
      n = n * 58n + v;
    }
    const body: number[] = [];
    while (n > 0n) {
      body.push(Number(n & 0xffn));
      n >>= 8n;
    }
    const out = new Uint8Array(zeros + body.length);
    for (let i = 0; i < body.length; i++) out[out.length - 1 - i] = body[i] ?? 0;
    return out;
  },
};
