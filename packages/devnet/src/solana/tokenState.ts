import {
  type Mint,
  type Multisig,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  type Account as TokenAccount,
  unpackAccount,
  unpackMint,
  unpackMultisig,
} from "@solana/spl-token";
import type { AccountInfo, PublicKey } from "@solana/web3.js";

/** What an SPL Token (or Token-2022) owned account decodes to. */
export type TokenState =
  | { kind: "account"; programId: PublicKey; account: TokenAccount }
  | { kind: "mint"; programId: PublicKey; mint: Mint }
  | { kind: "multisig"; programId: PublicKey; multisig: Multisig };

const MULTISIG_SIZE = 355;
const ACCOUNT_SIZE = 165;
const MINT_SIZE = 82;
// Token-2022 appends an AccountType byte after the base account layout.
const ACCOUNT_TYPE_MINT = 1;
const ACCOUNT_TYPE_ACCOUNT = 2;

/**
 * Decodes an account owned by SPL Token / Token-2022; `null` for anything else or undecodable data.
 *
 * @example decodeTokenState(vault, svm.getAccount(vault))?.kind // "account"
 */
export function decodeTokenState(address: PublicKey, info: AccountInfo<Uint8Array> | null): TokenState | null {
  if (info === null) return null;
  const programId = [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID].find((p) => p.equals(info.owner));
  if (programId === undefined) return null;
  const buffered: AccountInfo<Buffer> = { ...info, data: Buffer.from(info.data) };
  const len = info.data.length;
  try {
    if (len === MULTISIG_SIZE)
      return { kind: "multisig", programId, multisig: unpackMultisig(address, buffered, programId) };
    const typeByte = len > ACCOUNT_SIZE ? info.data[ACCOUNT_SIZE] : undefined;
    if (len === ACCOUNT_SIZE || typeByte === ACCOUNT_TYPE_ACCOUNT) {
      return { kind: "account", programId, account: unpackAccount(address, buffered, programId) };
    }
    if (len === MINT_SIZE || typeByte === ACCOUNT_TYPE_MINT) {
      return { kind: "mint", programId, mint: unpackMint(address, buffered, programId) };
    }
  } catch {
    // Uninitialised or foreign layout: the RPC simply does not parse it.
  }
  return null;
}
