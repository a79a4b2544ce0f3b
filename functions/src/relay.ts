import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { parseRelayQueueMessage } from "@slabridge/relay";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { linkedResource, linkedTable } from "./context/linkedResource.ts";
import { worldFromEnv } from "./context/worldFromEnv.ts";

const logger = new Logger({ serviceName: "slabridge-relay" });

/** Options of {@link createRelayHandler}. */
export interface RelayHandlerOptions {
  /** Powertools idempotency on the SQS message id (a redelivered message is answered from the record). */
  idempotency?: { tableName: string; client?: DynamoDBClient };
}

/**
 * Relay queue consumer: each record names one job; the engine advances it as far as it can. A malformed record
 * fails alone (partial batch response) and ends in the dead-letter queue; a job that failed is already recorded with
 * its backoff by the engine, so its record is acknowledged and the retry schedule picks the job up again. Metrics:
 * one count per outcome (`JobConfirmed`, `JobFailed`, ...), published at the end of each batch.
 *
 * @example export const handler = createRelayHandler(() => world); // local runtime
 */
export function createRelayHandler(getWorld: () => Promise<RelayWorld>, options: RelayHandlerOptions = {}) {
  const processor = new BatchProcessor(EventType.SQS);
  // The stage is a dimension so the stacks' alarms on these counts see one stage (STAGE is set on every function).
  const stage = process.env.STAGE;
  const metrics = new Metrics({
    namespace: "slabridge",
    serviceName: "slabridge-relay",
    ...(stage ? { defaultDimensions: { stage } } : {}),
  });
  const processJob = async (record: SQSRecord): Promise<string> => {
    const { jobId } = parseRelayQueueMessage(record.body);
    const world = await getWorld();
    const outcome = await world.engine.process(jobId);
    metrics.addMetric(metricName(outcome.result), MetricUnit.Count, 1);
    logger.info("job processed", { jobId, result: outcome.result, messageId: record.messageId });
    return outcome.result;
  };
  const idempotencyConfig = new IdempotencyConfig({ eventKeyJmesPath: "messageId", expiresAfterSeconds: 3_600 });
  const idempotentJob = options.idempotency
    ? makeIdempotent(processJob, {
        persistenceStore: new DynamoDBPersistenceLayer({
          tableName: options.idempotency.tableName,
          ...(options.idempotency.client ? { awsSdkV3Client: options.idempotency.client } : {}),
        }),
        config: idempotencyConfig,
      })
    : processJob;
  // The batch utility reports failures to SQS but logs nothing: say which record failed and why.
  const processRecord = async (record: SQSRecord): Promise<string> => {
    // Every record counts, also one answered from its idempotency record (processJob does not run then).
    metrics.addMetric("RecordReceived", MetricUnit.Count, 1);
    try {
      return await idempotentJob(record);
    } catch (error) {
      // Counted too, so a batch whose records all failed still publishes a metric (and says so).
      metrics.addMetric("RecordFailed", MetricUnit.Count, 1);
      logger.error("record failed", { messageId: record.messageId, error: error as Error });
      throw error;
    }
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    idempotencyConfig.registerLambdaContext(context);
    try {
      // All records failing is still a partial response (each goes back alone), not a thrown batch.
      return await processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
    } finally {
      // Batches side by side in one process (the local runtime) share this instance: another batch's publish may
      // already have carried this one's counts, and an empty publish only prints a warning.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

function metricName(result: string): string {
  return `Job${result
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("")}`;
}

let deployed: ReturnType<typeof createRelayHandler> | undefined;
/** The deployed handler; built on first use, since its links only exist inside the function. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  deployed ??= createRelayHandler(() => worldFromEnv(), {
    idempotency: { tableName: linkedResource("Idempotency", linkedTable).name },
  });
  return deployed(event, context);
};
