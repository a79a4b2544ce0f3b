#!/usr/bin/env node
// `npm run devnet`: the devnet's command line (@slabridge/devnet), with the status API and its dashboard over the
// running devnet (they live here, with the handlers).
// Before anything that builds an AWS SDK client: see the module.
import "@slabridge/core/sdk-node-version-warning";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runDevnetCli } from "@slabridge/devnet";
import { startDevnetDashboard } from "./local/startDevnetDashboard.ts";

const configFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../config/devnet.json");

await runDevnetCli(process.argv.slice(2), { afterUp: (devnet) => startDevnetDashboard(devnet, configFile) });
