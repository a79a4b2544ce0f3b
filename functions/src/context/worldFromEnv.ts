import { readFileSync } from "node:fs";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { parseDeploymentManifest, parseStageConfig } from "@slabridge/core";
import { createStores } from "@slabridge/store";
import { type BuildRelayWorldOptions, buildRelayWorld, type RelayWorld } from "./buildRelayWorld.ts";
import { createKmsClient } from "./createKmsClient.ts";
import { linkedQueue, linkedResource, linkedTable, MissingLinkError } from "./linkedResource.ts";
import { resolveRpcUrl } from "./resolveRpcUrl.ts";

let cached: Promise<RelayWorld> | undefined;

/**
 * The world of a deployed function, built once per container from its environment: the stage config
 * (`SLABRIDGE_CONFIG`, a JSON file bundled with the function) and the deployment manifest (`SLABRIDGE_MANIFEST`),
 * linked tables, queue and RPC URL secrets (`SST_RESOURCE_*`). The local runtime builds its world in process instead.
 *
 * @example export const handler = createRelayHandler(worldFromEnv);
 */
export function worldFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<RelayWorld> {
  cached ??= Promise.resolve().then(() => build(env));
  return cached;
}

function build(env: NodeJS.ProcessEnv): RelayWorld {
  const configPath = env.SLABRIDGE_CONFIG;
  const manifestPath = env.SLABRIDGE_MANIFEST;
  if (!configPath || !manifestPath) throw new MissingLinkError("SLABRIDGE_CONFIG/SLABRIDGE_MANIFEST", "not set");
  const config = parseStageConfig(JSON.parse(readFileSync(configPath, "utf8")));
  const manifest = parseDeploymentManifest(JSON.parse(readFileSync(manifestPath, "utf8")));
  const rpcUrls = new Map<number, string>();
  for (const chain of config.chains) rpcUrls.set(chain.chainId, resolveRpcUrl(chain, manifest, env));
  const table = (name: string) => linkedResource(name, linkedTable, env).name;
  const region = env.AWS_REGION ?? "us-east-1";
  const stores = createStores({
    region,
    tableNames: {
      jobs: table("Jobs"),
      cursors: table("Cursors"),
      payments: table("Payments"),
      nonces: table("Nonces"),
      // read only: the relay claims from the gateway's checkpoints, it never writes them
      voucherCheckpoints: table("VoucherCheckpointsReadOnly"),
    },
  });
  const queueUrl = linkedResource("RelayQueue", linkedQueue, env).url;
  const sqs = new SQSClient({});
  const options: BuildRelayWorldOptions = {
    manifest,
    config,
    stores,
    rpcUrls,
    allowNonLoopback: true,
    kms: createKmsClient({ region }),
    enqueue: async (jobId) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ jobId }) }));
    },
    enqueueAfter: async (jobId, delaySeconds) => {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({ jobId }),
          DelaySeconds: delaySeconds,
        }),
      );
    },
  };
  return buildRelayWorld(options);
}
