import { type ChainSupply, type HolderBalance, InvalidNettingInputError } from "@slabridge/core";
import { type Connection, PublicKey } from "@solana/web3.js";

/** Size of an SPL Token account; its mint is at offset 0 and its amount (u64 LE) at offset 64. */
const TOKEN_ACCOUNT_SIZE = 165;

/**
 * The Solana side of the conservation check: the stablecoin mint's supply and the balance of every token account of
 * that mint (vault, payees, buyers), read with `getTokenSupply` and a filtered `getProgramAccounts`. Throws
 * `InvalidNettingInputError` when the mint does not exist.
 *
 * @example
 * ```ts
 * const solana = await readSolanaStablecoinSupply(connection, SOLANA_CHAIN_ID, mint, new Map([[vault, "vault"]]));
 * checkConservation(await readStablecoinLedger(evmChains, { solana })); // readStablecoinLedger from @slabridge/evm
 * ```
 */
export async function readSolanaStablecoinSupply(
  connection: Connection,
  chainId: number,
  mint: string,
  roles: ReadonlyMap<string, string> = new Map(),
): Promise<ChainSupply> {
  const mintKey = new PublicKey(mint);
  const mintAccount = await connection.getAccountInfo(mintKey);
  if (!mintAccount) throw new InvalidNettingInputError("solana.mint", `${mint} does not exist`);
  // The token program that owns the mint (SPL Token or Token-2022) owns its token accounts too.
  const [supply, accounts] = await Promise.all([
    connection.getTokenSupply(mintKey),
    connection.getProgramAccounts(mintAccount.owner, {
      filters: [{ dataSize: TOKEN_ACCOUNT_SIZE }, { memcmp: { offset: 0, bytes: mintKey.toBase58() } }],
    }),
  ]);
  const balances: HolderBalance[] = accounts
    .map(({ pubkey, account }) => {
      const address = pubkey.toBase58();
      return {
        role: roles.get(address) ?? "holder",
        account: address,
        amount: Buffer.from(account.data).readBigUInt64LE(64),
      };
    })
    .sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  return { chain: chainId, totalSupply: BigInt(supply.value.amount), balances };
}
