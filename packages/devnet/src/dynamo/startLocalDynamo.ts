import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type TableKey, tables } from "@slabridge/topology";
import dynalite from "dynalite";
import { closeServer } from "../hosts/closeServer.ts";
import { listenLoopback } from "../hosts/listenLoopback.ts";
import { createTableInput } from "./createTableInput.ts";

/** Options for {@link startLocalDynamo}. */
export interface LocalDynamoOptions {
  /** Prepended to each definition's name, so several devnets (or tests) can share nothing. Default "". */
  readonly tablePrefix?: string;
  /** How long to wait for every table to turn ACTIVE. Default 10 s. */
  readonly activeTimeoutMs?: number;
}

/** A running local DynamoDB. */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly tableNames: Readonly<Record<TableKey, string>>;
  /** A client bound to this server with dummy credentials; close() destroys every client handed out. */
  client(): DynamoDBClient;
  close(): Promise<void>;
}

/** Region and credentials are placeholders: dynalite accepts any, and they keep the SDK off the default chain. */
const localClientConfig = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
} as const;

/**
 * Starts an in-memory dynalite on 127.0.0.1 with every table of `@slabridge/topology` created and ACTIVE.
 *
 * @example
 * const dynamo = await startLocalDynamo({ tablePrefix: "test-" }); const ddb = dynamo.client(); await dynamo.close();
 */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const prefix = options.tablePrefix ?? "";
  // createTableMs 0: tables still pass through CREATING, but become ACTIVE at once.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listenLoopback(server);
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const client = (): DynamoDBClient => {
    const created = new DynamoDBClient({ ...localClientConfig, endpoint });
    clients.push(created);
    return created;
  };
  const close = async (): Promise<void> => {
    for (const created of clients.splice(0)) created.destroy();
    await closeServer(server);
  };

  const tableNames = Object.fromEntries(
    Object.entries(tables).map(([key, definition]) => [key, `${prefix}${definition.name}`]),
  ) as Record<TableKey, string>;
  const admin = client();
  try {
    for (const [key, definition] of Object.entries(tables) as [TableKey, (typeof tables)[TableKey]][]) {
      await admin.send(new CreateTableCommand(createTableInput(definition, tableNames[key])));
    }
    await waitActive(admin, Object.values(tableNames), options.activeTimeoutMs ?? 10_000);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, tableNames, client, close };
}

async function waitActive(client: DynamoDBClient, names: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === "ACTIVE");
      if (Table?.TableStatus === "ACTIVE" && indexesActive) break;
      if (Date.now() > deadline) throw new LocalDynamoTimeoutError(name, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/**
 * A local table did not become ACTIVE within the timeout.
 *
 * @example
 * throw new LocalDynamoTimeoutError("Jobs", 10_000);
 */
class LocalDynamoTimeoutError extends Error {
  override readonly name = "LocalDynamoTimeoutError";
  constructor(
    readonly table: string,
    readonly timeoutMs: number,
  ) {
    super(`local DynamoDB table ${table} not ACTIVE after ${timeoutMs} ms`);
  }
}
