import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Clock } from "@slabridge/core";
import type { TableKey } from "@slabridge/topology";
import { DynamoSvmVoucherCheckpointStore } from "../checkpoints/DynamoSvmVoucherCheckpointStore.ts";
import { DynamoVoucherCheckpointStore } from "../checkpoints/DynamoVoucherCheckpointStore.ts";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { DynamoSampleStore } from "../samples/DynamoSampleStore.ts";
import { DynamoUsageReceiptStore } from "../usage/DynamoUsageReceiptStore.ts";
import { DynamoCursorStore } from "./DynamoCursorStore.ts";
import { DynamoJobStore } from "./DynamoJobStore.ts";
import { DynamoNonceStore } from "./DynamoNonceStore.ts";
import { DynamoPaymentStore } from "./DynamoPaymentStore.ts";
import { DynamoSendLeaseStore } from "./DynamoSendLeaseStore.ts";
import { toDocumentClient } from "./toDocumentClient.ts";

/**
 * Options of {@link createStores}.
 *
 * @example const options: CreateStoresOptions = { region: "us-east-1", tableNames: dynamo.tableNames };
 */
export interface CreateStoresOptions {
  /** A local DynamoDB (loopback only, e.g. the devnet's); absent in AWS, where the region's endpoint is used. */
  endpoint?: string;
  region: string;
  /** Physical table names (SST outputs in AWS, `startLocalDynamo().tableNames` locally). */
  tableNames: Readonly<Record<Extract<TableKey, "jobs" | "cursors" | "payments" | "nonces">, string>> & {
    /** The Samples table; only the measuring functions (probers, evaluator) need it. */
    readonly samples?: string;
    /**
     * The VoucherCheckpoints table; the relay's claims of SLA receivers' epochs and of the Solana vault's voucher
     * pulls (pay per call) need it.
     */
    readonly voucherCheckpoints?: string;
    /** The UsageReceipts table; the gateway writes it, the evaluator reads it (pay per call). */
    readonly usageReceipts?: string;
  };
  clock?: Clock;
}

/**
 * The DynamoDB stores, sharing one client (the sample store only when its table is named).
 *
 * @example const { jobs, destroy }: DynamoStores = createStores(options); destroy();
 */
export interface DynamoStores {
  jobs: DynamoJobStore;
  cursors: DynamoCursorStore;
  nonces: DynamoNonceStore;
  payments: DynamoPaymentStore;
  /** Send leases (the Solana vault's), kept in the Cursors table. */
  leases: DynamoSendLeaseStore;
  /** Probe samples; undefined unless `tableNames.samples` was given. */
  samples: DynamoSampleStore | undefined;
  /** The gateways' voucher checkpoints; undefined unless `tableNames.voucherCheckpoints` was given. */
  checkpoints: DynamoVoucherCheckpointStore | undefined;
  /** The gateways' Solana voucher checkpoints (same table); undefined unless `tableNames.voucherCheckpoints` was given. */
  svmCheckpoints: DynamoSvmVoucherCheckpointStore | undefined;
  /** The gateways' signed usage receipts; undefined unless `tableNames.usageReceipts` was given. */
  usageReceipts: DynamoUsageReceiptStore | undefined;
  /** The shared document client (for health checks). */
  client: DynamoDBDocumentClient;
  /** Closes the client's sockets. */
  destroy(): void;
}

/** Placeholders a local server accepts; they also keep the SDK off the default chain (no metadata-service probe). */
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

function localEndpoint(endpoint: string): string {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    throw new InvalidStoreInputError(`local DynamoDB endpoint ${endpoint} is not a URL`);
  }
  // Dummy credentials are only ever sent to this machine.
  if (!LOOPBACK_HOSTS.has(host)) {
    throw new InvalidStoreInputError(`local DynamoDB endpoint ${endpoint} must be on loopback (127.0.0.1, ::1)`);
  }
  return endpoint;
}

/**
 * Creates the stores on one client: with `endpoint` a local DynamoDB on loopback with explicit dummy
 * credentials; without, AWS with the default credential chain (the Lambda role).
 *
 * @example const { jobs, payments, destroy } = createStores({ endpoint: dynamo.endpoint, region: "us-east-1", tableNames: dynamo.tableNames });
 */
export function createStores(options: CreateStoresOptions): DynamoStores {
  const client =
    options.endpoint === undefined
      ? new DynamoDBClient({ region: options.region })
      : new DynamoDBClient({
          region: options.region,
          endpoint: localEndpoint(options.endpoint),
          credentials: LOCAL_CREDENTIALS,
        });
  const doc = toDocumentClient(client);
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  const { tableNames } = options;
  return {
    jobs: new DynamoJobStore({ client: doc, tableName: tableNames.jobs, ...clock }),
    cursors: new DynamoCursorStore({ client: doc, tableName: tableNames.cursors, ...clock }),
    nonces: new DynamoNonceStore({ client: doc, tableName: tableNames.nonces, ...clock }),
    payments: new DynamoPaymentStore({ client: doc, tableName: tableNames.payments, ...clock }),
    leases: new DynamoSendLeaseStore({ client: doc, tableName: tableNames.cursors, ...clock }),
    samples:
      tableNames.samples === undefined
        ? undefined
        : new DynamoSampleStore({ client: doc, tableName: tableNames.samples, ...clock }),
    checkpoints:
      tableNames.voucherCheckpoints === undefined
        ? undefined
        : new DynamoVoucherCheckpointStore({ client: doc, tableName: tableNames.voucherCheckpoints, ...clock }),
    svmCheckpoints:
      tableNames.voucherCheckpoints === undefined
        ? undefined
        : new DynamoSvmVoucherCheckpointStore({ client: doc, tableName: tableNames.voucherCheckpoints, ...clock }),
    usageReceipts:
      tableNames.usageReceipts === undefined
        ? undefined
        : new DynamoUsageReceiptStore({ client: doc, tableName: tableNames.usageReceipts }),
    client: doc,
    destroy: () => client.destroy(),
  };
}
