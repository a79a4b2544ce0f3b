import { CreateKeyCommand, GetPublicKeyCommand, KMSClient, SignCommand } from "@aws-sdk/client-kms";
import { secp256k1 } from "@noble/curves/secp256k1";
import { type LocalKms, startAnvil, startLocalKms } from "@slabridge/devnet";
import {
  bytesToHex,
  createPublicClient,
  createTestClient,
  type Hex,
  http,
  keccak256,
  parseTransaction,
  recoverAddress,
  recoverTransactionAddress,
  toBytes,
  verifyMessage,
  verifyTypedData,
} from "viem";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evmSignerOf } from "./evmSignerOf.ts";
import { KmsSignerError, kmsEvmAccount } from "./kmsEvmAccount.ts";
import { KmsResponseError, parseDerSignature, secp256k1PointOfSpki } from "./parseDerSignature.ts";

let kms: LocalKms;
let client: KMSClient;
let keyId: string;
let publicKey: Hex;

const N = secp256k1.CURVE.n;

beforeAll(async () => {
  kms = await startLocalKms();
  client = new KMSClient({
    region: "us-east-1",
    endpoint: kms.endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const created = await client.send(new CreateKeyCommand({ KeySpec: "ECC_SECG_P256K1", KeyUsage: "SIGN_VERIFY" }));
  keyId = created.KeyMetadata?.KeyId as string;
  const got = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  publicKey = bytesToHex(secp256k1PointOfSpki(got.PublicKey as Uint8Array));
});
afterAll(async () => {
  client?.destroy();
  await kms?.stop();
});

/** A KMS client whose Sign answers are rewritten by `rewrite` (the rest passes through). */
function rewritingClient(rewrite: (der: Uint8Array) => Uint8Array): KMSClient {
  return {
    send: async (command: unknown) => {
      const out = await client.send(command as never);
      if (command instanceof SignCommand) {
        const signed = out as { Signature?: Uint8Array };
        return { ...signed, Signature: rewrite(signed.Signature as Uint8Array) };
      }
      return out;
    },
  } as unknown as KMSClient;
}

function der(r: bigint, s: bigint): Uint8Array {
  const int = (value: bigint) => {
    let hex = value.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
    return `02${(hex.length / 2).toString(16).padStart(2, "0")}${hex}`;
  };
  const body = int(r) + int(s);
  return Uint8Array.from(Buffer.from(`30${(body.length / 2).toString(16).padStart(2, "0")}${body}`, "hex"));
}

describe("kmsEvmAccount", () => {
  it("signs digests, messages and typed data that recover to its address", async () => {
    const account = kmsEvmAccount({ kms: client, keyId, publicKey });
    for (let i = 0; i < 8; i += 1) {
      // Several digests: the stand-in returns high s about half the time, so both branches run.
      const hash = keccak256(toBytes(`digest ${i}`));
      const signature = await account.sign?.({ hash });
      expect(await recoverAddress({ hash, signature: signature as Hex })).toBe(account.address);
    }
    const message = "slabridge";
    expect(
      await verifyMessage({ address: account.address, message, signature: await account.signMessage({ message }) }),
    ).toBe(true);
    const typed = {
      domain: { name: "SLA", version: "1", chainId: 31_337 },
      types: { Report: [{ name: "epoch", type: "uint256" }] },
      primaryType: "Report" as const,
      message: { epoch: 7n },
    };
    const signature = await account.signTypedData(typed);
    expect(await verifyTypedData({ ...typed, address: account.address, signature })).toBe(true);
  });

  it("signs transactions that parse and recover to its address", async () => {
    const account = kmsEvmAccount({ kms: client, keyId, publicKey });
    const raw = await account.signTransaction({
      chainId: 31_337,
      type: "eip1559",
      to: account.address,
      value: 1n,
      nonce: 3,
      gas: 21_000n,
      maxFeePerGas: 2_000_000_000n,
      maxPriorityFeePerGas: 1n,
    });
    expect(parseTransaction(raw)).toMatchObject({ chainId: 31_337, nonce: 3, value: 1n });
    expect(await recoverTransactionAddress({ serializedTransaction: raw as never })).toBe(account.address);
  });

  it("normalizes a high-s signature to low s", async () => {
    let sawHigh = 0;
    // Flip every s to the other half: a low s from KMS becomes high, so each signature arrives high at least half the time.
    const flipping = rewritingClient((signature) => {
      const { r, s } = parseDerSignature(signature);
      if (N - s > N / 2n) sawHigh += 1;
      return der(r, N - s);
    });
    const account = kmsEvmAccount({ kms: flipping, keyId, publicKey });
    for (let i = 0; i < 6; i += 1) {
      const hash = keccak256(toBytes(`flip ${i}`));
      const signature = (await account.sign?.({ hash })) as Hex;
      expect(BigInt(`0x${signature.slice(66, 130)}`) <= N / 2n).toBe(true);
      expect(await recoverAddress({ hash, signature })).toBe(account.address);
    }
    expect(sawHigh).toBeGreaterThan(0);
  });

  it("gives both recovery bits as the signatures need them (each one recovers to the address)", async () => {
    const account = kmsEvmAccount({ kms: client, keyId, publicKey });
    const parities = new Set<number>();
    for (let i = 0; i < 16; i += 1) {
      const hash = keccak256(toBytes(`parity ${i}`));
      const signature = (await account.sign?.({ hash })) as Hex;
      parities.add(Number.parseInt(signature.slice(130), 16) - 27);
      expect(await recoverAddress({ hash, signature })).toBe(account.address);
    }
    expect([...parities].sort()).toEqual([0, 1]);
  });

  it("refuses a KMS signature that is not over the digest by the key (KmsResponseError)", async () => {
    const tampered = rewritingClient((signature) => {
      const { r, s } = parseDerSignature(signature);
      return der(r, s === 1n ? 2n : s - 1n);
    });
    const account = kmsEvmAccount({ kms: tampered, keyId, publicKey });
    await expect(account.sign?.({ hash: keccak256(toBytes("tampered")) })).rejects.toBeInstanceOf(KmsResponseError);
    const zeroR = rewritingClient(() => der(N, 5n));
    await expect(
      kmsEvmAccount({ kms: zeroR, keyId, publicKey }).sign?.({ hash: keccak256(toBytes("r = n")) }),
    ).rejects.toBeInstanceOf(KmsResponseError);
  });

  it("refuses to sign with a KMS key that is not the manifest's key, naming no key material", async () => {
    const other = bytesToHex(secp256k1.getPublicKey(secp256k1.utils.randomPrivateKey(), false));
    const account = kmsEvmAccount({ kms: client, keyId, publicKey: other });
    await expect(account.signMessage({ message: "x" })).rejects.toBeInstanceOf(KmsSignerError);
    expect(() => kmsEvmAccount({ kms: client, keyId, publicKey: "0x02ab" })).toThrow(KmsSignerError);
  });

  it("sends a transaction from the KMS address that anvil mines", async () => {
    const anvil = await startAnvil({ chainId: 31_337 });
    try {
      const account = evmSignerOf({ kind: "kms", keyId, publicKey }, "test", { kms: client });
      if (typeof account === "string") throw new Error("expected a KMS account");
      const chain = { ...foundry, rpcUrls: { default: { http: [anvil.rpcUrl] } } };
      const test = createTestClient({ mode: "anvil", chain, transport: http(anvil.rpcUrl) });
      const pub = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
      await test.setBalance({ address: account.address, value: 10n ** 18n });
      const block = await pub.getBlock();
      const raw = await account.signTransaction({
        chainId: 31_337,
        type: "eip1559",
        to: "0x000000000000000000000000000000000000dEaD",
        value: 1234n,
        nonce: 0,
        gas: 21_000n,
        maxFeePerGas: (block.baseFeePerGas ?? 1n) * 2n + 1n,
        maxPriorityFeePerGas: 1n,
      });
      const hash = await pub.sendRawTransaction({ serializedTransaction: raw });
      const receipt = await pub.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      expect(receipt.status).toBe("success");
      expect(receipt.from.toLowerCase()).toBe(account.address.toLowerCase());
    } finally {
      await anvil.stop();
    }
  });
});

describe("evmSignerOf", () => {
  it("gives an anvil account's address and refuses a KMS key without a client", () => {
    const address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    expect(evmSignerOf({ kind: "anvil-dev-account", index: 0, address }, "deployer", {})).toBe(address);
    expect(() =>
      evmSignerOf({ kind: "kms", keyId: "alias/x", publicKey: `0x04${"11".repeat(64)}` }, "dvn", {}),
    ).toThrow(/needs a KMS client/);
    expect(() => evmSignerOf({ kind: "devnet-key-file", path: "/x", publicKey: "y" }, "dvn", {})).toThrow(
      /do not sign EVM/,
    );
  });
});
