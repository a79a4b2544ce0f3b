import {
  ACCOUNT_SIZE,
  createInitializeAccount3Instruction,
  createInitializeMint2Instruction,
  createInitializeMultisigInstruction,
  createMintToInstruction,
  MINT_SIZE,
  MULTISIG_SIZE,
  TOKEN_PROGRAM_ID,
} from "@solana/spl-token";
import {
  Keypair,
  LAMPORTS_PER_SOL,
  type PublicKey,
  type Signer,
  SystemProgram,
  Transaction,
  type TransactionInstruction,
} from "@solana/web3.js";
import type { SolanaLocalRpc } from "./SolanaLocalRpc.ts";

/** Inputs of `createStablecoinFixture`. */
export interface StablecoinFixtureOptions {
  /** The N operator keys of the vault's M-of-N multisig authority (1..11). */
  operators: readonly PublicKey[];
  /** M: signatures the multisig requires. */
  threshold: number;
  /** Buyers to fund (each gets SOL for fees and `buyerAmount` tokens). Default: one fresh keypair. */
  buyers?: readonly Keypair[];
  /** Raw token units minted to each buyer. Default 1,000 tokens. */
  buyerAmount?: bigint;
  /**
   * Raw token units minted to the vault as the operators' own float (default 0): the vault is the Solana netting
   * vault too, and advances what it pays before value from other chains arrives (e.g. buyers' bond top-ups).
   */
  vaultFloat?: bigint;
  decimals?: number;
}

/** Addresses (and the keys the tests need) of a stablecoin set-up. */
export interface StablecoinFixture {
  mint: PublicKey;
  decimals: number;
  programId: PublicKey;
  /** Pays for the set-up and holds the mint authority; funded with SOL. */
  payer: Keypair;
  /** The SPL Token multisig account that owns the vault. */
  multisig: PublicKey;
  /** Payment vault: a token account owned by `multisig`. */
  vault: PublicKey;
  buyers: Array<{ keypair: Keypair; tokenAccount: PublicKey }>;
}

/**
 * Creates a stablecoin (SPL mint, 6 decimals by default), a payment vault whose authority is an SPL Token
 * M-of-N multisig of `operators`, and funded buyer token accounts. Every step is a real transaction executed
 * by the ledger in process (same path as `sendTransaction` over RPC, without the HTTP hop), so it shows up in
 * the history like anything else.
 *
 * @example const fx = createStablecoinFixture(rpc, { operators: [a, b, c].map((k) => k.publicKey), threshold: 2 });
 */
export function createStablecoinFixture(rpc: SolanaLocalRpc, options: StablecoinFixtureOptions): StablecoinFixture {
  const { operators, threshold } = options;
  if (operators.length < 1 || operators.length > 11) throw new Error("an SPL Token multisig has 1 to 11 signers");
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > operators.length) {
    throw new Error(`threshold must be between 1 and ${operators.length}`);
  }
  const decimals = options.decimals ?? 6;
  const buyerAmount = options.buyerAmount ?? 1_000n * 10n ** BigInt(decimals);
  const buyers = options.buyers ?? [Keypair.generate()];
  const programId = TOKEN_PROGRAM_ID;
  const ledger = rpc.ledger;
  const send = (ixs: TransactionInstruction[], signers: Signer[]) => {
    const [feePayer] = signers;
    if (feePayer === undefined) throw new Error("no fee payer");
    const tx = new Transaction({ feePayer: feePayer.publicKey, recentBlockhash: ledger.latestBlockhash().blockhash });
    tx.add(...ixs).sign(...signers);
    ledger.sendTransaction(tx.serialize(), { skipPreflight: false });
  };
  const rent = (size: number) => Number(ledger.svm.minimumBalanceForRentExemption(BigInt(size)));

  const payer = Keypair.generate();
  ledger.airdrop(payer.publicKey, 10 * LAMPORTS_PER_SOL);
  const mint = Keypair.generate();
  const multisig = Keypair.generate();
  send(
    [
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: mint.publicKey,
        lamports: rent(MINT_SIZE),
        space: MINT_SIZE,
        programId,
      }),
      createInitializeMint2Instruction(mint.publicKey, decimals, payer.publicKey, null, programId),
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: multisig.publicKey,
        lamports: rent(MULTISIG_SIZE),
        space: MULTISIG_SIZE,
        programId,
      }),
      createInitializeMultisigInstruction(multisig.publicKey, [...operators], threshold, programId),
    ],
    [payer, mint, multisig],
  );

  // Plain keypair token accounts rather than ATAs: fewer programs involved, and callers get explicit addresses.
  const tokenAccount = (owner: PublicKey): [TransactionInstruction[], Keypair] => {
    const account = Keypair.generate();
    const ixs = [
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: account.publicKey,
        lamports: rent(ACCOUNT_SIZE),
        space: ACCOUNT_SIZE,
        programId,
      }),
      createInitializeAccount3Instruction(account.publicKey, mint.publicKey, owner, programId),
    ];
    return [ixs, account];
  };
  const [vaultIxs, vault] = tokenAccount(multisig.publicKey);
  const float = options.vaultFloat ?? 0n;
  send(
    float > 0n
      ? [...vaultIxs, createMintToInstruction(mint.publicKey, vault.publicKey, payer.publicKey, float, [], programId)]
      : vaultIxs,
    [payer, vault],
  );

  const funded = buyers.map((keypair) => {
    ledger.airdrop(keypair.publicKey, LAMPORTS_PER_SOL);
    const [ixs, account] = tokenAccount(keypair.publicKey);
    send(
      [...ixs, createMintToInstruction(mint.publicKey, account.publicKey, payer.publicKey, buyerAmount, [], programId)],
      [payer, account],
    );
    return { keypair, tokenAccount: account.publicKey };
  });

  return {
    mint: mint.publicKey,
    decimals,
    programId,
    payer,
    multisig: multisig.publicKey,
    vault: vault.publicKey,
    buyers: funded,
  };
}
