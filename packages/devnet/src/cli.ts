#!/usr/bin/env node
// The devnet alone (`node --import tsx packages/devnet/src/cli.ts`): `npm run devnet` runs functions/src/devnet.ts,
// which adds the status API and dashboard over it.
// Before anything that builds an AWS SDK client: see the module.
import "@slabridge/core/sdk-node-version-warning";
import { runDevnetCli } from "./runDevnetCli.ts";

await runDevnetCli(process.argv.slice(2));
