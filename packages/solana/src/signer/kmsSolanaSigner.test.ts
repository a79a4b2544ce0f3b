import { CreateKeyCommand, GetPublicKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { type LocalKms, SolanaLocalRpc, startLocalKms } from "@slabridge/devnet";
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram, Transaction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  kmsSolanaSigner,
  kmsSolanaSignerOfKeyId,
  SolanaSignerError,
  signSolanaTransaction,
  solanaSignerOf,
} from "./kmsSolanaSigner.ts";

let kms: LocalKms;
let client: KMSClient;
let keyId: string;
let publicKey: string;

beforeAll(async () => {
  kms = await startLocalKms();
  client = new KMSClient({
    region: "us-east-1",
    endpoint: kms.endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const created = await client.send(
    new CreateKeyCommand({ KeySpec: "ECC_NIST_EDWARDS25519", KeyUsage: "SIGN_VERIFY" }),
  );
  keyId = created.KeyMetadata?.KeyId as string;
  const got = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
  // The last 32 bytes of the Ed25519 SPKI are the key.
  publicKey = new PublicKey((got.PublicKey as Uint8Array).subarray(12)).toBase58();
});
afterAll(async () => {
  client?.destroy();
  await kms?.stop();
});

describe("kmsSolanaSigner", () => {
  it("signs a transfer (enough for a rent-exempt payee) whose signatures web3.js verifies, and the local RPC lands it", async () => {
    const rpc = await SolanaLocalRpc.start();
    try {
      const connection = new Connection(rpc.url, "confirmed");
      const signer = solanaSignerOf({ kind: "kms", keyId, publicKey }, { kms: client });
      const payee = Keypair.generate().publicKey;
      const airdrop = await connection.requestAirdrop(signer.publicKey, LAMPORTS_PER_SOL);
      await connection.confirmTransaction({ signature: airdrop, ...(await connection.getLatestBlockhash()) });

      const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash();
      const tx = new Transaction({ feePayer: signer.publicKey, blockhash, lastValidBlockHeight }).add(
        SystemProgram.transfer({ fromPubkey: signer.publicKey, toPubkey: payee, lamports: 1_000_000 }),
      );
      await signSolanaTransaction(tx, [signer]);
      expect(tx.verifySignatures()).toBe(true);

      const signature = await connection.sendRawTransaction(tx.serialize());
      await connection.confirmTransaction({ signature, blockhash, lastValidBlockHeight });
      expect(await connection.getBalance(payee)).toBe(1_000_000);
    } finally {
      await rpc.close();
    }
  });

  it("reads a key's public key by id or alias (an operator's --solana-kms-key), and refuses a key that is not Ed25519", async () => {
    const signer = await kmsSolanaSignerOfKeyId({ kms: client, keyId });
    expect(signer.publicKey.toBase58()).toBe(publicKey);
    const message = new Uint8Array([7, 7, 7]);
    expect((await signer.signMessage(message)).length).toBe(64);
    const secp = await client.send(new CreateKeyCommand({ KeySpec: "ECC_SECG_P256K1", KeyUsage: "SIGN_VERIFY" }));
    await expect(
      kmsSolanaSignerOfKeyId({ kms: client, keyId: secp.KeyMetadata?.KeyId as string }),
    ).rejects.toBeInstanceOf(SolanaSignerError);
    await expect(kmsSolanaSignerOfKeyId({ kms: client, keyId: "alias/none" })).rejects.toBeInstanceOf(
      SolanaSignerError,
    );
  });

  it("refuses a KMS key that is not the manifest's, and kinds with no Solana key", async () => {
    const other = Keypair.generate().publicKey.toBase58();
    const signer = kmsSolanaSigner({ kms: client, keyId, publicKey: other });
    await expect(signer.signMessage(new Uint8Array([1]))).rejects.toBeInstanceOf(SolanaSignerError);
    expect(() => solanaSignerOf({ kind: "kms", keyId, publicKey }, {})).toThrow(SolanaSignerError);
    const address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    expect(() => solanaSignerOf({ kind: "anvil-dev-account", index: 0, address }, { kms: client })).toThrow(
      SolanaSignerError,
    );
  });
});
