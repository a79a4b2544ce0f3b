import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { type LocalDynamo, startLocalDynamo } from "@slabridge/devnet";
import { afterAll, beforeAll } from "vitest";
import { createStores, type DynamoStores } from "../dynamo/createStores.ts";
import { describeSampleStoreContract } from "./describeSampleStoreContract.ts";
import { MemorySampleStore } from "./MemorySampleStore.ts";

let dynamo: LocalDynamo;
let stores: DynamoStores;
let raw: DynamoDBDocumentClient;

beforeAll(async () => {
  dynamo = await startLocalDynamo({ tablePrefix: "sample-contract-" });
  stores = createStores({ endpoint: dynamo.endpoint, region: "us-east-1", tableNames: dynamo.tableNames });
  raw = DynamoDBDocumentClient.from(dynamo.client());
});

afterAll(async () => {
  stores.destroy();
  await dynamo.close();
});

describeSampleStoreContract("memory", async () => {
  const samples = new MemorySampleStore();
  return { samples, putRaw: async (item) => samples.putRawItem(item) };
});

describeSampleStoreContract("dynamodb", async () => {
  const TableName = dynamo.tableNames.samples;
  const { Items = [] } = await raw.send(new ScanCommand({ TableName }));
  await Promise.all(
    Items.map((item) =>
      raw.send(new DeleteCommand({ TableName, Key: { sampleKey: item.sampleKey, sampleId: item.sampleId } })),
    ),
  );
  const { samples } = stores;
  if (!samples) throw new Error("createStores made no sample store");
  return {
    samples,
    putRaw: async (item) => {
      await raw.send(new PutCommand({ TableName, Item: item }));
    },
  };
});
