import { SlabridgeError } from "@slabridge/core";
import {
  type FunctionDescription,
  type QueueKey,
  type SigningKeyRole,
  type TableKey,
  tables,
} from "@slabridge/topology";
import type { Signers, SigningKey } from "./signers.ts";
import type { StageTopology } from "./stages.ts";
import type { Storage } from "./storage.ts";

/**
 * One slabridge Lambda, as every stack declares it from its record in `@slabridge/topology`'s `deployedFunctions`:
 * Node 22, JSON logs kept 3 months, the stage config and deployment manifest bundled with the code, and exactly the
 * links the record names (tables it may write, tables it may only read, RPC URL secrets of the chain families it
 * talks to, the guardian API, the queues it sends to, the prober list with `lambda:InvokeFunction` on the probers),
 * and `kms:Sign`/`kms:GetPublicKey` on exactly the KMS key ARNs the manifest names for its signing roles. Nothing else
 * is reachable from the function.
 *
 * `provider` places the function in another region (SST v3's multi-region pattern:
 * `new sst.aws.Function(name, args, { provider: new aws.Provider(name, { region }) })`).
 *
 * @example
 * const retry = createSlabridgeFunction({ topology, storage, signers, queues: { relay: queue } }, deployedFunctions.retry);
 */
export interface SlabridgeFunctionOptions {
  /** Component name, when not the record's (each regional prober adds its region). */
  readonly name?: string;
  readonly description?: string;
  /** Further environment variables (never URLs or secrets: those are links). */
  readonly environment?: Readonly<Record<string, $util.Input<string>>>;
  readonly url?: sst.aws.FunctionArgs["url"];
  /** Response streaming on its function URL (the handler is `awslambda.streamifyResponse`-wrapped). */
  readonly streaming?: boolean;
  /** The region's provider when the function runs outside the app's home region. */
  readonly provider?: aws.Provider;
  /** A regional prober's vantage point (0-based): which prober key is its own (`ownProber`). */
  readonly vantage?: number;
  /** Further files or directories shipped with the code, besides the stage config and manifest. */
  readonly copyFiles?: readonly { readonly from: string }[];
}

/** A read-only table as linked to a function: its name only (`Resource.JobsReadOnly.name`). */
export type ReadOnlyTable = sst.Linkable<{ name: $util.Output<string> }>;

/** One read-only linkable per table of a stage's storage, whichever stack first needs it. */
const readOnlyLinkables = new WeakMap<Storage, Map<TableKey, ReadOnlyTable>>();

/**
 * The read-only link of a table (its name only; the function's policy grants reads alone), created once per stage.
 *
 * @example const link = readOnlyTableOf(storage, "voucherCheckpoints");
 */
function readOnlyTableOf(storage: Storage, table: TableKey): ReadOnlyTable {
  const byTable = readOnlyLinkables.get(storage) ?? new Map<TableKey, ReadOnlyTable>();
  readOnlyLinkables.set(storage, byTable);
  let link = byTable.get(table);
  if (!link) {
    link = new sst.Linkable(`${tables[table].name}ReadOnly`, { properties: { name: storage[table].name } });
    byTable.set(table, link);
  }
  return link;
}

/** The probers as the coordinator sees them: the `ProberFunctions` linkable and the ARNs it may invoke. */
export interface ProberLinks {
  readonly linkable: sst.Linkable<Record<string, unknown>>;
  readonly arns: readonly $util.Output<string>[];
}

/** What every stack passes to {@link createSlabridgeFunction}: the resources a record's links can name. */
export interface SlabridgeFunctionContext {
  readonly topology: StageTopology;
  readonly storage: Storage;
  readonly signers: Signers;
  /** The relay stack's queues (for records that link a queue). */
  readonly queues?: Partial<Record<QueueKey, sst.aws.Queue>>;
  /** The API stack's read-only table linkables (for records with `readOnlyTables`). */
  readonly readOnlyTables?: Partial<Record<TableKey, ReadOnlyTable>>;
  /** The probe stack's probers (for records with `proberFunctions`). */
  readonly probers?: ProberLinks;
  /** The evidence bucket (for records with `evidence` other than `none`). */
  readonly evidence?: sst.aws.Bucket;
}

/** One read-only linkable per evidence bucket, whichever stack first needs it. */
const readOnlyEvidence = new WeakMap<sst.aws.Bucket, sst.Linkable<{ name: $util.Output<string> }>>();

/**
 * The read-only link of the evidence bucket (its name only; the function's policy grants `s3:GetObject` alone).
 *
 * @example const link = readOnlyEvidenceOf(bucket);
 */
function readOnlyEvidenceOf(bucket: sst.aws.Bucket): sst.Linkable<{ name: $util.Output<string> }> {
  let link = readOnlyEvidence.get(bucket);
  if (!link) {
    link = new sst.Linkable("EvidenceReadOnly", { properties: { name: bucket.name } });
    readOnlyEvidence.set(bucket, link);
  }
  return link;
}

/**
 * A record links a resource its stack did not put in the context (a wiring mistake, caught at `sst deploy`).
 *
 * @example
 * createSlabridgeFunction({ topology, storage, signers }, deployedFunctions.relay); // throws: no relay queue given
 */
export class UnlinkableResourceError extends SlabridgeError {
  override readonly name = "UnlinkableResourceError" as const;
  constructor(functionName: string, resource: string) {
    super(`${functionName} links ${resource}, which its stack did not provide`, { retryable: false });
  }
}

/**
 * The signing keys of a role.
 *
 * @example signingKeysOf(signers, "relayer", undefined); // [signers.evm.relayer]
 */
