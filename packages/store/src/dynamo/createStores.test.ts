import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { type LocalDynamo, startLocalDynamo } from "@slabridge/devnet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { createStores } from "./createStores.ts";
import { DynamoJobStore } from "./DynamoJobStore.ts";

describe("createStores", () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tablePrefix: "create-stores-" });
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it("talks to a local endpoint with explicit dummy credentials and stamps writes with the clock", async () => {
    const stores = createStores({
      endpoint: dynamo.endpoint,
      region: "us-east-1",
      tableNames: dynamo.tableNames,
      clock: { now: () => 1234 },
    });
    try {
      const credentials = await stores.client.config.credentials();
      expect(credentials.accessKeyId).toBe("local");
      expect(await stores.nonces.reserve("evm:1:0xa", 3)).toBe(3);
      const get = new GetCommand({ TableName: dynamo.tableNames.nonces, Key: { senderId: "evm:1:0xa" } });
      const { Item } = await stores.client.send(get);
      expect(Item).toEqual({ senderId: "evm:1:0xa", next: 4, storedAt: 1234 });
    } finally {
      stores.destroy();
    }
  });

  it("refuses a non-loopback local endpoint (dummy credentials never leave the machine)", () => {
    for (const endpoint of ["http://dynamodb.us-east-1.amazonaws.com", "http://10.0.0.5:8000", "not a url"]) {
      expect(() => createStores({ endpoint, region: "us-east-1", tableNames: dynamo.tableNames })).toThrow(
        InvalidStoreInputError,
      );
    }
  });

  it("reports an unreachable server as retryable and a missing table as not", async () => {
    const down = createStores({
      endpoint: "http://127.0.0.1:9",
      region: "us-east-1",
      tableNames: dynamo.tableNames,
    });
    try {
      await expect(down.jobs.get("x")).rejects.toMatchObject({ name: "StoreUnavailableError", retryable: true });
    } finally {
      down.destroy();
    }
    const missing = new DynamoJobStore({ client: dynamo.client(), tableName: "no-such-table" });
    await expect(missing.get("x")).rejects.toMatchObject({ name: "StoreRequestError", retryable: false });
  });
});
