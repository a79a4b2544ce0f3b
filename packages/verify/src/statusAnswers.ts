import type { Hex } from "@slabridge/core";
import { z } from "zod";

const int = z
  .string()
  .regex(/^\d{1,78}$/, "a decimal string")
  .transform(BigInt);
const hex = (bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`), `0x + ${bytes} bytes`)
    .transform((text) => text.toLowerCase() as Hex);
const transfer = z.object({ amount: int });

/** An EVM payment chain's settlement of the epoch, the parts verify checks (status API `settlement[]`). */
const evmSettlementSchema = z.object({
  family: z.literal("evm"),
  chainId: z.number().int(),
  name: z.string(),
  listed: z.boolean(),
  status: z.enum(["open", "settled", "released"]).optional(),
  paid: int.optional(),
  payments: z.number().int().nonnegative().optional(),
  refundBps: z.number().int().optional(),
  refunded: int.optional(),
  refunds: z.array(transfer.extend({ paymentIndex: int })).optional(),
  release: transfer.nullable().optional(),
  payouts: z.array(transfer.extend({ payoutIndex: z.number().int(), shareBps: z.number().int() })).optional(),
});

/** Solana's payments of the epoch and the vault's refund transfers. */
const solanaSettlementSchema = z.object({
  family: z.literal("solana"),
  chainId: z.number().int(),
  payments: z.array(z.object({ paymentId: z.string(), amount: int })),
  refunds: z.array(transfer.extend({ reference: z.string() })).nullable(),
});

const settlementSchema = z.discriminatedUnion("family", [evmSettlementSchema, solanaSettlementSchema]);
/** One payment chain's settlement as verify reads it. */
export type SettlementView = z.infer<typeof settlementSchema>;

/**
 * `GET /models/{modelId}/epochs/{epoch}` as verify reads it: where the evidence is, the rules it is recomputed with,
 * each chain's settlement and the bond's top-ups. Everything verify compares against comes from the chain, not from
 * here; the verdict here only tells whether there is one yet.
 */
export const epochAnswerSchema = z.object({
  modelId: int,
  epoch: int,
  homeChainId: z.number().int().positive(),
  verdict: z.object({ reportHash: hex(32) }).nullable(),
  evidence: z
    .object({
      bundle: hex(32),
      rules: z
        .object({
          quorum: z.number().int().min(1),
          uptimeBucketSeconds: z.number().int().positive(),
          receiptSigners: z.array(hex(20)),
        })
        .optional(),
    })
    .nullable(),
  bond: z.object({ topUps: z.array(z.object({ chainId: z.number().int(), amount: int })) }).nullable(),
  settlement: z.array(settlementSchema),
});
/** See {@link epochAnswerSchema}. */
export type EpochAnswer = z.infer<typeof epochAnswerSchema>;

/** A status API error body (`{ error: { name, message, kind? } }`). */
export const errorAnswerSchema = z.object({
  error: z.object({ name: z.string(), message: z.string(), kind: z.string().optional() }),
});
