import { readFileSync } from "node:fs";
import { manifestRpcUrlOf, parseStageConfig } from "@slabridge/core";
import { type Devnet, type DevnetExtras, devnetChainsOf } from "@slabridge/devnet";
import { createStores } from "@slabridge/store";
import { buildStatusWorld } from "../context/status/buildStatusWorld.ts";
import { startLocalStatusServer } from "./startLocalStatusServer.ts";

/**
 * The status API and its dashboard over a running devnet (`npm run devnet`): the deployed status handler on
 * 127.0.0.1, over the devnet's manifest, its DynamoDB tables and chains, and the stage config `configFile`. With no
 * bot running there are no verdicts or jobs yet; the models, their SLA terms and epochs, and the chains' records show.
 *
 * @example const extras = await startDevnetDashboard(devnet, "config/devnet.json"); // extras.lines: ["dashboard: …"]
 */
export async function startDevnetDashboard(devnet: Devnet, configFile: string): Promise<DevnetExtras> {
  const config = parseStageConfig(JSON.parse(readFileSync(configFile, "utf8")));
  const { dynamo } = devnet.manifest;
  const stores = createStores({
    ...(dynamo.endpoint ? { endpoint: dynamo.endpoint } : {}),
    region: dynamo.region,
    tableNames: {
      jobs: devnet.dynamo.tableNames.jobs,
      cursors: devnet.dynamo.tableNames.cursors,
      payments: devnet.dynamo.tableNames.payments,
      nonces: devnet.dynamo.tableNames.nonces,
    },
  });
  const world = buildStatusWorld({
    manifest: devnet.manifest,
    config,
    stores: { jobs: stores.jobs, payments: stores.payments, cursors: stores.cursors },
    rpcUrls: new Map(devnetChainsOf(devnet.manifest).evm.map((chain) => [chain.chainId, manifestRpcUrlOf(chain)])),
  });
  const status = await startLocalStatusServer({ world });
  return {
    lines: [`  dashboard              ${status.url}/  (status API: ${status.url}/models)`],
    stop: async () => {
      await status.stop();
      stores.destroy();
    },
  };
}
