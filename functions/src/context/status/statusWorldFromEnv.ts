import { readFileSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { parseDeploymentManifest, parseStageConfig } from "@slabridge/core";
import type { StatusWorld } from "@slabridge/status";
import { DynamoCursorStore, DynamoJobStore, DynamoPaymentStore } from "@slabridge/store";
import { evidenceFromEnv } from "../evidenceFromEnv.ts";
import { linkedResource, linkedTable, MissingLinkError } from "../linkedResource.ts";
import { resolveRpcUrl } from "../resolveRpcUrl.ts";
import { buildStatusWorld } from "./buildStatusWorld.ts";

let cached: Promise<StatusWorld> | undefined;

/**
 * The status function's world in AWS, built once per container: stage config and manifest bundled with the code,
 * EVM and Solana RPC URLs from linked secrets, and the Jobs, Payments and Cursors tables (the last holds the kill
 * switch's pauses) named by the read-only linkables the API stack gives it (`JobsReadOnly`, `PaymentsReadOnly`,
 * `CursorsReadOnly`) in the app's region (`SLABRIDGE_TABLES_REGION`), and the evidence bucket (`EvidenceReadOnly`) whose
 * bundles `/evidence/<address>` serves.
 *
 * @example export const handler = createStatusHandler(() => statusWorldFromEnv());
 */
export function statusWorldFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<StatusWorld> {
  cached ??= Promise.resolve().then(() => build(env));
  return cached;
}

function build(env: NodeJS.ProcessEnv): StatusWorld {
  const configPath = env.SLABRIDGE_CONFIG;
  const manifestPath = env.SLABRIDGE_MANIFEST;
  if (!configPath || !manifestPath) throw new MissingLinkError("SLABRIDGE_CONFIG/SLABRIDGE_MANIFEST", "not set");
  const config = parseStageConfig(JSON.parse(readFileSync(configPath, "utf8")));
  const manifest = parseDeploymentManifest(JSON.parse(readFileSync(manifestPath, "utf8")));
  const rpcUrls = new Map<number, string>();
  for (const chain of config.chains) {
    // Every chain of the deployment has a reader (Solana's vault outflows are its settlement evidence).
    if (manifest.chains.some((deployed) => deployed.chainId === chain.chainId)) {
      rpcUrls.set(chain.chainId, resolveRpcUrl(chain, manifest, env));
    }
  }
  const client = new DynamoDBClient({ region: env.SLABRIDGE_TABLES_REGION ?? env.AWS_REGION ?? "us-east-1" });
  const table = (name: string) => linkedResource(name, linkedTable, env).name;
  return buildStatusWorld({
    manifest,
    config,
    stores: {
      jobs: new DynamoJobStore({ client, tableName: table("JobsReadOnly") }),
      payments: new DynamoPaymentStore({ client, tableName: table("PaymentsReadOnly") }),
      // the kill switch's pauses, for `/controls`
      cursors: new DynamoCursorStore({ client, tableName: table("CursorsReadOnly") }),
    },
    rpcUrls,
    evidence: evidenceFromEnv(env, "read"),
    allowNonLoopback: true,
  });
}
