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

/** Inputs of {@link createStablecoinMint}. */
export interface StablecoinMintOptions {
  /** Buyers to fund (each gets SOL for fees and `buyerAmount` tokens). Default: one fresh keypair. */
  buyers?: readonly Keypair[];
  /** Raw token units minted to each buyer. Default 1,000 tokens. */
  buyerAmount?: bigint;
  decimals?: number;
}

/** Inputs of `createStablecoinFixture`. */
export interface StablecoinFixtureOptions extends StablecoinMintOptions {
  /** The N operator keys of the vault's M-of-N multisig authority (1..11). */
  operators: readonly PublicKey[];
  /** M: signatures the multisig requires. */
  threshold: number;
  /**
   * Raw token units minted to the vault as the operators' own float (default 0): the vault is the Solana netting
   * vault too, and advances what it pays before value from other chains arrives (e.g. buyers' bond top-ups).
   */
  vaultFloat?: bigint;
}

/** A devnet stablecoin: its mint, the key that may mint it, and the funded buyers. */
export interface StablecoinMint {
  mint: PublicKey;
  decimals: number;
  programId: PublicKey;
  /** Pays for the set-up and holds the mint authority; funded with SOL. */
  payer: Keypair;
  buyers: Array<{ keypair: Keypair; tokenAccount: PublicKey }>;
}

/** Addresses (and the keys the tests need) of a stablecoin set-up with a multisig vault. */
export interface StablecoinFixture extends StablecoinMint {
  /** The SPL Token multisig account that owns the vault. */
  multisig: PublicKey;
  /** Payment vault: a token account owned by `multisig`. */
  vault: PublicKey;
}

/**
 * The devnet's stablecoin (protocol side, like the EVM chains' tokens): an SPL mint (6 decimals by default) and funded
 * buyer token accounts. The vault is not made here: `npm run deploy`'s code sets it up (`deploySolanaVault`). Every
 * step is a real transaction executed by the ledger in process (same path as `sendTransaction` over RPC, without the
 * HTTP hop), so it shows up in the history like anything else.
 *
 * @example const { mint, buyers } = createStablecoinMint(rpc, { buyers: [alice, bob] });
 */
export function createStablecoinMint(rpc: SolanaLocalRpc, options: StablecoinMintOptions = {}): StablecoinMint {
  const decimals = options.decimals ?? 6;
  const buyerAmount = options.buyerAmount ?? 1_000n * 10n ** BigInt(decimals);
  const buyers = options.buyers ?? [Keypair.generate()];
  const payer = Keypair.generate();
  rpc.ledger.airdrop(payer.publicKey, 10 * LAMPORTS_PER_SOL);
  const mint = Keypair.generate();
  sendOnLedger(
    rpc,
    [
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: mint.publicKey,
        lamports: rentOf(rpc, MINT_SIZE),
        space: MINT_SIZE,
        programId: TOKEN_PROGRAM_ID,
      }),
      createInitializeMint2Instruction(mint.publicKey, decimals, payer.publicKey, null, TOKEN_PROGRAM_ID),
    ],
    [payer, mint],
  );
  const created: StablecoinMint = { mint: mint.publicKey, decimals, programId: TOKEN_PROGRAM_ID, payer, buyers: [] };
  created.buyers = buyers.map((keypair) => {
    rpc.ledger.airdrop(keypair.publicKey, LAMPORTS_PER_SOL);
    const [ixs, account] = tokenAccountOf(rpc, created, keypair.publicKey);
    sendOnLedger(rpc, [...ixs, mintToIx(created, account.publicKey, buyerAmount)], [payer, account]);
    return { keypair, tokenAccount: account.publicKey };
  });
  return created;
}

/**
 * Mints `amount` raw units of the devnet's stablecoin to a token account (a devnet fixture: e.g. the vault's float).
 *
 * @example mintStablecoin(rpc, stablecoin, vault, 1_000_000_000n);
 */
export function mintStablecoin(rpc: SolanaLocalRpc, stablecoin: StablecoinMint, to: PublicKey, amount: bigint): void {
  sendOnLedger(rpc, [mintToIx(stablecoin, to, amount)], [stablecoin.payer]);
}

/**
 * A stablecoin ({@link createStablecoinMint}) and a payment vault whose authority is an SPL Token M-of-N multisig of
 * `operators`, for tests that need a vault without the deploy command.
 *
 * @example const fx = createStablecoinFixture(rpc, { operators: [a, b, c].map((k) => k.publicKey), threshold: 2 });
 */
export function createStablecoinFixture(rpc: SolanaLocalRpc, options: StablecoinFixtureOptions): StablecoinFixture {
  const { operators, threshold } = options;
  if (operators.length < 1 || operators.length > 11) throw new Error("an SPL Token multisig has 1 to 11 signers");
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > operators.length) {
    throw new Error(`threshold must be between 1 and ${operators.length}`);
  }
  const stablecoin = createStablecoinMint(rpc, options);
  const { payer } = stablecoin;
  const multisig = Keypair.generate();
  sendOnLedger(
    rpc,
    [
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: multisig.publicKey,
        lamports: rentOf(rpc, MULTISIG_SIZE),
        space: MULTISIG_SIZE,
        programId: TOKEN_PROGRAM_ID,
      }),
      createInitializeMultisigInstruction(multisig.publicKey, [...operators], threshold, TOKEN_PROGRAM_ID),
    ],
    [payer, multisig],
  );
  const [vaultIxs, vault] = tokenAccountOf(rpc, stablecoin, multisig.publicKey);
  const float = options.vaultFloat ?? 0n;
  sendOnLedger(rpc, float > 0n ? [...vaultIxs, mintToIx(stablecoin, vault.publicKey, float)] : vaultIxs, [
    payer,
    vault,
  ]);
  return { ...stablecoin, multisig: multisig.publicKey, vault: vault.publicKey };
}

function sendOnLedger(rpc: SolanaLocalRpc, ixs: TransactionInstruction[], signers: Signer[]): void {
  const [feePayer] = signers;
  if (feePayer === undefined) throw new Error("no fee payer");
  const tx = new Transaction({ feePayer: feePayer.publicKey, recentBlockhash: rpc.ledger.latestBlockhash().blockhash });
  tx.add(...ixs).sign(...signers);
  rpc.ledger.sendTransaction(tx.serialize(), { skipPreflight: false });
}

function rentOf(rpc: SolanaLocalRpc, size: number): number {
  return Number(rpc.ledger.svm.minimumBalanceForRentExemption(BigInt(size)));
}

function mintToIx(stablecoin: StablecoinMint, to: PublicKey, amount: bigint): TransactionInstruction {
  return createMintToInstruction(stablecoin.mint, to, stablecoin.payer.publicKey, amount, [], stablecoin.programId);
}

// Plain keypair token accounts rather than ATAs: fewer programs involved, and callers get explicit addresses.
function tokenAccountOf(
  rpc: SolanaLocalRpc,
  stablecoin: StablecoinMint,
  owner: PublicKey,
): [TransactionInstruction[], Keypair] {
  const account = Keypair.generate();
  const ixs = [
    SystemProgram.createAccount({
      fromPubkey: stablecoin.payer.publicKey,
      newAccountPubkey: account.publicKey,
      lamports: rentOf(rpc, ACCOUNT_SIZE),
      space: ACCOUNT_SIZE,
      programId: stablecoin.programId,
    }),
    createInitializeAccount3Instruction(account.publicKey, stablecoin.mint, owner, stablecoin.programId),
  ];
  return [ixs, account];
}
