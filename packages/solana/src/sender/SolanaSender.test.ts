import { BLOCKHASH_VALID_SLOTS, createDevnetKmsSolanaKeys, localKmsClient, startLocalKms } from "@slabridge/devnet";
import { createTransferCheckedInstruction } from "@solana/spl-token";
import {
  ComputeBudgetProgram,
  Connection,
  Keypair,
  type RpcResponseAndContext,
  type SendOptions,
  type SignatureStatus,
  type SignatureStatusConfig,
  SystemProgram,
  type TransactionSignature,
  VersionedTransaction,
} from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base58 } from "../base58.ts";
import { ConfirmationTimeoutError } from "../errors/ConfirmationTimeoutError.ts";
import { TransactionFailedError } from "../errors/TransactionFailedError.ts";
import { kmsSolanaSigner } from "../signer/kmsSolanaSigner.ts";
import { type SolanaTestWorld, startSolanaTestWorld } from "../testing/solanaTestWorld.ts";
import { SolanaSender, type SolanaSenderOptions } from "./SolanaSender.ts";

type Raw = Buffer | Uint8Array | number[];
const signatureOf = (raw: Raw) =>
  base58.encode(VersionedTransaction.deserialize(Uint8Array.from(raw)).signatures[0] ?? new Uint8Array(64));

/** A Connection whose sendRawTransaction the test scripts, counting real broadcasts. */
class ScriptedConnection extends Connection {
  broadcasts = 0;
  constructor(
    url: string,
    private readonly script: (raw: Raw, send: () => Promise<TransactionSignature>, call: number) => Promise<string>,
  ) {
    super(url, "confirmed");
  }
  private calls = 0;
  override async sendRawTransaction(raw: Raw, options?: SendOptions): Promise<TransactionSignature> {
    this.calls++;
    return this.script(
      raw,
      () => {
        this.broadcasts++;
        return super.sendRawTransaction(raw, options);
      },
      this.calls,
    );
  }
}

