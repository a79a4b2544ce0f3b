const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

/**
 * Base58 (the Bitcoin alphabet Solana uses) for signatures and inner-instruction data, which web3.js v1 hands
 * over encoded. Written here so the package needs nothing beyond web3.js; inputs are at most a few hundred bytes.
 *
 * @example base58.decode(base58.encode(new Uint8Array([0, 97]))) // Uint8Array [0, 97]
 */
export const base58 = {
  encode(bytes: Uint8Array): string {
    let value = 0n;
    for (const b of bytes) value = (value << 8n) | BigInt(b);
    let out = "";
    while (value > 0n) {
      out = ALPHABET[Number(value % 58n)] + out;
      value /= 58n;
    }
    // Each leading zero byte is a leading "1".
    for (const b of bytes) {
      if (b !== 0) break;
      out = `1${out}`;
    }
    return out;
  },

  decode(text: string): Uint8Array {
    let value = 0n;
    for (const c of text) {
      const digit = INDEX.get(c);
      if (digit === undefined) throw new TypeError(`invalid base58 character ${JSON.stringify(c)}`);
      value = value * 58n + BigInt(digit);
    }
    const bytes: number[] = [];
    while (value > 0n) {
      bytes.push(Number(value & 0xffn));
      value >>= 8n;
    }
    for (const c of text) {
      if (c !== "1") break;
      bytes.push(0);
    }
    return Uint8Array.from(bytes.reverse());
  },
};
