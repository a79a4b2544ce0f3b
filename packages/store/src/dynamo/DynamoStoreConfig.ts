import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Clock } from "@slabridge/core";

/**
 * What every DynamoDB store needs: a client (plain or document), its table, and optionally a clock (stamps each
 * write's `storedAt`, for diagnosing lag between observing and storing).
 *
 * @example new DynamoJobStore({ client: new DynamoDBClient({ region }), tableName: "prod-Jobs" });
 */
export interface DynamoStoreConfig {
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
  clock?: Clock;
}
