import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { PublicKey, VersionedMessage } from "@solana/web3.js";
import { z } from "zod";
import { base58 } from "./base58.ts";
import { type AccountEncoding, encodeAccount } from "./encodeAccount.ts";
import { formatTransaction } from "./formatTransaction.ts";
import { RpcError, RpcErrorCode } from "./RpcError.ts";
import { deserializeTransaction, type SolanaLedger } from "./SolanaLedger.ts";
import { uiTokenAmount } from "./tokenAmount.ts";
import { decodeTokenState } from "./tokenState.ts";

/** A JSON-RPC method implementation: raw `params` in, JSON-serialisable result out (or throws `RpcError`). */
export type RpcMethod = (params: unknown) => unknown;

const pubkey = z.string().transform((s, ctx) => {
  try {
    const bytes = base58.decode(s);
    if (bytes.length === 32) return new PublicKey(bytes);
  } catch {
    // reported below
  }
  ctx.addIssue({ code: "custom", message: `Invalid param: ${JSON.stringify(s)} is not a base58 public key` });
  return z.NEVER;
});
const signature = z.string().refine((s) => {
  try {
    return base58.decode(s).length === 64;
  } catch {
    return false;
  }
}, "Invalid param: not a base58 signature");
const commitment = z.enum(["processed", "confirmed", "finalized", "recent", "single", "singleGossip", "root", "max"]);
const contextConfig = z.object({
  commitment: commitment.optional(),
  minContextSlot: z.number().int().nonnegative().optional(),
});
const accountEncoding = z.enum(["base64", "base58", "jsonParsed", "base64+zstd"]);
const dataSlice = z.object({ offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() });
const accountConfig = contextConfig.extend({ encoding: accountEncoding.optional(), dataSlice: dataSlice.optional() });
const txEncoding = z.enum(["base58", "base64"]);
const u64 = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const filters = z.array(
  z.union([
    z.object({ dataSize: u64 }),
    z.object({
      memcmp: z.object({ offset: u64, bytes: z.string(), encoding: z.enum(["base58", "base64"]).optional() }),
    }),
  ]),
);

