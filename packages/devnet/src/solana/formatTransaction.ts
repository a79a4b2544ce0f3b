import { base58 } from "./base58.ts";
import { MEMO_PROGRAM_ID, MEMO_V1_PROGRAM_ID } from "./memo.ts";
import { RpcError, RpcErrorCode } from "./RpcError.ts";
import type { TransactionRecord } from "./TransactionHistory.ts";

/** Transaction encodings accepted by `getTransaction`. */
export type TransactionEncoding = "json" | "jsonParsed" | "base64" | "base58";

const MEMO_PROGRAMS = new Set([MEMO_PROGRAM_ID.toBase58(), MEMO_V1_PROGRAM_ID.toBase58()]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Renders a history record as the `getTransaction` result. Without `maxSupportedTransactionVersion` a v0
 * transaction is refused with -32015, like the validator; `jsonParsed` decodes memos and leaves other
 * instructions partially decoded (programId, accounts, data).
 *
 * @example formatTransaction(record, { encoding: "json", maxSupportedTransactionVersion: 0 })
 */
export function formatTransaction(
  record: TransactionRecord,
  options: { encoding: TransactionEncoding; maxSupportedTransactionVersion?: number | undefined },
) {
  const message = record.transaction.message;
  const version = message.version;
  if (version !== "legacy" && (options.maxSupportedTransactionVersion ?? -1) < version) {
    throw new RpcError(
      RpcErrorCode.transactionVersionNotSupported,
      `Transaction version (${version}) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": ${version}`,
    );
  }
  const signatures = record.transaction.signatures.map((s) => base58.encode(s));
  const addressTableLookups = message.addressTableLookups.map((l) => ({
    accountKey: l.accountKey.toBase58(),
    writableIndexes: [...l.writableIndexes],
    readonlyIndexes: [...l.readonlyIndexes],
  }));
  let transaction: unknown;
  let meta: unknown = record.meta;
  switch (options.encoding) {
    case "base64":
    case "base58": {
      const wire = record.transaction.serialize();
      transaction =
        options.encoding === "base64"
          ? [Buffer.from(wire).toString("base64"), "base64"]
          : [base58.encode(wire), "base58"];
      break;
    }
    case "jsonParsed": {
      const keys = record.accountKeys.map((k) => k.toBase58());
      const staticCount = message.staticAccountKeys.length;
      const loadedWritable = record.meta.loadedAddresses.writable.length;
      const accountKeys = keys.map((pubkey, i) => ({
        pubkey,
        signer: i < staticCount && message.isAccountSigner(i),
        writable: i < staticCount ? message.isAccountWritable(i) : i < staticCount + loadedWritable,
        source: i < staticCount ? "transaction" : "lookupTable",
      }));
      const decode = (
        programIdIndex: number,
        accounts: readonly number[],
        data: Uint8Array,
        stackHeight: number | null,
      ) =>
        parseInstruction(
          keys[programIdIndex] ?? "",
          accounts.map((a) => keys[a] ?? ""),
          data,
          stackHeight,
        );
      transaction = {
        signatures,
        message: {
          accountKeys,
          recentBlockhash: message.recentBlockhash,
          instructions: message.compiledInstructions.map((ix) =>
            decode(ix.programIdIndex, ix.accountKeyIndexes, ix.data, null),
          ),
          ...(version === "legacy" ? {} : { addressTableLookups }),
        },
      };
      meta = {
        ...record.meta,
        innerInstructions: record.meta.innerInstructions.map((group) => ({
          index: group.index,
          instructions: group.instructions.map((ix) =>
            decode(ix.programIdIndex, ix.accounts, base58.decode(ix.data), ix.stackHeight),
          ),
        })),
      };
      break;
    }
    default:
      transaction = {
        signatures,
        message: {
          accountKeys: message.staticAccountKeys.map((k) => k.toBase58()),
          header: message.header,
          recentBlockhash: message.recentBlockhash,
          instructions: message.compiledInstructions.map((ix) => ({
            programIdIndex: ix.programIdIndex,
            accounts: [...ix.accountKeyIndexes],
            data: base58.encode(ix.data),
            stackHeight: null,
          })),
          ...(version === "legacy" ? {} : { addressTableLookups }),
        },
      };
  }
  return {
    slot: record.slot,
    blockTime: record.blockTime,
    transaction,
    meta,
    ...(options.maxSupportedTransactionVersion === undefined ? {} : { version }),
  };
}

function parseInstruction(programId: string, accounts: string[], data: Uint8Array, stackHeight: number | null) {
  if (MEMO_PROGRAMS.has(programId)) {
    try {
      return { program: "spl-memo", programId, parsed: utf8.decode(data), stackHeight };
    } catch {
      // Not UTF-8: the validator shows it undecoded too.
    }
  }
  return { programId, accounts, data: base58.encode(data), stackHeight };
}
