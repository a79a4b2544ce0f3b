import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { Gateway } from "@slabridge/gateway";
import {
  DynamoChannelRecordStore,
  DynamoCursorStore,
  DynamoNonceStore,
  DynamoRateLimiter,
  DynamoSvmChannelStore,
  DynamoSvmVoucherCheckpointStore,
  DynamoUsageReceiptStore,
  DynamoVoucherCheckpointStore,
} from "@slabridge/store";
import { createKmsClient } from "../createKmsClient.ts";
import { linkedResource, linkedSecret, linkedTable } from "../linkedResource.ts";
import { resolveRpcUrl } from "../resolveRpcUrl.ts";
import { routeControlsOf } from "../routeControlsOf.ts";
import { type StageFiles, stageWorld } from "../stageFiles.ts";
import { buildGatewayService } from "./buildGatewayService.ts";

let serviceFromEnv: ((env?: NodeJS.ProcessEnv) => Promise<Gateway>) | undefined;

/**
 * The gateway function's service in AWS, built once per container (again when the stage's models change): stage
 * config and manifest bundled with the code, the Channels, VoucherCheckpoints, UsageReceipts and RateLimits tables, the
 * Cursors table read only (model pauses), the receipt key (the `GatewayReceiptKey` secret) and the RPC URL of every
 * EVM chain of the deployment (its facilitator), all from the links its stack gives it.
 *
 * @example export const handler = createGatewayHandler(() => gatewayServiceFromEnv(), responseStreams);
 */
export function gatewayServiceFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  onError?: (error: unknown) => void,
): Promise<Gateway> {
  serviceFromEnv ??= stageWorld((files, buildEnv) => build(files, buildEnv, onError));
  return serviceFromEnv(env);
}

function build(
  { config, manifest }: StageFiles,
  env: NodeJS.ProcessEnv,
  onError: ((error: unknown) => void) | undefined,
): Promise<Gateway> {
  const rpcUrls = new Map<number, string>();
  const solanaRpcUrls = new Map<number, string>();
  // Only the clusters a model is sold on: their URL is a secret the function may not be linked to otherwise.
  const soldOn = new Set(Object.values(config.gateway?.models ?? {}).map((model) => model.chainId));
  for (const chain of config.chains) {
    if (!manifest.chains.some((deployed) => deployed.chainId === chain.chainId)) continue;
    if (chain.family === "evm") rpcUrls.set(chain.chainId, resolveRpcUrl(chain, manifest, env));
    else if (soldOn.has(chain.chainId)) solanaRpcUrls.set(chain.chainId, resolveRpcUrl(chain, manifest, env));
  }
  const region = env.AWS_REGION ?? "us-east-1";
  const client = new DynamoDBClient({ region });
  const table = (name: string) => linkedResource(name, linkedTable, env).name;
  // The kill switch's records (read only): a model an operator paused is not sold.
  const controls = routeControlsOf(
    config,
    new DynamoCursorStore({ client, tableName: table("CursorsReadOnly") }),
    { now: () => Date.now() },
    manifest,
  );
  return buildGatewayService({
    config,
    manifest,
    stores: {
      channels: new DynamoChannelRecordStore({ client, tableName: table("Channels") }),
      checkpoints: new DynamoVoucherCheckpointStore({ client, tableName: table("VoucherCheckpoints") }),
      svmCheckpoints: new DynamoSvmVoucherCheckpointStore({ client, tableName: table("VoucherCheckpoints") }),
      svmChannels: new DynamoSvmChannelStore({ client, tableName: table("Channels") }),
      usageReceipts: new DynamoUsageReceiptStore({ client, tableName: table("UsageReceipts") }),
      // One bucket per buyer and model for all of the function's instances, not one per instance.
      rateLimits: new DynamoRateLimiter({ client, tableName: table("RateLimits") }),
      // The facilitator key's nonces, so concurrent instances never send two deposits at one nonce.
      nonces: new DynamoNonceStore({ client, tableName: table("Nonces") }),
    },
    receiptKey: linkedResource("GatewayReceiptKey", linkedSecret, env).value,
    kms: createKmsClient({ region }),
    rpcUrls,
    solanaRpcUrls,
    allowNonLoopback: true,
    modelPauses: { pauseOf: (modelId) => controls.modelPause(modelId) },
    ...(onError === undefined ? {} : { onError }),
  });
}