describe("SolanaSender", () => {
  let world: SolanaTestWorld;
  const expireBlockhashes = () => {
    for (let i = 0; i <= BLOCKHASH_VALID_SLOTS + 1; i++) world.rpc.ledger.advanceSlot();
  };
  const senderOn = (connection: Connection, overrides: Partial<SolanaSenderOptions> = {}) =>
    new SolanaSender({
      connection,
      payer: world.feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2.5, max: 2_000 },
      confirmTimeoutMs: 10_000,
      pollIntervalMs: 10,
      ...overrides,
    });
  const lamportsTo = (to: Keypair, lamports: number) => [
    SystemProgram.transfer({ fromPubkey: world.feePayer.publicKey, toPubkey: to.publicKey, lamports }),
  ];
  const priorityFeeOf = async (signature: string) => {
    const tx = await world.connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
    const keys = tx?.transaction.message.staticAccountKeys ?? [];
    const ix = tx?.transaction.message.compiledInstructions.find((i) =>
      keys[i.programIdIndex]?.equals(ComputeBudgetProgram.programId),
    );
    return ix === undefined ? undefined : Buffer.from(ix.data).readBigUInt64LE(1);
  };

  beforeAll(async () => {
    world = await startSolanaTestWorld(1);
  });
  afterAll(() => world.close());

  it("sends with a priority fee and reports the signature before broadcasting it", async () => {
    const to = Keypair.generate();
    const seenBefore: Array<unknown> = [];
    const result = await senderOn(world.connection).send(lamportsTo(to, 1_000_000), [], {
      onSubmitted: async (signature) => {
        seenBefore.push((await world.connection.getSignatureStatus(signature)).value);
      },
    });
    expect(seenBefore).toEqual([null]);
    expect(result).toMatchObject({ attempts: 1, priorityFeeMicroLamports: 1_000 });
    expect(await priorityFeeOf(result.signature)).toBe(1_000n);
    expect(await world.connection.getBalance(to.publicKey)).toBe(1_000_000);
  });

  it("signs through KMS keys (the vault operators' way in AWS): a KMS fee payer, and a KMS co-signer beside a local payer", async () => {
    const kms = await startLocalKms();
    const client = localKmsClient(kms.endpoint);
    try {
      const [payerKey, ownerKey] = await createDevnetKmsSolanaKeys(client, ["sender-test-payer", "sender-test-owner"]);
      if (!payerKey || !ownerKey) throw new Error("no KMS keys");
      const kmsPayer = kmsSolanaSigner({ kms: client, ...payerKey.ref });
      const kmsOwner = kmsSolanaSigner({ kms: client, ...ownerKey.ref });
      const fund = (to: { publicKey: Keypair["publicKey"] }, lamports: number) => [
        SystemProgram.transfer({ fromPubkey: world.feePayer.publicKey, toPubkey: to.publicKey, lamports }),
      ];
      await senderOn(world.connection).send([...fund(kmsPayer, 50_000_000), ...fund(kmsOwner, 5_000_000)]);

      // The fee payer's key is in KMS: every signature of the transaction comes from KMS.
      const to = Keypair.generate();
      await senderOn(world.connection, { payer: kmsPayer }).send([
        SystemProgram.transfer({ fromPubkey: kmsPayer.publicKey, toPubkey: to.publicKey, lamports: 1_000_000 }),
      ]);
      // A local fee payer and a KMS co-signer (an operator of the vault multisig, paid for by another key).
      await senderOn(world.connection).send(
        [SystemProgram.transfer({ fromPubkey: kmsOwner.publicKey, toPubkey: to.publicKey, lamports: 2_000_000 })],
        [kmsOwner],
      );
      expect(await world.connection.getBalance(to.publicKey)).toBe(3_000_000);
    } finally {
      client.destroy();
      await kms.stop();
    }
  });

  it("rebuilds a transaction whose blockhash expired unseen, with a bumped (capped) fee", async () => {
    const to = Keypair.generate();
    // The first broadcast is lost (the leader never got it) and then the blockhash expires.
    const connection = new ScriptedConnection(world.rpc.url, async (raw, send, call) => {
      if (call > 1) return send();
      expireBlockhashes();
      return signatureOf(raw);
    });
    const submitted: string[] = [];
    const result = await senderOn(connection).send(lamportsTo(to, 1_000_000), [], {
      onSubmitted: (s) => {
        submitted.push(s);
      },
    });
    expect(result.attempts).toBe(2);
    expect(submitted).toHaveLength(2);
    expect(result.signature).toBe(submitted[1]);
    // 1,000 * 2.5 = 2,500, capped at max 2,000.
    expect(result.priorityFeeMicroLamports).toBe(2_000);
    expect(await priorityFeeOf(result.signature)).toBe(2_000n);
    expect((await world.connection.getSignatureStatus(submitted[0] ?? "")).value).toBeNull();
    expect(connection.broadcasts).toBe(1);
    expect(await world.connection.getBalance(to.publicKey)).toBe(1_000_000);
  });

  it("returns a signature that landed unnoticed instead of sending a second transfer", async () => {
    const to = Keypair.generate();
    // The RPC's recent-status cache lost the transaction; only a full-history lookup finds it.
    class LaggingConnection extends ScriptedConnection {
      override async getSignatureStatuses(
        signatures: TransactionSignature[],
        config?: SignatureStatusConfig,
      ): Promise<RpcResponseAndContext<(SignatureStatus | null)[]>> {
        const real = await super.getSignatureStatuses(signatures, config);
        return config?.searchTransactionHistory ? real : { ...real, value: signatures.map(() => null) };
      }
    }
    const connection = new LaggingConnection(world.rpc.url, async (_raw, send) => {
      const signature = await send();
      expireBlockhashes();
      return signature;
    });
    const result = await senderOn(connection).send(lamportsTo(to, 2_000_000));
    expect(result.attempts).toBe(1);
    expect(connection.broadcasts).toBe(1);
    expect(await world.connection.getBalance(to.publicKey)).toBe(2_000_000);
  });

  it("treats 'already processed' and a lost response as sent, not as a reason to resend", async () => {
    const to = Keypair.generate();
    // Broadcast twice (a retrying proxy): the second is refused as already processed.
    const twice = new ScriptedConnection(world.rpc.url, async (_raw, send) => {
      await send();
      return send();
    });
    const first = await senderOn(twice).send(lamportsTo(to, 3_000_000));
    expect(first.attempts).toBe(1);
    expect(twice.broadcasts).toBe(2);
    // The broadcast reached the cluster but the response was lost.
    const lost = new ScriptedConnection(world.rpc.url, async (_raw, send) => {
      await send();
      throw new Error("socket hang up");
    });
    const second = await senderOn(lost).send(lamportsTo(to, 4_000_000));
    expect(second.attempts).toBe(1);
    expect(await world.connection.getBalance(to.publicKey)).toBe(7_000_000);
  });

  it("throws TransactionFailedError with logs and the instruction error for a failure on chain", async () => {
    const buyer = world.fx.buyers[0];
    if (buyer === undefined) throw new Error("no buyer");
    const overdraw = createTransferCheckedInstruction(
      buyer.tokenAccount,
      world.fx.mint,
      world.fx.vault,
      buyer.keypair.publicKey,
      10n ** 18n,
      world.fx.decimals,
    );
    // Skip preflight so the failure lands and is read back from the status and the transaction.
    const connection = new ScriptedConnection(world.rpc.url, async (raw) => {
      return world.connection.sendRawTransaction(Uint8Array.from(raw), { skipPreflight: true });
    });
    const error = await senderOn(connection)
      .send([overdraw], [buyer.keypair])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionFailedError);
    const failed = error as TransactionFailedError;
    expect(failed.retryable).toBe(false);
    expect(failed.signature).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
    expect(failed.instructionError).toEqual({ InstructionError: [1, { Custom: 1 }] });
    expect(failed.logs).toContain("Program log: Error: insufficient funds");

    // Preflight refuses the same transaction before anything lands.
    const preflight = await senderOn(world.connection)
      .send([overdraw], [buyer.keypair])
      .catch((e: unknown) => e);
    expect(preflight).toMatchObject({ name: "TransactionFailedError", signature: undefined });
    expect(String((preflight as TransactionFailedError).instructionError)).toContain("custom program error: 0x1");
  });

  it("gives up after confirmTimeoutMs with a retryable error naming what it submitted", async () => {
    const blackhole = new ScriptedConnection(world.rpc.url, async (raw) => signatureOf(raw));
    const error = await senderOn(blackhole, { confirmTimeoutMs: 200 })
      .send(lamportsTo(Keypair.generate(), 1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfirmationTimeoutError);
    expect((error as ConfirmationTimeoutError).retryable).toBe(true);
    expect((error as ConfirmationTimeoutError).signatures).toHaveLength(1);
    expect(blackhole.broadcasts).toBe(0);
  });
});
