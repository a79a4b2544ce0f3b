import type { Job } from "@slabridge/core";
import { z } from "zod";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { fields } from "./fieldSchemas.ts";
import { parseItem } from "./parseItem.ts";

/** A job as DynamoDB stores it: the job's fields, `id` renamed to the key `jobId`, bigints as decimal strings. */
export type JobItem = Record<string, unknown>;

const base = {
  jobId: fields.text,
  kind: z.enum(["relay-receipts", "deliver-message", "refund", "settle"]),
  version: fields.count,
  source: z.object({
    chainId: fields.count,
    transaction: fields.text,
    block: fields.decimal,
    blockHash: fields.text,
    index: fields.count,
  }),
  destinationChainId: fields.count,
  transport: z.enum(["layerzero", "wormhole"]),
  payload: fields.hex,
  attempts: fields.count,
  createdAt: fields.timestamp,
  updatedAt: fields.timestamp,
};

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
    destinationTransaction: fields.text,
    nonce: fields.count.exactOptional(),
    submittedAt: fields.timestamp,
  }),
  z.object({
    ...base,
    status: z.literal("confirmed"),
    destinationTransaction: fields.text,
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

function toRawItem(job: Job): JobItem {
  const { id, source, ...rest } = job;
  const item: JobItem = { jobId: id, source: { ...source, block: source.block.toString() } };
  // Absent optionals must not be written as undefined (the document client rejects them).
  for (const [name, value] of Object.entries(rest)) if (value !== undefined) item[name] = value;
  return item;
}

function fromParsed(parsed: z.output<typeof jobItemSchema>): Job {
  const { jobId, ...rest } = parsed;
  return { ...rest, id: jobId };
}

/**
 * Converts jobs to stored items and back; the one place the item shape is defined, shared by the memory and the
 * DynamoDB stores so both store and reject exactly the same things.
 *
 * @example const item = jobItem.encode(job); const again = jobItem.decode("Jobs", item); // deep-equal to job
 */
export const jobItem = {
  /** The item to store; throws {@link InvalidStoreInputError} when the job would not read back. */
  encode(job: Job): JobItem {
    const parsed = jobItemSchema.safeParse(toRawItem(job));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidStoreInputError(
        `job ${job.id} cannot be stored: ${issue?.path.map(String).join(".") ?? ""} ${issue?.message ?? ""}`,
      );
    }
    // Re-encode the parsed job so fields outside the schema are never stored.
    return toRawItem(fromParsed(parsed.data));
  },
  /** The job a stored item holds; throws CorruptRecordError when it does not parse. */
  decode(table: string, item: unknown): Job {
    const key = typeof item === "object" && item !== null && "jobId" in item ? String(item.jobId) : "(no jobId)";
    return fromParsed(parseItem(jobItemSchema, table, key, item));
  },
} as const;
