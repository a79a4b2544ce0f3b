import type { ChainStablecoinLedger, Hex, StablecoinLedgerReader } from "@slabridge/core";
import { type Connection, PublicKey } from "@solana/web3.js";
import { readSolanaStablecoinSupply } from "./readSolanaStablecoinSupply.ts";

/** Size of an SPL Token account; its mint is at offset 0, its owner at 32 and its amount (u64 LE) at 64. */
const TOKEN_ACCOUNT_SIZE = 165;

/** Options of {@link SolanaStablecoinLedgerReader}. */
export interface SolanaStablecoinLedgerReaderOptions {
  chainId: number;
  /** A read-only connection ("confirmed" is what settlement checks against). */
  connection: Connection;
  /** The stablecoin mint (base58). */
  mint: string;
  /** The payment vault token account (base58): it takes the payments and holds netted shares in place. */
  vault: string;
}

/**
 * The Solana side of the stablecoin ledger port (`StablecoinLedgerReader`): an account's balance is its own when it
 * is a token account of the mint (the vault), else the sum of the mint's token accounts it owns (buyers, payees); the
 * ledger is the mint's supply and every token account of it (`readSolanaStablecoinSupply`, the vault named "vault").
 * Solana has no bridge here: everything on it was issued on it.
 *
 * @example
 * ```ts
 * const reader = new SolanaStablecoinLedgerReader({ chainId: SOLANA_CHAIN_ID, connection, mint, vault });
 * const [vaultBalance] = await reader.balances([`0x${Buffer.from(new PublicKey(vault).toBytes()).toString("hex")}`]);
 * ```
 */
export class SolanaStablecoinLedgerReader implements StablecoinLedgerReader {
  readonly chainId: number;
  readonly custodians: readonly Hex[];
  readonly #o: SolanaStablecoinLedgerReaderOptions;

  constructor(options: SolanaStablecoinLedgerReaderOptions) {
    this.#o = options;
    this.chainId = options.chainId;
    this.custodians = [`0x${Buffer.from(new PublicKey(options.vault).toBytes()).toString("hex")}`];
  }

  balances(accounts: readonly Hex[]): Promise<bigint[]> {
    return Promise.all(accounts.map((account) => this.#balance(new PublicKey(Buffer.from(account.slice(2), "hex")))));
  }

  async ledger(): Promise<ChainStablecoinLedger> {
    const { connection, chainId, mint, vault } = this.#o;
    const supply = await readSolanaStablecoinSupply(connection, chainId, mint, new Map([[vault, "vault"]]));
    return { supply, issued: supply.totalSupply, sent: [], received: [] };
  }

  async #balance(account: PublicKey): Promise<bigint> {
    const { connection } = this.#o;
    const mint = new PublicKey(this.#o.mint);
    const info = await connection.getAccountInfo(account, "confirmed");
    if (info && info.data.length === TOKEN_ACCOUNT_SIZE && mint.equals(new PublicKey(info.data.subarray(0, 32)))) {
      return Buffer.from(info.data).readBigUInt64LE(64);
    }
    const { value } = await connection.getTokenAccountsByOwner(account, { mint }, "confirmed");
    return value.reduce((sum, { account: owned }) => sum + Buffer.from(owned.data).readBigUInt64LE(64), 0n);
  }
}
