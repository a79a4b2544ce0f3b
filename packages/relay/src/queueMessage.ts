import { SlabridgeError } from "@slabridge/core";
import { z } from "zod";

/** Body of a relay-queue message: just the job id; the job's state lives in the store. */
export const relayQueueMessageSchema = z.object({
  jobId: z
    .string()
    .min(3)
    .max(512)
    .regex(/^[a-z-]+:/, "must start with a job kind prefix")
    .describe("deterministic job id"),
});
export type RelayQueueMessage = z.infer<typeof relayQueueMessageSchema>;

/** A queue message that is not JSON or not a relay message. Nothing is changed; it ends in the dead-letter queue. */
export class MalformedQueueMessageError extends SlabridgeError {
  override readonly name = "MalformedQueueMessageError" as const;
  constructor(reason: string) {
    super("malformed relay queue message", { details: reason, retryable: false });
  }
}

/**
 * Parses a relay-queue message body, or throws MalformedQueueMessageError.
 *
 * @example const { jobId } = parseRelayQueueMessage(record.body);
 */
export function parseRelayQueueMessage(body: string): RelayQueueMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedQueueMessageError("body is not JSON");
  }
  const parsed = relayQueueMessageSchema.safeParse(json);
  if (!parsed.success) {
    throw new MalformedQueueMessageError(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; "),
    );
  }
  return parsed.data;
}