function signingKeysOf(signers: Signers, role: SigningKeyRole, vantage: number | undefined): readonly SigningKey[] {
  // A prober region's key of a per-vantage list: the one at its index, if any.
  const ownKey = (keys: readonly SigningKey[]): readonly SigningKey[] => {
    const own = vantage === undefined ? undefined : keys[vantage];
    return own ? [own] : [];
  };
  switch (role) {
    case "relayer":
      return [signers.evm.relayer];
    case "dvn":
      return [signers.evm.dvn];
    case "ownProber":
      // Only its own vantage point's key: no function holds two prober keys.
      return ownKey(signers.evm.probers);
    case "ownProberPayer":
      // None when the stage's probers do not pay (no model sold through the gateway).
      return ownKey(signers.evm.proberPayers);
    case "nettingVaults":
      return signers.evm.nettingVaults;
    case "x402Facilitator":
      return signers.evm.x402Facilitator ? [signers.evm.x402Facilitator] : [];
    case "solanaOperators":
      return signers.solanaOperators;
  }
}

/**
 * Declares one function from its record (see {@link SlabridgeFunctionOptions}).
 *
 * @example
 * const fn = createSlabridgeFunction({ topology, storage, signers }, deployedFunctions.evaluate, { environment });
 */
export function createSlabridgeFunction(
  context: SlabridgeFunctionContext,
  fn: FunctionDescription,
  options: SlabridgeFunctionOptions = {},
): sst.aws.Function {
  const { topology, storage, signers } = context;
  const { links } = fn;
  const name = options.name ?? fn.name;
  const required = <T>(resource: T | undefined, what: string): T => {
    if (resource === undefined) throw new UnlinkableResourceError(name, what);
    return resource;
  };
  const rpcUrlSecrets = signers.rpcUrls
    .filter((rpcUrl) => links.rpcFamilies.includes(rpcUrl.chain.family))
    .map((rpcUrl) => rpcUrl.secret);
  // Granted, not linked: the function finds its keys in the manifest bundled with it, the same file they come from.
  const signingKeys = links.signingKeys.flatMap((role) => signingKeysOf(signers, role, options.vantage));
  if (links.signingKeys.includes("ownProber") && signingKeysOf(signers, "ownProber", options.vantage).length === 0) {
    required(undefined, "its own prober key (one per prober region)");
  }
  const readOnlyTables = links.readOnlyTables.map(
    (table) => context.readOnlyTables?.[table] ?? readOnlyTableOf(storage, table),
  );
  const queues = links.queues.map((queue) => required(context.queues?.[queue], `the ${queue} queue`));
  const probers = links.proberFunctions ? required(context.probers, "the prober functions") : undefined;
  const evidence = links.evidence === "none" ? undefined : required(context.evidence, "the evidence bucket");

  const permissions: sst.aws.FunctionPermissionArgs[] = [];
  if (signingKeys.length > 0) {
    permissions.push({
      actions: ["kms:Sign", "kms:GetPublicKey"],
      resources: signingKeys.map((signingKey) => signingKey.arn),
    });
  }
  if (links.readOnlyTables.length > 0) {
    // All the stores use to read: items and queries, on the tables and their global indexes.
    const indexArns = links.readOnlyTables.flatMap((table) =>
      Object.keys(globalIndexesOf(table)).map((index) => $interpolate`${storage[table].arn}/index/${index}`),
    );
    permissions.push({
      actions: ["dynamodb:GetItem", "dynamodb:Query"],
      resources: [...links.readOnlyTables.map((table) => storage[table].arn), ...indexArns],
    });
  }
  if (probers) permissions.push({ actions: ["lambda:InvokeFunction"], resources: [...probers.arns] });
  // A bucket link grants s3:* (SST); a reader gets its objects only.
  if (evidence && links.evidence === "read") {
    permissions.push({ actions: ["s3:GetObject"], resources: [$interpolate`${evidence.arn}/*`] });
  }

  const args: sst.aws.FunctionArgs = {
    handler: fn.handler,
    description: options.description ?? fn.description,
    runtime: "nodejs22.x",
    timeout: `${fn.timeoutSeconds} seconds`,
    memory: `${fn.memoryMb} MB`,
    logging: { format: "json", retention: "3 months" },
    // The stage config and the contracts' deployment manifest ship with the code (read at cold start).
    copyFiles: [{ from: topology.configFile }, { from: topology.manifestFile }, ...(options.copyFiles ?? [])],
    environment: {
      POWERTOOLS_SERVICE_NAME: fn.service,
      POWERTOOLS_METRICS_NAMESPACE: "slabridge",
      STAGE: topology.stage,
      SLABRIDGE_CONFIG: topology.configFile,
      SLABRIDGE_MANIFEST: topology.manifestFile,
      ...options.environment,
    },
    link: [
      ...links.tables.map((table) => storage[table]),
      ...readOnlyTables,
      ...queues,
      ...(probers ? [probers.linkable] : []),
      ...(evidence ? [links.evidence === "write" ? evidence : readOnlyEvidenceOf(evidence)] : []),
      ...rpcUrlSecrets,
      ...(links.guardianApi ? [signers.guardianApiUrl] : []),
      ...(links.gatewayReceiptKey ? [signers.gatewayReceiptKey] : []),
    ],
    permissions,
    ...(options.url === undefined ? {} : { url: options.url }),
    ...(options.streaming === undefined ? {} : { streaming: options.streaming }),
  };
  return options.provider
    ? new sst.aws.Function(name, args, { provider: options.provider })
    : new sst.aws.Function(name, args);
}

function globalIndexesOf(table: TableKey): Readonly<Record<string, unknown>> {
  const definition = tables[table];
  return "globalIndexes" in definition ? definition.globalIndexes : {};
}
