import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { type LocalDynamo, startLocalDynamo } from "@slabridge/devnet";
import { afterAll, beforeAll } from "vitest";
import { describeStoreContract } from "../contract/describeStoreContract.ts";
import { createStores, type DynamoStores } from "./createStores.ts";

const KEYS = {
  jobs: ["jobId"],
  cursors: ["cursorId"],
  nonces: ["senderId"],
  payments: ["epochKey", "paymentId"],
} as const;

let dynamo: LocalDynamo;
let stores: DynamoStores;
let raw: DynamoDBDocumentClient;

beforeAll(async () => {
  dynamo = await startLocalDynamo({ tablePrefix: "store-contract-" });
  stores = createStores({ endpoint: dynamo.endpoint, region: "us-east-1", tableNames: dynamo.tableNames });
  raw = DynamoDBDocumentClient.from(dynamo.client());
});

afterAll(async () => {
  stores.destroy();
  await dynamo.close();
});

/** Empties the four tables so each test starts from nothing (one server per file, as starting one is slower). */
async function clearTables(): Promise<void> {
  for (const table of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
    const TableName = dynamo.tableNames[table];
    const { Items = [] } = await raw.send(new ScanCommand({ TableName }));
    await Promise.all(
      Items.map((item) => {
        const Key = Object.fromEntries(KEYS[table].map((name) => [name, item[name]]));
        return raw.send(new DeleteCommand({ TableName, Key }));
      }),
    );
  }
}

describeStoreContract("dynamodb", async () => {
  await clearTables();
  return {
    jobs: stores.jobs,
    cursors: stores.cursors,
    nonces: stores.nonces,
    payments: stores.payments,
    leases: stores.leases,
    putRaw: async (table, item) => {
      // The lease store keeps its items in the Cursors table.
      const TableName = dynamo.tableNames[table === "leases" ? "cursors" : table];
      await raw.send(new PutCommand({ TableName, Item: item }));
    },
  };
});
