import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { MeasureWorld, ProberWorld } from "@slabridge/measuring";
import { DynamoNonceStore, DynamoSampleStore, DynamoUsageReceiptStore } from "@slabridge/store";
import { createKmsClient } from "../createKmsClient.ts";
import { evidenceFromEnv } from "../evidenceFromEnv.ts";
import { linkedResource, linkedTable, MissingLinkError } from "../linkedResource.ts";
import { resolveRpcUrl } from "../resolveRpcUrl.ts";
import { readBundledFiles, stageWorld } from "../stageFiles.ts";
import { buildMeasureWorld, measuredChains } from "./buildMeasureWorld.ts";
import { buildProberWorld } from "./buildProberWorld.ts";

let cachedProber: Promise<ProberWorld> | undefined;

/**
 * The measuring world of a deployed function (coordinator, evaluator), built once per container from its environment
 * like the relay's `worldFromEnv`: stage config and manifest files, linked Samples and Nonces tables, the evidence bucket
 * it publishes report bundles to, RPC URL secrets;
 * probers are invoked through AWS's regional Lambda endpoints.
 *
 * @example export const handler = createEvaluateHandler(() => measureWorldFromEnv());
 */
export const measureWorldFromEnv: (env?: NodeJS.ProcessEnv) => Promise<MeasureWorld> = stageWorld(
  ({ config, manifest }, env) => {
    const rpcUrls = new Map<number, string>();
    const measured = new Set(measuredChains(manifest).map((chain) => chain.chainId));
    for (const chain of config.chains) {
      if (measured.has(chain.chainId)) rpcUrls.set(chain.chainId, resolveRpcUrl(chain, manifest, env));
    }
    // Only the tables this world uses, so the stack links exactly those (Samples, Nonces; UsageReceipts read only).
    const client = new DynamoDBClient({ region: env.SLABRIDGE_TABLES_REGION ?? env.AWS_REGION ?? "us-east-1" });
    const table = (name: string) => linkedResource(name, linkedTable, env).name;
    const stores = {
      samples: new DynamoSampleStore({ client, tableName: table("Samples") }),
      nonces: new DynamoNonceStore({ client, tableName: table("Nonces") }),
      usageReceipts: new DynamoUsageReceiptStore({ client, tableName: table("UsageReceiptsReadOnly") }),
    };
    return buildMeasureWorld({
      manifest,
      config,
      stores,
      // The evaluator publishes each report's bundle where the probers and the status API read it.
      blobs: evidenceFromEnv(env, "write"),
      rpcUrls,
      // The evaluator submits reports with the executor's key (a KMS key in AWS).
      kms: createKmsClient({ region: env.AWS_REGION ?? "us-east-1" }),
      allowNonLoopback: true,
    });
  },
);

/**
 * The world of a deployed prober function (any region): the Samples table (DynamoDB in the home region,
 * `SLABRIDGE_TABLES_REGION`, default the function's region), the probing config, its own key (KMS, in the home region
 * too) and read-only home chain access (buildProberWorld).
 *
 * @example export const handler = createProbeHandler(() => proberWorldFromEnv(vantage), vantage);
 */
export function proberWorldFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<ProberWorld> {
  cachedProber ??= Promise.resolve().then(() => {
    const { config, manifest } = readBundledFiles(env);
    if (!config.probing) throw new MissingLinkError("probing", "the stage config has no probing section");
    // The Samples table lives in the app's home region (the stack sets SLABRIDGE_TABLES_REGION); a prober links only it.
    const region = env.SLABRIDGE_TABLES_REGION ?? env.AWS_REGION ?? "us-east-1";
    const table = linkedResource("Samples", linkedTable, env).name;
    const samples = new DynamoSampleStore({ client: new DynamoDBClient({ region }), tableName: table });
    // The topology links RPC URLs per family (every EVM chain); resolving them all checks them all at cold start.
    const measured = new Set(measuredChains(manifest).map((chain) => chain.chainId));
    const rpcUrls = new Map(
      config.chains.filter((c) => measured.has(c.chainId)).map((c) => [c.chainId, resolveRpcUrl(c, manifest, env)]),
    );
    const homeRpcUrl = rpcUrls.get(manifest.homeChainId);
    if (homeRpcUrl === undefined) throw new MissingLinkError("home chain", "not in the stage config");
    return buildProberWorld({
      manifest,
      config,
      // The same vantage point the probe handler answers for.
      vantage: env.SLABRIDGE_VANTAGE ?? env.AWS_REGION ?? "unknown",
      samples,
      // The bundle the evaluator published: a prober recomputes the report from it before co-signing.
      blobs: evidenceFromEnv(env, "read"),
      homeRpcUrl,
      rpcUrls,
      // Every key lives in the home region (KMS keys are regional; the deploy reads them all there and the stack grants
      // them by ARN): a prober elsewhere signs across regions, as it reads the Samples table.
      kms: createKmsClient({ region }),
      allowNonLoopback: true,
    });
  });
  return cachedProber;
}
