import { createPublicKey, verify } from "node:crypto";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  NotFoundException,
  SignCommand,
} from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalKms, startLocalKms } from "./startLocalKms.ts";

let kms: LocalKms;
let client: KMSClient;

beforeAll(async () => {
  kms = await startLocalKms();
  client = new KMSClient({
    region: "us-east-1",
    endpoint: kms.endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});
afterAll(async () => {
  client?.destroy();
  await kms?.stop();
});

describe("startLocalKms through the stock @aws-sdk/client-kms", () => {
  it("creates a secp256k1 key, describes it, aliases it and signs a digest node:crypto verifies", async () => {
    const created = await client.send(new CreateKeyCommand({ KeySpec: "ECC_SECG_P256K1", KeyUsage: "SIGN_VERIFY" }));
    const keyId = created.KeyMetadata?.KeyId as string;
    expect(created.KeyMetadata?.KeySpec).toBe("ECC_SECG_P256K1");
    expect(created.KeyMetadata?.CreationDate).toBeInstanceOf(Date);

    const described = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(described.KeyMetadata?.SigningAlgorithms).toEqual(["ECDSA_SHA_256"]);

    await client.send(new CreateAliasCommand({ AliasName: "alias/prober-0", TargetKeyId: keyId }));
    const aliases = await client.send(new ListAliasesCommand({}));
    expect(aliases.Aliases?.map((alias) => [alias.AliasName, alias.TargetKeyId])).toEqual([["alias/prober-0", keyId]]);

    const got = await client.send(new GetPublicKeyCommand({ KeyId: "alias/prober-0" }));
    expect(got.PublicKey).toBeInstanceOf(Uint8Array);
    // The SPKI DER parses as an EC key on secp256k1.
    const publicKey = createPublicKey({ key: Buffer.from(got.PublicKey as Uint8Array), format: "der", type: "spki" });
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe("secp256k1");

    const message = new TextEncoder().encode("slabridge");
    const signed = await client.send(
      new SignCommand({ KeyId: keyId, Message: message, MessageType: "RAW", SigningAlgorithm: "ECDSA_SHA_256" }),
    );
    expect(verify("sha256", message, publicKey, Buffer.from(signed.Signature as Uint8Array))).toBe(true);
  });

  it("creates an Ed25519 key whose RAW signatures node:crypto verifies", async () => {
    const created = await client.send(
      new CreateKeyCommand({ KeySpec: "ECC_NIST_EDWARDS25519", KeyUsage: "SIGN_VERIFY" }),
    );
    const keyId = created.KeyMetadata?.KeyId as string;
    const got = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
    const publicKey = createPublicKey({ key: Buffer.from(got.PublicKey as Uint8Array), format: "der", type: "spki" });
    expect(publicKey.asymmetricKeyType).toBe("ed25519");
    const message = new TextEncoder().encode("a Solana message");
    const signed = await client.send(
      new SignCommand({ KeyId: keyId, Message: message, MessageType: "RAW", SigningAlgorithm: "ED25519_SHA_512" }),
    );
    expect(signed.Signature).toHaveLength(64);
    expect(verify(null, message, publicKey, Buffer.from(signed.Signature as Uint8Array))).toBe(true);
  });

  it("answers an unknown key with NotFoundException and a bad request with ValidationException", async () => {
    await expect(client.send(new GetPublicKeyCommand({ KeyId: "alias/nobody" }))).rejects.toBeInstanceOf(
      NotFoundException,
    );
    // KMS has no modeled ValidationException: the client names the error from the body's __type.
    await expect(client.send(new CreateKeyCommand({ KeySpec: "RSA_2048" }))).rejects.toMatchObject({
      name: "ValidationException",
      $metadata: { httpStatusCode: 400 },
    });
  });
});
