import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  createStablecoinMint,
  type LocalKms,
  SolanaLocalRpc,
  type StablecoinMint,
  startLocalKms,
} from "@slabridge/devnet";
import { kmsSolanaSignerOfKeyId, type SolanaSigner } from "@slabridge/solana";
import {
  createInitializeMultisigInstruction,
  MULTISIG_SIZE,
  TOKEN_PROGRAM_ID,
  unpackAccount,
  unpackMultisig,
} from "@solana/spl-token";
import { Connection, Keypair, LAMPORTS_PER_SOL, type PublicKey, SystemProgram, Transaction } from "@solana/web3.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DeployError } from "./DeployError.ts";
import { DeployState } from "./DeployState.ts";
import { deploySolanaVault, type SolanaVaultPlan, solanaVaultAccounts } from "./deploySolanaVault.ts";

const DEPLOYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

let rpc: SolanaLocalRpc;
let kms: LocalKms;
let kmsClient: KMSClient;
let connection: Connection;
let stablecoin: StablecoinMint;
let dir: string;
const operators = [Keypair.generate(), Keypair.generate(), Keypair.generate()].map((key) => key.publicKey);

beforeAll(async () => {
  [rpc, kms] = await Promise.all([SolanaLocalRpc.start(), startLocalKms()]);
  kmsClient = new KMSClient({
    region: "us-east-1",
    endpoint: kms.endpoint,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  connection = new Connection(rpc.url, "confirmed");
  stablecoin = createStablecoinMint(rpc, { buyers: [] });
  dir = mkdtempSync(path.join(tmpdir(), "slabridge-solana-vault-"));
});

afterAll(async () => {
  kmsClient?.destroy();
  await Promise.all([rpc?.close(), kms?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh Solana deployer: an Ed25519 key in the loopback KMS (as in AWS), funded for rent and fees. */
async function kmsDeployer(): Promise<SolanaSigner> {
  const created = await kmsClient.send(
    new CreateKeyCommand({ KeySpec: "ECC_NIST_EDWARDS25519", KeyUsage: "SIGN_VERIFY" }),
  );
  const signer = await kmsSolanaSignerOfKeyId({ kms: kmsClient, keyId: created.KeyMetadata?.KeyId ?? "" });
  rpc.airdrop(signer.publicKey, LAMPORTS_PER_SOL);
  return signer;
}

const plan = (overrides: Partial<SolanaVaultPlan> = {}): SolanaVaultPlan => ({
  name: "solana",
  chainId: 1_399_811_169,
  mint: stablecoin.mint,
  operators,
  threshold: 2,
  ...overrides,
});

let statePath: string;
let n = 0;
beforeEach(() => {
  statePath = path.join(dir, `state-${n++}.json`);
});
const state = () => DeployState.open(statePath, { stage: "devnet", deployer: DEPLOYER });

async function transactionCount(): Promise<number> {
  return await connection.getTransactionCount("confirmed");
}

function signersOf(multisig: ReturnType<typeof unpackMultisig>): string[] {
  return [multisig.signer1, multisig.signer2, multisig.signer3, multisig.signer4]
    .slice(0, multisig.n)
    .map((key) => key.toBase58());
}

describe("deploySolanaVault", () => {
  it("creates the operators' 2-of-3 multisig and the vault token account, paid by a KMS key; a re-run sends nothing", async () => {
    const payer = await kmsDeployer();
    const before = await transactionCount();
    const lines: string[] = [];
    const first = await deploySolanaVault({
      plan: plan(),
      connection,
      payer,
      state: state(),
      pollIntervalMs: 10,
      onProgress: (line) => lines.push(line),
    });
    expect(first.sent).toBe(2);
    expect(await transactionCount()).toBe(before + 2);
    expect(first.steps.map((step) => step.status)).toEqual(["done", "done"]);
    const accounts = first.accounts;
    if (!accounts) throw new Error("no accounts");
    expect(accounts).toEqual(await solanaVaultAccounts(payer.publicKey, "solana"));

    const multisig = unpackMultisig(
      accounts.multisig,
      await connection.getAccountInfo(accounts.multisig),
      TOKEN_PROGRAM_ID,
    );
    expect(multisig.m).toBe(2);
    expect(multisig.n).toBe(3);
    expect(signersOf(multisig).sort()).toEqual(operators.map((key) => key.toBase58()).sort());
    const vault = unpackAccount(accounts.vault, await connection.getAccountInfo(accounts.vault), TOKEN_PROGRAM_ID);
    expect(vault.mint.equals(stablecoin.mint)).toBe(true);
    expect(vault.owner.equals(accounts.multisig)).toBe(true);
    expect(lines[0]).toMatch(
      /^\[1\/2\] solana: create the vault's 2-of-3 SPL multisig of the operators \.\.\. \w+ \(tx \w+\)$/,
    );

    const again = await deploySolanaVault({ plan: plan(), connection, payer, state: state(), pollIntervalMs: 10 });
    expect(again.sent).toBe(0);
    expect(again.accounts).toEqual(accounts);
    expect(await transactionCount()).toBe(before + 2);

    // Without the key, the state's Solana deployer still names the accounts: a check, nothing to send.
    const keyless = await deploySolanaVault({ plan: plan(), connection, state: state() });
    expect(keyless.sent).toBe(0);
    const dry = await deploySolanaVault({ plan: plan(), connection, state: state(), dryRun: true });
    expect(dry.steps.map((step) => step.status)).toEqual(["done", "done"]);
    expect(await transactionCount()).toBe(before + 2);
  });

  it("refuses an existing multisig with other signers or another threshold, sending nothing", async () => {
    const payer = await kmsDeployer();
    const { multisig } = await solanaVaultAccounts(payer.publicKey, "solana");
    // Someone made the multisig's address a 2-of-3 of other keys (same seed, same deployer).
    const strangers = [Keypair.generate().publicKey, Keypair.generate().publicKey, operators[0] as PublicKey];
    const tx = new Transaction().add(
      SystemProgram.createAccountWithSeed({
        fromPubkey: payer.publicKey,
        newAccountPubkey: multisig,
        basePubkey: payer.publicKey,
        seed: "slabridge-solana-multisig",
        lamports: await connection.getMinimumBalanceForRentExemption(MULTISIG_SIZE),
        space: MULTISIG_SIZE,
        programId: TOKEN_PROGRAM_ID,
      }),
      createInitializeMultisigInstruction(multisig, strangers, 2, TOKEN_PROGRAM_ID),
    );
    const { blockhash } = await connection.getLatestBlockhash();
    tx.recentBlockhash = blockhash;
    tx.feePayer = payer.publicKey;
    tx.addSignature(payer.publicKey, Buffer.from(await payer.signMessage(tx.serializeMessage())));
    await connection.confirmTransaction(await connection.sendRawTransaction(tx.serialize()), "confirmed");
    const before = await transactionCount();

    const error = await deploySolanaVault({ plan: plan(), connection, payer, state: state() }).catch((e) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect(error.code).toBe("solana-account-mismatch");
    expect(error.message).toContain("2-of-3");
    const threshold = await deploySolanaVault({
      plan: plan({ operators: strangers, threshold: 3 }),
      connection,
      payer,
      state: state(),
    }).catch((e) => e);
    expect(threshold.code).toBe("solana-account-mismatch");
    expect(await transactionCount()).toBe(before);
    // The dry run says so too, rather than printing the step done or pending.
    const dry = await deploySolanaVault({ plan: plan(), connection, state: state(), dryRun: true, payer }).catch(
      (e) => e,
    );
    expect(dry.code).toBe("solana-account-mismatch");
  });

  it("refuses an existing vault token account of another mint", async () => {
    const payer = await kmsDeployer();
    await deploySolanaVault({ plan: plan(), connection, payer, state: state(), pollIntervalMs: 10 });
    const other = createStablecoinMint(rpc, { buyers: [] });
    const error = await deploySolanaVault({
      plan: plan({ mint: other.mint }),
      connection,
      payer,
      state: state(),
    }).catch((e) => e);
    expect(error.code).toBe("solana-account-mismatch");
    expect(error.message).toContain(other.mint.toBase58());
  });

  it("refuses a bad multisig before anything is sent, and a state that names another Solana deployer", async () => {
    const payer = await kmsDeployer();
    const before = await transactionCount();
    for (const bad of [
      plan({ threshold: 4 }),
      plan({ threshold: 0 }),
      plan({ operators: [operators[0] as PublicKey, operators[0] as PublicKey] }),
      plan({ operators: Array.from({ length: 12 }, () => Keypair.generate().publicKey) }),
    ]) {
      const error = await deploySolanaVault({ plan: bad, connection, payer, state: state() }).catch((e) => e);
      expect(error).toBeInstanceOf(DeployError);
      expect(error.code).toBe("invalid-config");
    }
    const noOperators = await deploySolanaVault({
      plan: plan({ operators: [] }),
      connection,
      payer,
      state: state(),
    }).catch((e) => e);
    expect(noOperators.code).toBe("invalid-config");
    expect(await transactionCount()).toBe(before);

    await deploySolanaVault({ plan: plan(), connection, payer, state: state(), pollIntervalMs: 10 });
    const another = await kmsDeployer();
    const error = await deploySolanaVault({ plan: plan(), connection, payer: another, state: state() }).catch((e) => e);
    expect(error.code).toBe("invalid-state");
  });

  it("a dry run with no RPC and no key prints both steps unknown", async () => {
    const lines: string[] = [];
    const result = await deploySolanaVault({
      plan: plan(),
      state: state(),
      dryRun: true,
      onProgress: (line) => lines.push(line),
    });
    expect(result.accounts).toBeUndefined();
    expect(result.steps.map((step) => step.status)).toEqual(["unknown", "unknown"]);
    expect(lines).toEqual([
      "[1/2] solana: create the vault's 2-of-3 SPL multisig of the operators ... unknown",
      `[2/2] solana: create the vault token account for mint ${stablecoin.mint.toBase58()}, owned by the multisig ... unknown`,
    ]);
  });
});
