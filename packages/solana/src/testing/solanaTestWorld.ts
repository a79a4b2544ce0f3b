import { createStablecoinFixture, SolanaLocalRpc, type StablecoinFixture } from "@slabridge/devnet";
import { createTransferCheckedInstruction, createTransferInstruction } from "@solana/spl-token";
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  type PublicKey,
  Transaction,
  TransactionInstruction,
} from "@solana/web3.js";
import { MEMO_PROGRAM_ID } from "../multisig/buildMultisigTransfer.ts";

/** A local cluster with a 2-of-3 multisig vault and funded buyers, for the package's tests. */
export interface SolanaTestWorld {
  rpc: SolanaLocalRpc;
  connection: Connection;
  fx: StablecoinFixture;
  operators: Keypair[];
  /** Funded with SOL; pays the fees of operator transactions. */
  feePayer: Keypair;
  close(): Promise<void>;
}

/**
 * Starts `SolanaLocalRpc` with a stablecoin fixture (3 operators, threshold 2) and `buyers` funded buyers.
 *
 * @example const world = await startSolanaTestWorld(3); afterAll(() => world.close());
 */
export async function startSolanaTestWorld(buyers: number): Promise<SolanaTestWorld> {
  const rpc = await SolanaLocalRpc.start();
  const operators = [Keypair.generate(), Keypair.generate(), Keypair.generate()];
  const fx = createStablecoinFixture(rpc, {
    operators: operators.map((k) => k.publicKey),
    threshold: 2,
    buyers: Array.from({ length: buyers }, () => Keypair.generate()),
  });
  const feePayer = Keypair.generate();
  rpc.airdrop(feePayer.publicKey, 10 * LAMPORTS_PER_SOL);
  const connection = new Connection(rpc.url, "confirmed");
  return { rpc, connection, fx, operators, feePayer, close: () => rpc.close() };
}

/** Options of {@link payVault}. */
export interface PayVaultOptions {
  /** Use the unchecked `Transfer` instruction instead of `TransferChecked`. */
  unchecked?: boolean;
  /** Land the transaction even if it fails (to produce failed history). */
  skipPreflight?: boolean;
}

/**
 * A buyer pays the vault: one transfer per amount, then the memo (omitted when undefined). Returns the signature.
 *
 * @example const sig = await payVault(world, 0, [1_000_000n], "slabridge:v1:pay:model=1:ref=…");
 */
export async function payVault(
  world: SolanaTestWorld,
  buyerIndex: number,
  amounts: readonly bigint[],
  memo: string | undefined,
  options: PayVaultOptions = {},
): Promise<string> {
  const buyer = world.fx.buyers[buyerIndex];
  if (buyer === undefined) throw new Error(`no buyer ${buyerIndex}`);
  const { mint, vault, decimals } = world.fx;
  const owner = buyer.keypair.publicKey;
  const tx = new Transaction();
  for (const amount of amounts) {
    tx.add(
      options.unchecked
        ? createTransferInstruction(buyer.tokenAccount, vault, owner, amount)
        : createTransferCheckedInstruction(buyer.tokenAccount, mint, vault, owner, amount, decimals),
    );
  }
  if (memo !== undefined) {
    tx.add(new TransactionInstruction({ programId: MEMO_PROGRAM_ID, keys: [], data: Buffer.from(memo, "utf8") }));
  }
  const { blockhash } = await world.connection.getLatestBlockhash();
  tx.recentBlockhash = blockhash;
  tx.feePayer = owner;
  tx.sign(buyer.keypair);
  return world.connection.sendRawTransaction(tx.serialize(), { skipPreflight: options.skipPreflight ?? false });
}

/** Raw token balance of a token account. @example await tokenBalance(world, world.fx.vault) */
export async function tokenBalance(world: SolanaTestWorld, account: PublicKey): Promise<bigint> {
  const { value } = await world.connection.getTokenAccountBalance(account);
  return BigInt(value.amount);
}
