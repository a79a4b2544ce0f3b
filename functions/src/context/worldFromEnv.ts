import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createStores } from "@slabridge/store";
import { type BuildRelayWorldOptions, buildRelayWorld, type RelayWorld } from "./buildRelayWorld.ts";
import { createKmsClient } from "./createKmsClient.ts";
import { linkedQueue, linkedResource, linkedTable } from "./linkedResource.ts";
import { resolveRpcUrl } from "./resolveRpcUrl.ts";
import { type StageFiles, stageWorld } from "./stageFiles.ts";

/**
 * The world of a deployed function, built once per container from its environment (and again when the stage's models
 * change, see {@link stageWorld}): the stage config and deployment manifest bundled with the function, linked tables,
 * queue and RPC URL secrets (`SST_RESOURCE_*`). The local runtime builds its world in process instead.
 *
 * @example export const handler = createRelayHandler(worldFromEnv);
 */
export const worldFromEnv: (env?: NodeJS.ProcessEnv) => Promise<RelayWorld> = stageWorld(build);

function build({ config, manifest }: StageFiles, env: NodeJS.ProcessEnv): RelayWorld {
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
