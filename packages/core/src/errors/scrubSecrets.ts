/** Replacement text for every redacted secret. */
export const REDACTED = "***";

const SECRET_NAME =
  "[A-Za-z0-9_.-]*?(?:key|token|secret|auth|authorization|password|passwd|pwd|signature|sig|credentials?|session|jwt)";
/** `name=value` pairs (URL query, form body, env-style text) whose name says "secret". */
const SECRET_PAIR = new RegExp(`(^|[?&;\\s"'(,])(${SECRET_NAME})=([^&#;\\s"'<>)]+)`, "gi");
/** URLs with a scheme: `https://…`, `wss://…`, `postgres://…`. */
const URL_WITH_SCHEME = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
/** Scheme-less `host.tld/path…` (e.g. `eth-mainnet.g.alchemy.com/v2/<key>`). */
const HOST_PATH = /\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?\/[^\s"'<>`]+/gi;
/** HTTP `Authorization: Bearer|Basic <credential>` and friends. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/g;
/** 0x + exactly 64 hex digits: a secp256k1 / ed25519 private key looks like this (so do tx hashes — see doc). */
const HEX_32_BYTES = /(?<![0-9a-zA-Z])0x[0-9a-fA-F]{64}(?![0-9a-zA-Z])/g;
/** Candidate base58 words long enough to hold 64 bytes (a Solana keypair's secret key is 87–88 characters). */
const BASE58_WORD = /(?<![0-9A-Za-z])[1-9A-HJ-NP-Za-km-z]{80,90}(?![0-9A-Za-z])/g;
/** A JSON byte array of exactly 64 numbers 0–255: the Solana CLI keypair file format. */
const BYTE_ARRAY = /\[\s*(?:\d{1,3}\s*,\s*){63}\d{1,3}\s*\]/g;
/** A path segment that looks like an API key: 32+ key characters that are not a plain lowercase slug or an address. */
const KEY_LIKE_SEGMENT = /^[A-Za-z0-9_-]{32,}$/;
const SLUG = /^[a-z]+(?:-[a-z]+)*$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

const BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** Number of bytes a base58 string decodes to (leading `1`s are zero bytes). */
function base58ByteLength(word: string): number {
  let value = 0n;
  for (const char of word) value = value * 58n + BigInt(BASE58_ALPHABET.indexOf(char));
  let zeros = 0;
  while (zeros < word.length && word[zeros] === "1") zeros++;
  let bytes = 0;
  while (value > 0n) {
    value >>= 8n;
    bytes++;
  }
  return zeros + bytes;
}

function scrubPath(path: string): string {
  return path
    .split("/")
    .map((segment) =>
      KEY_LIKE_SEGMENT.test(segment) && !SLUG.test(segment) && !ADDRESS.test(segment) ? REDACTED : segment,
    )
    .join("/");
}

/** Scrubs one URL: userinfo, key-like path segments (the query is handled by the `name=value` rule). */
function scrubUrl(url: string, hasScheme: boolean): string {
  let rest = url;
  let prefix = "";
  if (hasScheme) {
    const schemeEnd = url.indexOf("://") + 3;
    prefix = url.slice(0, schemeEnd);
    rest = url.slice(schemeEnd);
    // Userinfo runs to the last "@" of the authority (a password may contain an unescaped "@").
    const authorityEnd = rest.search(/[/?#]/);
    const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
    const at = authority.lastIndexOf("@");
    if (at !== -1) rest = `${REDACTED}@${rest.slice(at + 1)}`;
  }
  const pathStart = rest.indexOf("/");
  if (pathStart === -1) return prefix + rest;
  const pathEnd = rest.slice(pathStart).search(/[?#]/);
  const end = pathEnd === -1 ? rest.length : pathStart + pathEnd;
  return prefix + rest.slice(0, pathStart) + scrubPath(rest.slice(pathStart, end)) + rest.slice(end);
}

/**
 * Removes credentials and private keys from free text before it reaches a log line or an error message.
 *
 * Redacts (with `***`):
 * - URL userinfo (`https://user:pass@host` → `https://***@host`);
 * - values of `name=value` pairs whose name ends in key, token, secret, auth, password, signature, credential,
 *   session… (`?apikey=…`, `&access_token=…`, `X-Amz-Signature=…`, `PRIVATE_KEY=…`);
 * - URL path segments that look like API keys (32+ `[A-Za-z0-9_-]` characters, e.g. Alchemy `/v2/<key>`, Infura
 *   `/v3/<key>`), with or without a scheme;
 * - `Bearer …` / `Basic …` credentials;
 * - `0x` + 64 hex digits (a private key; a tx hash or other bytes32 looks the same and is redacted too — put those
 *   in structured error fields, not in the message);
 * - base58 words that decode to 64 bytes (a Solana secret key; Solana signatures look the same) and JSON arrays of
 *   64 bytes (a Solana keypair file).
 *
 * @example
 * ```ts
 * scrubSecrets("POST https://eth-mainnet.g.alchemy.com/v2/Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K failed");
 * // => "POST https://eth-mainnet.g.alchemy.com/v2/*** failed"
 * ```
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(URL_WITH_SCHEME, (url) => scrubUrl(url, true))
    .replace(HOST_PATH, (url) => scrubUrl(url, false))
    .replace(SECRET_PAIR, (_match, lead: string, name: string) => `${lead}${name}=${REDACTED}`)
    .replace(AUTH_SCHEME, (_match, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(HEX_32_BYTES, `0x${REDACTED}`)
    .replace(BASE58_WORD, (word) => (base58ByteLength(word) === 64 ? REDACTED : word))
    .replace(BYTE_ARRAY, (array) =>
      array
        .slice(1, -1)
        .split(",")
        .every((n) => Number(n) <= 255)
        ? `[${REDACTED}]`
        : array,
    );
}
