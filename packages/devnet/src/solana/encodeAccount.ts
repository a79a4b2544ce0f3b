import { TOKEN_PROGRAM_ID } from "@solana/spl-token";
import type { AccountInfo, PublicKey } from "@solana/web3.js";
import { base58 } from "./base58.ts";
import { RpcError, RpcErrorCode } from "./RpcError.ts";
import { uiTokenAmount } from "./tokenAmount.ts";
import { decodeTokenState } from "./tokenState.ts";

/** Account data encodings accepted by `getAccountInfo` and friends. */
export type AccountEncoding = "base64" | "base58" | "jsonParsed" | "base64+zstd";

/** Options shared by the account-reading methods. */
export interface EncodeAccountOptions {
  encoding: AccountEncoding;
  dataSlice?: { offset: number; length: number } | undefined;
  /** Looks up a mint, to show decimals of a token account. */
  getAccount: (address: PublicKey) => AccountInfo<Uint8Array> | null;
}

/**
 * Renders an account as the RPC `value` object (`{ lamports, owner, data, executable, rentEpoch, space }`).
 * `jsonParsed` decodes SPL Token / Token-2022 accounts, mints and multisigs and otherwise falls back to base64,
 * as the validator does.
 *
 * @example encodeAccount(pk, info, { encoding: "base64", getAccount })
 */
export function encodeAccount(address: PublicKey, info: AccountInfo<Uint8Array>, options: EncodeAccountOptions) {
  const base = {
    lamports: info.lamports,
    owner: info.owner.toBase58(),
    executable: info.executable,
    // The validator reports u64::MAX for rent-exempt accounts; JSON numbers cannot carry it exactly either.
    rentEpoch: info.rentEpoch ?? 0,
    space: info.data.length,
  };
  if (options.encoding === "jsonParsed") {
    const parsed = parseAccountData(address, info, options.getAccount);
    if (parsed !== null) return { ...base, data: parsed };
  }
  let data = info.data;
  if (options.dataSlice !== undefined) {
    data = data.subarray(options.dataSlice.offset, options.dataSlice.offset + options.dataSlice.length);
  }
  switch (options.encoding) {
    case "base58":
      if (data.length > 128) {
        throw new RpcError(
          RpcErrorCode.invalidParams,
          "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.",
        );
      }
      return { ...base, data: [base58.encode(data), "base58"] };
    case "base64+zstd":
      throw new RpcError(
        RpcErrorCode.invalidParams,
        "base64+zstd encoding is not supported by the local devnet; use base64",
      );
    default:
      return { ...base, data: [Buffer.from(data).toString("base64"), "base64"] };
  }
}

function parseAccountData(
  address: PublicKey,
  info: AccountInfo<Uint8Array>,
  getAccount: EncodeAccountOptions["getAccount"],
): { program: string; parsed: unknown; space: number } | null {
  const state = decodeTokenState(address, info);
  if (state === null) return null;
  const program = state.programId.equals(TOKEN_PROGRAM_ID) ? "spl-token" : "spl-token-2022";
  const space = info.data.length;
  switch (state.kind) {
    case "mint": {
      const m = state.mint;
      const parsed = {
        type: "mint",
        info: {
          decimals: m.decimals,
          freezeAuthority: m.freezeAuthority?.toBase58() ?? null,
          isInitialized: m.isInitialized,
          mintAuthority: m.mintAuthority?.toBase58() ?? null,
          supply: m.supply.toString(),
        },
      };
      return { program, parsed, space };
    }
    case "multisig": {
      const ms = state.multisig;
      const signers = [ms.signer1, ms.signer2, ms.signer3, ms.signer4, ms.signer5, ms.signer6, ms.signer7, ms.signer8];
      const signers11 = [ms.signer9, ms.signer10, ms.signer11];
      const parsed = {
        type: "multisig",
        info: {
          isInitialized: ms.isInitialized,
          numRequiredSigners: ms.m,
          numValidSigners: ms.n,
          signers: [...signers, ...signers11].slice(0, ms.n).map((s) => s.toBase58()),
        },
      };
      return { program, parsed, space };
    }
    case "account": {
      const a = state.account;
      const mintInfo = getAccount(a.mint);
      const mintState = mintInfo === null ? null : decodeTokenState(a.mint, mintInfo);
      // Without the mint the validator cannot show decimals either and falls back to raw bytes.
      if (mintState?.kind !== "mint") return null;
      const decimals = mintState.mint.decimals;
      const parsedInfo: Record<string, unknown> = {
        isNative: a.isNative,
        mint: a.mint.toBase58(),
        owner: a.owner.toBase58(),
        state: a.isFrozen ? "frozen" : a.isInitialized ? "initialized" : "uninitialized",
        tokenAmount: uiTokenAmount(a.amount, decimals),
      };
      if (a.delegate !== null) {
        parsedInfo.delegate = a.delegate.toBase58();
        parsedInfo.delegatedAmount = uiTokenAmount(a.delegatedAmount, decimals);
      }
      if (a.closeAuthority !== null) parsedInfo.closeAuthority = a.closeAuthority.toBase58();
      if (a.rentExemptReserve !== null) parsedInfo.rentExemptReserve = uiTokenAmount(a.rentExemptReserve, decimals);
      return { program, parsed: { type: "account", info: parsedInfo }, space };
    }
  }
}
