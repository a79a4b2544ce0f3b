import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * The document client a store talks through: the given one, or one wrapping a plain client. Items never carry
 * bigints or undefined (the codecs store them as strings or leave them out), so default marshalling is enough.
 *
 * @example const doc = toDocumentClient(new DynamoDBClient({ region: "us-east-1" }));
 */
export function toDocumentClient(client: DynamoDBDocumentClient | DynamoDBClient): DynamoDBDocumentClient {
  return client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client);
}
