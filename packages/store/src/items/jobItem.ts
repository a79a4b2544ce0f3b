import { type Job, jobRecordIssue } from "@slabridge/core";
import { z } from "zod";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { checkedParse } from "./checkedParse.ts";
import { fields } from "./fieldSchemas.ts";
import { parseItem } from "./parseItem.ts";
import { toStorable } from "./toStorable.ts";

/**
 * A job as DynamoDB stores it: the job's fields, `id` renamed to the key `jobId`, bigints as decimal strings.
 *
 * @example const item: JobItem = jobItem.encode(job); // { jobId: job.id, source: { block: "100", ... }, ... }
 */
export type JobItem = Record<string, unknown>;

// Nested objects are written whole, so an unknown nested field is an error rather than silently dropped.
const object = z.strictObject;
const base = {
  jobId: fields.text,
  kind: z.enum(["relay-receipts", "deliver-message", "refund", "settle"]),
  version: fields.count,
  source: object({
    chainId: fields.count,
    transaction: fields.text,
    block: fields.decimal,
    blockHash: fields.text,
    index: fields.count,
  }),
  destinationChainId: fields.count,
  transport: z.enum(["layerzero", "wormhole"]),
  payload: fields.hex,
  messageRef: object({
    transport: z.enum(["layerzero", "wormhole"]),
    messageId: fields.text,
    sourceChainId: fields.count,
    sourceTransaction: fields.text,
  }).exactOptional(),
  epochRef: object({ modelId: fields.decimal, epoch: fields.decimal }).exactOptional(),
  attempts: fields.count,
  createdAt: fields.timestamp,
  updatedAt: fields.timestamp,
};
/**
 * Nested objects are strict (the store writes them whole); the top level is loose on read (`storedAt`) and, on
 * write, keeps the fields of the job's own status (a spread from the previous status may carry others).
 */
const jobItemSchema = z.discriminatedUnion("status", [
  z.object({ ...base, status: z.literal("observed") }),
  z.object({
    ...base,
    status: z.literal("finalized"),
    confirmations: fields.count,
    notBefore: fields.timestamp.exactOptional(),
  }),
  z.object({
    ...base,
    status: z.literal("submitted"),
    confirmations: fields.count,
    destinationTransaction: fields.text.exactOptional(),
    nonce: fields.count.exactOptional(),
    payoutClaim: object({ claimedAt: fields.timestamp, release: fields.text.exactOptional() }).exactOptional(),
    submittedAt: fields.timestamp,
  }),
  z.object({
    ...base,
    status: z.literal("confirmed"),
    destinationTransaction: fields.text.exactOptional(),
    alreadyDone: z.boolean(),
    confirmedAt: fields.timestamp,
  }),
  z.object({
    ...base,
    status: z.literal("failed"),
    reason: z.string(),
    retryable: z.boolean(),
    nextAttemptAt: fields.timestamp,
  }),
  z.object({ ...base, status: z.literal("dead-lettered"), reason: z.string(), deadLetteredAt: fields.timestamp }),
]);

/** The item schema plus core's rules across a state's fields (a payout claim: settle jobs only, never beside a send). */
const checkedJobItemSchema = jobItemSchema.superRefine((item, ctx) => {
  const issue = jobRecordIssue(item);
  if (issue !== undefined) ctx.addIssue({ code: "custom", message: issue, path: ["payoutClaim"] });
});

/** Every field some status has: anything else on a job is a field the store does not know and would lose. */
const KNOWN_FIELDS = new Set(jobItemSchema.options.flatMap((option) => Object.keys(option.shape)));

/**
 * Converts jobs to stored items and back; the one place the item shape is defined, shared by the memory and the
 * DynamoDB stores so both store and reject exactly the same things.
 *
 * @example const item = jobItem.encode(job); const again = jobItem.decode("Jobs", item); // deep-equal to job
 */
export const jobItem = {
  /** The item to store; throws InvalidStoreInputError when the job would not read back exactly. */
  encode(job: Job): JobItem {
    const { id, ...rest } = job;
    const raw = { jobId: id, ...toStorable(rest) };
    const unknown = Object.keys(raw).find((name) => !KNOWN_FIELDS.has(name));
    if (unknown !== undefined) throw new InvalidStoreInputError(`job ${id} cannot be stored: unknown field ${unknown}`);
    const { jobId, ...parsed } = checkedParse(checkedJobItemSchema, raw, `job ${id}`);
    return { jobId, ...toStorable(parsed) };
  },
  /** The job a stored item holds; throws CorruptRecordError when it does not parse. */
  decode(table: string, item: unknown): Job {
    const key = typeof item === "object" && item !== null && "jobId" in item ? String(item.jobId) : "(no jobId)";
    const { jobId, ...rest } = parseItem(checkedJobItemSchema, table, key, item);
    return { ...rest, id: jobId };
  },
} as const;
