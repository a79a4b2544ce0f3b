import type { AttributeDefinition, CreateTableCommandInput, KeySchemaElement } from "@aws-sdk/client-dynamodb";
import type { AttributeType, TableDefinition } from "@slabridge/topology";

const scalarTypes = { string: "S", number: "N", binary: "B" } as const satisfies Record<AttributeType, string>;

function keySchema(index: { readonly hashKey: string; readonly rangeKey?: string }): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: index.hashKey, KeyType: "HASH" }];
  if (index.rangeKey !== undefined) schema.push({ AttributeName: index.rangeKey, KeyType: "RANGE" });
  return schema;
}

/**
 * Turns one of slabridge's plain table definitions into a CreateTable request, PAY_PER_REQUEST, GSIs projecting all.
 *
 * @example
 * await client.send(new CreateTableCommand(createTableInput(tables.jobs, "t1-Jobs")));
 */
export function createTableInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  const indexes = Object.entries(definition.globalIndexes ?? {});
  // DynamoDB rejects attribute definitions for non-key attributes, so only key attributes are declared.
  const keyNames = new Set<string>([definition.primaryIndex.hashKey]);
  if (definition.primaryIndex.rangeKey !== undefined) keyNames.add(definition.primaryIndex.rangeKey);
  for (const [, index] of indexes) {
    keyNames.add(index.hashKey);
    if (index.rangeKey !== undefined) keyNames.add(index.rangeKey);
  }
  const attributeDefinitions: AttributeDefinition[] = [...keyNames].map((name) => {
    const type = definition.fields[name];
    if (type === undefined) throw new TableDefinitionError(definition.name, name);
    return { AttributeName: name, AttributeType: scalarTypes[type] };
  });
  const input: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: attributeDefinitions,
    KeySchema: keySchema(definition.primaryIndex),
    BillingMode: "PAY_PER_REQUEST",
  };
  if (indexes.length > 0) {
    input.GlobalSecondaryIndexes = indexes.map(([indexName, index]) => ({
      IndexName: indexName,
      KeySchema: keySchema(index),
      Projection: { ProjectionType: "ALL" },
    }));
  }
  return input;
}

/**
 * A key attribute of a table definition has no entry in its `fields`, so its DynamoDB type is unknown.
 *
 * @example
 * throw new TableDefinitionError("Jobs", "status");
 */
class TableDefinitionError extends Error {
  override readonly name = "TableDefinitionError";
  constructor(
    readonly table: string,
    readonly attribute: string,
  ) {
    super(`table ${table}: key attribute ${attribute} is not listed in fields`);
  }
}