/** Positional params: `undefined` (omitted) counts as an empty list. */
function parse<T extends z.ZodType>(schema: T, params: unknown): z.output<T> {
  const result = schema.safeParse(params ?? []);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at params[${issue.path.join("].")}]` : "";
    const text = issue?.message.startsWith("Invalid param")
      ? issue.message
      : `Invalid params${where}: ${issue?.message}`;
    throw new RpcError(RpcErrorCode.invalidParams, text);
  }
  return result.data;
}

function decodeWire(text: string, encoding: "base58" | "base64"): Uint8Array {
  try {
    return encoding === "base64" ? Buffer.from(text, "base64") : base58.decode(text);
  } catch {
    throw new RpcError(RpcErrorCode.invalidParams, `invalid ${encoding} encoding`);
  }
}

/**
 * The Solana JSON-RPC methods served by the local devnet, keyed by method name.
 *
 * @example const result = createRpcMethods(ledger).getSlot?.([]);
 */
export function createRpcMethods(ledger: SolanaLedger): Record<string, RpcMethod> {
  const context = () => ({ slot: ledger.slot, apiVersion: "2.2.0" });
  const getAccount = (k: PublicKey) => ledger.getAccount(k);
  const render = (k: PublicKey, encoding: AccountEncoding | undefined, slice?: z.output<typeof dataSlice>) => {
    const info = ledger.getAccount(k);
    return info === null
      ? null
      : encodeAccount(k, info, { encoding: encoding ?? "base64", dataSlice: slice, getAccount });
  };
  const tokenAccount = (k: PublicKey) => {
    const state = decodeTokenState(k, ledger.getAccount(k));
    if (state?.kind !== "account") throw new RpcError(RpcErrorCode.invalidParams, "Invalid param: not a Token account");
    const mint = decodeTokenState(state.account.mint, ledger.getAccount(state.account.mint));
    if (mint?.kind !== "mint") throw new RpcError(RpcErrorCode.invalidParams, "Invalid param: not a Token mint");
    return { account: state.account, decimals: mint.mint.decimals };
  };

  return {
    getHealth: () => "ok",
    // Nominal version: clients only feature-detect on it.
    getVersion: () => ({ "solana-core": "2.2.0", "feature-set": 0 }),
    getGenesisHash: () => ledger.genesisHash,
    getIdentity: () => ({ identity: ledger.genesisHash }),
    getSlot: (p) => {
      parse(z.tuple([contextConfig.optional()]), p);
      return ledger.slot;
    },
    getBlockHeight: (p) => {
      parse(z.tuple([contextConfig.optional()]), p);
      return ledger.blockHeight;
    },
    getTransactionCount: (p) => {
      parse(z.tuple([contextConfig.optional()]), p);
      return ledger.transactionCount;
    },
    getFirstAvailableBlock: () => 0,
    getRecentPrioritizationFees: () => [],
    getEpochSchedule: () => {
      const s = ledger.svm.getEpochSchedule();
      return {
        slotsPerEpoch: Number(s.slotsPerEpoch),
        leaderScheduleSlotOffset: Number(s.leaderScheduleSlotOffset),
        warmup: false,
        firstNormalEpoch: 0,
        firstNormalSlot: 0,
      };
    },
    getEpochInfo: (p) => {
      parse(z.tuple([contextConfig.optional()]), p);
      // Warmup epochs are ignored: a local run never gets near the end of the first normal epoch.
      const slotsInEpoch = Number(ledger.svm.getEpochSchedule().slotsPerEpoch);
      return {
        absoluteSlot: ledger.slot,
        blockHeight: ledger.blockHeight,
        epoch: Math.floor(ledger.slot / slotsInEpoch),
        slotIndex: ledger.slot % slotsInEpoch,
        slotsInEpoch,
        transactionCount: ledger.transactionCount,
      };
    },
    getLatestBlockhash: (p) => {
      parse(z.tuple([contextConfig.optional()]), p);
      return { context: context(), value: ledger.latestBlockhash() };
    },
    isBlockhashValid: (p) => {
      const [hash] = parse(z.tuple([z.string(), contextConfig.optional()]), p);
      return { context: context(), value: ledger.isBlockhashValid(hash) };
    },
    getMinimumBalanceForRentExemption: (p) => {
      const [size] = parse(z.tuple([u64, contextConfig.optional()]), p);
      return Number(ledger.svm.minimumBalanceForRentExemption(BigInt(size)));
    },
    getFeeForMessage: (p) => {
      const [text] = parse(z.tuple([z.string(), contextConfig.optional()]), p);
      let message: VersionedMessage;
      try {
        message = VersionedMessage.deserialize(Buffer.from(text, "base64"));
      } catch (e) {
        throw new RpcError(RpcErrorCode.invalidParams, `invalid message: ${(e as Error).message}`);
      }
      const value = ledger.isBlockhashValid(message.recentBlockhash) ? ledger.feeForMessage(message) : null;
      return { context: context(), value };
    },
    getBalance: (p) => {
      const [key] = parse(z.tuple([pubkey, contextConfig.optional()]), p);
      return { context: context(), value: Number(ledger.svm.getBalance(key) ?? 0n) };
    },
    getAccountInfo: (p) => {
      const [key, config] = parse(z.tuple([pubkey, accountConfig.optional()]), p);
      return { context: context(), value: render(key, config?.encoding, config?.dataSlice) };
    },
    getMultipleAccounts: (p) => {
      const [keys, config] = parse(z.tuple([z.array(pubkey).max(100), accountConfig.optional()]), p);
      return { context: context(), value: keys.map((k) => render(k, config?.encoding, config?.dataSlice)) };
    },
    getProgramAccounts: (p) => {
      const [program, config] = parse(
        z.tuple([
          pubkey,
          accountConfig.extend({ filters: filters.optional(), withContext: z.boolean().optional() }).optional(),
        ]),
        p,
      );
      const value = ledger.knownAddresses().flatMap((k) => {
        const info = ledger.getAccount(k);
        if (info === null || !info.owner.equals(program)) return [];
        for (const f of config?.filters ?? []) {
          if ("dataSize" in f && info.data.length !== f.dataSize) return [];
          if ("memcmp" in f) {
            const want = decodeWire(f.memcmp.bytes, f.memcmp.encoding ?? "base58");
            const have = info.data.subarray(f.memcmp.offset, f.memcmp.offset + want.length);
            if (!Buffer.from(have).equals(Buffer.from(want))) return [];
          }
        }
        return [{ pubkey: k.toBase58(), account: render(k, config?.encoding, config?.dataSlice) }];
      });
      return config?.withContext ? { context: context(), value } : value;
    },
    getTokenAccountBalance: (p) => {
      const [key] = parse(z.tuple([pubkey, contextConfig.optional()]), p);
      const { account, decimals } = tokenAccount(key);
      return { context: context(), value: uiTokenAmount(account.amount, decimals) };
    },
    getTokenSupply: (p) => {
      const [key] = parse(z.tuple([pubkey, contextConfig.optional()]), p);
      const state = decodeTokenState(key, ledger.getAccount(key));
      if (state?.kind !== "mint") throw new RpcError(RpcErrorCode.invalidParams, "Invalid param: not a Token mint");
      return { context: context(), value: uiTokenAmount(state.mint.supply, state.mint.decimals) };
    },
    getTokenAccountsByOwner: (p) => {
      const [owner, filter, config] = parse(
        z.tuple([
          pubkey,
          z.union([z.object({ mint: pubkey }), z.object({ programId: pubkey })]),
          accountConfig.optional(),
        ]),
        p,
      );
      if (
        "programId" in filter &&
        !filter.programId.equals(TOKEN_PROGRAM_ID) &&
        !filter.programId.equals(TOKEN_2022_PROGRAM_ID)
      ) {
        throw new RpcError(RpcErrorCode.invalidParams, "Invalid param: unrecognized Token program id");
      }
      const value = ledger.knownAddresses().flatMap((k) => {
        const state = decodeTokenState(k, ledger.getAccount(k));
        if (state?.kind !== "account" || !state.account.owner.equals(owner)) return [];
        if ("mint" in filter && !state.account.mint.equals(filter.mint)) return [];
        if ("programId" in filter && !state.programId.equals(filter.programId)) return [];
        return [{ pubkey: k.toBase58(), account: render(k, config?.encoding, config?.dataSlice) }];
      });
      return { context: context(), value };
    },
    requestAirdrop: (p) => {
      const [key, lamports] = parse(z.tuple([pubkey, u64, contextConfig.optional()]), p);
      return ledger.airdrop(key, lamports);
    },
    sendTransaction: (p) => {
      const [text, config] = parse(
        z.tuple([
          z.string(),
          z
            .object({
              encoding: txEncoding.optional(),
              skipPreflight: z.boolean().optional(),
              preflightCommitment: commitment.optional(),
              maxRetries: u64.optional(),
              minContextSlot: u64.optional(),
            })
            .optional(),
        ]),
        p,
      );
      const wire = decodeWire(text, config?.encoding ?? "base58");
      return ledger.sendTransaction(wire, { skipPreflight: config?.skipPreflight ?? false });
    },
    simulateTransaction: (p) => {
      const [text, config] = parse(
        z.tuple([
          z.string(),
          contextConfig
            .extend({
              encoding: txEncoding.optional(),
              sigVerify: z.boolean().optional(),
              replaceRecentBlockhash: z.boolean().optional(),
              innerInstructions: z.boolean().optional(),
              accounts: z.object({ addresses: z.array(pubkey), encoding: accountEncoding.optional() }).optional(),
            })
            .optional(),
        ]),
        p,
      );
      const sigVerify = config?.sigVerify ?? false;
      const replaceRecentBlockhash = config?.replaceRecentBlockhash ?? false;
      if (sigVerify && replaceRecentBlockhash) {
        throw new RpcError(RpcErrorCode.invalidParams, "sigVerify may not be used with replaceRecentBlockhash");
      }
      const tx = deserializeTransaction(decodeWire(text, config?.encoding ?? "base58"));
      const sim = ledger.simulateTransaction(tx, { sigVerify, replaceRecentBlockhash });
      const accounts =
        config?.accounts?.addresses.map((k) => {
          const info = sim.postAccounts.get(k.toBase58()) ?? ledger.getAccount(k);
          return info === null
            ? null
            : encodeAccount(k, info, { encoding: config.accounts?.encoding ?? "base64", getAccount });
        }) ?? null;
      return {
        context: context(),
        value: {
          err: sim.err?.json ?? null,
          logs: sim.logs,
          accounts,
          unitsConsumed: sim.unitsConsumed,
          returnData: sim.returnData,
          innerInstructions: config?.innerInstructions ? sim.innerInstructions : null,
          replacementBlockhash: sim.replacementBlockhash,
        },
      };
    },
    getSignatureStatuses: (p) => {
      const [sigs] = parse(
        z.tuple([
          z.array(z.string()).max(256),
          z.object({ searchTransactionHistory: z.boolean().optional() }).optional(),
        ]),
        p,
      );
      const value = sigs.map((s) => {
        const rec = ledger.history.get(s);
        if (rec === undefined) return null;
        return {
          slot: rec.slot,
          confirmations: null,
          err: rec.meta.err,
          status: rec.meta.status,
          confirmationStatus: "finalized",
        };
      });
      return { context: context(), value };
    },
    getSignaturesForAddress: (p) => {
      const [address, config] = parse(
        z.tuple([
          pubkey,
          contextConfig
            .extend({
              limit: z.number().int().min(1).max(1000).optional(),
              before: signature.optional(),
              until: signature.optional(),
            })
            .optional(),
        ]),
        p,
      );
      return ledger.history
        .forAddress(address.toBase58(), { before: config?.before, until: config?.until, limit: config?.limit ?? 1000 })
        .map((rec) => ({
          signature: rec.signature,
          slot: rec.slot,
          err: rec.meta.err,
          memo: rec.memo,
          blockTime: rec.blockTime,
          confirmationStatus: "finalized",
        }));
    },
    getTransaction: (p) => {
      const [sig, config] = parse(
        z.tuple([
          signature,
          z
            .union([
              z.enum(["json", "jsonParsed", "base64", "base58"]),
              contextConfig.extend({
                encoding: z.enum(["json", "jsonParsed", "base64", "base58"]).optional(),
                maxSupportedTransactionVersion: z.number().int().min(0).optional(),
              }),
            ])
            .optional(),
        ]),
        p,
      );
      const rec = ledger.history.get(sig);
      if (rec === undefined) return null;
      // Older clients pass the encoding as a bare string.
      const options = typeof config === "string" ? { encoding: config } : config;
      return formatTransaction(rec, {
        encoding: options?.encoding ?? "json",
        maxSupportedTransactionVersion: typeof config === "string" ? undefined : config?.maxSupportedTransactionVersion,
      });
    },
  };
}
