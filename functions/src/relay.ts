import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Logger } from "@aws-lambda-powertools/logger";
import { parseRelayQueueMessage } from "@slabridge/relay";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { worldFromEnv } from "./context/worldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-relay" });

/**
 * Relay queue consumer: each record names one job; the engine advances it as far as it can. A malformed record
 * fails alone (partial batch response) and ends in the dead-letter queue; a job that failed is already recorded with
 * its backoff by the engine, so its record is acknowledged and the retry schedule picks the job up again.
 *
 * @example export const handler = createRelayHandler(() => world); // local runtime
 */
export function createRelayHandler(getWorld: () => Promise<RelayWorld>) {
  const processor = new BatchProcessor(EventType.SQS);
  const processRecord = async (record: SQSRecord) => {
    const { jobId } = parseRelayQueueMessage(record.body);
    const world = await getWorld();
    const outcome = await world.engine.process(jobId);
    logger.info("job processed", { jobId, result: outcome.result, messageId: record.messageId });
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    // All records failing is still a partial response (each goes back alone), not a thrown batch.
    processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
}

export const handler = createRelayHandler(() => worldFromEnv());
