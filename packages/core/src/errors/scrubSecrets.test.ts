import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scrubSecrets } from "./scrubSecrets.ts";

const ALCHEMY_KEY = "Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K";
const INFURA_KEY = "9aa3d95b3bc440fa88ea12eaa4456161";
const PRIVATE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
// A Solana keypair's 64-byte secret key (base58) and the same bytes as a keypair file.
const SOLANA_SECRET_BYTES = Array.from({ length: 64 }, (_, i) => (i * 37 + 11) % 256);
const SOLANA_SECRET = base58(Uint8Array.from(SOLANA_SECRET_BYTES));

describe("scrubSecrets", () => {
  const cases: [string, string, string][] = [
    [
      "Alchemy key in the path",
      `request to https://eth-mainnet.g.alchemy.com/v2/${ALCHEMY_KEY} failed`,
      "request to https://eth-mainnet.g.alchemy.com/v2/*** failed",
    ],
    [
      "Infura key in the path, websocket",
      `wss://mainnet.infura.io/ws/v3/${INFURA_KEY}`,
      "wss://mainnet.infura.io/ws/v3/***",
    ],
    [
      "key in the path without a scheme",
      `POST base-mainnet.g.alchemy.com/v2/${ALCHEMY_KEY}/ 429`,
      "POST base-mainnet.g.alchemy.com/v2/***/ 429",
    ],
    ["user:pass", "https://alice:s3cr3t@rpc.example.com:8545/", "https://***@rpc.example.com:8545/"],
    ["password with an unescaped @", "https://alice:p@ss@rpc.example.com/x", "https://***@rpc.example.com/x"],
    ["token as user", "https://ghp_abcdef123456@github.com/o/r.git", "https://***@github.com/o/r.git"],
    [
      "api-key query param (Helius)",
      "https://mainnet.helius-rpc.com/?api-key=6b7c1a2e-0000-4a4a-9f9f-123456789abc",
      "https://mainnet.helius-rpc.com/?api-key=***",
    ],
    [
      "several query params, keeps the harmless ones",
      "https://x.io/rpc?chain=1&apikey=AAA&token=BBB&secret=CCC&auth=DDD&access_token=EEE&page=2#frag",
      "https://x.io/rpc?chain=1&apikey=***&token=***&secret=***&auth=***&access_token=***&page=2#frag",
    ],
    ["case-insensitive names", "https://x.io/?ApiKey=abc&KEY=def", "https://x.io/?ApiKey=***&KEY=***"],
    [
      "S3 presigned URL",
      "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F2024&X-Amz-Signature=deadbeef&X-Amz-Expires=60",
      "https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Expires=60",
    ],
    [
      "env-style assignment",
      "PRIVATE_KEY=abc123 RPC_URL=http://localhost:8545",
      "PRIVATE_KEY=*** RPC_URL=http://localhost:8545",
    ],
    ["bearer token", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "Authorization: Bearer ***"],
    ["0x private key", `signer ${PRIVATE_KEY} rejected`, "signer 0x*** rejected"],
    ["0x private key in JSON", `{"pk":"${PRIVATE_KEY}"}`, '{"pk":"0x***"}'],
    ["uppercase hex private key", `key=${PRIVATE_KEY.toUpperCase().replace("0X", "0x")}`, "key=***"],
    ["base58 64-byte secret key", `secret ${SOLANA_SECRET} leaked`, "secret *** leaked"],
    ["Solana keypair file bytes", `keypair [${SOLANA_SECRET_BYTES.join(",")}]`, "keypair [***]"],
    ["keypair bytes with spaces", `[${SOLANA_SECRET_BYTES.join(", ")}]`, "[***]"],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });

  const untouched: [string, string][] = [
    ["an EVM address", "payee 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 not allowed"],
    ["an address in an explorer path", "https://etherscan.io/address/0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
    ["0x + 63 hex digits", `0x${"a".repeat(63)}`],
    ["0x + 65 hex digits", `0x${"a".repeat(65)}`],
    ["calldata longer than 32 bytes", `0x0103${"00".repeat(64)}`],
    ["a Solana public key (32 bytes)", "payee 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"],
    ["a long readable slug", "https://docs.example.com/guides/how-to-configure-the-settlement-relayer-service"],
    ["plain localhost RPC", "http://127.0.0.1:8545"],
    ["harmless query", "https://x.io/?chain=1&page=2"],
    ["a 64-number array of larger numbers", `[${Array.from({ length: 64 }, () => 1000).join(",")}]`],
    ["a 63-byte array", `[${Array.from({ length: 63 }, () => 1).join(",")}]`],
    ["numbers and words", "epoch 472222 of model 42 refunded 2500 bps"],
  ];
  it.each(untouched)("leaves %s alone", (_name, input) => {
    expect(scrubSecrets(input)).toBe(input);
  });

  it("is idempotent and never leaves a random private key behind (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        (bytes, before, after) => {
          const key = `0x${Buffer.from(bytes).toString("hex")}`;
          const once = scrubSecrets(`${before} ${key} ${after}`);
          expect(once).not.toContain(key.slice(2));
          expect(scrubSecrets(once)).toBe(once);
        },
      ),
    );
  });

  it("never leaves a random 64-byte base58 secret behind (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        const secret = base58(bytes);
        expect(scrubSecrets(`keypair: ${secret}.`)).toBe("keypair: ***.");
      }),
    );
  });
});

function base58(bytes: Uint8Array): string {
  const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  let value = BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`);
  let out = "";
  while (value > 0n) {
    out = alphabet[Number(value % 58n)] + out;
    value /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    out = `1${out}`;
  }
  return out;
}
