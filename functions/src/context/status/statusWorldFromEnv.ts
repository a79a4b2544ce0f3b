import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { StatusWorld } from "@slabridge/status";
import { DynamoCursorStore, DynamoJobStore, DynamoPaymentStore } from "@slabridge/store";
import { evidenceFromEnv } from "../evidenceFromEnv.ts";
import { linkedResource, linkedTable } from "../linkedResource.ts";
import { resolveRpcUrl } from "../resolveRpcUrl.ts";
import { type StageFiles, stageWorld } from "../stageFiles.ts";
import { buildStatusWorld } from "./buildStatusWorld.ts";

/**
 * The status function's world in AWS, built once per container (again when the stage's models change): stage config and manifest bundled with the code,
 * EVM and Solana RPC URLs from linked secrets, and the Jobs, Payments and Cursors tables (the last holds the kill
 * switch's pauses) named by the read-only linkables the API stack gives it (`JobsReadOnly`, `PaymentsReadOnly`,
 * `CursorsReadOnly`) in the app's region (`SLABRIDGE_TABLES_REGION`), and the evidence bucket (`EvidenceReadOnly`) whose
 * bundles `/evidence/<address>` serves.
 *
 * @example export const handler = createStatusHandler(() => statusWorldFromEnv());
 */
export const statusWorldFromEnv: (env?: NodeJS.ProcessEnv) => Promise<StatusWorld> = stageWorld(build);

function build({ config, manifest }: StageFiles, env: NodeJS.ProcessEnv): StatusWorld {
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
