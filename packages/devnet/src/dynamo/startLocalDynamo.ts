import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type TableKey, tables } from "@slabridge/topology";
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
 * The server's thread: dynalite (an in-memory DynamoDB on LevelDB) listening on 127.0.0.1, its port posted back. Its
 * own thread, like a real DynamoDB's own machine: the devnet's one Node thread already runs every handler, and serving
 * thousands of requests (parsing, LevelDB, JSON) there took CPU from them.
 */
const serverThread = `
const { parentPort, workerData } = require("node:worker_threads");
const dynalite = require(workerData.dynalite);
// createTableMs 0: tables still pass through CREATING, but become ACTIVE at once.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once("error", (error) => { throw error; });
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
`;

/** Starts dynalite in its own thread and resolves its port; the thread's errors reject. */
async function startServerThread(): Promise<{ port: number; worker: Worker }> {
  const worker = new Worker(serverThread, {
    eval: true,
    // The thread loads dynalite by this resolved path: a worker evaluated from a string resolves nothing itself.
    workerData: { dynalite: fileURLToPath(import.meta.resolve("dynalite")) },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", (message: number) => resolve(message));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new LocalDynamoExitedError(code)));
  });
  return { port, worker };
}

/**
 * Starts an in-memory dynalite on 127.0.0.1, in its own thread, with every table of `@slabridge/topology` created and
 * ACTIVE.
 *
 * @example
 * const dynamo = await startLocalDynamo({ tablePrefix: "test-" }); const ddb = dynamo.client(); await dynamo.close();
 */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const prefix = options.tablePrefix ?? "";
  const { port, worker } = await startServerThread();
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const client = (): DynamoDBClient => {
    const created = new DynamoDBClient({ ...localClientConfig, endpoint });
    clients.push(created);
    return created;
  };
  const close = async (): Promise<void> => {
    for (const created of clients.splice(0)) created.destroy();
    await worker.terminate();
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

/**
 * The local DynamoDB's thread ended before it listened (dynalite failed to load or to bind 127.0.0.1).
 *
 * @example
 * throw new LocalDynamoExitedError(1);
 */
class LocalDynamoExitedError extends Error {
  override readonly name = "LocalDynamoExitedError";
  constructor(readonly exitCode: number) {
    super(`the local DynamoDB thread exited (code ${exitCode}) before listening`);
  }
}
