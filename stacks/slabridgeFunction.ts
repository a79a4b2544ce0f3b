import type { TableKey } from "@slabridge/topology";
import type { Signers, SigningKey } from "./signers.ts";
import type { ChainFamily, StageTopology } from "./stages.ts";
import type { Storage } from "./storage.ts";

/**
 * One slabridge Lambda, as every stack declares it: Node 22, JSON logs kept 3 months, the stage config and deployment
 * manifest bundled with the code, and exactly the links the plan names (tables it may write, RPC URL secrets of the
 * chain families it talks to, the guardian API, its signing keys with `kms:Sign`/`kms:GetPublicKey` on those keys
 * only) plus whatever extra links and IAM statements its stack adds. Nothing else is reachable from the function.
 *
 * `provider` places the function in another region (SST v3's multi-region pattern:
 * `new sst.aws.Function(name, args, { provider: new aws.Provider(name, { region }) })`).
 *
 * @example
 * const retry = createSlabridgeFunction({ topology, storage, signers }, {
 *   name: "Retry", handler: "functions/src/retry.handler", description: "Re-enqueues jobs", service: "slabridge-relay",
 *   timeoutSeconds: 60, memory: "256 MB", tables: ["jobs"], rpcFamilies: [], guardianApi: false, signingKeys: [],
 * });
 */
export interface SlabridgeFunctionPlan {
  /** Component name; its handler is `functions/src/<camelCase name>.handler` by convention. */
  readonly name: string;
  readonly handler: string;
  readonly description: string;
  /** Powertools service name (logs and metrics dimension). */
  readonly service: string;
  readonly timeoutSeconds: number;
  readonly memory: `${number} MB`;
  /** Tables linked with SST's full table access (read and conditional writes). */
  readonly tables: readonly TableKey[];
  /** RPC URL secrets of the chains of these families. */
  readonly rpcFamilies: readonly ChainFamily[];
  readonly guardianApi: boolean;
  readonly signingKeys: readonly SigningKey[];
  /** Further linkables (a queue, a read-only table name, the prober function list). */
  readonly links?: readonly unknown[];
  /** Further IAM statements (never wildcards). */
  readonly permissions?: readonly sst.aws.FunctionPermissionArgs[];
  /** Further environment variables (never URLs or secrets: those are links). */
  readonly environment?: Readonly<Record<string, $util.Input<string>>>;
  readonly url?: sst.aws.FunctionArgs["url"];
  /** The region's provider when the function runs outside the app's home region. */
  readonly provider?: aws.Provider;
}

/** What every stack passes to {@link createSlabridgeFunction}. */
export interface SlabridgeFunctionContext {
  readonly topology: StageTopology;
  readonly storage: Storage;
  readonly signers: Signers;
}

/**
 * Declares one function from its plan (see {@link SlabridgeFunctionPlan}).
 *
 * @example
 * const fn = createSlabridgeFunction({ topology, storage, signers }, plan);
 */
export function createSlabridgeFunction(
  context: SlabridgeFunctionContext,
  plan: SlabridgeFunctionPlan,
): sst.aws.Function {
  const { topology, storage, signers } = context;
  const rpcUrlSecrets = signers.rpcUrls
    .filter((rpcUrl) => plan.rpcFamilies.includes(rpcUrl.chain.family))
    .map((rpcUrl) => rpcUrl.secret);
  const permissions: sst.aws.FunctionPermissionArgs[] = [];
  if (plan.signingKeys.length > 0) {
    permissions.push({
      actions: ["kms:Sign", "kms:GetPublicKey"],
      resources: plan.signingKeys.map((signingKey) => signingKey.key.arn),
    });
  }
  permissions.push(...(plan.permissions ?? []));
  const args: sst.aws.FunctionArgs = {
    handler: plan.handler,
    description: plan.description,
    runtime: "nodejs22.x",
    timeout: `${plan.timeoutSeconds} seconds`,
    memory: plan.memory,
    logging: { format: "json", retention: "3 months" },
    // The stage config and the contracts' deployment manifest ship with the code (read at cold start).
    copyFiles: [{ from: topology.configFile }, { from: topology.manifestFile }],
    environment: {
      POWERTOOLS_SERVICE_NAME: plan.service,
      POWERTOOLS_METRICS_NAMESPACE: "slabridge",
      STAGE: topology.stage,
      SLABRIDGE_CONFIG: topology.configFile,
      SLABRIDGE_MANIFEST: topology.manifestFile,
      ...plan.environment,
    },
    link: [
      ...plan.tables.map((table) => storage[table]),
      ...(plan.links ?? []),
      ...rpcUrlSecrets,
      ...(plan.guardianApi ? [signers.guardianApiUrl] : []),
      ...plan.signingKeys.map((signingKey) => signingKey.linkable),
    ],
    permissions,
    ...(plan.url === undefined ? {} : { url: plan.url }),
  };
  return plan.provider
    ? new sst.aws.Function(plan.name, args, { provider: plan.provider })
    : new sst.aws.Function(plan.name, args);
}
