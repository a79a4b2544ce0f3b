import { TOKEN_PROGRAM_ID, unpackAccount } from "@solana/spl-token";
import type { Connection, PublicKey } from "@solana/web3.js";
import { SolanaRpcError } from "../errors/SolanaRpcError.ts";

/**
 * Whether a token account can receive the stablecoin now: `usable` (open, of the mint, not frozen; with its owner),
 * `missing` (no account there: an associated token account can be created), or `unusable` (frozen, closed and
 * reused by another program, another mint, or not a token account).
 */
export type TokenAccountUse = { kind: "usable"; owner: PublicKey } | { kind: "missing" } | { kind: "unusable" };

// getMultipleAccounts takes at most 100 keys.
const ACCOUNTS_PER_CALL = 100;

/**
 * Reads each address (undefined entries stay undefined) and says whether it can receive `mint` now, in one
 * `getMultipleAccountsInfo` call per 100 addresses. RPC failures throw `SolanaRpcError` (retryable).
 *
 * @example
 * const [source] = await readTokenAccounts(connection, mint, [buyerTokenAccount]);
 * if (source?.kind !== "usable") refundToAssociatedAccount();
 */
export async function readTokenAccounts(
  connection: Connection,
  mint: PublicKey,
  addresses: readonly (PublicKey | undefined)[],
  tokenProgramId: PublicKey = TOKEN_PROGRAM_ID,
): Promise<(TokenAccountUse | undefined)[]> {
  const keys = addresses.filter((a): a is PublicKey => a !== undefined);
  const infos: Awaited<ReturnType<Connection["getMultipleAccountsInfo"]>> = [];
  for (let start = 0; start < keys.length; start += ACCOUNTS_PER_CALL) {
    try {
      infos.push(...(await connection.getMultipleAccountsInfo(keys.slice(start, start + ACCOUNTS_PER_CALL))));
    } catch (error) {
      throw new SolanaRpcError("getMultipleAccountsInfo", error);
    }
  }
  let next = 0;
  return addresses.map((address) => {
    if (address === undefined) return undefined;
    const info = infos[next++] ?? null;
    if (info === null) return { kind: "missing" };
    if (!info.owner.equals(tokenProgramId)) return { kind: "unusable" };
    try {
      const account = unpackAccount(address, info, tokenProgramId);
      if (!account.mint.equals(mint) || !account.isInitialized || account.isFrozen) {
        return { kind: "unusable" };
      }
      return { kind: "usable", owner: account.owner };
    } catch {
      return { kind: "unusable" };
    }
  });
}
