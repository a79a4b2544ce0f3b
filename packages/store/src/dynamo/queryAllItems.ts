import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";
import { storeCall } from "./storeCall.ts";

/**
 * Every item a query matches, page after page (DynamoDB returns at most 1 MB per call), strongly consistent and in
 * range-key order.
 *
 * @example const items = await queryAllItems(doc, table, { KeyConditionExpression: "epochKey = :k", ExpressionAttributeValues: { ":k": key } });
 */
export async function queryAllItems(
  doc: DynamoDBDocumentClient,
  table: string,
  input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey" | "ConsistentRead" | "ScanIndexForward">,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const query = new QueryCommand({
      ...input,
      TableName: table,
      ConsistentRead: true,
      ScanIndexForward: true,
      ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
    });
    const out = await storeCall("Query", table, () => doc.send(query));
    items.push(...(out?.Items ?? []));
    startKey = out?.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}
